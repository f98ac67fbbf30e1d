"""Three mends to rdflib's SPARQL parser, applied once per process before anything parses.

``server.security`` parses requests with rdflib (to find their SERVICE and LOAD targets) and
``server.shapes_check`` prepares the shapes' SPARQL with it while a write holds the store's lock;
both call ``apply()`` when they are imported, so neither depends on the other being imported
first. The mends change rdflib's module-level grammar, which is shared by the whole process:

* ``_tolerate_rdflib_service_text``: a SERVICE clause after a '#' on the same line parses;
* ``_serialise_rdflib_sparql_parsing``: one thread at a time parses (pyparsing 3.3 is not
  thread-safe on first use);
* ``_iterate_rdflib_sparql_lists``: long lists of triple patterns, template triples and update
  operations parse without passing Python's recursion limit.
"""

from __future__ import annotations

import threading

from pyparsing import Optional, Suppress, ZeroOrMore
from rdflib.plugins.sparql import parser as rdflib_parser
from rdflib.plugins.sparql.parserutils import Comp

_RDFLIB_PARSER_LOCK = threading.RLock()


def apply() -> None:
    """Apply the three mends (each only once)."""
    _tolerate_rdflib_service_text()
    _serialise_rdflib_sparql_parsing()
    _iterate_rdflib_sparql_lists()


def _tolerate_rdflib_service_text() -> None:
    """Let rdflib parse a SERVICE clause that follows a '#' on the same line (rdflib 7.6 bug).

    After parsing a SERVICE clause rdflib looks for its text again, scanning the request from the
    start; the scan skips from any '#' (in an IRI such as ``rdfs:`` or in a string) to the end
    of the line as if it were a comment, misses the clause, and the whole request fails to
    parse. The text is only used by rdflib's own SERVICE evaluation, never here, so when it
    cannot be found the clause is kept without it. Parsing itself is unchanged.
    """
    element = rdflib_parser.ServiceGraphPattern
    if getattr(element, "_sikg_tolerant", False) or not isinstance(element, Comp):
        return
    shadow = Comp("ServiceGraphPattern without its text", element.expr)
    original = element.postParse

    def post_parse(instring, loc, tokens):
        try:
            return original(instring, loc, tokens)
        except IndexError:
            value = Comp.postParse(shadow, instring, loc, tokens)
            value.name = "ServiceGraphPattern"
            value["service_string"] = ""
            return value

    element.postParse = post_parse
    element._sikg_tolerant = True


def _serialise_rdflib_sparql_parsing() -> None:
    """Let one thread at a time parse SPARQL with rdflib (pyparsing 3.3 is not thread-safe).

    pyparsing finds how many arguments each parse action takes on its first calls, by trying and
    counting up; two threads doing that at once both count up, past the right number, and that
    parse action then fails on every later call in the process ("postParse2() missing 1 required
    positional argument"). Under ``kg serve`` (threads in each process) concurrent first
    requests whose text holds "service" or "load" (which this module parses) then got 400 for the
    life of the process, and rdflib's ``prepareQuery`` in the shapes check of a write could fail
    the same way. Every rdflib SPARQL parse (``parseQuery``/``parseUpdate``/``prepareQuery``,
    here or anywhere) goes through the two grammars' ``parse_string``, so one lock around those
    two serialises them all; parsing is pure Python and holds the GIL anyway, so nothing is lost.
    tests/robustness/test_load.py shows the failure without the lock and none with it.
    """
    for element in (rdflib_parser.Query, rdflib_parser.UpdateUnit):
        if getattr(element, "_sikg_serialised", False):
            continue
        parse = element.parse_string

        def locked(*args, _parse=parse, **kwargs):
            with _RDFLIB_PARSER_LOCK:
                return _parse(*args, **kwargs)

        element.parse_string = locked
        element._sikg_serialised = True


def _iterate_rdflib_sparql_lists() -> None:
    """Parse rdflib's three recursive list rules with loops (same language, same results).

    rdflib's grammar reads ``TriplesBlock`` (the triple patterns of a group), ``ConstructTriples``
    (a CONSTRUCT template) and ``Update`` (operations joined by ';') by recursion, about 20
    Python frames per item, so a group of some 50 triple patterns passed Python's recursion limit
    and a query naming Wikidata's service (or just containing the word "download") was refused
    as unreadable. rdflib itself made ``TriplesTemplate`` a loop for the same reason; these are
    rewritten the same way, as ``item ('.' item)* '.'?`` and ``Prologue (Update1 (';' Prologue
    Update1)* (';' Prologue)?)?``, which accept exactly the texts the recursive rules accept and
    collect the same named results. tests/w3c/test_rdflib_grammar.py compares both forms
    on every query and update of the W3C suites.
    """
    grammar = rdflib_parser
    if getattr(grammar.TriplesBlock, "_sikg_iterative", False):
        return

    def listed(name, item):
        return (
            grammar.ParamList(name, item)
            + ZeroOrMore(Suppress(".") + grammar.ParamList(name, item))
            + Optional(Suppress("."))
        )

    prologue = grammar.ParamList("prologue", grammar.Prologue)
    request = grammar.ParamList("request", grammar.Update1)
    loops = {
        "TriplesBlock": listed("triples", grammar.TriplesSameSubjectPath),
        "ConstructTriples": listed("template", grammar.TriplesSameSubject),
        "Update": prologue
        + Optional(request + ZeroOrMore(";" + prologue + request) + Optional(";" + prologue)),
    }
    for name, loop in loops.items():
        rule = getattr(grammar, name)
        rule.sikg_recursive = rule.expr  # kept for the test that compares the two forms
        rule <<= loop
    grammar.TriplesBlock._sikg_iterative = True
