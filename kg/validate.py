"""Validating a graph against the project's SHACL shapes, and a small report of the results.

``validate`` runs pySHACL (SHACL core and SHACL-SPARQL, https://www.w3.org/TR/shacl/) on the
union of the data's graphs and the ontology, so that ``sh:targetClass`` reaches subclasses through
``rdfs:subClassOf``, ``sh:class sikg:Method`` knows the ontology's methods, and SPARQL constraints
can ask whether a property is a ``sikg:SourcedProperty``. (pySHACL's own ``ont_graph`` mix-in copies
only the RDFS and OWL axioms, not ``sikg:commander a sikg:SourcedProperty`` nor
``sikg:exactly a sikg:CountQualifier``, hence the union.) No inference is run: the shapes check
what the graph states. The caller loads the shapes and the ontology (``ontology/shapes.ttl``,
``ontology/sikg.ttl``) and passes them in.

Example::

    report = validate(graph, shapes, ontology)
    if not report.conforms:
        print(report.text())
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyshacl
from rdflib import RDF, RDFS, SH, BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kg.vocab import OA, SCHEMA, SIKG

SHAPES = "https://w3id.org/sikg/shapes#"

# Order of severities in a report: violations first.
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Result:
    """One validation result: which node broke which shape, and how.

    ``severity`` is ``"Violation"``, ``"Warning"`` or ``"Info"``; ``path`` is the result path in
    SPARQL property-path syntax with prefixed names (``sikg:commander``), or None for a
    constraint on the node itself; ``value`` is the offending value (the focus node itself for a
    constraint on the node); ``shape`` is the source shape (``sikgsh:Fact-commander``).
    Two constraints of one shape failing on the same value (say sh:datatype and sh:languageIn)
    make one result: they share the shape's message.
    """

    severity: str
    focus: Node
    focus_label: str | None
    path: str | None
    value: Node | None
    message: str
    shape: Node


@dataclass(frozen=True)
class Report:
    """The results of one validation, sorted; ``text()`` renders them for a person."""

    results: tuple[Result, ...]
    namespaces: NamespaceManager = field(compare=False, repr=False)

    def of_severity(self, severity: str) -> tuple[Result, ...]:
        """The results of one severity: ``"Violation"``, ``"Warning"`` or ``"Info"``."""
        return tuple(r for r in self.results if r.severity == severity)

    @property
    def violations(self) -> int:
        """How many results are violations."""
        return len(self.of_severity("Violation"))

    @property
    def warnings(self) -> int:
        """How many results are warnings."""
        return len(self.of_severity("Warning"))

    @property
    def conforms(self) -> bool:
        """True when no result is a violation (warnings and infos do not count)."""
        return self.violations == 0

    def text(self) -> str:
        """A readable report: a summary line, then one line per result.

        A line reads ``Violation  <label> (<iri>)  <path>  value <value>: <message>  [<shape>]``,
        without the label, path or value when there is none (the value of a constraint on the node
        itself is the node), and lines are sorted by severity, node, path, value and message.
        """
        lines = [
            f"SHACL validation: {_plural(self.violations, 'violation')}, "
            f"{_plural(self.warnings, 'warning')}"
            + ("" if self.conforms else " (does not conform)")
        ]
        for result in self.results:
            focus = (
                str(result.focus) if isinstance(result.focus, URIRef) else self._term(result.focus)
            )
            if result.focus_label:
                focus = f"{result.focus_label} ({focus})"
            parts = [f"{result.severity:<9}", focus]
            if result.path is not None:
                parts.append(result.path)
            line = "  ".join(parts)
            if result.value is not None and result.value != result.focus:
                line += f"  value {self._term(result.value)}"
            lines.append(f"{line}: {result.message}  [{self._term(result.shape)}]")
        return "\n".join(lines) + "\n"

    def _term(self, node: Node) -> str:
        if isinstance(node, URIRef | Literal):
            return node.n3(self.namespaces)
        return f"_:{node}"


def validate(data: Graph | Dataset, shapes: Graph, ontology: Graph) -> Report:
    """Validate ``data`` (a graph, or a dataset whose graphs are united) against ``shapes``.

    Neither argument is changed. A shapes graph pySHACL cannot run (a malformed SPARQL
    constraint, say) raises pySHACL's error, ``pyshacl.errors.ValidationFailure`` or another
    ``ReportableRuntimeError``: that is a bug in the shapes, not a fault of the data.
    """
    graph = _union(data, ontology)
    _conforms, results_graph, _text = pyshacl.validate(
        graph,
        shacl_graph=shapes,
        inference="none",
        inplace=True,  # on our own union graph, which nothing else sees
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=False,
        js=False,
        meta_shacl=False,
    )
    if isinstance(results_graph, BaseException):
        # pySHACL returns, rather than raises, a failure to run a shape (a malformed shapes graph).
        raise results_graph
    namespaces = _namespaces(graph)
    labels = _Labels(graph)
    results = {
        _result(results_graph, node, shapes, labels, namespaces)
        for node in results_graph.objects(None, SH.result)
    }
    return Report(tuple(sorted(results, key=_sort_key)), namespaces)


class ParsedOnce(Graph):
    """A graph that parses each SPARQL query text once, however often it is asked.

    pySHACL passes a SPARQL constraint's text to ``query`` for every focus node, and rdflib's
    parser takes about 25 ms a query, so parsing dominated validation (1.4 s for a graph of 400
    triples). A prepared query gives the same results, with the focus node still pre-bound.
    """

    def __init__(self, cache: dict[str, Query] | None = None) -> None:
        super().__init__()
        self._prepared: dict[str, Query] = {} if cache is None else cache

    def query(  # the signature of rdflib's Graph.query
        self,
        query_object,
        processor="sparql",
        result="sparql",
        initNs=None,  # noqa: N803 - rdflib's name
        initBindings=None,  # noqa: N803 - rdflib's name
        use_store_provided=True,
        **kwargs,
    ):
        if isinstance(query_object, str) and processor == "sparql" and not initNs:
            prepared = self._prepared.get(query_object)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=dict(self.namespaces()))
                self._prepared[query_object] = prepared
            query_object = prepared
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


def _union(data: Graph | Dataset, ontology: Graph) -> Graph:
    """A new plain graph of every triple of ``data``, whatever graph it is in, and the ontology."""
    union = ParsedOnce()
    for prefix, namespace in data.namespaces():
        union.bind(prefix, namespace, override=False)
    if isinstance(data, Dataset):
        for s, p, o, _graph in data.quads((None, None, None, None)):
            union.add((s, p, o))
    else:
        union += data
    union += ontology
    return union


def _namespaces(graph: Graph) -> NamespaceManager:
    """The prefixes the shapes use, plus the data's own (``res:`` and the like)."""
    manager = NamespaceManager(Graph(), bind_namespaces="core")
    for prefix, namespace in (
        ("sikg", SIKG),
        ("sikgsh", SHAPES),
        ("sh", SH),
        ("oa", OA),
        ("skos", SKOS),
        ("dcterms", DCTERMS),
        ("prov", PROV),
        ("schema", SCHEMA),
    ):
        manager.bind(prefix, namespace, override=True, replace=True)
    known = {prefix for prefix, _ in manager.namespaces()}
    for prefix, namespace in graph.namespaces():
        if prefix and prefix not in known:
            manager.bind(prefix, namespace, override=False)
    return manager


class _Labels:
    """The rdfs:label of a node, preferring English, or None."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph

    def __call__(self, node: Node) -> str | None:
        labels = sorted(
            (label for label in self._graph.objects(node, RDFS.label) if str(label)),
            key=lambda label: (getattr(label, "language", None) != "en", str(label)),
        )
        return str(labels[0]) if labels else None


def _result(
    results: Graph, node: Node, shapes: Graph, labels: _Labels, namespaces: NamespaceManager
) -> Result:
    focus = results.value(node, SH.focusNode)
    path = results.value(node, SH.resultPath)
    shape = results.value(node, SH.sourceShape)
    messages = sorted(results.objects(node, SH.resultMessage), key=_message_key)
    if (node, SH.sourceConstraint, None) in results:
        # pySHACL reports both the shape's sh:message and the SPARQL constraint's (with its
        # variables filled in); the constraint's says what this query found.
        own = {str(m) for m in shapes.objects(shape, SH.message)}
        messages = [m for m in messages if str(m) not in own] or messages
    severity = results.value(node, SH.resultSeverity)
    return Result(
        severity=str(severity).removeprefix(str(SH)) if severity is not None else "Violation",
        focus=focus,
        focus_label=labels(focus),
        path=None if path is None else _path(path, results, shapes, namespaces),
        value=results.value(node, SH.value),
        message=str(messages[0]) if messages else "",
        shape=shape,
    )


def _message_key(message: Node) -> tuple[bool, str]:
    return (getattr(message, "language", None) not in (None, "en"), str(message))


def _path(path: Node, results: Graph, shapes: Graph, namespaces: NamespaceManager) -> str:
    """A SHACL property path (https://www.w3.org/TR/shacl/#property-paths) in SPARQL syntax."""
    if isinstance(path, URIRef):
        return path.n3(namespaces)
    # A complex path is a blank node; pySHACL copies it into the results graph, but fall back to
    # the shapes graph, where it was written.
    graph = results if (path, None, None) in results else shapes

    def render(node: Node) -> str:
        if isinstance(node, URIRef):
            return node.n3(namespaces)
        if (node, RDF.first, None) in graph:  # a sequence; "|" binds looser than "/"
            return "/".join(
                f"({render(item)})" if (item, SH.alternativePath, None) in graph else render(item)
                for item in graph.items(node)
            )
        for predicate, template in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = graph.value(node, predicate)
            if inner is not None:
                return template.format(_group(inner, render(inner)))
        alternatives = graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return "|".join(render(item) for item in graph.items(alternatives))
        return f"_:{node}"

    return render(path)


def _group(node: Node, text: str) -> str:
    """Parenthesise a rendered sub-path unless it is a single IRI."""
    return text if isinstance(node, URIRef) else f"({text})"


def _sort_key(result: Result) -> tuple:
    return (
        _SEVERITY_ORDER.get(result.severity, len(_SEVERITY_ORDER)),
        isinstance(result.focus, BNode),
        str(result.focus),
        result.path or "",
        "" if result.value is None else result.value.n3(),
        result.message,
        str(result.shape),
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
