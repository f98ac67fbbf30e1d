"""Materialising RDFS or OWL-RL entailments with owlrl, kept apart from asserted triples.

Inference is a batch step of the build (owlrl takes seconds), never per request. The closure is
computed over the asserted union plus the ontology, and only the new triples are returned, so the
caller stores them in their own named graph and exports can leave them out. The build runs it in a
forked process while it validates (``infer_in_background``): the two are independent, and each
takes one core.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable

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
    closure = Graph(store="SimpleMemory")  # no contexts: owlrl's many lookups are faster
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


def infer_in_background(
    dataset: Dataset, ontology: Graph, profile: str = "owlrl"
) -> Callable[[], Graph]:
    """Start ``infer_graph`` in a forked process; call the result to wait for its triples.

    Where fork is not available, the closure is computed when the result is called.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return lambda: infer_graph(dataset, ontology, profile)
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)

    def child() -> None:
        try:
            writer.send(("ok", list(infer_graph(dataset, ontology, profile))))
        except ValidationError as err:
            writer.send(("error", str(err)))

    process = context.Process(target=child, daemon=True)
    process.start()
    writer.close()

    def wait() -> Graph:
        try:
            kind, value = reader.recv()
        except EOFError:
            raise RuntimeError(
                f"the inference process died (exit code {process.exitcode})"
            ) from None
        finally:
            process.join()
        if kind == "error":
            raise ValidationError(value)
        inferred = Graph()
        for triple in value:
            inferred.add(triple)
        return inferred

    wait.cancel = process.kill  # type: ignore[attr-defined]
    return wait
