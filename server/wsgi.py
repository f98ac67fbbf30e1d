"""The WSGI entry point for production servers: ``gunicorn 'server.wsgi:app()'``.

Configuration comes from ``KG_*`` environment variables (see server/settings.py).
"""

from __future__ import annotations

from server.app import create_app
from server.settings import from_environment


def app():
    return create_app(from_environment())
