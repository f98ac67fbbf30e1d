"""The W3C harness's own pieces: a comparison that says yes to everything would pass every test."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from w3c_results import (
    Boolean,
    Solutions,
    Triples,
    canonical,
    compare,
    csv_table,
    has_top_level_order_by,
    is_select_star,
    same_rows,
)

from server.protocol import has_dataset_clause

XSD = "http://www.w3.org/2001/XMLSchema#"
A, B = ox.NamedNode("http://example/a"), ox.NamedNode("http://example/b")


def lit(value, datatype=None):
    return (
        ox.Literal(value, datatype=ox.NamedNode(XSD + datatype)) if datatype else ox.Literal(value)
    )


def blank(label):
    return ox.BlankNode(label)


def test_solutions_are_multisets():
    assert same_rows([{"x": A}, {"x": B}], [{"x": B}, {"x": A}], ordered=False)
    assert not same_rows([{"x": A}, {"x": A}], [{"x": A}, {"x": B}], ordered=False)
    assert not same_rows([{"x": A}], [{"x": A}, {"x": A}], ordered=False)
    assert not same_rows([{"x": A}], [{"x": A, "y": B}], ordered=False)


def test_order_counts_only_when_ordered():
    assert not same_rows([{"x": A}, {"x": B}], [{"x": B}, {"x": A}], ordered=True)
    assert same_rows([{"x": A}, {"x": B}], [{"x": A}, {"x": B}], ordered=True)


def test_blank_nodes_are_renamed_consistently_across_solutions():
    expected = [{"x": blank("a"), "y": blank("a")}, {"x": blank("b"), "y": blank("c")}]
    renamed = [{"x": blank("q"), "y": blank("r")}, {"x": blank("p"), "y": blank("p")}]
    assert same_rows(expected, renamed, ordered=False)
    # one blank node where two distinct ones are expected, across solutions
    merged = [{"x": blank("p"), "y": blank("p")}, {"x": blank("p"), "y": blank("r")}]
    assert not same_rows(expected, merged, ordered=False)


def test_numeric_and_boolean_literals_compare_by_value_within_their_datatype():
    assert canonical(lit("1.0", "decimal")) == canonical(lit("1", "decimal"))
    assert canonical(lit("3.21E4", "double")) == canonical(lit("32100", "double"))
    assert canonical(lit("0", "boolean")) == canonical(lit("false", "boolean"))
    assert canonical(lit("01", "integer")) == canonical(lit("1", "integer"))
    assert canonical(lit("1", "integer")) != canonical(lit("1", "decimal"))
    assert canonical(lit("1.0")) != canonical(lit("1"))  # strings keep their lexical form
    assert canonical(lit("1_0", "integer")) == lit("1_0", "integer")  # no value: as is


def test_answers_of_different_kinds_or_values_differ():
    assert compare(Boolean(True), Boolean(False), ordered=False)
    assert compare(Boolean(True), Solutions([], []), ordered=False)
    assert compare(Solutions(["x"], [{"x": A}]), Solutions(["y"], [{"y": A}]), ordered=False)
    assert compare(Solutions(["x"], [{"x": A}]), Solutions(["x"], [{"x": A}]), False) is None


def test_graphs_are_compared_by_isomorphism():
    p = ox.NamedNode("http://example/p")
    one = Triples([ox.Triple(blank("x"), p, A), ox.Triple(blank("x"), p, B)])
    renamed = Triples([ox.Triple(blank("y"), p, B), ox.Triple(blank("y"), p, A)])
    split = Triples([ox.Triple(blank("y"), p, B), ox.Triple(blank("z"), p, A)])
    assert compare(one, renamed, ordered=False) is None
    assert compare(one, split, ordered=False)


def test_csv_is_a_table_of_strings():
    table = csv_table('s,o\r\nhttp://example/a,"4,4"\r\n_:b0,\r\n')
    assert table.header == ["s", "o"]
    assert table.rows == [{"s": lit("http://example/a"), "o": lit("4,4")}, {"s": blank("b0")}]
    reordered = csv_table('o,s\n"4,4",http://example/a\n,_:z\n')
    assert compare(table, reordered, ordered=False, select_star=True) is None
    assert compare(table, reordered, ordered=False, select_star=False)


@pytest.mark.parametrize(
    ("query", "ordered"),
    [
        ("SELECT * { ?s ?p ?o } ORDER BY ?s", True),
        ("SELECT * { { SELECT * { ?s ?p ?o } ORDER BY ?s LIMIT 2 } }", False),
        ("SELECT * { ?s ?p 'ORDER BY' } # ORDER BY ?s", False),
    ],
)
def test_order_by_only_at_top_level(query, ordered):
    assert has_top_level_order_by(query) is ordered


def test_select_star():
    assert is_select_star("PREFIX : <x:> SELECT DISTINCT * {}")
    assert not is_select_star("SELECT (2*3 AS ?x) {}")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("SELECT * FROM <g> { ?s ?p ?o }", True),
        ("select * from named <g> { graph ?g {} }", True),
        ('SELECT ?from { ?s ex:from \'from\', <http://x/from>, """FROM""" } # FROM', False),
    ],
)
def test_the_endpoint_sees_dataset_clauses(query, found):
    assert has_dataset_clause(query) is found
