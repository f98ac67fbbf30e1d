"""One error shape for every route: a short body in a format the client accepts, no traceback.

Known user errors carry their status and a message naming what is wrong; anything else is logged
with its traceback and answered as a plain 500 "internal error".
"""

from __future__ import annotations

import json
import logging
from html import escape

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger(__name__)


class APIError(Exception):
    """An error the client caused or can act on, with its HTTP status."""

    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    """The error as JSON, HTML or plain text, whichever the client prefers."""
    accept = request.accept_mimetypes if request else None
    best = accept.best_match(["text/plain", "application/json", "text/html"]) if accept else None
    if best == "application/json" or (accept and "json" in str(accept) and best != "text/html"):
        body = json.dumps({"error": message, "status": status})
        response = Response(body, status, mimetype="application/json")
    elif best == "text/html" and "text/html" in str(accept):
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>"
        response = Response(body, status, mimetype="text/html")
    else:
        response = Response(message + "\n", status, mimetype="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(err: APIError):
        return error_response(err.status, err.message, err.headers)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if isinstance(err, RequestEntityTooLarge):
            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            message = f"the request body exceeds the limit of {limit} bytes (max_body_bytes)"
            return error_response(413, message)
        allow = getattr(err, "valid_methods", None)
        headers = {"Allow": ", ".join(allow)} if allow else None
        return error_response(err.code or 500, err.description or err.name, headers)

    @app.errorhandler(Exception)
    def _internal(err: Exception):
        log.exception("internal error on %s %s", request.method, request.path)
        return error_response(500, "internal error")
