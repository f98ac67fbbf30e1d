"""What a run ran on: CPU, memory, kernel, Python, package versions, wrk, the git commit.

Figures from different machines (or from the same one under different load) do not compare;
the report carries this so that a reader can tell.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "rdflib",
    "pyoxigraph",
    "oxrdflib",
    "Flask",
    "gunicorn",
    "rdflib-endpoint",
    "uvicorn",
    "fastapi",
    "pySHACL",
    "owlrl",
    "matplotlib",
)


def describe(root: Path) -> dict:
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_total_bytes": _memory_total(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "wrk": _wrk_version(),
        "git": {
            "commit": _run(["git", "-C", str(root), "rev-parse", "HEAD"]).strip() or None,
            "dirty": bool(_run(["git", "-C", str(root), "status", "--porcelain"]).strip()),
        },
    }


def _wrk_version() -> str | None:
    first = _run(["wrk", "--version"]).split("Copyright")[0].strip()
    return first or None


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _memory_total() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout or done.stderr
