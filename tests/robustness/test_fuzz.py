"""Bad input, fuzzed: generated and mutated requests at every route, in-process.

Every answer must be a 2xx-4xx, a 503 naming the time limit, a 413 naming a size limit, or a 502
for a SERVICE call that failed (Wikidata is a closed port here); never a 500, and never a
traceback or a path of the server's code in the body. After each test the server still answers a
known query with the known answer. What was sent is tallied (see conftest.py); how many examples
and which are set in fuzzing.py.
"""

from __future__ import annotations

import json
import time
from typing import NamedTuple
from urllib.parse import quote

import pytest
from fuzzing import (
    BASE,
    FUZZ_GRAPHS,
    MAX_BODY_BYTES,
    RDF_SEEDS,
    TOKEN,
    UPDATE_SEEDS,
    accept_headers,
    assert_known_answer,
    check_answer,
    encodings,
    fuzz,
    graph_iris,
    queries,
    rdf_bodies,
    updates,
)
from hypothesis import given
from hypothesis import strategies as st

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
OTHER_TYPES = (
    f"{QUERY_TYPE}; charset=latin-1",
    f"{UPDATE_TYPE}; charset=utf-16",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    "text/plain",
    "application/json",
    "text/turtle",
    "",
    ";",
    "application/",
    "APPLICATION/SPARQL-QUERY",
    f"{QUERY_TYPE};;;charset=",
    "\u00e9/\u00e8",
)
PAGE_FORMATS = ("html", "turtle", "ttl", "jsonld", "json", "nt", "rdfxml", "xml", "csv", "")
HOSTS = ("", "x y", "[::1", "a:b:c", "\u00e9", "127.0.0.1:99999")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "FUZZ")


# -- pieces of a request ------------------------------------------------------------------------
class Request(NamedTuple):
    """One fuzzed request; ``write`` when the server reads it as a write (an update, a Graph
    Store PUT, POST, DELETE or PATCH), which it must refuse (a 4xx) without the token."""

    route: str
    method: str
    path: str
    headers: dict
    body: bytes | None
    write: bool = False


def percent(data: bytes | str) -> str:
    """A query-string value, byte for byte (so invalid UTF-8 reaches the server as %FF)."""
    return quote(data, safe="")


def sized(data: bytes, size: int | None) -> bytes:
    """``data`` padded with a comment (the same request, only longer) or cut to ``size`` bytes."""
    if size is None:
        return data
    if size <= len(data):
        return data[:size]
    return data + b"\n#" + b"x" * (size - len(data) - 2)


body_sizes = st.one_of(
    st.none(),
    st.none(),
    st.none(),
    st.just(0),
    st.sampled_from([MAX_BODY_BYTES - 10, MAX_BODY_BYTES + 1, MAX_BODY_BYTES * 3]),
    st.integers(1, 50),
)
parameter_values = st.one_of(
    st.sampled_from(
        [
            "json",
            "xml",
            "csv",
            "turtle",
            "jsonld",
            "nt",
            "trig",
            "html",
            "none",
            "owlrl",
            "text/turtle",
            "",
            f"{BASE}id/aef-siberia",
            f"{BASE}graph/registry",
            "not an iri",
            "1e309",
        ]
    ),
    st.text(max_size=40),
)
parameters = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "format",
                "inference",
                "default-graph-uri",
                "named-graph-uri",
                "using-graph-uri",
                "using-named-graph-uri",
                "query",
                "update",
                "graph",
                "default",
                "",
                "\u00e9",
            ]
        ),
        parameter_values,
    ),
    max_size=4,
)
WRONG_TOKENS = (
    None,
    "Bearer wrong",
    "Bearer",
    "Basic Zm9vOmJhcg==",
    "",
    "bearer  ",
    f"Bearer {TOKEN}x",
)
authorisations = st.sampled_from(WRONG_TOKENS)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
extra_headers = st.lists(
    st.tuples(
        st.sampled_from(
            ["X-Fuzz", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Origin", "Range"]
        ),
        header_values,
    ),
    max_size=3,
)


def query_string(params) -> str:
    return "&".join(f"{percent(name)}={percent(value)}" for name, value in params)


def text_of(*parts) -> str:
    """Everything a request carried, as text (what check_answer may find echoed)."""
    out = []
    for part in parts:
        if isinstance(part, bytes):
            out += [part.decode("utf-8", "replace"), part.decode("latin-1")]
        else:
            out.append(str(part))
    return "\n".join(out)


@st.composite
def headers(draw, authorised: bool = False) -> dict:
    found = {"Accept": draw(accept_headers())}
    authorisation = f"Bearer {TOKEN}" if authorised else draw(authorisations)
    if authorisation is not None:
        found["Authorization"] = authorisation
    found.update(draw(extra_headers))
    return found


@st.composite
def sparql_requests(draw, authorised: bool = False) -> Request:
    """A SPARQL Protocol request of any shape."""
    is_update = draw(st.booleans()) if authorised else draw(st.integers(0, 3)) == 0
    text = draw(updates() if is_update else queries())
    encode = draw(encodings())
    sent = draw(headers(authorised))
    extra = query_string(draw(parameters))
    name = "update" if is_update else "query"
    shape = draw(st.sampled_from(["GET", "form", "direct", "direct", "other"]))
    if shape == "GET":
        path = f"/sparql?{name}={percent(encode(text))}" + (f"&{extra}" if extra else "")
        return Request("/sparql GET", "GET", path, sent, None, is_update)
    path = f"/sparql?{extra}" if extra else "/sparql"
    if shape == "form":
        sent["Content-Type"] = draw(st.sampled_from([FORM_TYPE, f"{FORM_TYPE}; charset=utf-8"]))
        body = f"{name}={percent(encode(text))}".encode()
    elif shape == "direct":
        sent["Content-Type"] = UPDATE_TYPE if is_update else QUERY_TYPE
        body = encode(text)
    else:
        sent["Content-Type"] = draw(st.sampled_from(OTHER_TYPES))
        body = encode(text)
        # an update sent as a query, or as no protocol type at all, is no write
        is_update = is_update and sent["Content-Type"].split(";")[0].strip().lower() == UPDATE_TYPE
    route = f"/sparql POST {shape if shape != 'direct' else name}"
    return Request(route, "POST", path, sent, sized(body, draw(body_sizes)), is_update)


def send(client, tally, request: Request) -> int:
    """Send ``request``, check the answer (``check_answer``) and return its status."""
    route, method, path, sent, body, _ = request
    started = time.perf_counter()
    response = client.open(path, method=method, headers=sent, data=body)
    seconds = time.perf_counter() - started
    try:
        check_answer(tally, route, response, text_of(path, sent, body or b""), seconds)
    finally:
        response.close()  # a static file's answer holds the file open until closed
    return response.status_code


def store_state(app) -> tuple[int, int]:
    """(snapshot version, quads) of an app's store: an acknowledged write, even one that
    changes nothing, takes a new snapshot."""
    store = app.extensions["kg"].store
    return store.snapshot().version, len(store)


def send_without_token(client, tally, request: Request, accepted: list) -> None:
    """Send a request carrying no valid token; note it in ``accepted`` if it was a write the
    server did not refuse."""
    status = send(client, tally, request)
    if request.write and status < 400:
        accepted.append((request.method, request.path[:200], request.headers, status))


def unauthorised(number: int) -> dict:
    """Headers with no Authorization, or a wrong one: each of WRONG_TOKENS in turn."""
    token = WRONG_TOKENS[number % len(WRONG_TOKENS)]
    return {"Accept": "application/json"} | ({} if token is None else {"Authorization": token})


def known_updates() -> list[Request]:
    """Every update seed (valid SPARQL), by direct and by form POST, without the token: the
    fuzzed updates are mostly broken, so these make sure real writes are among the refused."""
    found = []
    for update in UPDATE_SEEDS:
        direct = unauthorised(len(found)) | {"Content-Type": UPDATE_TYPE}
        found.append(
            Request("/sparql POST update", "POST", "/sparql", direct, update.encode(), True)
        )
        form = unauthorised(len(found)) | {"Content-Type": FORM_TYPE}
        body = f"update={percent(update)}".encode()
        found.append(Request("/sparql POST form", "POST", "/sparql", form, body, True))
    return found


def known_graph_store_writes() -> list[Request]:
    """A valid write of every method to a scratch graph and to the default graph, without the
    token."""
    media = "text/turtle"
    found = []
    for target in (f"?graph={percent(FUZZ_GRAPHS[0])}", "?default"):
        for method in ("PUT", "POST", "DELETE", "PATCH"):
            sent = unauthorised(len(found))
            body = None
            if method != "DELETE":
                sent["Content-Type"] = media
                body = RDF_SEEDS[media][0].encode()
            path = f"/graph-store{target}"
            found.append(Request(f"/graph-store {method}", method, path, sent, body, True))
    return found


# -- the write app: its own store, since fuzzed writes may drop anything ---------------------------
@pytest.fixture(scope="module")
def write_client(make_fuzz_app):
    return make_fuzz_app("fuzz-writes").test_client()


def assert_writes_still_work(client) -> None:
    """After fuzzed writes: a known write is acknowledged and read back."""
    sentinel = "http://example.org/robustness/sentinel"
    update = f'INSERT DATA {{ GRAPH <{sentinel}> {{ <{sentinel}> <{sentinel}> "after fuzzing" }} }}'
    response = client.post(
        "/sparql",
        data=update,
        headers={"Content-Type": UPDATE_TYPE, "Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 204, response.data[:300]
    ask = f'ASK {{ GRAPH <{sentinel}> {{ ?s ?p "after fuzzing" }} }}'
    response = client.get(
        "/sparql", query_string={"query": ask}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and json.loads(response.data)["boolean"] is True


# -- /sparql --------------------------------------------------------------------------------------
def test_sparql_queries_and_refused_updates(fuzz_app, fuzz_client, tally):
    before = store_state(fuzz_app)
    accepted: list = []

    @fuzz(weight=4)
    @given(sparql_requests())
    def run(request):
        send_without_token(fuzz_client, tally, request, accepted)

    run()
    for request in known_updates():
        send_without_token(fuzz_client, tally, request, accepted)
    assert accepted == [], f"updates without the token were not refused: {accepted[:5]}"
    assert store_state(fuzz_app) == before, "an update without the token changed the store"
    assert_known_answer(fuzz_client)


def test_sparql_updates_with_the_token(write_client, tally):
    @fuzz(weight=2)
    @given(sparql_requests(authorised=True))
    def run(request):
        send(write_client, tally, request)

    run()
    assert_writes_still_work(write_client)


# -- /graph-store ---------------------------------------------------------------------------------
@st.composite
def graph_store_requests(draw, authorised: bool = False):
    method = draw(st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"]))
    which = draw(st.sampled_from(["graph", "graph", "default", "none", "both", "graph twice"]))
    if authorised and method == "PUT" and which == "none":
        which = "graph"  # a PUT of a dataset replaces them all: slow to validate, as DELETE is
    graph = percent(draw(graph_iris(scratch_only=authorised)).encode())
    path = {
        "graph": f"/graph-store?graph={graph}",
        "default": "/graph-store?default",
        "none": "/graph-store",
        "both": f"/graph-store?default&graph={graph}",
        "graph twice": f"/graph-store?graph={graph}&graph={graph}",
    }[which]
    sent = draw(headers(authorised))
    body = None
    if method in ("PUT", "POST", "PATCH"):
        media, body = draw(rdf_bodies())
        if media:
            sent["Content-Type"] = media
        body = sized(body, draw(body_sizes))
    write = method in ("PUT", "POST", "DELETE", "PATCH")
    return Request(f"/graph-store {method}", method, path, sent, body, write)


def test_graph_store_reads_and_refused_writes(fuzz_app, fuzz_client, tally):
    before = store_state(fuzz_app)
    accepted: list = []

    @fuzz(weight=2)
    @given(graph_store_requests())
    def run(request):
        send_without_token(fuzz_client, tally, request, accepted)

    run()
    for request in known_graph_store_writes():
        send_without_token(fuzz_client, tally, request, accepted)
    assert accepted == [], f"writes without the token were not refused: {accepted[:5]}"
    assert store_state(fuzz_app) == before, "a write without the token changed the store"
    assert_known_answer(fuzz_client)


def test_graph_store_writes_with_the_token(write_client, tally):
    @fuzz(weight=2)
    @given(graph_store_requests(authorised=True))
    def run(request):
        send(write_client, tally, request)

    run()
    assert_writes_still_work(write_client)


# -- pages --------------------------------------------------------------------------------------
path_pieces = st.one_of(
    st.sampled_from(
        [
            "aef-siberia",
            "william-s-graves",
            "",
            "..",
            "../sparql",
            "a/b/",
            "%",
            "%zz",
            "%00",
            "%FF",
            "%ED%A0%80",
            "%23x%23y",
            "%3Cscript%3E",
            "x" * 5000,
        ]
    ),
    st.text(max_size=30).map(lambda text: quote(text, safe="/%")),
    st.binary(max_size=20).map(lambda data: quote(data, safe="/")),
)


@st.composite
def page_requests(draw):
    prefix = draw(st.sampled_from(["/id/", "/source/", "/quantity/", "/queries/", "/static/"]))
    piece = draw(path_pieces)
    suffix = ".rq" if prefix == "/queries/" else ""
    params = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["format", "x"]),
                st.one_of(st.sampled_from(PAGE_FORMATS), st.text(max_size=10)),
            ),
            max_size=2,
        )
    )
    path = prefix + piece + suffix + (f"?{query_string(params)}" if params else "")
    method = draw(st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "OPTIONS"]))
    return Request(f"{prefix}*", method, path, draw(headers()), None)


def test_resource_pages_and_files(fuzz_client, tally):
    @fuzz(weight=2)
    @given(page_requests())
    def run(request):
        send(fuzz_client, tally, request)

    run()
    assert_known_answer(fuzz_client)


ROUTES = (
    "/",
    "/queries.json",
    "/ontology",
    "/ontology/",
    "/.well-known/void",
    "/sparql",
    "/static/css/site.css",
    "/static/js/query.js",
)
OTHER_PATHS = "other paths"


@st.composite
def other_requests(draw, route: str):
    """Any method, parameters, headers (Host too) and body at ``route``, or at random paths."""
    if route == OTHER_PATHS:
        path = draw(path_pieces.map(lambda piece: f"/{piece.lstrip('/')}"))
    else:
        path = route
    params = draw(parameters)
    full = path + (f"?{query_string(params)}" if params else "")
    method = draw(st.sampled_from(METHODS))
    sent = draw(headers())
    if draw(st.booleans()):
        sent["Host"] = draw(st.one_of(st.sampled_from(HOSTS), header_values))
    body = draw(st.one_of(st.none(), st.binary(max_size=200)))
    if body is not None:
        sent["Content-Type"] = draw(st.sampled_from([FORM_TYPE, QUERY_TYPE, "text/plain", ""]))
    return Request(route, method, full, sent, body)


@pytest.mark.parametrize("route", [*ROUTES, OTHER_PATHS])
def test_other_routes(fuzz_client, tally, route):
    @fuzz(weight=0.25)
    @given(other_requests(route))
    def run(request):
        send(fuzz_client, tally, request)

    run()
    assert_known_answer(fuzz_client)
