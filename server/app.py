"""The app factory: assembly only (config, the dataset service, blueprints, error handlers)."""

from __future__ import annotations

import atexit

from flask import Flask, request

from server import errors, graph_store, pages, protocol, remote, security, void
from server.service import Service
from server.settings import ServerConfig


def create_app(config: ServerConfig) -> Flask:
    """A Flask app serving ``config``'s dataset; the store is opened once, here."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    security.allow_list(tuple(config.service_allow))  # a bad entry stops the start (ValueError)
    if security.normalise(config.wikidata_endpoint) is None:
        raise ValueError(f"wikidata_endpoint {config.wikidata_endpoint!r} is not an http(s) IRI")
    if config.remote_endpoint:  # kg serve --store URL: a remote SPARQL store holds the data
        service = remote.RemoteService(config)
        app.register_blueprint(remote.blueprint)  # refuses writes and /graph-store (501)
    else:
        service = Service(config)
    app.extensions["kg"] = service
    atexit.register(service.close)
    errors.register(app)
    app.register_blueprint(protocol.blueprint)
    app.register_blueprint(graph_store.blueprint)  # /graph-store (SPARQL 1.1 GSP)
    app.register_blueprint(pages.blueprint)  # query page, entity pages, /ontology
    app.register_blueprint(void.blueprint)  # /.well-known/void

    @app.after_request
    def _headers(response):
        # security headers everywhere; CORS (no credentials) for queries, never for writes
        return security.apply_headers(request, response)

    return app
