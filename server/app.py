"""The app factory: assembly only (config, the dataset service, blueprints, error handlers)."""

from __future__ import annotations

import atexit

from flask import Flask

from server import errors, protocol
from server.service import Service
from server.settings import ServerConfig


def create_app(config: ServerConfig) -> Flask:
    """A Flask app serving ``config``'s dataset; the store is opened once, here."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    service = Service(config)
    app.extensions["kg"] = service
    atexit.register(service.close)
    errors.register(app)
    app.register_blueprint(protocol.blueprint)

    @app.after_request
    def _cors(response):
        if response.status_code < 500 and _is_query_route():
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return app


def _is_query_route() -> bool:
    from flask import request

    return request.path == "/sparql"
