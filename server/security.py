"""What a query or update may reach outside the dataset: the one place that decides it.

Oxigraph will call any SERVICE endpoint and LOAD any IRI it can fetch, including ``file:`` paths
and loopback or private addresses. So before a request runs, its SERVICE and LOAD targets are
read from the parsed request and checked: SERVICE may only call the allow-listed endpoints
(by default Wikidata's query service) and LOAD is refused. FROM and FROM NAMED only select graphs
of the store; Oxigraph never fetches them.
"""

from __future__ import annotations

import re

from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from server.errors import APIError

_SERVICE = re.compile(r"service", re.IGNORECASE)
_LOAD = re.compile(r"load", re.IGNORECASE)


def _walk(node):
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple | ParseResults):
        for item in node:
            yield from _walk(item)


def _resolve(term, prologue) -> str | None:
    """The IRI a parsed term stands for, or None for a variable."""
    if isinstance(term, Variable):
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, CompValue) and term.name == "pname":
        prefixes = {}
        for decl in _walk(prologue):
            if decl.name == "PrefixDecl":
                prefixes[decl.get("prefix") or ""] = str(decl["iri"])
        prefix = term.get("prefix") or ""
        if prefix not in prefixes:
            raise APIError(400, f"unknown prefix {prefix!r} in a SERVICE clause")
        return prefixes[prefix] + (term.get("localname") or "")
    return str(term)


def check_query(query: str, allowed: tuple[str, ...]) -> None:
    """Refuse a query whose SERVICE calls leave the allow-list (403), naming the endpoint."""
    if not _SERVICE.search(query):
        return
    try:
        parsed = parseQuery(query)
    except ParseException as err:
        # Secure by default: a request we cannot read is not sent anywhere.
        raise APIError(
            400,
            f"SPARQL syntax error near SERVICE (line {err.lineno}, column {err.col}): {err.msg}",
        ) from None
    prologue = parsed[0]
    for node in _walk(parsed[1]):
        if node.name == "ServiceGraphPattern":
            iri = _resolve(node["term"], prologue)
            if iri is None:
                raise APIError(403, "SERVICE with a variable endpoint is not allowed")
            if iri not in allowed:
                shown = ", ".join(allowed) or "none"
                raise APIError(
                    403, f"SERVICE <{iri}> is not allowed on this server (allowed: {shown})"
                )


def check_update(update: str, allowed: tuple[str, ...]) -> None:
    """Refuse LOAD (403) and SERVICE calls outside the allow-list inside an update."""
    if not (_SERVICE.search(update) or _LOAD.search(update)):
        return
    try:
        parsed = parseUpdate(update)
    except ParseException as err:
        raise APIError(
            400, f"SPARQL syntax error (line {err.lineno}, column {err.col}): {err.msg}"
        ) from None
    for node in _walk(parsed.get("request", [])):
        if node.name == "Load":
            raise APIError(403, "LOAD is not allowed on this server: it would fetch from outside")
        if node.name == "ServiceGraphPattern":
            iri = _resolve(node["term"], parsed.get("prologue", []))
            if iri is None or iri not in allowed:
                raise APIError(403, f"SERVICE <{iri}> is not allowed on this server")
