"""Materialising RDFS or OWL-RL entailments with owlrl, kept apart from asserted triples.

Inference is a batch step of the build (owlrl takes seconds), never per request. The closure is
computed over the asserted union plus the ontology, and only the new triples are returned, so the
caller stores them in their own named graph and exports can leave them out.
"""

from __future__ import annotations

import owlrl
from rdflib import RDF, BNode, Dataset, Graph, Literal, Namespace

from kg.errors import ValidationError

PROFILES = {"rdfs": owlrl.RDFS_Semantics, "owlrl": owlrl.OWLRL_Semantics}
# owlrl reports inconsistencies as resources of this namespace instead of raising.
_OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


def infer_graph(dataset: Dataset, ontology: Graph, profile: str = "owlrl") -> Graph:
    """The entailed triples not already asserted; raises ValidationError on an inconsistency."""
    if profile not in PROFILES:
        raise ValueError(f"unknown inference profile {profile!r}")
    closure = Graph()
    for graph in dataset.graphs():
        for triple in graph:
            closure.add(triple)
    for triple in ontology:
        closure.add(triple)
    before = set(closure)
    owlrl.DeductiveClosure(
        PROFILES[profile], axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    errors = sorted(
        str(message)
        for node in closure.subjects(RDF.type, _OWLRL_ERRORS.ErrorMessage)
        for message in closure.objects(node, _OWLRL_ERRORS.error)
    )
    if errors:
        raise ValidationError("inference found an inconsistency: " + "; ".join(errors[:5]))
    inferred = Graph()
    for s, p, o in closure:
        if (s, p, o) in before or isinstance(s, Literal) or BNode in (type(s), type(o)):
            continue
        inferred.add((s, p, o))
    return inferred
