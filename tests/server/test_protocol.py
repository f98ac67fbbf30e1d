"""The SPARQL 1.1 protocol basics at /sparql, through Flask's test client."""

from __future__ import annotations

import json

GRAVES = (
    "SELECT ?c WHERE { <https://w3id.org/sikg/id/aef-siberia> "
    "<https://w3id.org/sikg/ontology#commander> ?c }"
)


def test_get_query_answers_sparql_json(client):
    response = client.get("/sparql", query_string={"query": GRAVES})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    bindings = json.loads(response.data)["results"]["bindings"]
    assert bindings == [
        {"c": {"type": "uri", "value": "https://w3id.org/sikg/id/william-s-graves"}}
    ]


def test_post_form_and_direct_post_give_the_same_answer(client):
    form = client.post("/sparql", data={"query": GRAVES})
    direct = client.post("/sparql", data=GRAVES, content_type="application/sparql-query")
    assert form.status_code == direct.status_code == 200
    assert form.data == direct.data


def test_a_malformed_query_gets_400_with_the_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert response.status_code == 400
    assert b"1:" in response.data and b"Traceback" not in response.data


def test_a_wrong_content_type_is_named(client):
    response = client.post("/sparql", data="x", content_type="text/plain")
    assert response.status_code == 415 and b"text/plain" in response.data


def test_a_runaway_query_is_stopped_and_the_server_still_answers(make_app, build_dir):
    app = make_app(build_dir=str(build_dir), query_timeout=1.0, query_workers=1)
    client = app.test_client()
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    response = client.get("/sparql", query_string={"query": slow})
    assert response.status_code == 503 and b"time limit of 1 s" in response.data
    assert client.get("/sparql", query_string={"query": GRAVES}).status_code == 200
