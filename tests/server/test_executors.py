"""The two ways queries run (server.executor) and the snapshot cache give the same answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.app import create_app
from server.settings import ServerConfig

ROOT = Path(__file__).resolve().parents[2]
QUERIES = sorted((ROOT / "queries").glob("cq*.rq"))
JSON = {"Accept": "application/sparql-results+json"}
TOKEN = "executor-token"


@pytest.fixture(scope="module")
def apps(build_dir, tmp_path_factory):
    """The session build served twice: queries in worker processes, and in-process threads."""
    made = {}
    for executor in ("pool", "inline"):
        config = ServerConfig(
            store_dir=str(tmp_path_factory.mktemp(f"store-{executor}")),
            build_dir=str(build_dir),
            query_workers=1,
            executor=executor,
            update_token=TOKEN,
            validate_writes=False,
        )
        made[executor] = create_app(config)
    yield made
    for app in made.values():
        app.extensions["kg"].close()


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem[:4])
def test_both_executors_give_the_same_bytes(apps, path):
    query = path.read_text(encoding="utf-8")
    answers = [
        apps[name]
        .test_client()
        .post("/sparql", data=query, content_type="application/sparql-query", headers=JSON)
        for name in ("pool", "inline")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].data == answers[1].data


def test_a_write_is_seen_by_the_next_query_despite_the_cached_snapshot(apps):
    client = apps["inline"].test_client()
    ask = "ASK { GRAPH <http://example.org/cache> { ?s ?p ?o } }"

    def asked() -> bool:
        return client.get("/sparql", query_string={"query": ask}, headers=JSON).get_json()[
            "boolean"
        ]

    assert asked() is False  # the snapshot is now open and cached
    update = 'INSERT DATA { GRAPH <http://example.org/cache> { <http://e/a> <http://e/b> "c" } }'
    response = client.post(
        "/sparql",
        data=update,
        content_type="application/sparql-update",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 204
    assert asked() is True


class _Panic(BaseException):
    """Stands for pyo3's PanicException (a Rust panic in Oxigraph): no Exception subclass."""


def test_a_panic_in_the_engine_is_a_500_not_a_timeout():
    from server.executor import InlineRunner

    def panicking_store(_path):
        raise _Panic("called `Option::unwrap()` on a `None` value")

    runaways = []
    runner = InlineRunner(5.0, panicking_store, on_runaway=lambda: runaways.append(1), threads=1)
    try:
        answer = runner.run({"snapshot": "unused", "query": "ASK {}"})
    finally:
        runner.close()
    assert answer == ("error", 500, "internal error running the query: _Panic")
    assert runaways == []  # the process is not blamed for a runaway query
