"""The real project: the full build's wall time and steps, and ``kg serve`` startup on it.

``kg build --force --profile --infer --out DIR`` is run as a user runs it (a subprocess, so
imports count); its step times come from the build's ``manifest.json``. Then ``kg serve --out DIR
--store NEW --no-infer`` is started twice: on an empty store (cold: the store is loaded from the
build) and again on the same store (warm: the store is reused).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from bench import endpoints


def build(out: Path, timeout: float = 900.0) -> dict:
    """Wall time, step times and counts of a forced full build with inference into ``out``."""
    argv = [
        endpoints.kg_executable(),
        "build",
        "--force",
        "--profile",
        "--infer",
        "--out",
        str(out),
    ]
    began = time.perf_counter()
    try:
        done = subprocess.run(
            argv, cwd=endpoints.ROOT, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"kg build did not finish within {timeout:g} s"}
    wall = time.perf_counter() - began
    if done.returncode != 0:
        return {
            "error": f"kg build exited with {done.returncode}: "
            f"{(done.stderr or done.stdout).strip()[-500:]}"
        }
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        return {"wall_seconds": round(wall, 3), "error": f"no manifest: {error}"}
    return {
        "command": "kg build --force --profile --infer --out TMP",
        "wall_seconds": round(wall, 3),
        "steps": manifest.get("timings", {}),
        "counts": manifest.get("counts", {}),
        "profile_output": done.stderr.strip().splitlines()[-20:],
    }


def serve_startup(build_dir: Path, store: Path, logs: Path, timeout: float) -> dict:
    """Cold and warm startup of ``kg serve`` on the build in ``build_dir`` (``store``: a new
    directory; the servers' logs go to ``logs``)."""
    result: dict = {"command": "kg serve --out BUILD --store DIR --port P --no-infer"}
    for phase in ("cold", "warm"):
        port = endpoints.free_port()
        argv = [
            endpoints.kg_executable(),
            "serve",
            "--out",
            str(build_dir),
            "--store",
            str(store),
            "--port",
            str(port),
            "--no-infer",
        ]
        log = logs / f"project-serve-{phase}.log"
        try:
            with endpoints.serving("ours", argv, log, port, timeout) as server:
                result[f"{phase}_seconds"] = round(server.startup_seconds, 3)
                result[f"{phase}_memory"] = server.memory().as_dict()
        except endpoints.StartError as error:
            result[f"{phase}_error"] = str(error)
            break
        text = server.log_text()  # this start's output only: the log is appended to
        if "load sources" in text or "write graph" in text:
            # the inputs changed since the build (someone edited kg/ or data/): serve rebuilt
            result[f"{phase}_note"] = "kg serve rebuilt first: the inputs changed after the build"
    return result
