"""The SPARQL 1.1 Protocol at ``/sparql``: query by GET, form POST and direct POST; update by POST.

https://www.w3.org/TR/sparql11-protocol/ . The default graph is the union of every graph the
build wrote except the inferred one (see ``Service.default_graphs``) unless the request names
graphs with ``default-graph-uri`` / ``named-graph-uri`` (which win) or the query has FROM / FROM
NAMED; ``inference=owlrl`` adds the owlrl entailments. With ``union_default_graph`` off the default
graph is the store's own default graph (the W3C test suites, tests/w3c, need that).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from server import negotiation, security, writes
from server.errors import APIError

blueprint = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
INFERENCE_VALUES = ("none", "owlrl")
GRAPH_PARAMETERS = (
    "default-graph-uri",
    "named-graph-uri",
    "using-graph-uri",
    "using-named-graph-uri",
)


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise APIError(400, f"the '{name}' parameter was given {len(values)} times; give it once")
    return values[0] if values else None


def _body_text() -> str:
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as err:
        raise APIError(400, f"the request body is not valid UTF-8 (byte {err.start})") from None


def read_request() -> tuple[str | None, str | None, object]:
    """(query, update, parameters) from any of the protocol's request shapes."""
    if request.method in ("GET", "HEAD"):  # HEAD: the same answer, without its body
        params = request.args
        if params.getlist("update"):
            raise APIError(400, "an update must be sent with POST, not GET")
        return _single(params.getlist("query"), "query"), None, params
    mimetype = request.mimetype
    if mimetype == FORM_TYPE:
        params = request.form
        query = _single(params.getlist("query"), "query")
        update = _single(params.getlist("update"), "update")
        if query is not None and update is not None:
            raise APIError(400, "give either 'query' or 'update', not both")
        if query is None and update is None:
            raise APIError(400, "the form has neither a 'query' nor an 'update' parameter")
        return query, update, params
    if mimetype == QUERY_TYPE:
        return _body_text(), None, request.args
    if mimetype == UPDATE_TYPE:
        return None, _body_text(), request.args
    shown = mimetype or "none"
    raise APIError(
        415,
        f"unsupported content type {shown!r}: send {QUERY_TYPE}, {UPDATE_TYPE} or {FORM_TYPE}",
    )


def check_graph_parameters(params) -> None:
    """Refuse (400) a graph parameter that is not an absolute IRI (protocol 2.1.4 and 2.2.3)."""
    for name in GRAPH_PARAMETERS:
        for value in params.getlist(name):
            try:
                ox.NamedNode(value)
            except ValueError as err:
                raise APIError(400, f"{name} {value!r} is not an absolute IRI ({err})") from None


def inference_of(params, default: str) -> str:
    value = (_single(params.getlist("inference"), "inference") or default).lower()
    if value not in INFERENCE_VALUES:
        choices = ", ".join(INFERENCE_VALUES)
        raise APIError(400, f"unknown inference {value!r}: use one of {choices}")
    return value


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    service = current_app.extensions["kg"]
    query, update, params = read_request()
    check_graph_parameters(params)
    if update is not None:
        check_nesting(update, "update")
        return writes.sparql_update(service, update, params)
    if query is None:
        from server.description import service_description

        return service_description(service)
    try:
        result_types, graph_types = negotiation.choose(
            request.headers.get("Accept"), _single(params.getlist("format"), "format")
        )
    except negotiation.NotAcceptableError as err:
        raise APIError(400, str(err)) from None
    if not result_types and not graph_types:
        raise APIError(
            406,
            "none of the accepted types can carry SPARQL results; accept one of "
            + ", ".join(negotiation.RESULT_TYPES + negotiation.GRAPH_TYPES),
        )
    check_nesting(query, "query")
    guard = security.guard_for(
        query, service.config.service_allow, service.config.service_redirects()
    )
    inference = inference_of(params, service.config.default_inference)
    if inference == "owlrl" and not service.has_inference():
        raise APIError(400, "inference=owlrl is not available: this dataset has no inferred graph")
    default_uris = params.getlist("default-graph-uri")
    named_uris = params.getlist("named-graph-uri")
    query_dataset = False
    if default_uris or named_uris:
        # The request names its dataset: exactly these graphs, nothing else (protocol 2.1.4).
        default_graphs, named_graphs = default_uris, named_uris
    elif has_dataset_clause(query):
        # The query names its dataset with FROM / FROM NAMED (graphs of the store only).
        default_graphs, named_graphs, query_dataset = None, None, True
    else:
        default_graphs, named_graphs = service.default_graphs(inference), None
    status, *rest = service.run_query(
        query,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        result_formats=result_types,
        graph_formats=graph_types,
        query_dataset=query_dataset,
        guard=guard,
    )
    if status == "ok":
        media, body = rest
        response = Response(body, 200, content_type=_with_charset(media))
        response.headers["Vary"] = "Accept"
        return response
    code, message = rest
    raise APIError(code, message)


# Strings, IRIs and comments (in which a FROM is no keyword) and names; the rest is skipped.
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
    r"|[?$]?[\w.:-]+",
    re.DOTALL,
)


def has_dataset_clause(query: str) -> bool:
    """Whether the query has a FROM or FROM NAMED clause (the keyword, not a name or string)."""
    if not re.search("from", query, re.IGNORECASE):
        return False
    return any(token.upper() == "FROM" for token in _TOKENS.findall(query))


def _with_charset(media: str) -> str:
    return media if media.endswith("charset=utf-8") else f"{media}; charset=utf-8"


# -- how deep a request nests -------------------------------------------------------------------
# Oxigraph parses, optimises and evaluates a query recursively, on the stack of the thread that
# runs it, and a stack overflow there is no exception: it kills the whole process (a segfault).
# With the 8 MB stack of a thread, Oxigraph 0.5 falls over at 960 nested function calls, 850
# nested FILTER EXISTS, 2,200 nested groups, 2,600 BINDs in a row, 6,600 UNIONs in a row, and (in
# queries, updates and Turtle or N-Triples documents alike) 6,000 nested triple terms: a few KB of
# text, far less than the body limit allows. ``nesting`` puts each of these at 1,900 or more, so
# requests above MAX_NESTING are refused (400) before anything parses them; the deepest query of
# queries/ measures 25.
MAX_NESTING = 500

# Strings and comments (skipped), IRIs, brackets, names and operators.
_STRUCTURE = re.compile(
    r"""
      (?P<skip>"""
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"""|\#[^\n\r]*|\^\^)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<open><<|[{(\[])
    | (?P<close>>>|[})\]])
    | (?P<term>[?$]\w+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
    | (?P<name>[^\W\d][\w.\-\u00b7]*(?::[\w.:%\\\-\u00b7]*)?|:[\w.:%\\\-\u00b7]*)
    | (?P<operator>\|\||&&|[!<>]=|[|/^+*=<>!?-])
    """,
    re.DOTALL | re.VERBOSE,
)
# Keywords that put one more level over what follows when they come one after another.
_CHAINING = frozenset(
    ("UNION", "OPTIONAL", "MINUS", "BIND", "FILTER", "SERVICE", "GRAPH", "EXISTS", "NOT", "IN")
)
# Keywords whose block is data (INSERT DATA, DELETE DATA, VALUES): parsed without recursion.
_DATA = frozenset(("DATA", "VALUES"))


def nesting(text: str, *, operators: bool = True) -> int:
    """An upper bound of how deep a parser and an evaluator of ``text`` recurse, in levels.

    Each bracket ({ ( [ <<) is a level, and a function call's bracket two. Inside a bracket each
    operator or chaining keyword, and each group after another, adds one more, since a row of
    them makes a left-deep tree (``{a} UNION {b} UNION {c}`` is Union(Union(a, b), c)). Data
    blocks (INSERT DATA, VALUES) count their brackets only, and so does the whole text with
    ``operators=False`` (RDF documents).
    """
    levels = [[False, 0, 0, ""]]  # per open bracket: in data?, weight, deepest inside, bracket
    data_next = False
    previous = ""  # the kind of the token before

    def close() -> None:
        _, weight, deepest, bracket = levels.pop()
        outer = levels[-1]
        outer[2] = max(outer[2], 1 + weight + deepest)
        if bracket == "{" and operators and not outer[0]:
            outer[1] += 1

    for match in _STRUCTURE.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "open":
            data = levels[-1][0] or (data_next and token == "{")
            call = token == "(" and previous in ("name", "iri") and operators and not data
            levels.append([data, 1 if call else 0, 0, token])
            data_next = data_next and token != "{"
        elif kind == "close":
            if len(levels) > 1:
                close()
        elif kind != "skip" and operators and not levels[-1][0]:
            if kind == "operator" or (kind == "name" and token.upper() in _CHAINING):
                levels[-1][1] += 1
            elif kind == "name" and token.upper() in _DATA:
                data_next = True
        if kind != "skip":
            previous = kind
    while len(levels) > 1:  # unclosed brackets: the parser recursed as deep before it gave up
        close()
    return levels[0][1] + levels[0][2]


def check_nesting(text: str, what: str, *, operators: bool = True) -> None:
    """Refuse (400) a query, update or RDF document that nests deeper than MAX_NESTING."""
    if len(text) * 2 <= MAX_NESTING:
        return  # no character adds more than two levels
    depth = nesting(text, operators=operators)
    if depth > MAX_NESTING:
        raise APIError(
            400,
            f"the {what} nests {depth} levels deep (brackets, and groups or operators in a row); "
            f"the limit is {MAX_NESTING}: split it, or write long rows of UNION, BIND or "
            "operators as VALUES or IN lists",
        )
