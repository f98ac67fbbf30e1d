"""Checking a write against the SHACL shapes before it commits, on the part of the graph it touches.

Validating the whole graph takes seconds on the 20,000 quads of the build and would take many
minutes at a million, so a write is validated on the nodes it can have broken, in a small graph
that holds everything their shapes read (a few hundred triples for a typical write: 30-40 ms). The
rule:

1. The write's **changes** are the triples it adds to or removes from the union of the graphs (the
   inferred graph left out: entailments are not statements; a triple still stated in another
   graph is not removed).
2. Its **focus nodes** are
   - the subjects and (non-literal) objects of the changed triples;
   - every node pointing at a node that lost an ``rdf:type`` (its ``sh:class`` may now fail) or
     whose ``sikg:inSource``, ``oa:start`` or ``oa:end`` changed (read through a claim's
     ``sikg:evidence/sikg:inSource`` and by a sentence's section check) -- gaining a type cannot
     break a shape that has no ``sh:not`` or ``sh:xone``;
   - the ``rdf:subject`` of a claim whose ``rdf:predicate`` or ``rdf:object`` changed (its
     direct triple may have lost its claim: ``sikgsh:BackedByClaimShape``);
   - the claims stating a removed triple (``sikgsh:ClaimAssertedConstraint``).
3. The **graph validated** holds, from the graph as the write leaves it: every triple of each
   focus node; the ``rdf:type``, ``sikg:inSource``, ``oa:start`` and ``oa:end`` of the nodes they
   point at and the types of the properties they use; the claims about them (``rdf:subject``,
   ``rdf:predicate``, ``rdf:object``, and ``rdf:object`` pointing at them); the direct triple
   each focus claim states; every ``rdfs:subClassOf`` triple; and, from ``ontology/sikg.ttl``,
   its class hierarchy and the types of the terms in that graph (so that a dataset served from
   other files is checked against the same classes, sourced properties and methods).
4. Each shape is run on its targets **among the focus nodes** only (other nodes in that graph are
   incomplete by design), and a write is refused when a result is a violation. Warnings are
   reported but do not refuse a write.
5. A write that changes ``rdfs:subClassOf`` or which properties are ``sikg:SourcedProperty`` can
   change the targets of any node, so it is validated on the whole graph.
6. Oxigraph keeps every integer-derived datatype as ``xsd:integer``, so ``sh:datatype
   xsd:nonNegativeInteger`` (``oa:start``, ``oa:end``) is checked as an ``xsd:integer`` of at least
   0 (``as_stored``); otherwise every quote anchor read back from the store would fail.

This is equivalent to validating the whole graph for shapes whose constraints read the focus
node's own triples, its values' types and the properties listed above -- which is what
``ontology/shapes.ttl`` does; a new shape that reads further (a longer ``sh:path``, a SPARQL
constraint looking at other nodes) must add what it reads to ``VALUE_PROPERTIES``. A focus node
that already broke a shape before the write makes the write fail too: the graph must conform
wherever a write touches it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
from pyshacl.graph_abstraction import DataGraph
from pyshacl.monkey import apply_patches
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.validator import Validator, assign_baked_in
from rdflib import RDF, RDFS, SH, XSD, BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql.sparql import Query

from kg.validate import ParsedOnce, Report, _Labels, _namespaces, _result, _sort_key
from kg.wikidata.links import PREDICATES
from server import rdflib_fixes
from server.delta import UnionView

rdflib_fixes.apply()  # the shapes' SPARQL is prepared with rdflib, under the write lock

ROOT = Path(__file__).resolve().parents[1]
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "sikg.ttl"

SIKG = "https://w3id.org/sikg/ontology#"
OA = "http://www.w3.org/ns/oa#"
TYPE = ox.NamedNode(str(RDF.type))
LABEL = ox.NamedNode(str(RDFS.label))
SUBJECT = ox.NamedNode(str(RDF.subject))
PREDICATE = ox.NamedNode(str(RDF.predicate))
OBJECT = ox.NamedNode(str(RDF.object))
SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
XSD_STRING = str(XSD.string)
SOURCED = ox.NamedNode(SIKG + "SourcedProperty")
# Properties that shapes read on a node other than the focus node: sikg:inSource through
# sikg:evidence/sikg:inSource (sikgsh:Claim-evidenceSource), the section's span and source in
# sikgsh:SentenceInSectionConstraint.
VALUE_PROPERTIES = frozenset(
    ox.NamedNode(iri) for iri in (SIKG + "inSource", OA + "start", OA + "end")
)
# Link judgements (graph/links) and the entities they judge read each other: an entity's Wikidata
# match needs its judgement (sikgsh:WikidataMatchShape), a judgement needs its entity's match
# (sikgsh:LinkRelationAssertedConstraint).
LINKED_ENTITY = ox.NamedNode(SIKG + "linkedEntity")
LINK_RELATIONS = frozenset(ox.NamedNode(str(p)) for p in PREDICATES.values())
# Oxigraph stores every integer-derived datatype as xsd:integer ("5"^^xsd:nonNegativeInteger
# comes back as "5"^^xsd:integer: https://github.com/oxigraph/oxigraph/issues/526), so a shape
# asking for one is checked as xsd:integer within that type's range.
INTEGER_RANGES = {
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}


@functools.lru_cache(maxsize=4)
def load(shapes: Path = SHAPES_FILE, ontology: Path = ONTOLOGY_FILE) -> ShapesCheck:
    """The checker for these files, parsed and harvested once per process."""
    return ShapesCheck(Graph().parse(shapes), ontology)


class ShapesCheck:
    """The shapes (harvested once), their targets, and the ontology's schema triples."""

    def __init__(self, shapes: Graph, ontology: Path) -> None:
        apply_patches()
        assign_baked_in()
        self.shapes = as_stored(shapes)
        self.shapes_graph = ShapesGraph(self.shapes)
        self.all_shapes = list(self.shapes_graph.shapes)  # harvest now, not on the first write
        self.targets = {}
        for shape in self.all_shapes:
            nodes, classes, implicit, objects_of, subjects_of = shape.target()
            declared = (set(nodes), set(classes) | set(implicit), set(objects_of), set(subjects_of))
            if any(declared):
                self.targets[shape] = declared
        self.objects_of_targets = any(objects_of for _, _, objects_of, _ in self.targets.values())
        self.ontology = [q.triple for q in ox.parse(path=str(ontology))]
        self.subclasses = [t for t in self.ontology if t.predicate == SUBCLASS]
        self.types: dict = {}
        for triple in self.ontology:
            if triple.predicate == TYPE:
                self.types.setdefault(triple.subject, []).append(triple)
        self.queries: dict[str, Query] = {}
        self.types_monotone = not any(self.shapes.triples((None, SH["not"], None))) and not any(
            self.shapes.triples((None, SH.xone, None))
        )

    # -- the rule -------------------------------------------------------------------------------
    def check(self, view: UnionView, prefixes: dict[str, str] | None = None) -> Report | None:
        """The report of validating what the write changes; None when it changes nothing."""
        added, removed = view.changes()
        if not added and not removed:
            return None
        if any(
            t.predicate == SUBCLASS or (t.predicate == TYPE and t.object == SOURCED)
            for t in added | removed
        ):
            return self.validate(self._everything(view), None, view, prefixes)
        focus = self.focus_nodes(view, added, removed)
        return self.validate(self._neighbourhood(view, focus), focus, view, prefixes)

    def focus_nodes(self, view: UnionView, added: set, removed: set) -> set:
        focus: set = set()
        pointed_at: set = set()
        claims: set = set()
        for triple in added | removed:
            s, p, o = triple.subject, triple.predicate, triple.object
            focus.add(s)
            if _is_node(o):
                focus.add(o)
            if p in VALUE_PROPERTIES or (
                p == TYPE and (triple in removed or not self.types_monotone)
            ):
                pointed_at.add(s)
            if p in (PREDICATE, OBJECT):
                claims.add(s)
            if p in LINK_RELATIONS:  # the judgements of this entity may have lost their link
                focus.update(t.subject for t in view.triples(None, LINKED_ENTITY, s))
        for node in pointed_at:
            focus.update(t.subject for t in view.triples(None, None, node))
        for claim in claims:
            focus.update(t.object for t in view.triples(claim, SUBJECT, None))
        for triple in removed:
            for stated in view.triples(None, SUBJECT, triple.subject):
                claim = stated.subject
                if _has(view, claim, PREDICATE, triple.predicate) and _has(
                    view, claim, OBJECT, triple.object
                ):
                    focus.add(claim)
        return {node for node in focus if _is_node(node)}

    # -- the graph validated --------------------------------------------------------------------
    def _neighbourhood(self, view: UnionView, focus: set) -> Graph:
        graph = _PreparedQueries(self.queries)
        add = graph.add_ox
        terms, values = set(focus), set()
        for node in focus:
            for triple in view.triples(node, None, None):
                add(triple)
                terms.add(triple.predicate)
                if _is_node(triple.object):
                    values.add(triple.object)
            for stated in view.triples(None, SUBJECT, node):
                add(stated)
                for part in (PREDICATE, OBJECT):
                    for triple in view.triples(stated.subject, part, None):
                        add(triple)
            for triple in view.triples(None, OBJECT, node):
                add(triple)
            # The judgements of a focus entity, and the entity a focus judgement judges.
            for judged in view.triples(None, LINKED_ENTITY, node):
                for triple in view.triples(judged.subject, None, None):
                    add(triple)
            for entity in _objects(view, node, LINKED_ENTITY):
                for relation in LINK_RELATIONS:
                    for triple in view.triples(entity, relation, None):
                        add(triple)
            # The direct triple a focus claim states (sikgsh:ClaimAssertedConstraint).
            for s in _objects(view, node, SUBJECT):
                for p in _objects(view, node, PREDICATE):
                    if isinstance(p, ox.NamedNode):
                        for o in _objects(view, node, OBJECT):
                            for triple in view.triples(s, p, o):
                                add(triple)
        for value in values:
            for prop in VALUE_PROPERTIES:
                for triple in view.triples(value, prop, None):
                    add(triple)
        for term in terms | values:
            for triple in view.triples(term, TYPE, None):
                add(triple)
            for triple in self.types.get(term, ()):
                add(triple)
        for triple in [*self.subclasses, *view.triples(None, SUBCLASS, None)]:
            add(triple)
        return graph

    def _everything(self, view: UnionView) -> Graph:
        graph = _PreparedQueries(self.queries)
        for triple in [*self.ontology, *view.triples()]:
            graph.add_ox(triple)
        return graph

    def _targeted(self, graph: Graph, focus: set, view: UnionView) -> dict:
        """shape -> the focus nodes it targets, from the shapes' declarations (SHACL 2.1.3)."""

        @functools.cache
        def superclasses(cls) -> frozenset:
            return frozenset(graph.transitive_objects(cls, RDFS.subClassOf))

        targeted: dict = {}
        for node in focus:
            term = _rdf(node)
            classes = set()
            for cls in graph.objects(term, RDF.type):
                classes |= superclasses(cls)
            out = set(graph.predicates(term, None))
            into = (
                {_rdf(t.predicate) for t in view.triples(None, None, node)}
                if self.objects_of_targets
                else set()
            )
            for shape, (nodes, target_classes, objects_of, subjects_of) in self.targets.items():
                if (
                    term in nodes
                    or classes & target_classes
                    or out & subjects_of
                    or into & objects_of
                ):
                    targeted.setdefault(shape, []).append(term)
        return targeted

    # -- validation -----------------------------------------------------------------------------
    def validate(
        self,
        graph: Graph,
        focus: set | None,
        view: UnionView | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> Report:
        """Run every shape on its targets in ``graph`` (only those in ``focus`` unless None)."""
        data = DataGraph.from_rdflib(graph)
        validator = Validator(
            data,
            shacl_graph=Graph(),
            options={"inference": "none", "allow_infos": True, "allow_warnings": True},
        )
        validator.shacl_graph = self.shapes_graph
        executor = validator.make_executor()
        if focus is None:
            targeted = {shape: shape.focus_nodes(data) for shape in self.all_shapes}
        else:
            targeted = self._targeted(graph, focus, view)
        reports = []
        for shape in self.all_shapes:  # in the shapes graph's order, as pySHACL runs them
            nodes = targeted.get(shape)
            if nodes:
                _conforms, found = shape.validate(executor, data, focus=sorted(nodes, key=str))
                reports.extend(found)
        results_graph, _text = Validator.create_validation_report(
            self.shapes_graph, not reports, reports
        )
        names = Graph(bind_namespaces="core")
        for prefix, namespace in (prefixes or {}).items():
            names.bind(prefix, namespace)
        namespaces = _namespaces(names)
        labels = _labels(view) if view is not None else _Labels(graph)
        results = {
            _result(results_graph, node, self.shapes, labels, namespaces)
            for node in results_graph.objects(None, SH.result)
        }
        return Report(tuple(sorted(results, key=_sort_key)), namespaces)


def as_stored(shapes: Graph) -> Graph:
    """A copy of the shapes that checks integer-derived datatypes as Oxigraph keeps them."""
    copy = Graph()
    for prefix, namespace in shapes.namespaces():
        copy.bind(prefix, namespace)
    copy += shapes
    for shape, datatype in list(copy.subject_objects(SH.datatype)):
        name = str(datatype).removeprefix(str(XSD))
        if str(datatype).startswith(str(XSD)) and name in INTEGER_RANGES:
            low, high = INTEGER_RANGES[name]
            copy.remove((shape, SH.datatype, datatype))
            copy.add((shape, SH.datatype, XSD.integer))
            if low is not None:
                copy.add((shape, SH.minInclusive, Literal(low)))
            if high is not None:
                copy.add((shape, SH.maxInclusive, Literal(high)))
    return copy


def report_json(report: Report) -> dict:
    """A report as JSON: counts and one object per result."""

    def term(node) -> str | None:
        if node is None:
            return None
        if isinstance(node, BNode):
            return f"_:{node}"
        if isinstance(node, URIRef):
            return str(node)
        return node.n3(report.namespaces)

    return {
        "conforms": report.conforms,
        "violations": report.violations,
        "warnings": report.warnings,
        "results": [
            {
                "severity": r.severity,
                "focusNode": term(r.focus),
                "focusLabel": r.focus_label,
                "resultPath": r.path,
                "value": None if r.value is None else r.value.n3(report.namespaces),
                "message": r.message,
                "sourceShape": r.shape.n3(report.namespaces)
                if isinstance(r.shape, URIRef)
                else term(r.shape),
            }
            for r in report.results
        ],
    }


class _PreparedQueries(ParsedOnce):
    """A graph that parses each SPARQL constraint once per process, not once per focus node.

    The cache (see ``kg.validate.ParsedOnce``) is shared by every write's graph.
    """

    def add_ox(self, triple: ox.Triple) -> None:
        terms = (_rdf(triple.subject), _rdf(triple.predicate), _rdf(triple.object))
        if None not in terms:
            self.add(terms)


# -- terms --------------------------------------------------------------------------------------


def _is_node(term) -> bool:
    return isinstance(term, ox.NamedNode | ox.BlankNode)


def _has(view: UnionView, s, p, o) -> bool:
    return any(True for _ in view.triples(s, p, o))


def _objects(view: UnionView, s, p) -> Iterable:
    return [t.object for t in view.triples(s, p, None)]


def _rdf(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:  # as rdflib parses "x": no datatype
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return None  # an RDF-star triple term: no shape reads it


def _ox(node):
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    return None


def _labels(view: UnionView) -> Callable:
    """The rdfs:label of a node, preferring English (as ``kg.validate`` shows it), or None."""

    def label(node) -> str | None:
        term = _ox(node)
        if term is None:
            return None
        found = sorted(
            (t.object for t in view.triples(term, LABEL, None) if isinstance(t.object, ox.Literal)),
            key=lambda lit: (lit.language != "en", lit.value),
        )
        return found[0].value if found else None

    return label
