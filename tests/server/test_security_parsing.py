"""The SERVICE and LOAD guard reads long requests, and reads them as rdflib's own grammar does.

``server.security`` parses with rdflib's grammar after rewriting its three recursive list rules
as loops. The loops must accept exactly what the recursive rules accept and give the same parse:
the edge cases of the lists are parsed both ways here and compared, and every query and update
of the W3C suites (and of ``queries/``) in tests/w3c/test_rdflib_grammar.py.
"""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib_grammar import outcome, recursive_grammar

from server import security
from server.errors import APIError

WIKIDATA = ("https://query.wikidata.org/sparql",)


EDGE_CASES = [
    "SELECT * { ?s ?p ?o . }",
    "SELECT * { ?s ?p ?o . ?a ?b ?c }",
    "SELECT * { ?s ?p ?o . . ?a ?b ?c }",
    "SELECT * { . }",
    "SELECT * { ?s ?p ?o ?a ?b ?c }",
    "SELECT * { ?s ?p ?o . FILTER(?o) . ?a ?b ?c . }",
    "CONSTRUCT { ?s ?p ?o . ?o ?p ?s . } WHERE { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o .. } WHERE { ?s ?p ?o }",
    "CONSTRUCT { . } WHERE { ?s ?p ?o }",
    "",
    "CLEAR ALL ;",
    "CLEAR ALL ; PREFIX ex: <http://ex/>",
    "CLEAR ALL ; ; CLEAR ALL",
    "PREFIX a: <http://a/> CLEAR ALL ; PREFIX b: <http://b/> DROP ALL ; CLEAR DEFAULT",
    "CLEAR ALL CLEAR ALL",
    ";",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_of_the_lists_parse_alike(text):
    parse = parseQuery if text.startswith(("SELECT", "CONSTRUCT")) else parseUpdate
    with recursive_grammar():
        shipped = outcome(parse, text)
    assert outcome(parse, text) == shipped


def _long_group(patterns: int) -> str:
    triples = " .\n".join(f"?s <http://example.org/p{i}> ?o{i}" for i in range(patterns))
    return f'SELECT * WHERE {{ {triples} FILTER(?o0 != "download the services") }}'


def test_a_long_query_naming_the_service_words_is_checked_not_refused():
    # 400 triple patterns: the shipped grammar passed the recursion limit at about 50.
    security.check_query(_long_group(400), WIKIDATA)


def test_a_long_query_calling_an_allowed_service_passes_and_a_local_one_is_refused():
    allowed = _long_group(400).replace(
        "FILTER", "SERVICE <https://query.wikidata.org/sparql> { ?x ?y ?z } FILTER"
    )
    security.check_query(allowed, WIKIDATA)
    local = allowed.replace("https://query.wikidata.org/sparql", "http://127.0.0.1:8080/")
    with pytest.raises(APIError) as refused:
        security.check_query(local, WIKIDATA)
    assert refused.value.status == 403
    assert "127.0.0.1 is a loopback address" in refused.value.message


def test_a_long_update_chain_is_checked_and_a_load_at_its_end_is_refused():
    chain = " ;\n".join(
        f"INSERT DATA {{ <http://example.org/s{i}> <http://example.org/note> 'loaded' }}"
        for i in range(300)
    )
    security.check_update(chain, WIKIDATA)
    with pytest.raises(APIError) as refused:
        security.check_update(chain + " ; LOAD <file:///etc/passwd>", WIKIDATA)
    assert refused.value.status == 403 and "LOAD <file:///etc/passwd>" in refused.value.message


def test_a_long_construct_template_is_checked():
    template = " . ".join(f"?s <http://example.org/p{i}> ?o" for i in range(300))
    security.check_query(
        f"CONSTRUCT {{ {template} }} WHERE {{ ?s ?p ?o FILTER(?o = 'load') }}", WIKIDATA
    )
