"""IRIs the generator writes, and N-Quads term syntax (https://www.w3.org/TR/n-quads/).

Kept apart from ``kg.vocab`` on purpose: the generator writes text, not rdflib terms, so that a
million quads take seconds, and it must not change when the build's internals do. The layout
(``res:``, ``src:``, ``claim:``, ``anchor/<source>/<start>-<end>``, ``graph/<source>``) is the one
``kg build`` writes; ``tests/bench/test_bench.py`` checks the result against the shapes.
"""

from __future__ import annotations

BASE = "https://w3id.org/sikg/"
SIKG = BASE + "ontology#"
RES = BASE + "id/"
SRC = BASE + "source/"
CLAIM = BASE + "claim/"
QUANTITY = BASE + "quantity/"
ANCHOR = BASE + "anchor/"
SENTENCE = BASE + "sentence/"
SECTION = BASE + "section/"
GRAPH = BASE + "graph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"

# The prefixes every benchmark query declares, so that all three endpoints parse it unchanged
# (ours knows them without declaration; the peers do not).
PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "oa": OA,
    "dcterms": DCTERMS,
    "sikg": SIKG,
    "res": RES,
    "src": SRC,
}


def iri(value: str) -> str:
    return f"<{value}>"


def sikg(name: str) -> str:
    return f"<{SIKG}{name}>"


def string(value: str) -> str:
    """A plain (xsd:string) literal."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def english(value: str) -> str:
    return string(value) + "@en"


def typed(value: str, datatype: str) -> str:
    return f"{string(value)}^^<{XSD}{datatype}>"


def integer(value: int) -> str:
    return typed(str(value), "integer")


TYPE = iri(RDF + "type")
LABEL = iri(RDFS + "label")
COMMENT = iri(RDFS + "comment")
ALT_LABEL = iri(SKOS + "altLabel")
NOTATION = iri(SKOS + "notation")
FORMAT = iri(DCTERMS + "format")
LICENSE = iri(DCTERMS + "license")
SUBJECT = iri(RDF + "subject")
PREDICATE = iri(RDF + "predicate")
OBJECT = iri(RDF + "object")
EXACT = iri(OA + "exact")
START = iri(OA + "start")
END = iri(OA + "end")
PREFIX = iri(OA + "prefix")
SUFFIX = iri(OA + "suffix")
