"""The project's vocabulary: namespaces, and the ontology's terms as a closed set.

``Vocabulary`` is read from ``ontology/sikg.ttl`` so a typo in a property name in an annotation
file is an error at the line that makes it, not a silently new term.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, XSD

from kg.errors import DataError

SIKG = Namespace("https://w3id.org/sikg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")  # Wikidata's truthy ("direct") properties
ONTOLOGY_IRI = URIRef("https://w3id.org/sikg/ontology")

DEFAULT_BASE = "https://w3id.org/sikg/"

# Properties whose values are dates at the precision a text gives (see kg.dates).
DATE_PROPERTIES = frozenset(
    {"date", "startDate", "endDate", "birthDate", "deathDate", "publicationDate"}
)
# Properties whose object is a quantity node, and the class that node gets.
QUANTITY_PROPERTIES = {"strength": "Strength", "casualties": "Casualties", "cost": "Cost"}


def prefixes(base: str) -> dict[str, str]:
    """The prefixes used in every export and shown on the query page."""
    return {
        "sikg": str(SIKG),
        "res": f"{base}id/",
        "src": f"{base}source/",
        "claim": f"{base}claim/",
        "quantity": f"{base}quantity/",
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "owl": str(OWL),
        "xsd": str(XSD),
        "skos": str(SKOS),
        "dcterms": str(DCTERMS),
        "prov": str(PROV),
        "oa": str(OA),
        "schema": str(SCHEMA),
        "wd": str(WD),
    }


@dataclass(frozen=True)
class Vocabulary:
    """The ontology's classes and properties by local name."""

    classes: frozenset[str]
    object_properties: frozenset[str]
    datatype_properties: frozenset[str]
    sourced_properties: frozenset[str]
    methods: frozenset[str]
    qualifiers: frozenset[str]

    def term(self, local: str) -> URIRef:
        """The IRI of a known term; an unknown local name is an error."""
        if local not in self.classes | self.object_properties | self.datatype_properties | (
            self.methods | self.qualifiers
        ):
            raise DataError(f"unknown ontology term sikg:{local}")
        return SIKG[local]

    def is_object_property(self, local: str) -> bool:
        return local in self.object_properties


def _locals(graph: Graph, rdf_type: URIRef) -> frozenset[str]:
    ns = str(SIKG)
    return frozenset(
        str(s)[len(ns) :] for s in graph.subjects(RDF.type, rdf_type) if str(s).startswith(ns)
    )


def read_vocabulary(ontology: Graph) -> Vocabulary:
    """Collect the terms of the ontology graph."""
    return Vocabulary(
        classes=_locals(ontology, OWL.Class),
        object_properties=_locals(ontology, OWL.ObjectProperty),
        datatype_properties=_locals(ontology, OWL.DatatypeProperty),
        sourced_properties=_locals(ontology, SIKG.SourcedProperty),
        methods=_locals(ontology, SIKG.Method),
        qualifiers=_locals(ontology, SIKG.CountQualifier),
    )


def load_ontology(path: Path) -> Graph:
    """Parse the ontology file."""
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph
