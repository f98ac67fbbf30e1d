"""Writes: SPARQL 1.1 Update, allowed only with the configured bearer token.

Writes are off unless ``update_token`` is set; then a write needs ``Authorization: Bearer <token>``
(401 without, 403 with a wrong one). A write is applied under the store's write lock and a new
snapshot is taken before it is acknowledged, so the next query sees it.
"""

from __future__ import annotations

import hmac

from flask import Response, request

from server import security
from server.errors import APIError


def authorise(service) -> None:
    """Raise unless the request carries the configured write token."""
    token = service.config.update_token
    if not token:
        raise APIError(403, "writes are disabled on this server (no update token is configured)")
    header = request.headers.get("Authorization", "")
    if not header:
        raise APIError(
            401, "writes need 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"}
        )
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
        raise APIError(403, "the write token is wrong")


def sparql_update(service, update: str, params) -> Response:
    authorise(service)
    security.check_update(update, service.config.service_allow)
    store = service.store
    with store.write_lock:
        try:
            store.store.update(update)
        except SyntaxError as err:
            raise APIError(400, f"SPARQL syntax error: {err}") from None
        except (OSError, ValueError) as err:
            raise APIError(400, f"the update failed: {err}") from None
        store.take_snapshot()
    return Response(status=204)
