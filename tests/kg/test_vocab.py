"""The ontology is documented, and the code only uses terms it declares."""

import re
from pathlib import Path

from rdflib import OWL, RDF, RDFS, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.vocab import ONTOLOGY_IRI, SIKG

VANN = "http://purl.org/vocab/vann/"
CODE = Path(__file__).resolve().parents[2]


def sikg_terms(ontology):
    return {
        s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(str(SIKG))
    }


def test_the_ontology_header_names_title_creator_licence_version_and_prefix(inputs):
    ontology = inputs[0]
    for prop in (
        DCTERMS.title,
        DCTERMS.creator,
        DCTERMS.license,
        OWL.versionIRI,
        OWL.versionInfo,
        URIRef(VANN + "preferredNamespacePrefix"),
        URIRef(VANN + "preferredNamespaceUri"),
    ):
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, prop
    assert str(ontology.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespaceUri"))) == str(SIKG)


def test_every_term_has_a_label_and_a_definition(inputs):
    ontology = inputs[0]
    terms = sikg_terms(ontology)
    assert len(terms) > 100
    undocumented = [
        t
        for t in terms
        if ontology.value(t, RDFS.label) is None or ontology.value(t, SKOS.definition) is None
    ]
    assert undocumented == []


def test_every_term_the_code_names_is_declared(inputs):
    ontology = inputs[0]
    declared = {str(t)[len(str(SIKG)) :] for t in sikg_terms(ontology)}
    used = set()
    for path in list((CODE / "kg").glob("*.py")) + list((CODE / "loaders").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"SIKG\.([A-Za-z]\w*)", text))
        used |= set(re.findall(r"SIKG\[\"(\w+)\"\]", text))
    assert used, "no SIKG terms found: the scan is broken"
    assert sorted(used - declared) == []


def test_core_classes_from_the_issue_exist(inputs):
    vocab = inputs[1]
    for cls in (
        "Person",
        "MilitaryForce",
        "Polity",
        "State",
        "Government",
        "PoliticalMovement",
        "Organisation",
        "Place",
        "Event",
        "Landing",
        "Deployment",
        "Battle",
        "Coup",
        "Execution",
        "Withdrawal",
        "Declaration",
        "Agreement",
        "Massacre",
        "Assassination",
        "Capture",
        "SourceDocument",
        "CitedWork",
        "Claim",
        "QuoteAnchor",
        "Strength",
        "Casualties",
    ):
        assert cls in vocab.classes, cls
    assert (SIKG.Landing, RDFS.subClassOf, SIKG.Deployment) in inputs[0]
    assert (SIKG.commander, RDF.type, OWL.ObjectProperty) in inputs[0]
