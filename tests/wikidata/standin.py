"""A local stand-in for Wikidata's search API and query service, for the tests.

It answers ``/w/api.php?action=wbsearchentities`` and ``/sparql`` in the JSON shapes the real
services use, from ``tests/data/wikidata/items.yaml``: a search finds items whose label or alias
starts with the text (as the real search does), and SPARQL runs on an Oxigraph store holding the
items as Wikidata's truthy RDF. Names in the fixture's ``behaviour`` get server errors or slow
answers; ``answer_next`` makes the next request to a path get a given JSON body with HTTP 200 (as
Wikidata sends ``maxlag``). Every request is recorded, so a test can count what reached the
"network".
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import yaml

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
WKT = ox.NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "wikidata" / "items.yaml"


def load_store(fixture: dict) -> ox.Store:
    store = ox.Store()

    def add(s, p, o):
        store.add(ox.Quad(ox.NamedNode(WD + s), ox.NamedNode(p), o))

    for cls, supers in (fixture.get("classes") or {}).items():
        for sup in supers:
            add(cls, WDT + "P279", ox.NamedNode(WD + sup))
    for qid, item in fixture["items"].items():
        add(qid, str(RDFS_LABEL.value), ox.Literal(item["label"], language="en"))
        for lang, text in (item.get("labels") or {}).items():
            add(qid, str(RDFS_LABEL.value), ox.Literal(text, language=lang))
        for cls in item.get("P31") or ():
            add(qid, WDT + "P31", ox.NamedNode(WD + cls))
        for prop in ("P569", "P570", "P571", "P576", "P580", "P582", "P585"):
            if prop in item:
                add(qid, WDT + prop, ox.Literal(item[prop], datatype=DATE))
        if "P625" in item:
            add(qid, WDT + "P625", ox.Literal(item["P625"], datatype=WKT))
        if "P18" in item:
            add(qid, WDT + "P18", ox.NamedNode(item["P18"]))
    return store


class WikidataStandIn:
    """Start with ``with WikidataStandIn() as wd:``; ``wd.api_url`` and ``wd.sparql_url``."""

    def __init__(self, fixture_path: Path = FIXTURE) -> None:
        self.fixture = yaml.safe_load(fixture_path.read_text(encoding="utf-8"))
        self.store = load_store(self.fixture)
        self.requests: list[dict] = []
        self._failures: dict[str, int] = {}
        self._canned: dict[str, list[bytes]] = {}  # path -> bodies for the next requests
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base + "/w/api.php"

    @property
    def sparql_url(self) -> str:
        return self.base + "/sparql"

    def __enter__(self) -> WikidataStandIn:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer_next(self, path: str, body: dict) -> None:
        """The next request to ``path`` (``/w/api.php`` or ``/sparql``) is answered ``body``."""
        with self._lock:
            self._canned.setdefault(path, []).append(json.dumps(body).encode())

    # -- answers -----------------------------------------------------------------------------
    def search(self, text: str, limit: int) -> list[dict]:
        wanted = text.casefold()
        hits = []
        for qid, item in self.fixture["items"].items():
            names = [item["label"], *(item.get("aliases") or [])]
            matched = next((n for n in names if n.casefold().startswith(wanted)), None)
            if matched is None:
                continue
            hit = {
                "id": qid,
                "title": qid,
                "repository": "wikidata",
                "url": f"//www.wikidata.org/wiki/{qid}",
                "concepturi": WD + qid,
                "label": item["label"],
                "description": item.get("description", ""),
                "match": {
                    "type": "label" if matched == item["label"] else "alias",
                    "language": "en",
                    "text": matched,
                },
            }
            if item.get("aliases"):
                hit["aliases"] = list(item["aliases"])
            hits.append(hit)
        return hits[:limit]

    def select(self, query: str) -> bytes:
        results = self.store.query(query)
        return results.serialize(format=ox.QueryResultsFormat.JSON)

    def behaviour(self, text: str) -> dict:
        return (self.fixture.get("behaviour") or {}).get(text) or {}

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(url.query))
                self._route(url.path, params)

            def do_POST(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if kind == "application/sparql-query":
                    params = {"query": body}
                else:
                    params = dict(urllib.parse.parse_qsl(body))
                self._route(url.path, params)

            def _route(self, path: str, params: dict) -> None:
                with standin._lock:
                    standin.requests.append(
                        {"path": path, "params": params, "headers": dict(self.headers)}
                    )
                    canned = standin._canned.get(path)
                    body = canned.pop(0) if canned else None
                if body is not None:
                    self._send(200, "application/json; charset=utf-8", body)
                    return
                if path == "/w/api.php" and params.get("action") == "wbsearchentities":
                    self._search(params)
                elif path == "/sparql" and "query" in params:
                    try:
                        body = standin.select(params["query"])
                    except (SyntaxError, ValueError, OSError) as err:
                        self._send(400, "text/plain", str(err).encode())
                        return
                    self._send(200, "application/sparql-results+json", body)
                else:
                    self._send(404, "text/plain", b"not here")

            def _search(self, params: dict) -> None:
                text = params.get("search", "")
                how = standin.behaviour(text)
                if how.get("delay"):
                    time.sleep(how["delay"])
                if how.get("error"):
                    with standin._lock:
                        seen = standin._failures.get(text, 0)
                        standin._failures[text] = seen + 1
                    if "fail_first" not in how or seen < how["fail_first"]:
                        extra = (
                            {"Retry-After": str(how["retry_after"])} if "retry_after" in how else {}
                        )
                        self._send(how["error"], "text/plain", b"server error", extra)
                        return
                hits = standin.search(text, int(params.get("limit") or 7))
                body = json.dumps({"searchinfo": {"search": text}, "search": hits, "success": 1})
                self._send(200, "application/json; charset=utf-8", body.encode())

            def _send(self, status: int, kind: str, body: bytes, extra: dict | None = None) -> None:
                try:
                    self.send_response(status)
                    for name, value in (extra or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler
