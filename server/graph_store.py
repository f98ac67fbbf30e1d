"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/graph-store`` (indirect graph identification).

https://www.w3.org/TR/sparql11-http-rdf-update/ . ``?graph=<iri>`` names a graph, ``?default`` the
default graph; with neither, the request is about the whole dataset.

- GET and HEAD: the graph in Turtle, N-Triples, JSON-LD or RDF/XML (Accept decides; Turtle by
  default), the dataset in TriG, N-Quads or JSON-LD; 404 for a named graph the store does not
  have, 406 when no offered format is acceptable. Reads need no token.
- PUT replaces the graph with the body, POST merges the body into it, DELETE drops it. A body in
  Turtle, N-Triples, RDF/XML or JSON-LD is a graph; TriG and N-Quads (or JSON-LD with named graphs)
  carry a dataset and are for requests without ``?graph``/``?default`` (POST merges every graph
  of the body, PUT replaces the whole dataset). POST of a graph without ``?graph``/``?default``
  creates a new graph and answers 201 with its address in ``Location`` (protocol 5.5).
- Answers: 201 when PUT or POST created the graph, 204 otherwise; 400 for a body that does not
  parse (with the parser's message, line and column) or a bad ``graph`` parameter; 404 when
  DELETE names a graph the store does not have; 415 for a content type that is not an RDF format;
  422 when the write would break the SHACL shapes (see ``server.writes``).

Writes need the update token, as SPARQL updates do, and go the same way: validated on what they
touch, applied as one SPARQL update (so all of it or nothing), flushed, journaled, then
acknowledged.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from kg.push import insert_data
from kg.vocab import prefixes
from server import negotiation, writes
from server.delta import State, graph_delta
from server.errors import APIError
from server.protocol import MAX_NESTING, check_nesting

blueprint = Blueprint("graph_store", __name__)

GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
DATASET_TYPES = ("application/trig", "application/n-quads", "application/ld+json")
BODY_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
    "application/x-trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
PREFIXED_FORMATS = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)
# Oxigraph parses triple terms (<< >>) and JSON-LD objects recursively: nested a few thousand
# levels deep (6,000 triple terms, 3,250 JSON-LD objects, a few kB) they overflow the stack and
# kill the process. RDF/XML is parsed in time that grows faster than the square of its depth
# (80,000 nested elements, 1.8 MB: 13 s). So the depth of a body is checked before parsing.
TRIPLE_TERM_FORMATS = (
    ox.RdfFormat.TURTLE,
    ox.RdfFormat.TRIG,
    ox.RdfFormat.N_TRIPLES,
    ox.RdfFormat.N_QUADS,
)
_XML_TAG = re.compile(rb"<(/?)(?![!?])[^<>]*?(/?)>")  # (closing?, empty?); comments skipped
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
UPLOADED_GRAPHS = "graph/upload/"


@blueprint.route("/graph-store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    service = current_app.extensions["kg"]
    target = _target()
    if request.method in ("GET", "HEAD"):
        return _read(service, target)
    writes.authorise(service)
    if request.method == "DELETE":
        return _delete(service, target)
    return _write(service, target, replace=request.method == "PUT")


# -- which graph --------------------------------------------------------------------------------


def _target() -> ox.NamedNode | ox.DefaultGraph | None:
    """The graph the request names, or None for the whole dataset."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if len(graphs) > 1:
        raise APIError(400, "the 'graph' parameter was given more than once; give it once")
    if graphs and default:
        raise APIError(400, "give either ?graph=<iri> or ?default, not both")
    if default:
        return ox.DefaultGraph()
    if not graphs:
        return None
    iri = graphs[0]
    try:
        if not _ABSOLUTE_IRI.match(iri):
            raise ValueError("it is not an absolute IRI")
        return ox.NamedNode(iri)
    except ValueError as err:
        raise APIError(400, f"bad graph IRI {iri!r}: {err}") from None


def _describe(target) -> str:
    if target is None:
        return "the dataset"
    return "the default graph" if isinstance(target, ox.DefaultGraph) else f"graph {target}"


def _exists(store: ox.Store, target) -> bool:
    return not isinstance(target, ox.NamedNode) or store.contains_named_graph(target)


# -- reading ------------------------------------------------------------------------------------


def _read(service, target) -> Response:
    store = service.store.reader()
    if not _exists(store, target):
        raise APIError(404, f"there is no {_describe(target)} in this store")
    offered = DATASET_TYPES if target is None else GRAPH_TYPES
    acceptable = negotiation.acceptable(request.headers.get("Accept"), offered)
    if not acceptable:
        hint = "" if target is not None else " (name a graph with ?graph=<iri> or ?default)"
        raise APIError(406, f"{_describe(target)} can be sent as {', '.join(offered)}{hint}")
    media = acceptable[0]
    fmt = ox.RdfFormat.from_media_type(media)
    response = Response(status=200, content_type=f"{media}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    if request.method == "HEAD":
        return response
    options = {"prefixes": prefixes(service.config.base)} if fmt in PREFIXED_FORMATS else {}
    if target is not None:
        options["from_graph"] = target
    response.set_data(store.dump(format=fmt, **options))
    return response


# -- writing ------------------------------------------------------------------------------------


def _body(target) -> tuple[list[ox.Quad], bool]:
    """The quads of the body (in ``target`` unless it is a dataset), and whether it is one."""
    data = request.get_data(cache=False)
    mimetype = request.mimetype
    if not mimetype and not data:
        return [], False
    fmt = BODY_FORMATS.get(mimetype)
    if fmt is None:
        shown = mimetype or "none"
        raise APIError(
            415,
            f"unsupported content type {shown!r}: send one of "
            + ", ".join(sorted(set(BODY_FORMATS) - {"application/x-turtle", "application/x-trig"})),
        )
    _check_depth(data, fmt)
    base = str(target.value) if isinstance(target, ox.NamedNode) else request.base_url
    try:
        parsed = list(ox.parse(data, fmt, base_iri=base, rename_blank_nodes=True))
    except SyntaxError as err:
        raise APIError(400, f"the {fmt.name} body does not parse: {err}") from None
    except ValueError as err:
        raise APIError(400, f"the {fmt.name} body does not parse: {err}") from None
    # Read the quads back from a store: Oxigraph normalises some literals ("5"^^xsd:int is kept
    # as "5"^^xsd:integer), and the delta must hold the quads the store will hold.
    normalised = ox.Store()
    normalised.extend(parsed)
    quads = list(normalised)
    is_dataset = fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS) or any(
        not isinstance(q.graph_name, ox.DefaultGraph) for q in quads
    )
    if target is not None:
        if any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
            raise APIError(
                400,
                f"the body holds named graphs; send a graph for {_describe(target)}, or send the "
                "dataset without ?graph or ?default",
            )
        quads = [ox.Quad(q.subject, q.predicate, q.object, target) for q in quads]
    return quads, is_dataset


def _check_depth(data: bytes, fmt: ox.RdfFormat) -> None:
    """Refuse (400) a body nested deeper than MAX_NESTING, before it is parsed."""
    what = f"{fmt.name} body"
    if fmt == ox.RdfFormat.JSON_LD:
        if data.count(b"{") + data.count(b"[") > MAX_NESTING:
            check_nesting(data.decode("utf-8", "replace"), what, operators=False)
    elif fmt in TRIPLE_TERM_FORMATS:
        if b"<<" in data:
            check_nesting(data.decode("utf-8", "replace"), what, operators=False)
    elif fmt == ox.RdfFormat.RDF_XML and data.count(b"<") > MAX_NESTING:
        depth = deepest = 0
        for closing, empty in _XML_TAG.findall(data):
            depth += -1 if closing else (0 if empty else 1)
            deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            raise APIError(
                400, f"the {what} nests {deepest} elements deep; the limit is {MAX_NESTING}"
            )


def _write(service, target, *, replace: bool) -> Response:
    quads, is_dataset = _body(target)
    location = None
    if target is None and not is_dataset:
        if replace:
            raise APIError(
                400, "PUT of a graph needs ?graph=<iri> or ?default (or a TriG/N-Quads dataset)"
            )
        target = ox.NamedNode(f"{service.config.base}{UPLOADED_GRAPHS}{uuid.uuid4().hex}")
        quads = [ox.Quad(q.subject, q.predicate, q.object, target) for q in quads]
        location = f"{request.base_url}?graph={quote(target.value, safe='')}"
    writer = service.writer
    with service.store.writing() as primary:
        state = State(primary)
        if target is None:
            graphs = {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}
            replaced = [ox.DefaultGraph(), *primary.named_graphs()] if replace else []
            created = {g for g in graphs if not primary.contains_named_graph(g)}
        else:
            graphs = {target} if isinstance(target, ox.NamedNode) else set()
            replaced = [target] if replace else []
            created = {target} if not _exists(primary, target) else set()
        delta = graph_delta(state, quads, replace=replaced)
        delta.created = created
        text = _update_text(target, quads, graphs, replace)
        if not delta and not created and not replace:
            return Response(status=204)  # nothing to merge: no write, no journal line
        try:
            writer.apply(primary, delta, text)
        except writes.WriteRefusedError as refused:
            return writes.refusal(refused)
        operation = f"{request.method} {_describe(target)}"
        writer.commit(primary, operation, text)
    status = 201 if (created and target is not None) else 204
    response = Response(status=status)
    if status == 201:
        response.headers["Location"] = location or (
            f"{request.base_url}?graph={quote(target.value, safe='')}"
        )
    return response


def _delete(service, target) -> Response:
    if target is None:
        raise APIError(400, "name the graph to delete: ?graph=<iri> or ?default")
    writer = service.writer
    with service.store.writing() as primary:
        if not _exists(primary, target):
            raise APIError(404, f"there is no {_describe(target)} in this store")
        delta = graph_delta(State(primary), [], replace=[target])
        if isinstance(target, ox.NamedNode):
            delta.dropped = {target}
            text = f"DROP GRAPH {target}"
        else:
            text = "CLEAR DEFAULT"
        try:
            writer.apply(primary, delta, text)
        except writes.WriteRefusedError as refused:
            return writes.refusal(refused)
        writer.commit(primary, f"DELETE {_describe(target)}", text)
    return Response(status=204)


def _update_text(target, quads: list[ox.Quad], graphs: set, replace: bool) -> str:
    """The SPARQL update that does this Graph Store write (applied, and journaled)."""
    operations = []
    if replace:
        if target is None:
            operations.append("DROP ALL")
        elif isinstance(target, ox.NamedNode):
            operations.append(f"CLEAR SILENT GRAPH {target}")
        else:
            operations.append("CLEAR DEFAULT")
    for graph in sorted(graphs, key=str):
        operations.append(f"CREATE SILENT GRAPH {graph}")
    if quads:
        operations.append(insert_data(quads))
    return " ;\n".join(operations)
