"""The VoID description of the served dataset, at ``GET /.well-known/void`` (RFC 5785, VoID 7.2).

What it says is computed with SPARQL through the query workers (``Service.run_query``), once per
snapshot version of the store (a write makes a new version), and kept in ``app.extensions``:
triples, entities (distinct subjects of the registry graph), class and property partitions of the
project's ontology terms, the vocabularies used, one subset per named graph, and the sources the
graph was read from with their titles and licences (from the source catalogue, as the build wrote
them into the registry graph). The Service Description at ``GET /sparql`` links to the same
dataset and reuses these figures.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, url_for

from server import negotiation
from server.errors import APIError

blueprint = Blueprint("void", __name__)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
SD = "http://www.w3.org/ns/sparql-service-description#"
FOAF = "http://xmlns.com/foaf/0.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RESULTS_JSON = "application/sparql-results+json"
PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "void": VOID,
    "dcterms": DCTERMS,
    "sd": SD,
    "foaf": FOAF,
}

# Formats of the descriptions (VoID and Service Description), in the server's order of preference.
DESCRIPTION_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}
TITLE = "Siberian Intervention Knowledge Graph"
DESCRIPTION = (
    "The Allied intervention in Siberia, 1918-1922, as a sourced RDF knowledge graph: every "
    "statement carries the source text it was read from."
)


@dataclass
class Facts:
    """What the descriptions say about one snapshot of the dataset."""

    version: int
    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    properties: int
    classes: int
    graphs: list[tuple[str, int]]  # (name, triples) of every named graph
    class_partitions: list[tuple[str, int]]  # (class, instances) for the ontology's classes
    property_partitions: list[tuple[str, int, int, int]]  # (property, triples, subj., obj.)
    vocabularies: list[str]
    sources: list[dict] = field(default_factory=list)


class FactsCache:
    """Facts per snapshot version; only the newest is kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._facts: Facts | None = None

    def get(self, service) -> Facts:
        version = service.store.snapshot().version
        with self._lock:
            if self._facts is None or self._facts.version != version:
                self._facts = compute_facts(service, version)
            return self._facts


def facts(service) -> Facts:
    cache = current_app.extensions.setdefault("kg.void", FactsCache())
    return cache.get(service)


# -- computing --------------------------------------------------------------------------------
def _select(service, query: str, *, asserted: bool = True) -> list[dict]:
    """Rows of a SELECT run by the query workers, as {variable: value} dicts."""
    status, *rest = service.run_query(
        query,
        default_graphs=service.default_graphs("none") if asserted else None,
        named_graphs=None,
        result_formats=[RESULTS_JSON],
        graph_formats=[],
    )
    if status != "ok":
        code, message = rest
        raise APIError(503 if code >= 500 else code, f"cannot describe the dataset: {message}")
    bindings = json.loads(rest[1])["results"]["bindings"]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else iri


def compute_facts(service, version: int) -> Facts:
    base = service.config.base
    ontology = f"{base}ontology#"
    registry = f"{base}graph/registry"
    # The default graph is the union of graphs and Oxigraph keeps a triple stated in two of them
    # twice; the dataset (an RDF graph) has it once, so triples are counted DISTINCT.
    totals = _select(
        service,
        "SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) "
        "(COUNT(DISTINCT ?o) AS ?objects) (COUNT(DISTINCT ?p) AS ?properties) "
        "WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
    )[0]
    classes = _select(service, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?s <{RDF}type> ?c }}")[
        0
    ]
    entities = _select(
        service,
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{registry}> {{ ?s ?p ?o }} "
        "FILTER(isIRI(?s)) }",
        asserted=False,
    )[0]
    graphs = _select(
        service,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        asserted=False,
    )
    class_rows = _select(
        service,
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF}type> ?c "
        f'FILTER(STRSTARTS(STR(?c), "{ontology}")) }} GROUP BY ?c ORDER BY ?c',
    )
    property_rows = _select(
        service,
        "SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) "
        "(COUNT(DISTINCT ?o) AS ?objects) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o "
        f'FILTER(STRSTARTS(STR(?p), "{ontology}")) }} }} GROUP BY ?p ORDER BY ?p',
    )
    used = _select(
        service,
        f"SELECT DISTINCT ?term WHERE {{ {{ ?s ?term ?o }} UNION {{ ?s <{RDF}type> ?term }} "
        "FILTER(isIRI(?term)) }",
    )
    sources = _select(
        service,
        f"""SELECT ?source ?title ?notation ?license ?page WHERE {{
            GRAPH <{registry}> {{
                ?source a <{ontology}SourceDocument> ; <{RDFS}label> ?title .
                OPTIONAL {{ ?source <{SKOS}notation> ?notation }}
                OPTIONAL {{ ?source <{DCTERMS}license> ?license }}
                OPTIONAL {{ ?source <{ontology}url> ?page }}
            }}
        }} ORDER BY ?source""",
        asserted=False,
    )
    return Facts(
        version=version,
        triples=int(totals["triples"]),
        entities=int(entities["n"]),
        distinct_subjects=int(totals["subjects"]),
        distinct_objects=int(totals["objects"]),
        properties=int(totals["properties"]),
        classes=int(classes["n"]),
        graphs=[(row["g"], int(row["n"])) for row in graphs],
        class_partitions=[(row["c"], int(row["n"])) for row in class_rows],
        property_partitions=[
            (row["p"], int(row["n"]), int(row["subjects"]), int(row["objects"]))
            for row in property_rows
        ],
        vocabularies=sorted({_namespace(row["term"]) for row in used}),
        sources=sources,
    )


# -- describing -------------------------------------------------------------------------------
class Triples:
    """A small builder of pyoxigraph triples."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, subject, predicate: str, value) -> None:
        self.triples.append(ox.Triple(subject, ox.NamedNode(predicate), value))

    @staticmethod
    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    @staticmethod
    def blank() -> ox.BlankNode:
        return ox.BlankNode()

    @staticmethod
    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))

    @staticmethod
    def text(value: str, language: str | None = None) -> ox.Literal:
        return ox.Literal(value, language=language) if language else ox.Literal(value)


def dataset_iri(service) -> str:
    return f"{service.config.base}dataset"


def describe_dataset(out: Triples, service, data: Facts, endpoint: str, void_url: str) -> None:
    """The void:Dataset: statistics, partitions, subsets, sources and licences."""
    iri, integer = out.iri, out.integer
    dataset = iri(dataset_iri(service))
    base = service.config.base
    out.add(dataset, RDF + "type", iri(VOID + "Dataset"))
    out.add(dataset, DCTERMS + "title", out.text(TITLE, "en"))
    out.add(dataset, DCTERMS + "description", out.text(DESCRIPTION, "en"))
    out.add(dataset, FOAF + "homepage", iri(endpoint.rsplit("/sparql", 1)[0] + "/"))
    out.add(dataset, VOID + "sparqlEndpoint", iri(endpoint))
    out.add(dataset, VOID + "uriSpace", out.text(f"{base}id/"))
    out.add(dataset, VOID + "triples", integer(data.triples))
    out.add(dataset, VOID + "entities", integer(data.entities))
    out.add(dataset, VOID + "distinctSubjects", integer(data.distinct_subjects))
    out.add(dataset, VOID + "distinctObjects", integer(data.distinct_objects))
    out.add(dataset, VOID + "properties", integer(data.properties))
    out.add(dataset, VOID + "classes", integer(data.classes))
    out.add(dataset, RDFS + "seeAlso", iri(void_url))
    for vocabulary in data.vocabularies:
        out.add(dataset, VOID + "vocabulary", iri(vocabulary))
    for cls, count in data.class_partitions:
        part = out.blank()
        out.add(dataset, VOID + "classPartition", part)
        out.add(part, VOID + "class", iri(cls))
        out.add(part, VOID + "entities", integer(count))
    for prop, count, subjects, objects in data.property_partitions:
        part = out.blank()
        out.add(dataset, VOID + "propertyPartition", part)
        out.add(part, VOID + "property", iri(prop))
        out.add(part, VOID + "triples", integer(count))
        out.add(part, VOID + "distinctSubjects", integer(subjects))
        out.add(part, VOID + "distinctObjects", integer(objects))
    by_notation = {s.get("notation"): s for s in data.sources}
    for source in data.sources:
        node = iri(source["source"])
        out.add(dataset, DCTERMS + "source", node)
        out.add(node, DCTERMS + "title", out.text(source["title"], "en"))
        if source.get("license"):
            out.add(node, DCTERMS + "license", iri(source["license"]))
        if source.get("page"):
            out.add(node, FOAF + "page", iri(source["page"]))
    for name, count in data.graphs:
        subset = iri(name)
        out.add(dataset, VOID + "subset", subset)
        out.add(subset, RDF + "type", iri(VOID + "Dataset"))
        out.add(subset, VOID + "triples", integer(count))
        out.add(subset, VOID + "sparqlEndpoint", iri(endpoint))
        source = by_notation.get(name.rsplit("/", 1)[-1]) if name.startswith(base) else None
        if source:  # graph/<id> holds what was read from source <id>: its licence applies
            out.add(subset, DCTERMS + "source", iri(source["source"]))
            if source.get("license"):
                out.add(subset, DCTERMS + "license", iri(source["license"]))


def rdf_response(triples: list[ox.Triple], what: str) -> Response:
    """The triples in the format the client prefers among DESCRIPTION_TYPES (406 if none)."""
    try:
        _, graph_types = negotiation.choose(
            request.headers.get("Accept"), request.args.get("format")
        )
    except negotiation.NotAcceptableError as err:
        raise APIError(400, str(err)) from None
    chosen = [media for media in graph_types if media in DESCRIPTION_TYPES]
    if not chosen:
        raise APIError(406, f"the {what} is available as " + ", ".join(DESCRIPTION_TYPES))
    media = chosen[0]
    prefixes = PREFIXES if media != "application/n-triples" else None
    body = ox.serialize(triples, format=DESCRIPTION_TYPES[media], prefixes=prefixes)
    response = Response(body, 200, content_type=f"{media}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/.well-known/void")
def void_description() -> Response:
    service = current_app.extensions["kg"]
    endpoint = url_for("sparql.sparql", _external=True)
    void_url = url_for("void.void_description", _external=True)
    out = Triples()
    describe_dataset(out, service, facts(service), endpoint, void_url)
    return rdf_response(out.triples, "VoID description")
