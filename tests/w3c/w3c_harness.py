"""Running one W3C test against the endpoint over HTTP.

The app is served by werkzeug on 127.0.0.1 (an ephemeral port) in a thread. Each test's data is
loaded straight into the app's primary store (cleared first; skipped when the previous test used
the same files and changed nothing), a snapshot is taken so the query workers see it, and then
the query or update goes to ``/sparql`` over HTTP like any client's:

- evaluation queries by POST ``application/sparql-query``, syntax queries by GET ``?query=``,
  evaluation updates by POST ``application/sparql-update``, syntax updates by a form POST;
- the base IRI of a query or update is the ``file:`` IRI of its file (the W3C harness
  convention, which relative IRIs in the tests rely on); the protocol has no base parameter, so
  the harness states it in the request itself with a leading ``BASE <...>``;
- the answer is asked for in the format of the expected result (SPARQL XML for ``.srx``, JSON
  for ``.srj`` and RDF result sets, TSV, CSV; N-Triples for graphs).
"""

from __future__ import annotations

import http.client
import threading
from urllib.parse import urlencode

import pyoxigraph as ox
from w3c_manifest import W3CTest, file_iri
from w3c_results import (
    GRAPH_MEDIA,
    SUFFIX_MEDIA,
    Solutions,
    Triples,
    compare,
    describe,
    has_top_level_order_by,
    is_select_star,
    read_expected,
    read_response,
    same_graph,
)
from werkzeug.serving import WSGIRequestHandler, make_server

from server.store import rdf_format

TIMEOUT = 30
PARSED_BUT_REFUSED = (403, 404, 409)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class LiveServer:
    """``app`` served over HTTP on 127.0.0.1 until ``close()``."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, request_handler=_QuietHandler)
        self.port = self.server.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def request(
        self, method: str, target: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, str, bytes]:
        """(status, Content-Type, body) of one request on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request(method, target, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            connection.close()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def request_text(test: W3CTest) -> str:
    """The query or update of a test, with its file's IRI as the base IRI."""
    text = test.action.read_bytes().decode("utf-8").lstrip("\ufeff")
    return f"BASE <{file_iri(test.action)}>\n{text}"


class Runner:
    """Runs W3C tests against one app behind one ``LiveServer``."""

    def __init__(self, app, server: LiveServer, token: str) -> None:
        self.service = app.extensions["kg"]
        self.server = server
        self.token = token
        self._loaded: tuple | None = None  # the files in the store now, if unchanged since

    # -- the dataset --------------------------------------------------------------------------
    def load(self, data, graph_data) -> None:
        """Make the store hold exactly ``data`` (default graph) and ``graph_data`` (named)."""
        key = (tuple(data), tuple(graph_data))
        if key == self._loaded:
            return
        with self.service.store.writing() as store:
            store.clear()
            for path in data:
                store.load(path=str(path), format=rdf_format(path), base_iri=file_iri(path))
            for graph in graph_data:
                store.load(
                    path=str(graph.path),
                    format=rdf_format(graph.path),
                    base_iri=file_iri(graph.path),
                    to_graph=ox.NamedNode(graph.name),
                )
        self._loaded = key

    def _graphs(self, data, graph_data) -> dict[str, list]:
        """Graph name ("" for the default graph) -> triples, as in the files."""
        graphs: dict[str, list] = {}
        for name, path in [("", p) for p in data] + [(g.name, g.path) for g in graph_data]:
            parsed = ox.parse(path=str(path), format=rdf_format(path), base_iri=file_iri(path))
            graphs.setdefault(name, []).extend(q.triple for q in parsed)
        return {name: triples for name, triples in graphs.items() if triples}

    def _store_graphs(self) -> dict[str, list]:
        graphs: dict[str, list] = {}
        for quad in self.service.store.reader():
            name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            graphs.setdefault(name, []).append(quad.triple)
        return graphs

    # -- requests -----------------------------------------------------------------------------
    def query(self, text: str, accept: str) -> tuple[int, str, bytes]:
        return self.server.request(
            "POST",
            "/sparql",
            text.encode("utf-8"),
            {"Content-Type": "application/sparql-query; charset=UTF-8", "Accept": accept},
        )

    def update(self, text: str, *, form: bool = False) -> tuple[int, str, bytes]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if form:
            body = urlencode({"update": text}).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = text.encode("utf-8")
            headers["Content-Type"] = "application/sparql-update; charset=UTF-8"
        self._loaded = None  # whatever happens, the store may have changed
        return self.server.request("POST", "/sparql", body, headers)

    # -- tests --------------------------------------------------------------------------------
    def run(self, test: W3CTest) -> None:
        """Run one test; raise AssertionError saying what went wrong if it fails."""
        if test.is_syntax:
            self._syntax(test)
        elif test.kind == "UpdateEvaluationTest":
            self._update(test)
        else:
            self._query(test)

    def _syntax(self, test: W3CTest) -> None:
        self.load((), ())
        text = request_text(test)
        if test.is_update:
            status, _, body = self.update(text, form=True)
        else:
            target = "/sparql?" + urlencode({"query": text})
            headers = {"Accept": "application/sparql-results+json, application/n-triples"}
            status, _, body = self.server.request("GET", target, None, headers)
        # Run on an empty store, a valid request may still fail after it was parsed: refused by
        # policy (403: LOAD) or failing (404/409: e.g. DROP of a graph that does not exist).
        accepted = 200 <= status < 300 or status in PARSED_BUT_REFUSED
        message = body.decode("utf-8", "replace")[:500]
        if test.positive:
            assert accepted, f"valid request refused with {status}: {message}"
        else:
            assert status == 400, f"invalid request answered with {status}, not 400: {message}"

    def _query(self, test: W3CTest) -> None:
        expected = read_expected(test.result)
        if isinstance(expected, Triples):
            accept = f"{GRAPH_MEDIA}, application/sparql-results+json;q=0.5"
        else:
            wanted = SUFFIX_MEDIA.get(test.result.suffix, "application/sparql-results+json")
            accept = f"{wanted}, {GRAPH_MEDIA};q=0.5"
        self.load(test.data, test.graph_data)
        text = request_text(test)
        status, content_type, body = self.query(text, accept)
        message = body.decode("utf-8", "replace")[:1000]
        assert status == 200, f"query answered {status}: {message}"
        media, _, params = content_type.partition(";")
        media = media.strip()
        asked = accept.split(",")[0]
        assert media == asked, f"asked for {asked}, got {content_type}"
        assert "charset=utf-8" in params.replace(" ", "").lower(), content_type
        actual = read_response(media, body)
        ordered = isinstance(expected, Solutions) and has_top_level_order_by(text)
        difference = compare(expected, actual, ordered, is_select_star(text))
        if difference:
            raise AssertionError(
                f"{difference}\nexpected: {describe(expected)}\nactual: {describe(actual)}"
            )

    def _update(self, test: W3CTest) -> None:
        self.load(test.data, test.graph_data)
        status, _, body = self.update(request_text(test))
        message = body.decode("utf-8", "replace")[:1000]
        assert status in (200, 204), f"update answered {status}: {message}"
        expected = self._graphs(test.result_data, test.result_graph_data)
        actual = self._store_graphs()
        assert sorted(actual) == sorted(expected), (
            f"graphs {sorted(actual)} instead of {sorted(expected)}"
        )
        for name, triples in expected.items():
            if not same_graph(triples, actual[name]):
                shown = "default graph" if name == "" else f"graph <{name}>"
                raise AssertionError(
                    f"{shown} differs\nexpected: {describe(Triples(triples))}\n"
                    f"actual: {describe(Triples(actual[name]))}"
                )
