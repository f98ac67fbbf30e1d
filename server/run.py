"""Running the app under gunicorn (a production WSGI server) from ``kg serve``.

One gunicorn worker process owns the store and is its only writer; its threads only wait on the
query worker processes, which do the work (one per core by default), so throughput scales with the
query pool rather than with gunicorn workers.
"""

from __future__ import annotations

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


def serve(config: ServerConfig, host: str, port: int, threads: int = 16) -> None:
    """Serve until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": int(config.query_timeout) + 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
    }
    _Gunicorn(config, options).run()
