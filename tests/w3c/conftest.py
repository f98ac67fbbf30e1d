"""One app, served over HTTP on 127.0.0.1, for the whole W3C module."""

from __future__ import annotations

import pytest
from w3c_harness import LiveServer, Runner

from server.app import create_app
from server.settings import ServerConfig

TOKEN = "w3c-test-token"


@pytest.fixture(scope="module")
def w3c_runner(tmp_path_factory):
    config = ServerConfig(
        store_dir=str(tmp_path_factory.mktemp("w3c-store")),
        build_dir=None,  # an empty dataset; each test loads its own data
        query_workers=1,  # the tests run one request at a time
        query_timeout=20.0,
        update_token=TOKEN,
        validate_writes=False,  # the project's SHACL shapes say nothing about W3C test data
        union_default_graph=False,  # the W3C tests query the store's own default graph
    )
    app = create_app(config)
    server = LiveServer(app)
    try:
        yield Runner(app, server, TOKEN)
    finally:
        server.close()
        app.extensions["kg"].close()
