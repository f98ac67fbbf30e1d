"""Running the app under gunicorn (a production WSGI server) from ``kg serve``.

The store is loaded (or reused) once, before any worker starts, in a child process: RocksDB's
background threads do not survive a fork, so the gunicorn master (which forks the workers) never
opens the store itself. Then one
worker process per core (``query_workers``) serves every route; each runs its queries itself, in a
thread (``executor="inline"``), reading the newest snapshot, so throughput grows with the
processes and no request waits on another process. A write in any worker takes the store's lock.
A worker whose query passes the time limit answers 503 and is replaced by gunicorn.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from dataclasses import replace

from gunicorn.app.base import BaseApplication

from server.settings import ServerConfig


class _Gunicorn(BaseApplication):
    def __init__(self, config: ServerConfig, options: dict) -> None:
        self._config = config
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from server.app import create_app

        return create_app(self._config)


def serve(config: ServerConfig, host: str, port: int) -> None:
    """Serve the local store until interrupted (loaded or reused first)."""
    config = replace(config, executor="inline")
    _prepare_in_a_child(config)
    run_gunicorn(replace(config, store_prepared=True), host, port)


def run_gunicorn(config: ServerConfig, host: str, port: int) -> None:
    """The app for ``config`` under gunicorn, one process per core, until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": config.workers(),
        "worker_class": "gthread",
        "threads": config.serving_threads,
        "timeout": int(config.query_timeout) + 30,
        "graceful_timeout": 10,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
    }
    _Gunicorn(config, options).run()


_PREPARE = (
    "import pickle, sys; from server.service import prepare; prepare(pickle.load(sys.stdin.buffer))"
)


def _prepare_in_a_child(config: ServerConfig) -> None:
    """Load or reuse the store in a new Python process (not a fork, and nothing left running);
    its error, if any, stops the start with its last line."""
    done = subprocess.run(
        [sys.executable, "-c", _PREPARE], input=pickle.dumps(config), capture_output=True
    )
    said = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        lines = said.splitlines() or ["(no message)"]
        raise PrepareError(f"could not load the store in {config.store_dir}: {lines[-1]}")
    if said:  # warnings (a damaged store recovered, a torn journal line cut off): pass them on
        print(said, file=sys.stderr, flush=True)


class PrepareError(RuntimeError):
    """The store could not be loaded before serving (its reason is the message)."""
