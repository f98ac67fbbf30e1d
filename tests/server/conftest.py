"""Fixtures for the endpoint: apps over the session build, each with its own store and workers."""

from __future__ import annotations

import pytest

from server.app import create_app
from server.settings import ServerConfig

TOKEN = "test-token"


@pytest.fixture(scope="module")
def app(build_dir, tmp_path_factory):
    """An app serving the session build, writes enabled with ``TOKEN``; closed after the module."""
    config = ServerConfig(
        store_dir=str(tmp_path_factory.mktemp("store")),
        build_dir=str(build_dir),
        query_workers=2,
        query_timeout=5.0,
        update_token=TOKEN,
    )
    application = create_app(config)
    yield application
    application.extensions["kg"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_app(tmp_path):
    """A factory of apps with custom settings (closed at the end of the test)."""
    made = []

    def make(**settings):
        settings.setdefault("store_dir", str(tmp_path / f"store{len(made)}"))
        settings.setdefault("query_workers", 1)
        application = create_app(ServerConfig(**settings))
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["kg"].close()
