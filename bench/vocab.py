"""IRIs the generator writes, and N-Quads term syntax (https://www.w3.org/TR/n-quads/).

The namespaces are ``kg.vocab``'s, as strings: the generator writes text, not rdflib terms, so
that a million quads take seconds. The layout under the base (``res:``, ``src:``, ``claim:``,
``anchor/<source>/<start>-<end>``, ``graph/<source>``) is the one ``kg build`` writes
(``kg.iri.Minter``); ``tests/bench/test_bench.py`` checks the result against the shapes.
"""

from __future__ import annotations

from kg import vocab as kg_vocab

BASE = kg_vocab.DEFAULT_BASE
_KG = kg_vocab.prefixes(BASE)

SIKG = _KG["sikg"]
RES = _KG["res"]
SRC = _KG["src"]
CLAIM = _KG["claim"]
QUANTITY = _KG["quantity"]
ANCHOR = BASE + "anchor/"
SENTENCE = BASE + "sentence/"
SECTION = BASE + "section/"
GRAPH = BASE + "graph/"

RDF = _KG["rdf"]
RDFS = _KG["rdfs"]
XSD = _KG["xsd"]
SKOS = _KG["skos"]
OA = _KG["oa"]
DCTERMS = _KG["dcterms"]

# The prefixes every benchmark query declares, so that all three endpoints parse it unchanged
# (ours knows them without declaration; the peers do not).
DECLARED = ("rdf", "rdfs", "xsd", "skos", "oa", "dcterms", "sikg", "res", "src")
PREFIXES = {name: _KG[name] for name in DECLARED}


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
