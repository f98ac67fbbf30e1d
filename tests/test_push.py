"""``kg push`` without a store: the SPARQL it writes, and the build files it reads."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.build import GRAPH_FILE, INFERRED_FILE, output_files
from kg.push import insert_data, push_update, read_build, sparql_term

EX = "https://example.org/"
S, P, Q = ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "q")
G = ox.NamedNode(EX + "g")
STATED = ox.Triple(S, P, ox.Literal('a "quoted" word\nand a line', language="en"))


def _stored(update: str) -> set[ox.Quad]:
    store = ox.Store()
    store.update(update)
    return set(store)


def test_a_triple_term_round_trips_through_insert_data():
    quads = [
        ox.Quad(ox.NamedNode(EX + "claim"), Q, STATED, G),
        ox.Quad(ox.NamedNode(EX + "claim"), Q, ox.Triple(S, P, STATED), G),  # nested
        ox.Quad(S, P, ox.Literal("1", datatype=ox.NamedNode(EX + "type")), ox.DefaultGraph()),
    ]
    text = insert_data(quads)
    assert "<<( <https://example.org/s> <https://example.org/p> " in text
    assert _stored(text) == set(quads)


def test_insert_data_groups_quads_by_graph_in_order_of_first_use():
    other = ox.NamedNode(EX + "h")
    quads = [
        ox.Quad(S, P, Q, G),
        ox.Quad(S, P, S, ox.DefaultGraph()),
        ox.Quad(Q, P, S, G),
        ox.Quad(S, P, ox.Literal("x"), other),
    ]
    assert insert_data(quads) == (
        "INSERT DATA {\n"
        f"GRAPH <{EX}g> {{\n<{EX}s> <{EX}p> <{EX}q> .\n<{EX}q> <{EX}p> <{EX}s> .\n}}\n"
        f"<{EX}s> <{EX}p> <{EX}s> .\n"
        f'GRAPH <{EX}h> {{\n<{EX}s> <{EX}p> "x" .\n}}\n'
        "}"
    )
    assert _stored(insert_data(iter(quads))) == set(quads)  # any iterable


@pytest.mark.parametrize(
    "term, text",
    [
        (S, f"<{EX}s>"),
        (ox.BlankNode("b1"), "_:b1"),
        (ox.Literal("x", language="ru"), '"x"@ru'),
        (ox.Triple(S, P, Q), f"<<( <{EX}s> <{EX}p> <{EX}q> )>>"),
    ],
)
def test_terms_are_written_in_sparql_syntax(term, text):
    assert sparql_term(term) == text


class _Recorder:
    """A stand-in for ``kg.push.Remote`` that applies each update to an Oxigraph store."""

    def __init__(self) -> None:
        self.store = ox.Store()
        self.updates: list[str] = []

    def update(self, endpoint: str, update: str) -> None:
        self.updates.append(update)
        self.store.update(update)


@pytest.mark.parametrize("graph", ["", EX + "g"])
def test_push_by_update_sends_batches_that_load_the_graph(graph):
    blank = ox.BlankNode()
    triples = [ox.Triple(S, P, ox.Literal(str(i))) for i in range(5)]
    triples += [ox.Triple(S, Q, blank), ox.Triple(blank, P, STATED)]
    remote = _Recorder()
    assert push_update(remote, "http://store/sparql", graph, triples, True, 2) == 1 + 4
    assert remote.updates[0] == (f"DROP SILENT GRAPH <{graph}>" if graph else "CLEAR DEFAULT")
    name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    stored = set(remote.store)
    assert {ox.Quad(*t, name) for t in triples[:5]} <= stored
    assert len(stored) == len(triples)  # the blank node stayed one node
    (node,) = {q.object for q in stored if q.predicate == Q}
    assert ox.Quad(node, P, STATED, name) in stored


def test_the_build_files_are_the_graph_then_the_inferred_graph_if_present(tmp_path):
    assert output_files(tmp_path) == [tmp_path / GRAPH_FILE]  # listed even when missing
    (tmp_path / GRAPH_FILE).write_text(f"<{EX}s> <{EX}p> <{EX}q> .\n")
    assert output_files(tmp_path) == [tmp_path / GRAPH_FILE]
    (tmp_path / INFERRED_FILE).write_text(f"GRAPH <{EX}inferred> {{ <{EX}s> a <{EX}C> }}\n")
    assert output_files(tmp_path) == [tmp_path / GRAPH_FILE, tmp_path / INFERRED_FILE]
    assert output_files(tmp_path, inferred=False) == [tmp_path / GRAPH_FILE]
    graphs = read_build(tmp_path)
    assert sorted(graphs) == ["", f"{EX}inferred"]
    assert graphs[""] == [ox.Triple(S, P, Q)]
