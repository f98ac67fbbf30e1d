"""Every error is a short body in a format the client accepts, and never a traceback."""

from __future__ import annotations

import json
import re

import pytest

from server import negotiation

MALFORMED = "SELECT ?x WHERE { ?x ?y }"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        (None, "text/plain"),
        ("*/*", "text/plain"),
        ("text/plain", "text/plain"),
        ("application/json", "application/json"),
        ("application/sparql-results+json", "application/json"),
        ("application/sparql-results+json, */*;q=0.1", "application/json"),
        (BROWSER, "text/html"),
    ],
)
def test_a_malformed_query_gets_400_with_the_parsers_message_and_position(client, accept, mimetype):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": MALFORMED}, headers=headers)
    assert response.status_code == 400
    assert response.mimetype == mimetype
    text = response.get_data(as_text=True)
    if mimetype == "application/json":
        body = json.loads(text)
        assert body["status"] == 400
        text = body["error"]
    # Oxigraph's own message: where (line:column) and what it expected
    assert "SPARQL syntax error" in text and "expected" in text
    assert re.search(r"\b1:2\d\b", text), text
    assert "Traceback" not in text and len(text) < 2000


def test_an_html_error_escapes_the_request(client):
    query = "SELECT <script>alert(1)</script>"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert b"<script>" not in response.data


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [(None, "text/plain"), ("application/json", "application/json"), (BROWSER, "text/html")],
)
def test_an_internal_error_is_500_internal_error_without_a_traceback(
    client, monkeypatch, accept, mimetype
):
    def explode(*args, **kwargs):
        raise RuntimeError("secret detail /etc/kg/settings.py line 42")

    monkeypatch.setattr(negotiation, "choose", explode)
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers=headers)
    assert response.status_code == 500
    assert response.mimetype == mimetype
    text = response.get_data(as_text=True)
    assert "internal error" in text
    for leak in ("Traceback", "RuntimeError", "secret detail", "settings.py", 'File "'):
        assert leak not in text
    assert len(text) < 500


def test_an_unknown_path_gets_a_short_404_in_the_accepted_format(client):
    plain = client.get("/no/such/thing", headers={"Accept": "text/plain"})
    as_json = client.get("/no/such/thing", headers={"Accept": "application/json"})
    assert plain.status_code == as_json.status_code == 404
    assert plain.mimetype == "text/plain" and b"<" not in plain.data
    assert json.loads(as_json.data)["status"] == 404


def test_a_wrong_method_gets_405_with_allow(client):
    response = client.put("/sparql", data="x", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_writes_without_a_token_are_named(client):
    response = client.post(
        "/sparql",
        data="INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        content_type="application/sparql-update",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization" in json.loads(response.data)["error"]


def test_a_refused_service_is_a_short_json_error(client):
    query = "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/> { ?s ?p ?o } }"
    response = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 403 and response.mimetype == "application/json"
    message = json.loads(response.data)["error"]
    assert "169.254.169.254" in message and "link-local" in message
