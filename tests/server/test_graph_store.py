"""The SPARQL 1.1 Graph Store HTTP Protocol at /graph-store."""

from __future__ import annotations

import json
from urllib.parse import quote

import pyoxigraph as ox

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GRAPH = "http://example.org/gsp/g1"
URL = f"/graph-store?graph={quote(GRAPH, safe='')}"
TURTLE = "text/turtle"
ONE = '@prefix ex: <http://example.org/> .\nex:s ex:p 1 ; ex:q [ ex:r "blank" ] .\n'
TWO = '<http://example.org/s2> <http://example.org/p> "two" .\n'
SOURCED = """\
@prefix res: <https://w3id.org/sikg/id/> .
@prefix sikg: <https://w3id.org/sikg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix claim: <https://w3id.org/sikg/claim/> .
res:aef-siberia sikg:commander res:alexander-kolchak .
claim:test-gsp a sikg:Claim ; rdf:subject res:aef-siberia ; rdf:predicate sikg:commander ;
  rdf:object res:alexander-kolchak ; sikg:statedIn <https://w3id.org/sikg/source/wikipedia> ;
  sikg:evidence <https://w3id.org/sikg/anchor/wikipedia/637-654> ;
  sikg:method sikg:CuratedAnnotation .
"""


def triples(response, fmt=ox.RdfFormat.TURTLE) -> set[str]:
    return {
        f"{q.subject} {q.predicate} {q.object}"
        for q in ox.parse(response.data, fmt)
        if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


def test_put_post_get_delete_round_trip_on_a_named_graph(client):
    created = client.put(URL, data=ONE, content_type=TURTLE, headers=AUTH)
    assert created.status_code == 201 and created.headers["Location"].endswith(URL.split("?")[1])
    replaced = client.put(URL, data=ONE, content_type=TURTLE, headers=AUTH)
    assert replaced.status_code == 204

    got = client.get(URL, headers={"Accept": TURTLE})
    assert got.status_code == 200 and got.mimetype == TURTLE
    integer = '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert triples(got) == {f"<http://example.org/s> <http://example.org/p> {integer}"}
    assert len(list(ox.parse(got.data, ox.RdfFormat.TURTLE))) == 3  # the blank node came along

    merged = client.post(URL, data=TWO, content_type="application/n-triples", headers=AUTH)
    assert merged.status_code == 204
    as_nt = client.get(URL, headers={"Accept": "application/n-triples"})
    assert as_nt.mimetype == "application/n-triples"
    assert '<http://example.org/s2> <http://example.org/p> "two"' in triples(
        as_nt, ox.RdfFormat.N_TRIPLES
    )
    assert len(list(ox.parse(as_nt.data, ox.RdfFormat.N_TRIPLES))) == 4
    as_json = client.get(URL, headers={"Accept": "application/ld+json"})
    assert as_json.mimetype == "application/ld+json" and json.loads(as_json.data)
    as_xml = client.get(URL, headers={"Accept": "application/rdf+xml"})
    assert as_xml.mimetype == "application/rdf+xml" and b"rdf:RDF" in as_xml.data

    head = client.head(URL)
    assert head.status_code == 200 and head.data == b"" and head.mimetype == TURTLE

    # PUT replaces: only the new body is left
    assert (
        client.put(URL, data=TWO, content_type="application/n-triples", headers=AUTH).status_code
        == 204
    )
    assert len(list(ox.parse(client.get(URL).data, ox.RdfFormat.TURTLE))) == 1

    assert client.delete(URL, headers=AUTH).status_code == 204
    assert client.get(URL).status_code == 404
    assert client.head(URL).status_code == 404
    assert client.delete(URL, headers=AUTH).status_code == 404


def test_a_body_that_does_not_parse_is_400_with_the_position(client):
    bad = "@prefix ex: <http://example.org/> .\n\nex:s ex:p .\n"
    response = client.put(URL, data=bad, content_type=TURTLE, headers=AUTH)
    assert response.status_code == 400
    assert b"does not parse" in response.data and b"line 3" in response.data


def test_an_unknown_content_type_is_415(client):
    response = client.put(URL, data="x", content_type="text/plain", headers=AUTH)
    assert response.status_code == 415 and b"text/turtle" in response.data


def test_graph_store_writes_need_the_token(client):
    assert client.put(URL, data=ONE, content_type=TURTLE).status_code == 401
    wrong = client.delete(URL, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert client.get(f"/graph-store?graph={quote(GRAPH)}&token={TOKEN}").status_code in (200, 404)


def test_a_graph_store_write_is_validated_too(app, client):
    graph = quote("https://w3id.org/sikg/graph/wikipedia", safe="")
    before = len(app.extensions["kg"].store)
    body = (
        "<https://w3id.org/sikg/id/aef-siberia> <https://w3id.org/sikg/ontology#commander> "
        "<https://w3id.org/sikg/id/ivan-kalmykov> .\n"
    )
    response = client.post(
        f"/graph-store?graph={graph}",
        data=body,
        content_type="application/n-triples",
        headers={**AUTH, "Accept": "application/json"},
    )
    assert response.status_code == 422
    report = json.loads(response.data)
    assert report["results"][0]["sourceShape"] == "sikgsh:BackedByClaimShape"
    assert len(app.extensions["kg"].store) == before
    # PUT that replaces a fact and its claim by the bare fact is refused: the claim is gone
    url = f"/graph-store?graph={quote('https://w3id.org/sikg/graph/test-put', safe='')}"
    assert client.put(url, data=SOURCED, content_type=TURTLE, headers=AUTH).status_code == 201
    before = len(app.extensions["kg"].store)
    bare = SOURCED.split("claim:test-gsp")[0]
    put = client.put(url, data=bare, content_type=TURTLE, headers=AUTH)
    assert put.status_code == 422 and b"BackedByClaimShape" in put.data
    assert len(app.extensions["kg"].store) == before


def test_the_default_graph_and_the_dataset(client):
    assert (
        client.put("/graph-store?default", data=TWO, content_type=TURTLE, headers=AUTH).status_code
        == 204
    )
    default = client.get("/graph-store?default")
    assert default.status_code == 200 and b"http://example.org/s2" in default.data
    dataset = client.get("/graph-store", headers={"Accept": "application/n-quads"})
    assert dataset.status_code == 200 and dataset.mimetype == "application/n-quads"
    assert b"<https://w3id.org/sikg/graph/wikipedia>" in dataset.data
    assert client.get("/graph-store", headers={"Accept": TURTLE}).status_code == 406
    assert client.delete("/graph-store?default", headers=AUTH).status_code == 204
    assert b"s2" not in client.get("/graph-store?default").data


def test_post_of_a_dataset_merges_its_graphs(client):
    trig = "<http://example.org/gsp/t1> { <http://example.org/a> <http://example.org/b> 1 }\n"
    response = client.post("/graph-store", data=trig, content_type="application/trig", headers=AUTH)
    assert response.status_code == 204
    got = client.get(f"/graph-store?graph={quote('http://example.org/gsp/t1', safe='')}")
    assert got.status_code == 200 and b"http://example.org/a" in got.data
    refused = client.put(URL, data=trig, content_type="application/trig", headers=AUTH)
    assert refused.status_code == 400 and b"named graphs" in refused.data


def test_post_of_a_graph_to_the_store_creates_a_new_graph(client):
    response = client.post(
        "/graph-store", data=TWO, content_type="application/n-triples", headers=AUTH
    )
    assert response.status_code == 201
    location = response.headers["Location"]
    assert "graph%2Fupload%2F" in location
    assert b"http://example.org/s2" in client.get(location).data


def test_a_bad_graph_parameter_is_400(client):
    assert client.get("/graph-store?graph=not-absolute").status_code == 400
    assert client.get(f"/graph-store?graph={quote(GRAPH)}&default").status_code == 400


def test_graph_store_writes_are_journaled(app, client):
    url = f"/graph-store?graph={quote('http://example.org/gsp/journaled', safe='')}"
    assert client.put(url, data=TWO, content_type=TURTLE, headers=AUTH).status_code == 201
    journal = app.extensions["kg"].writer.journal.path.read_text().splitlines()
    last = json.loads(journal[-1])
    assert last["operation"] == "PUT graph <http://example.org/gsp/journaled>"
    assert "INSERT DATA" in last["update"] and "CLEAR SILENT GRAPH" in last["update"]
