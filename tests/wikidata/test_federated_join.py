"""Joining our facts with Wikidata's through SERVICE, with Wikidata played by the stand-in."""

from __future__ import annotations

import pytest

from server.app import create_app
from server.settings import ServerConfig

OUR_DATA = """
@prefix res: <https://w3id.org/sikg/id/> .
@prefix sikg: <https://w3id.org/sikg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
res:aef-siberia sikg:commander res:william-s-graves .
res:william-s-graves skos:exactMatch <http://www.wikidata.org/entity/Q900001> .
"""
JOIN = """
PREFIX res: <https://w3id.org/sikg/id/>
PREFIX sikg: <https://w3id.org/sikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
SELECT ?commander ?born WHERE {
  res:aef-siberia sikg:commander ?commander .
  ?commander skos:exactMatch ?item .
  SERVICE <https://query.wikidata.org/sparql> { ?item wdt:P569 ?born }
}
"""


@pytest.fixture
def serve(tmp_path):
    apps = []

    def make(**settings):
        data = tmp_path / "ours.ttl"
        data.write_text(OUR_DATA)
        config = ServerConfig(
            store_dir=str(tmp_path / f"store{len(apps)}"),
            data_files=(str(data),),
            query_workers=1,
            **settings,
        )
        app = create_app(config)
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        app.extensions["kg"].close()


def _select(client, query):
    response = client.post(
        "/sparql",
        data=query,
        content_type="application/sparql-query",
        headers={"Accept": "application/sparql-results+json"},
    )
    return response


def test_a_commander_is_joined_with_his_wikidata_birth_date(serve, wikidata):
    client = serve(wikidata_endpoint=wikidata.sparql_url)
    response = _select(client, JOIN)
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    assert [(r["commander"]["value"], r["born"]["value"]) for r in rows] == [
        ("https://w3id.org/sikg/id/william-s-graves", "1865-03-27T00:00:00Z")
    ]
    sent = [r for r in wikidata.requests if r["path"] == "/sparql"]
    assert len(sent) == 1 and "P569" in sent[0]["params"]["query"]


def test_only_the_service_endpoint_is_redirected_not_the_same_iri_as_data(serve, wikidata):
    client = serve(wikidata_endpoint=wikidata.sparql_url)
    named = JOIN.replace(
        "SELECT ?commander ?born",
        "SELECT ?commander ?born (<https://query.wikidata.org/sparql> AS ?endpoint)",
    )
    response = _select(client, named)
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    assert [r["endpoint"]["value"] for r in rows] == ["https://query.wikidata.org/sparql"]
    assert [r["born"]["value"] for r in rows] == ["1865-03-27T00:00:00Z"]


def test_other_endpoints_stay_refused_when_wikidata_is_redirected(serve, wikidata):
    client = serve(wikidata_endpoint=wikidata.sparql_url)
    direct = JOIN.replace("https://query.wikidata.org/sparql", wikidata.sparql_url)
    response = _select(client, direct)
    assert response.status_code == 403
    assert "is not allowed on this server" in response.get_data(as_text=True)
    assert wikidata.requests == []


def test_the_wikidata_address_must_be_an_http_iri(tmp_path):
    with pytest.raises(ValueError, match="wikidata_endpoint 'file:///etc/passwd'"):
        create_app(ServerConfig(store_dir=str(tmp_path), wikidata_endpoint="file:///etc/passwd"))
