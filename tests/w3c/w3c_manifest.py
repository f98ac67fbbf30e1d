"""Reading the W3C SPARQL 1.1 test manifests (mf:, qt:, ut: vocabularies) with rdflib.

A top manifest (``manifest-sparql11-query.ttl`` ...) lists sub-manifests with ``mf:include``; each
sub-manifest lists its tests with ``mf:entries``. Every entry becomes one ``W3CTest`` naming the
files it needs as local paths and the IRIs the harness must use for them (the ``file:`` IRI of
each file is its base IRI and, for ``qt:graphData``, the name of the graph).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import RDF, RDFS, BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

# The suites ship in shared/ beside the project's checkout (as on CI), or where the variable says.
DEFAULT_SUITE_DIR = Path(__file__).resolve().parents[3] / "shared" / "w3c-sparql11"
SUITE_DIR = Path(os.environ.get("KG_W3C_SPARQL11_DIR", DEFAULT_SUITE_DIR))

# The three suites this harness runs, by top manifest; entailment, federation (SERVICE), the
# protocol and the graph store protocol have manifests of their own and are out of scope.
SUITES = {
    "query": "manifest-sparql11-query.ttl",
    "results": "manifest-sparql11-results.ttl",
    "update": "manifest-sparql11-update.ttl",
}
# How many tests each suite has at the pinned commit (see the suite's SOURCE.txt).
EXPECTED_COUNTS = {"query": 328, "results": 10, "update": 157}

SYNTAX_KINDS = {
    "PositiveSyntaxTest11": True,
    "NegativeSyntaxTest11": False,
    "PositiveUpdateSyntaxTest11": True,
    "NegativeUpdateSyntaxTest11": False,
}
EVALUATION_KINDS = ("QueryEvaluationTest", "CSVResultFormatTest", "UpdateEvaluationTest")


@dataclass(frozen=True)
class NamedGraphFile:
    """A file to load into (or compare with) the named graph ``name``."""

    name: str
    path: Path


@dataclass(frozen=True)
class W3CTest:
    iri: str
    suite: str  # "query", "results" or "update"
    kind: str  # the local name of the entry's rdf:type, e.g. "QueryEvaluationTest"
    name: str
    approval: str | None  # "Approved", "Proposed", ... or None
    action: Path | None  # the query (qt:query / syntax action) or the update (ut:request)
    data: tuple[Path, ...] = ()  # default graph before (qt:data / ut:data)
    graph_data: tuple[NamedGraphFile, ...] = ()  # named graphs before
    result: Path | None = None  # expected query result file
    result_data: tuple[Path, ...] = ()  # default graph after an update
    result_graph_data: tuple[NamedGraphFile, ...] = ()  # named graphs after an update

    @property
    def is_syntax(self) -> bool:
        return self.kind in SYNTAX_KINDS

    @property
    def positive(self) -> bool:
        return SYNTAX_KINDS[self.kind]

    @property
    def is_update(self) -> bool:
        """Whether the action is an update request (else a query)."""
        return self.action is not None and self.action.suffix == ".ru"

    @property
    def short(self) -> str:
        """``<directory>/<local name>``, for messages."""
        return f"{self.action.parent.name if self.action else '?'}/{self.iri.rsplit('#', 1)[-1]}"


def file_iri(path: Path) -> str:
    return path.resolve().as_uri()


def _path(term) -> Path:
    parsed = urlparse(str(term))
    if parsed.scheme != "file":
        raise ValueError(f"expected a file IRI in the manifest, got {term}")
    return Path(unquote(parsed.path))


def _local(term) -> str | None:
    if term is None:
        return None
    text = str(term)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def _list(graph: Graph, head) -> list:
    return list(Collection(graph, head)) if head is not None else []


def _named_graphs(graph: Graph, node, predicate) -> tuple[NamedGraphFile, ...]:
    found = []
    for value in graph.objects(node, predicate):
        if isinstance(value, BNode):  # ut:graphData [ ut:graph <file> ; rdfs:label "name" ]
            file = graph.value(value, UT.graph)
            label = graph.value(value, RDFS.label)
            name = str(label) if label is not None else str(file)
            found.append(NamedGraphFile(name, _path(file)))
        else:  # qt:graphData <file>: the graph is named by the file's IRI
            found.append(NamedGraphFile(str(value), _path(value)))
    return tuple(sorted(found, key=lambda g: (g.name, str(g.path))))


def _files(graph: Graph, node, predicate) -> tuple[Path, ...]:
    return tuple(sorted(_path(v) for v in graph.objects(node, predicate)))


def _entry(graph: Graph, suite: str, test: URIRef) -> W3CTest:
    kind = _local(graph.value(test, RDF.type))
    if kind not in SYNTAX_KINDS and kind not in EVALUATION_KINDS:
        raise ValueError(f"{test}: unknown test type {kind}")
    name = str(graph.value(test, MF.name) or test)
    approval = _local(graph.value(test, DAWGT.approval))
    action = graph.value(test, MF.action)
    result = graph.value(test, MF.result)
    if kind in SYNTAX_KINDS:
        return W3CTest(str(test), suite, kind, name, approval, _path(action))
    if kind == "UpdateEvaluationTest":
        return W3CTest(
            str(test),
            suite,
            kind,
            name,
            approval,
            _path(graph.value(action, UT.request)),
            data=_files(graph, action, UT.data),
            graph_data=_named_graphs(graph, action, UT.graphData),
            result_data=_files(graph, result, UT.data) if result is not None else (),
            result_graph_data=(
                _named_graphs(graph, result, UT.graphData) if result is not None else ()
            ),
        )
    return W3CTest(
        str(test),
        suite,
        kind,
        name,
        approval,
        _path(graph.value(action, QT.query)),
        data=_files(graph, action, QT.data),
        graph_data=_named_graphs(graph, action, QT.graphData),
        result=_path(result) if result is not None else None,
    )


def read_manifest(path: Path, suite: str) -> list[W3CTest]:
    """Every test of a manifest and of the manifests it includes, in manifest order."""
    graph = Graph()
    graph.parse(path, format="turtle", publicID=file_iri(path))
    tests: list[W3CTest] = []
    for manifest in graph.subjects(RDF.type, MF.Manifest):
        for included in _list(graph, graph.value(manifest, MF.include)):
            tests.extend(read_manifest(_path(included), suite))
        for test in _list(graph, graph.value(manifest, MF.entries)):
            tests.append(_entry(graph, suite, test))
    return tests


def read_suites(root: Path = SUITE_DIR) -> list[W3CTest]:
    """The tests of the query, result-format and update suites."""
    tests: list[W3CTest] = []
    for suite, top in SUITES.items():
        tests.extend(read_manifest(root / top, suite))
    return tests
