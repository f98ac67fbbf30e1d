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

import multiprocessing
from dataclasses import replace

from gunicorn.app.base import BaseApplication

from server.service import prepare
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


def serve(config: ServerConfig, host: str, port: int, threads: int = 4) -> None:
    """Serve until interrupted."""
    config = replace(config, executor="inline")
    _prepare_in_a_child(config)
    options = {
        "bind": f"{host}:{port}",
        "workers": config.workers(),
        "worker_class": "gthread",
        "threads": threads,
        "timeout": int(config.query_timeout) + 30,
        "graceful_timeout": 10,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
    }
    _Gunicorn(config, options).run()


def _prepare_in_a_child(config: ServerConfig) -> None:
    """Load or reuse the store in a spawned process; its error, if any, stops the start."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        pool.apply(prepare, (config,))
