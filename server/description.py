"""The SPARQL 1.1 Service Description answered by GET /sparql without a query.

https://www.w3.org/TR/sparql11-service-description/ : the endpoint, the languages it supports
(SPARQL 1.1 Update only when writes are enabled), its result formats, its features (the default
graph is the union of the asserted graphs; SERVICE to allow-listed endpoints), and its default
dataset with every named graph of the store and its size. The default dataset is the VoID
dataset of ``/.well-known/void`` (``server/void.py``), whose figures it reuses. Turtle, JSON-LD,
RDF/XML or N-Triples by content negotiation (``Accept`` or ``?format=``).
"""

from __future__ import annotations

from flask import Response, url_for

from server import void
from server.void import RDF, RDFS, SD, VOID, Triples

FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
)


def service_description(service) -> Response:
    endpoint = url_for("sparql.sparql", _external=True)
    void_url = url_for("void.void_description", _external=True)
    data = void.facts(service)
    out = Triples()
    iri, integer = out.iri, out.integer
    node = iri(endpoint)
    out.add(node, RDF + "type", iri(SD + "Service"))
    out.add(node, SD + "endpoint", node)
    out.add(node, SD + "supportedLanguage", iri(SD + "SPARQL11Query"))
    if service.config.update_token:
        out.add(node, SD + "supportedLanguage", iri(SD + "SPARQL11Update"))
    for name in RESULT_FORMATS:
        out.add(node, SD + "resultFormat", iri(FORMATS + name))
    out.add(node, SD + "feature", iri(SD + "UnionDefaultGraph"))
    out.add(node, SD + "feature", iri(SD + "BasicFederatedQuery"))
    out.add(
        node,
        RDFS + "comment",
        out.text(
            "SERVICE may call only these endpoints: "
            + (", ".join(service.config.service_allow) or "none")
            + f". Queries stop after {service.config.query_timeout:g} s and answers are "
            f"limited to {service.config.max_result_bytes} bytes.",
            "en",
        ),
    )

    dataset = iri(void.dataset_iri(service))
    out.add(node, SD + "defaultDataset", dataset)
    out.add(dataset, RDF + "type", iri(SD + "Dataset"))
    out.add(dataset, RDF + "type", iri(VOID + "Dataset"))
    out.add(dataset, RDFS + "seeAlso", iri(void_url))
    default_graph = Triples.blank()
    out.add(dataset, SD + "defaultGraph", default_graph)
    out.add(default_graph, RDF + "type", iri(SD + "Graph"))
    out.add(default_graph, VOID + "triples", integer(data.triples))
    out.add(
        default_graph,
        RDFS + "comment",
        out.text("The union of the asserted named graphs (not the inferred one).", "en"),
    )
    for name, count in data.graphs:
        named = Triples.blank()
        graph = Triples.blank()
        out.add(dataset, SD + "namedGraph", named)
        out.add(named, RDF + "type", iri(SD + "NamedGraph"))
        out.add(named, SD + "name", iri(name))
        out.add(named, SD + "graph", graph)
        out.add(graph, RDF + "type", iri(SD + "Graph"))
        out.add(graph, VOID + "triples", integer(count))
    return void.rdf_response(out.triples, "service description")
