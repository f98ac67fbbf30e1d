"""``kg serve --data FILE...``: any RDF files are served instead of the build."""

from __future__ import annotations

import json

from kg.cli import main

TURTLE = '@prefix ex: <http://example.org/> .\nex:a ex:name "Ann"@en ; ex:age 0 .\n'
TRIG = '@prefix ex: <http://example.org/> .\nex:g { ex:b ex:name "" . }\n'


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return json.loads(response.data)["results"]["bindings"]


def test_turtle_and_trig_files_are_served_with_their_graphs(make_app, tmp_path):
    (tmp_path / "a.ttl").write_text(TURTLE)
    (tmp_path / "b.trig").write_text(TRIG)
    app = make_app(data_files=(str(tmp_path / "a.ttl"), str(tmp_path / "b.trig")))
    client = app.test_client()
    names = rows(
        client.get(
            "/sparql",
            query_string={
                "query": "SELECT ?s ?n WHERE { ?s <http://example.org/name> ?n } ORDER BY ?s"
            },
        )
    )
    assert [(r["s"]["value"], r["n"]) for r in names] == [
        ("http://example.org/a", {"type": "literal", "value": "Ann", "xml:lang": "en"}),
        ("http://example.org/b", {"type": "literal", "value": ""}),
    ]
    graphs = rows(
        client.get("/sparql", query_string={"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
    )
    assert {r["g"]["value"] for r in graphs} == {"http://example.org/g"}
    age = rows(
        client.get(
            "/sparql", query_string={"query": "SELECT ?a WHERE { ?s <http://example.org/age> ?a }"}
        )
    )
    assert age[0]["a"]["value"] == "0"


def test_serving_a_missing_file_is_one_line(capsys):
    assert main(["serve", "--data", "no-such-file.ttl"]) == 1
    assert capsys.readouterr().err.strip() == "kg: error: no such file: no-such-file.ttl"


def test_a_second_server_on_the_same_store_is_refused_in_one_line(tmp_path, capsys):
    import fcntl

    (tmp_path / "a.ttl").write_text(TURTLE)
    store = tmp_path / "store"
    store.mkdir()
    with open(store / "serve.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running kg serve holds it
        status = main(["serve", "--data", str(tmp_path / "a.ttl"), "--store", str(store)])
    assert status == 1
    assert "is in use by another kg serve" in capsys.readouterr().err


def test_a_serving_process_started_after_a_new_build_does_not_reload_the_store(make_app, tmp_path):
    # kg serve prepares the store once; a process that starts later (replacing a runaway) only
    # attaches to it: reloading there would replace the store under the processes serving it
    from server.service import prepare
    from server.settings import ServerConfig

    data = tmp_path / "a.ttl"
    data.write_text(TURTLE)
    store_dir = str(tmp_path / "store")
    prepare(ServerConfig(store_dir=store_dir, data_files=(str(data),)))
    data.write_text(TURTLE.replace("Ann", "Bea"))  # the new build lands while serving
    app = make_app(store_dir=store_dir, data_files=(str(data),), store_prepared=True)
    query = "SELECT ?n WHERE { ?s <http://example.org/name> ?n }"
    names = rows(app.test_client().get("/sparql", query_string={"query": query}))
    assert [r["n"]["value"] for r in names] == ["Ann"]
    restarted = make_app(store_dir=store_dir, data_files=(str(data),))  # a restart reloads it
    names = rows(restarted.test_client().get("/sparql", query_string={"query": query}))
    assert [r["n"]["value"] for r in names] == ["Bea"]
