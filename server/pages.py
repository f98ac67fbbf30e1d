"""The web face of the endpoint: the query page, and a page for every IRI the graph mints.

* ``/`` — a SPARQL editor (YASGUI, vendored under ``static/vendor/``, nothing from a CDN) over
  ``/sparql``, with the project's prefixes declared in new tabs and the example queries of
  ``queries/`` one click away; results as a table, a timeline (date-typed values) or a map
  (``geo:wktLiteral`` points or ``?lat``/``?long`` columns).
* ``/id/<slug>``, ``/source/<id>``, ``/quantity/<id>`` — the resource ``<base>…`` whatever host
  the base names: HTML for browsers, Turtle, JSON-LD, N-Triples or RDF/XML by content negotiation
  (``Accept``, or ``?format=turtle|jsonld|nt|rdfxml|html``). When the base's path is not ``/``
  the same pages are also served under that path.
* ``/ontology`` — the ontology ``https://w3id.org/sikg/ontology`` (w3id redirects its namespace
  there): classes and properties with labels and definitions, or the ontology graph as RDF.
* ``/queries.json`` and ``/queries/<name>.rq`` — the example queries, read from ``queries/`` of
  the project root (``Project.discover()``), or from ``config.extra["queries_dir"]``.

Every HTML response gets a strict Content-Security-Policy: scripts, styles, images, fonts and
fetches from this origin only, no inline script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
)

from kg.vocab import prefixes
from server import negotiation
from server.entities import Dataset, Describer, describe_ontology, ontology_graph
from server.errors import APIError

blueprint = Blueprint("pages", __name__)

# The two <style> elements YASR's table column resizer injects, allowed by hash (their text is
# fixed; tests/server/test_pages.py recomputes the hashes from the vendored yasgui.min.js).
YASR_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",  # .grip-resizable{...} rules
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",  # *{cursor:col-resize!important}
)
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' " + " ".join(YASR_STYLE_HASHES),
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

PAGE_TYPES = (
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
)
FORMAT_NAMES = {
    "html": "text/html",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "json": "application/ld+json",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "xml": "application/rdf+xml",
}
QUERY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


# ---------------------------------------------------------------------------------------------
# Example queries


QUERIES_KEY = "kg.example_queries"


@dataclass(frozen=True)
class ExampleQuery:
    name: str  # file name without .rq
    label: str  # "Q1"
    question: str  # the question of the comment on top
    text: str


def read_example_queries(folder: Path) -> tuple[ExampleQuery, ...]:
    """Every ``*.rq`` of ``folder``, in file-name order, with the question its first comment
    asks. Read once per app, when the blueprint is registered, not per request."""
    found = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        question = first.lstrip("#").strip() if first.lstrip().startswith("#") else path.stem
        label, _, rest = question.partition(". ")
        if rest and re.fullmatch(r"Q\d+", label):
            question = rest
        else:
            label = path.stem.split("-", 1)[0].upper()
        found.append(ExampleQuery(path.stem, label, question, text))
    return tuple(found)


@blueprint.record_once
def _load_example_queries(state) -> None:
    configured = state.app.extensions["kg"].config.extra.get("queries_dir")
    if configured:
        folder = Path(configured)
    else:
        from kg.build import Project

        folder = Project.discover().root / "queries"
    state.app.extensions[QUERIES_KEY] = read_example_queries(folder)


def example_queries() -> tuple[ExampleQuery, ...]:
    """The example queries read when the app was made."""
    return current_app.extensions[QUERIES_KEY]


# ---------------------------------------------------------------------------------------------
# Helpers


def _service():
    return current_app.extensions["kg"]


def _dataset() -> Dataset:
    return Dataset(_service())


def page_type() -> str:
    """The media type to answer with: ``?format=`` first, then the Accept header."""
    fmt = request.args.get("format")
    if fmt is not None:
        name = fmt.strip().lower()
        media = FORMAT_NAMES.get(name) or (name if name in PAGE_TYPES else None)
        if media is None:
            names = ", ".join(sorted(set(FORMAT_NAMES)))
            raise APIError(400, f"unknown format {fmt!r}: use one of {names}")
        return media
    accepted = negotiation.acceptable(request.headers.get("Accept"), PAGE_TYPES)
    if not accepted:
        raise APIError(406, "this page is available as " + ", ".join(PAGE_TYPES))
    return accepted[0]


def _rdf_response(body: bytes, media: str) -> Response:
    response = Response(body, 200, content_type=f"{media}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def _not_found(message: str, media: str):
    if media == "text/html":
        html = render_template("not_found.html", message=message)
        response = Response(html, 404, mimetype="text/html")
        response.headers["Vary"] = "Accept"
        return response
    raise APIError(404, message)


def _resource_page(iri: str, kind: str):
    media = page_type()
    describer = Describer(_dataset())
    try:
        if media != "text/html":
            return _rdf_response(describer.graph(iri, media), media)
        if kind == "source":
            resource = describer.describe_source(iri)
        else:
            resource = describer.describe(iri)
    except APIError as err:
        if err.status == 404:
            return _not_found(f"There is no {kind} <{iri}> in this graph.", media)
        raise
    html = render_template("resource.html", resource=resource, kind=kind)
    response = Response(html, 200, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


def _base() -> str:
    return _service().config.base


# ---------------------------------------------------------------------------------------------
# Routes


@blueprint.route("/")
def index():
    base = _base()
    return render_template(
        "index.html",
        queries=example_queries(),
        prefixes=prefixes(base),
        base=base,
    )


@blueprint.route("/queries.json")
def queries_json():
    return jsonify(
        [
            {
                "name": q.name,
                "label": q.label,
                "question": q.question,
                "url": f"/queries/{q.name}.rq",
                "query": q.text,
            }
            for q in example_queries()
        ]
    )


@blueprint.route("/queries/<name>.rq")
def query_file(name: str):
    if not QUERY_NAME.fullmatch(name):
        abort(404)
    for query in example_queries():
        if query.name == name:
            return Response(query.text, 200, content_type="application/sparql-query; charset=utf-8")
    raise APIError(404, f"no example query {name!r}; see /queries.json")


@blueprint.route("/id/<path:slug>")
def entity(slug: str):
    return _resource_page(f"{_base()}id/{slug}", "entity")


@blueprint.route("/source/<path:source_id>")
def source(source_id: str):
    return _resource_page(f"{_base()}source/{source_id}", "source")


@blueprint.route("/quantity/<path:quantity_id>")
def quantity(quantity_id: str):
    return _resource_page(f"{_base()}quantity/{quantity_id}", "quantity")


@blueprint.route("/ontology")
def ontology():
    media = page_type()
    dataset = _dataset()
    if media != "text/html":
        return _rdf_response(ontology_graph(dataset, media), media)
    html = render_template("ontology.html", ontology=describe_ontology(dataset))
    response = Response(html, 200, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/ontology/")
def ontology_slash():
    return redirect("/ontology", 301)


@blueprint.record_once
def _serve_under_base_path(state) -> None:
    """Also serve the resource pages at the base's own path when it is not the root."""
    service = state.app.extensions.get("kg")
    path = urlsplit(service.config.base).path if service else "/"
    if not path or path == "/":
        return
    for endpoint, rule in (
        (entity, "id/<path:slug>"),
        (source, "source/<path:source_id>"),
        (quantity, "quantity/<path:quantity_id>"),
    ):
        state.app.add_url_rule(
            path.rstrip("/") + "/" + rule, f"pages.base_{endpoint.__name__}", endpoint
        )


@blueprint.after_app_request
def _security_headers(response: Response) -> Response:
    """A strict CSP on every HTML response (this app's pages and its HTML error bodies)."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
