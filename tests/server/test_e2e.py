"""End to end: ``kg serve`` as a real process, queried over HTTP by a real SPARQL client.

The server serves the session build (``build_dir``) with ``--no-infer``: the session build has no
inferred graph, and building one costs about 28 s (``kg build --infer``) and would rewrite the
shared build directory that other tests read. The store goes to a temporary directory.

Every ``queries/*.rq`` runs over HTTP (SPARQLWrapper), through the app in-process (Flask's test
client: same store and workers, no HTTP) and with rdflib over the build (what ``kg query`` does);
their answers must agree, and the median latency of each is written to /tmp/latency.json.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import (
    JSON,
    POST,
    SELECT,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from kg.build import read_output

ROOT = Path(__file__).resolve().parents[2]
QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
LATENCY_FILE = Path("/tmp/latency.json")
REPEATS = 5
TIMEOUT = 4.0
TOKEN = "e2e-token"
READY_WITHIN = 90.0
SIKG = "https://w3id.org/sikg/ontology#"
RES = "https://w3id.org/sikg/id/"
GRAVES = f"SELECT ?c WHERE {{ <{RES}aef-siberia> <{SIKG}commander> ?c }}"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, accept: str | None = None, timeout: float = 30.0):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


class Server:
    def __init__(self, process: subprocess.Popen, port: int, logs: Path, started: float):
        self.process = process
        self.port = port
        self.logs = logs
        self.endpoint = f"http://127.0.0.1:{port}/sparql"
        self.started_in = time.monotonic() - started

    def stderr(self) -> str:
        return (self.logs / "stderr.txt").read_text(errors="replace")[-4000:]

    def wrapper(self, query: str, fmt: str = JSON, form: str | None = None) -> SPARQLWrapper:
        client = SPARQLWrapper(self.endpoint)
        client.setQuery(query)
        if form:
            # SPARQLWrapper 2.0 guesses the query form with a regex that skips only every other
            # line of a run of comments, so a word in a .rq header ("added", "describe") can
            # make a SELECT look like ADD (sent as an update) or DESCRIBE: say which it is.
            client.queryType = form
        client.setReturnFormat(fmt)
        client.setTimeout(60)
        return client


@pytest.fixture(scope="module")
def server(build_dir, tmp_path_factory):
    """``kg serve`` on a free port of 127.0.0.1, ready to answer; killed afterwards."""
    port = free_port()
    logs = tmp_path_factory.mktemp("e2e-logs")
    store = tmp_path_factory.mktemp("e2e-store")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["KG_UPDATE_TOKEN"] = TOKEN
    command = [
        sys.executable, "-m", "kg.cli", "serve",
        "--host", "127.0.0.1", "--port", str(port),
        "--out", str(build_dir), "--store", str(store),
        "--no-infer", "--workers", "2", "--timeout", str(TIMEOUT), "--quiet",
    ]  # fmt: skip
    started = time.monotonic()
    with open(logs / "stdout.txt", "wb") as out, open(logs / "stderr.txt", "wb") as err:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True
        )
    running = Server(process, port, logs, started)
    try:
        deadline = started + READY_WITHIN
        probe = f"{running.endpoint}?query=" + urllib.parse.quote("ASK {}")
        while True:
            if process.poll() is not None:
                pytest.fail(f"kg serve exited with {process.returncode}:\n{running.stderr()}")
            try:
                if get(probe, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"kg serve was not ready within {READY_WITHIN} s:\n{running.stderr()}")
            time.sleep(0.2)
        running.started_in = time.monotonic() - started
        yield running
    finally:
        if process.poll() is None:
            process.terminate()  # gunicorn stops its worker, which stops the query workers
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session started above, only
                process.wait(timeout=10)


# -- a real SPARQL client ---------------------------------------------------------------------
def test_select_as_json(server):
    result = server.wrapper(GRAVES).query().convert()
    assert result["results"]["bindings"] == [
        {"c": {"type": "uri", "value": f"{RES}william-s-graves"}}
    ]


def test_select_as_xml_by_post(server):
    client = server.wrapper(GRAVES, XML)
    client.setMethod(POST)
    document = client.query().convert()
    assert isinstance(document, Document)
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris == [f"{RES}william-s-graves"]


def test_ask(server):
    yes = server.wrapper(f"ASK {{ <{RES}aef-siberia> ?p ?o }}").query().convert()
    no = server.wrapper(f"ASK {{ <{RES}no-such-thing> ?p ?o }}").query().convert()
    assert yes["boolean"] is True and no["boolean"] is False


def test_construct_as_turtle(server):
    query = (
        f"CONSTRUCT {{ <{RES}aef-siberia> <{SIKG}commander> ?c }} "
        f"WHERE {{ <{RES}aef-siberia> <{SIKG}commander> ?c }}"
    )
    response = server.wrapper(query, TURTLE).query()
    assert response.response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.convert(), format="turtle")
    assert set(graph) == {
        (URIRef(f"{RES}aef-siberia"), URIRef(f"{SIKG}commander"), URIRef(f"{RES}william-s-graves"))
    }


def test_descriptions_and_headers_over_http(server):
    status, headers, body = get(server.endpoint, "text/turtle")
    assert status == 200 and b"sd:Service" in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = get(f"http://127.0.0.1:{server.port}/.well-known/void")
    assert status == 200 and b"void:Dataset" in body
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_a_runaway_query_over_http_does_not_stop_the_server(server):
    url = f"{server.endpoint}?query=" + urllib.parse.quote(SLOW)
    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.update(result=get(url)))
    thread.start()
    time.sleep(0.5)
    status, _, body = get(f"{server.endpoint}?query=" + urllib.parse.quote(GRAVES))
    assert status == 200 and thread.is_alive()
    thread.join(timeout=60)
    status, _, body = answer["result"]
    assert status == 503 and b"query_timeout" in body and f"{TIMEOUT:g} s".encode() in body
    # the process that ran it is replaced; every answer meanwhile and after is right
    for _ in range(40):
        status, _, body = get(f"{server.endpoint}?query=" + urllib.parse.quote(GRAVES))
        assert status == 200 and b"william-s-graves" in body


WRITTEN = (
    "INSERT DATA { GRAPH <http://example.org/e2e> "
    '{ <http://example.org/e2e/x> <http://example.org/e2e/p> "written" } }'
)
ASK_WRITTEN = 'ASK { GRAPH <http://example.org/e2e> { ?s ?p "written" } }'


def test_a_write_is_read_back_over_http_across_the_serving_processes(server):
    # Which of the two serving processes answers each request is gunicorn's choice, not shown:
    # test_a_write_through_one_app_is_read_by_another_on_the_same_store shows it in-process.
    request = urllib.request.Request(
        server.endpoint,
        data=WRITTEN.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 204
    for _ in range(20):
        status, _, body = get(
            f"{server.endpoint}?query=" + urllib.parse.quote(ASK_WRITTEN),
            "application/sparql-results+json",
        )
        assert status == 200 and json.loads(body)["boolean"] is True


def _asks(app) -> bool:
    response = app.test_client().get(
        "/sparql",
        query_string={"query": ASK_WRITTEN},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.data
    return json.loads(response.data)["boolean"]


def test_a_write_through_one_app_is_read_by_another_on_the_same_store(
    make_app, build_dir, tmp_path
):
    """Two apps on one store directory, as kg serve's serving processes are (each its own
    GraphStore, reading the snapshot snapshots/CURRENT names): the second, which has read the
    store before the write, must read the write the first acknowledged, not its old snapshot."""
    settings = {
        "store_dir": str(tmp_path / "shared-store"),
        "build_dir": str(build_dir),
        "executor": "inline",  # as under kg serve: queries run in the serving process
        "update_token": TOKEN,
    }
    writer, reader = make_app(**settings), make_app(**settings)
    assert writer.extensions["kg"].store is not reader.extensions["kg"].store
    assert _asks(reader) is False  # the reader has its snapshot open
    read_before = reader.extensions["kg"].store.snapshot().version
    response = writer.test_client().post(
        "/sparql",
        data=WRITTEN,
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 204, response.data
    assert _asks(reader) is True
    assert reader.extensions["kg"].store.snapshot().version > read_before
    assert _asks(writer) is True


def test_a_refused_service_over_http(server):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    status, _, body = get(f"{server.endpoint}?query=" + urllib.parse.quote(query))
    assert status == 403 and b"loopback" in body


# -- the competency queries: same answers, and how long each takes --------------------------------
def http_rows(server, text: str) -> list[dict]:
    result = server.wrapper(text, JSON, SELECT).query().convert()
    return [{k: v["value"] for k, v in row.items()} for row in result["results"]["bindings"]]


def flask_rows(client, text: str) -> list[dict]:
    response = client.get("/sparql", query_string={"query": text})
    assert response.status_code == 200, response.data
    bindings = json.loads(response.data)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def rdflib_rows(dataset, text: str) -> list[dict]:
    result = dataset.query(text)
    names = [str(v) for v in result.vars or []]
    return [{n: str(row[n]) for n in names if row[n] is not None} for row in result]


def timed(run) -> tuple[object, float]:
    started = time.perf_counter()
    result = run()
    return result, (time.perf_counter() - started) * 1000


def measure(run) -> tuple[list[dict], dict]:
    """The rows of ``run()`` and its median time over REPEATS runs after the first.

    A run slower than a second is timed once (rdflib needs about a minute for cq15).
    """
    rows, first = timed(run)
    if first > 1000:
        return rows, {"ms": round(first, 1), "runs": 1}
    times = [timed(run)[1] for _ in range(REPEATS)]
    return rows, {"ms": round(statistics.median(times), 2), "runs": REPEATS}


def counted(rows: list[dict]) -> Counter:
    return Counter(frozenset(row.items()) for row in rows)


def test_every_competency_query_over_http_and_in_process(server, client, build_dir):
    assert len(QUERY_FILES) == 20
    assert all(re.search(r"^SELECT", p.read_text(), re.MULTILINE) for p in QUERY_FILES)
    started = time.perf_counter()
    dataset = read_output(build_dir)
    rdflib_load_ms = round((time.perf_counter() - started) * 1000, 1)
    figures = {}
    disagreements = []
    for path in QUERY_FILES:
        text = path.read_text(encoding="utf-8")
        over_http, http = measure(lambda t=text: http_rows(server, t))
        in_app, flask = measure(lambda t=text: flask_rows(client, t))
        with_rdflib, rdflib = measure(lambda t=text: rdflib_rows(dataset, t))
        if not (counted(over_http) == counted(in_app) == counted(with_rdflib)):
            disagreements.append(path.name)
        figures[path.stem] = {
            "rows": len(over_http),
            "http_ms": http["ms"],
            "flask_in_process_ms": flask["ms"],
            "rdflib_in_process_ms": rdflib["ms"],
            "rdflib_runs": rdflib["runs"],
        }
    summary = {
        name: round(statistics.median(f[name] for f in figures.values()), 2)
        for name in ("http_ms", "flask_in_process_ms", "rdflib_in_process_ms")
    }
    record = {
        "what": f"median latency per competency query, ms, over {REPEATS} runs after a "
        "first (warm-up) run; a query whose first run took over 1 s is timed once",
        "http": "kg serve (gunicorn gthread, 2 query workers) on 127.0.0.1, SPARQLWrapper, JSON",
        "flask_in_process": "the same app code, Flask test client (no HTTP), own store",
        "rdflib_in_process": "kg.build.read_output + rdflib Dataset.query (what kg query does)",
        "server_ready_s": round(server.started_in, 2),
        "rdflib_load_ms": rdflib_load_ms,
        "median_of_medians": summary,
        "queries": figures,
    }
    LATENCY_FILE.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    assert disagreements == [], f"HTTP, in-app and rdflib answers differ: {disagreements}"
