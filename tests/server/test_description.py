"""The Service Description (GET /sparql) and the VoID description (GET /.well-known/void).

Figures are checked against the build read independently with rdflib, not against the server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from kg.build import read_output
from server import void

TOKEN = "test-token"  # the write token of the ``app`` fixture (conftest.py)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
BASE = "https://w3id.org/sikg/"
SIKG = Namespace(BASE + "ontology#")
DATASET = URIRef(BASE + "dataset")
ENDPOINT = URIRef("http://localhost/sparql")
SOURCES = Path(__file__).resolve().parents[2] / "data" / "sources"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


@pytest.fixture(scope="module")
def reference(build_dir):
    """The build as rdflib reads it: the reference the descriptions are checked against."""
    return read_output(build_dir)


@pytest.fixture(scope="module")
def description(app) -> Graph:
    response = app.test_client().get("/sparql")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    return Graph().parse(data=response.data, format="turtle")


@pytest.fixture(scope="module")
def void_graph(app) -> Graph:
    response = app.test_client().get("/.well-known/void")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    return Graph().parse(data=response.data, format="turtle")


def count(graph: Graph, subject, predicate) -> int:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"no {predicate} on {subject}"
    return int(value)


def union_triples(reference) -> set:
    return {(s, p, o) for g in reference.graphs() for s, p, o in g}


# -- Service Description --------------------------------------------------------------------------
def test_the_service_description_names_the_endpoint_languages_formats_and_features(description):
    g = description
    assert (ENDPOINT, RDF.type, SD.Service) in g
    assert (ENDPOINT, SD.endpoint, ENDPOINT) in g
    languages = set(g.objects(ENDPOINT, SD.supportedLanguage))
    assert languages == {SD.SPARQL11Query, SD.SPARQL11Update}  # this app has a write token
    formats = set(g.objects(ENDPOINT, SD.resultFormat))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "Turtle"):
        assert FORMATS[name] in formats
    assert set(g.objects(ENDPOINT, SD.feature)) == {SD.UnionDefaultGraph, SD.BasicFederatedQuery}


def test_the_default_dataset_lists_every_named_graph_with_its_size(app, description, reference):
    g = description
    assert g.value(ENDPOINT, SD.defaultDataset) == DATASET
    assert (DATASET, RDF.type, SD.Dataset) in g and (DATASET, RDF.type, VOID.Dataset) in g
    default_graph = g.value(DATASET, SD.defaultGraph)
    assert count(g, default_graph, VOID.triples) == len(union_triples(reference))
    listed = {}
    for named in g.objects(DATASET, SD.namedGraph):
        assert (named, RDF.type, SD.NamedGraph) in g
        listed[str(g.value(named, SD.name))] = count(g, g.value(named, SD.graph), VOID.triples)
    store_graphs = app.extensions["kg"].store.named_graphs()
    assert sorted(listed) == store_graphs
    assert listed == {
        str(graph.identifier): len(graph) for graph in reference.graphs() if len(graph)
    }


@pytest.mark.parametrize("media", list(RDF_TYPES))
def test_the_service_description_is_negotiated(client, description, media):
    response = client.get("/sparql", headers={"Accept": media})
    assert response.status_code == 200 and response.mimetype == media
    assert "Accept" in response.headers["Vary"]
    graph = Graph().parse(data=response.data, format=RDF_TYPES[media])
    assert len(graph) == len(description)
    assert (ENDPOINT, RDF.type, SD.Service) in graph


def test_the_format_parameter_also_chooses(client):
    response = client.get("/sparql", query_string={"format": "nt"})
    assert response.status_code == 200 and response.mimetype == "application/n-triples"


def test_a_description_in_an_unknown_format_is_406(client):
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406
    assert b"text/turtle" in response.data


def test_without_a_write_token_update_is_not_offered(make_app, build_dir):
    app = make_app(build_dir=str(build_dir))
    graph = Graph().parse(data=app.test_client().get("/sparql").data, format="turtle")
    assert set(graph.objects(ENDPOINT, SD.supportedLanguage)) == {SD.SPARQL11Query}


# -- VoID ---------------------------------------------------------------------------------------
def test_void_counts_triples_entities_and_the_endpoint(void_graph, reference):
    g = void_graph
    assert (DATASET, RDF.type, VOID.Dataset) in g
    assert g.value(DATASET, VOID.sparqlEndpoint) == ENDPOINT
    assert count(g, DATASET, VOID.triples) == len(union_triples(reference))
    registry = reference.graph(URIRef(BASE + "graph/registry"))
    entities = {s for s in registry.subjects() if isinstance(s, URIRef)}
    assert count(g, DATASET, VOID.entities) == len(entities)
    assert g.value(DATASET, DCTERMS.title)


def test_void_partitions_the_ontologys_classes_and_properties(void_graph, reference):
    g = void_graph
    triples = union_triples(reference)
    classes = {}
    for part in g.objects(DATASET, VOID.classPartition):
        classes[g.value(part, VOID["class"])] = count(g, part, VOID.entities)
    expected_classes: dict = {}
    for s, p, o in triples:
        if p == RDF.type and str(o).startswith(str(SIKG)):
            expected_classes.setdefault(o, set()).add(s)
    assert classes == {c: len(members) for c, members in expected_classes.items()}
    assert classes[SIKG.Person] > 10 and classes[SIKG.SourceDocument] == 3

    properties = {}
    for part in g.objects(DATASET, VOID.propertyPartition):
        properties[g.value(part, VOID.property)] = count(g, part, VOID.triples)
    expected_properties: dict = {}
    for _, p, _ in triples:
        if str(p).startswith(str(SIKG)):
            expected_properties[p] = expected_properties.get(p, 0) + 1
    assert properties == expected_properties
    vocabularies = {str(v) for v in g.objects(DATASET, VOID.vocabulary)}
    assert {str(SIKG), str(RDFS), "http://www.w3.org/2004/02/skos/core#"} <= vocabularies


def test_void_names_the_sources_with_their_titles_and_licences(void_graph):
    g = void_graph
    sources = set(g.objects(DATASET, DCTERMS.source))
    catalogue = {
        record["id"]: record
        for record in (yaml.safe_load(path.read_text()) for path in SOURCES.glob("*.yaml"))
    }
    assert sources == {URIRef(f"{BASE}source/{name}") for name in catalogue}
    for name, record in catalogue.items():
        source = URIRef(f"{BASE}source/{name}")
        assert str(g.value(source, DCTERMS.title)) == record["title"]
        licence = g.value(source, DCTERMS.license)
        assert (str(licence) if licence else None) == record["licence"]
    wikipedia = URIRef(BASE + "source/wikipedia")
    cc_by_sa = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
    assert g.value(wikipedia, DCTERMS.license) == cc_by_sa
    # the graph read from Wikipedia is a subset under that licence
    subset = URIRef(BASE + "graph/wikipedia")
    assert (DATASET, VOID.subset, subset) in g
    assert g.value(subset, DCTERMS.license) == cc_by_sa
    assert g.value(subset, DCTERMS.source) == wikipedia


def test_the_service_description_links_to_the_void_dataset(description, void_graph):
    dataset = description.value(ENDPOINT, SD.defaultDataset)
    assert (dataset, RDF.type, VOID.Dataset) in void_graph
    assert description.value(dataset, RDFS.seeAlso) == URIRef("http://localhost/.well-known/void")
    assert not isinstance(dataset, BNode)


@pytest.mark.parametrize("media", list(RDF_TYPES))
def test_void_is_negotiated(client, void_graph, media):
    response = client.get("/.well-known/void", headers={"Accept": media})
    assert response.status_code == 200 and response.mimetype == media
    graph = Graph().parse(data=response.data, format=RDF_TYPES[media])
    assert len(graph) == len(void_graph)


def test_void_is_computed_once_per_snapshot_version(make_app, build_dir, monkeypatch):
    app = make_app(build_dir=str(build_dir), update_token=TOKEN)
    service = app.extensions["kg"]
    calls = []
    run_query = service.run_query

    def counting(query, **kwargs):
        calls.append(query)
        return run_query(query, **kwargs)

    monkeypatch.setattr(service, "run_query", counting)
    client = app.test_client()
    first = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    computed = len(calls)
    assert computed > 0
    client.get("/.well-known/void")
    client.get("/sparql")  # the service description reuses the same figures
    assert len(calls) == computed, "no query until the data changes"

    response = client.post(
        "/sparql",
        data="INSERT DATA { GRAPH <urn:sikg-test> { <urn:a> <urn:b> <urn:c> } }",
        content_type="application/sparql-update",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 204, response.data
    after = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    assert len(calls) == 2 * computed, "recomputed once for the new snapshot"
    assert count(after, DATASET, VOID.triples) == count(first, DATASET, VOID.triples) + 1
    assert (DATASET, VOID.subset, URIRef("urn:sikg-test")) in after


def test_the_figures_come_from_sparql_through_the_workers(app):
    service = app.extensions["kg"]
    with app.app_context():
        facts = void.facts(service)
    assert facts.version == service.store.snapshot().version
    assert facts.triples > 10_000 and facts.entities > 100
