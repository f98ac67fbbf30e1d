"""The three endpoints under test: how each is started, when it is ready, and how it is stopped.

- ``ours``: ``kg serve --data FILE --store DIR --port P --no-infer`` (the project's server);
- ``bare``: Flask + pyoxigraph under gunicorn, 2 sync workers (``bench/bare.py``);
- ``rdflib``: rdflib-endpoint on uvicorn, one process (``bench/rdflib_peer.py``).

Each runs in a session of its own (``start_new_session``), so that stopping it reaches every
process it forked and nothing else: SIGTERM to the group, SIGKILL after a grace period, then a
check that no member of the group is left. Startup time is from ``Popen`` to the first 200 answer
to ``ASK {}``. Everything binds to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import memory
from bench.client import Client, NoAnswerError

ROOT = Path(__file__).resolve().parents[1]
READY_QUERY = "ASK {}"
GRACE_SECONDS = 15.0

TITLES = {
    "ours": "ours (kg serve)",
    "bare": "bare Flask + pyoxigraph (gunicorn, 2 sync workers)",
    "rdflib": "rdflib-endpoint 0.6.3 (uvicorn, 1 process)",
}
NAMES = tuple(TITLES)


class StartError(Exception):
    """The endpoint exited, or did not answer in time; the message ends with its log's tail."""


def kg_executable() -> str:
    """The ``kg`` script of the running interpreter's environment."""
    beside = Path(sys.executable).with_name("kg")
    found = str(beside) if beside.exists() else shutil.which("kg")
    if not found:
        raise StartError("no kg executable beside the interpreter or on PATH")
    return found


def command(name: str, data: Path, port: int, store: Path) -> list[str]:
    """The command line that serves ``data`` on ``port`` (``store``: a directory it may use)."""
    if name == "ours":
        return [
            kg_executable(),
            "serve",
            "--data",
            str(data),
            "--store",
            str(store),
            "--port",
            str(port),
            "--no-infer",
        ]
    if name == "bare":
        return [
            sys.executable,
            "-m",
            "bench.bare",
            "--data",
            str(data),
            "--store",
            str(store),
            "--port",
            str(port),
            "--workers",
            "2",
        ]
    if name == "rdflib":
        return [
            sys.executable,
            "-m",
            "bench.rdflib_peer",
            "--data",
            str(data),
            "--port",
            str(port),
        ]
    raise ValueError(f"unknown endpoint {name!r}; one of {', '.join(NAMES)}")


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A started endpoint: its process group, port, log and startup time.

    Logs are appended to (a restarted endpoint keeps its earlier output): ``log_offset`` is where
    this start's output begins in ``log``."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path
    log_offset: int = 0
    startup_seconds: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def memory(self) -> memory.Memory:
        return memory.measure(self.pid)

    def log_text(self) -> str:
        """What this start wrote to the log (not what earlier runs appended before it)."""
        try:
            with open(self.log, "rb") as handle:
                handle.seek(self.log_offset)
                return handle.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self) -> None:
        """Stop every process of the endpoint's group; idempotent."""
        group = self.pid  # the session leader's pid is the group id
        members = memory.group_members(group)
        if self.process.poll() is None or members:
            _signal_group(group, signal.SIGTERM)
            deadline = time.monotonic() + GRACE_SECONDS
            while time.monotonic() < deadline and (
                self.process.poll() is None or memory.group_members(group)
            ):
                time.sleep(0.1)
            if self.process.poll() is None or memory.group_members(group):
                _signal_group(group, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=GRACE_SECONDS)
        for pid in memory.group_members(group):  # anything that ignored the group signal
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)


def start(name: str, argv: list[str], port: int, log: Path, timeout: float) -> Server:
    """Run ``argv`` in its own session and wait until it answers ``ASK {}`` with 200."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log, "ab") as handle:
        offset = handle.seek(0, os.SEEK_END)
        began = time.perf_counter()
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, process, port, log, offset)
    try:
        server.startup_seconds = _wait_ready(server, began, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: Server, began: float, timeout: float) -> float:
    seconds = wait_for_answer(server, began, timeout, min(5.0, timeout), interval=0.05)
    if seconds is not None:
        return seconds
    if server.process.poll() is not None:
        raise StartError(
            f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}"
        )
    raise StartError(f"{server.name} gave no answer within {timeout:g} s:\n{server.log_tail()}")


def wait_for_answer(
    server: Server, began: float, within: float, request_timeout: float, interval: float
) -> float | None:
    """Ask ``ASK {}`` until the answer is 200, sleeping ``interval`` seconds after every miss (no
    answer, or an answer other than 200). Gives the seconds from ``began`` (a ``perf_counter``
    time) to that answer, or None once the process has exited or ``within`` seconds have passed
    since ``began``. Each request may take up to ``request_timeout`` seconds."""
    with Client(server.port, timeout=request_timeout) as client:
        while server.process.poll() is None:
            try:
                if client.get(READY_QUERY).status == 200:
                    return time.perf_counter() - began
            except (OSError, NoAnswerError):
                client.close()
            if time.perf_counter() - began > within:
                return None
            time.sleep(interval)
    return None


@contextlib.contextmanager
def serving(name: str, argv: list[str], log: Path, port: int, timeout: float) -> Iterator[Server]:
    """``start`` as a context: the endpoint is stopped however the block ends."""
    server = start(name, argv, port, log, timeout)
    try:
        yield server
    finally:
        server.stop()
