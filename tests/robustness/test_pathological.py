"""Pathological queries and updates against ``kg serve`` (gunicorn, 2 processes, a 3 s time
limit, 5 MB result limit), each while cheap queries keep coming.

Each pathological request must end by a limit with a clear error (503 naming query_timeout, 413
naming max_result_bytes, 400 for what is refused before it runs) or with the right answer within
the time limit; the cheap queries sent meanwhile must answer right within CHEAP_WITHIN seconds;
and afterwards the server is alive, answers right, and no process of it died of a signal.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.parse

import pytest
from fuzzing import GRAVES
from kg_process import READY_WITHIN, RES, SIKG, KgServe, http, query_path

TIMEOUT = 3.0
MAX_RESULT_BYTES = 5_000_000
CHEAP_WITHIN = 2.0
TOKEN = "pathological-token"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
P = f"<{SIKG}commander>"
LONG = "a" * 30_000 + "!"


def nested(depth: int, inner: str, opening: str = "{ ", closing: str = " }") -> str:
    return opening * depth + inner + closing * depth


def nested_optionals(depth: int) -> str:
    body = "".join(f"?s{i} ?p{i} ?o{i} OPTIONAL {{ " for i in range(depth))
    return f"SELECT * WHERE {{ {body} ?s ?p ?o {'}' * depth} }}"


def nested_groups(depth: int) -> str:
    body = "".join(f"{{ ?s{i} ?p{i} ?o{i} . " for i in range(depth))
    return f"SELECT * WHERE {{ {body} {'}' * depth} }}"


# (name, method and content type, body, what may end it: {status: word the message names})
CASES = (
    ("200 nested groups (a cartesian product)", QUERY_TYPE, nested_groups(200),
     {503: "query_timeout", 413: "max_result_bytes"}),
    ("150 nested OPTIONALs", QUERY_TYPE, nested_optionals(150),
     {503: "query_timeout", 413: "max_result_bytes"}),
    ("3-way cartesian product, counted", QUERY_TYPE,
     "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", {503: "query_timeout"}),
    ("huge result set", QUERY_TYPE, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }",
     {413: "max_result_bytes", 503: "query_timeout"}),
    ("(a+)+$ over every literal, 30,000 characters each", QUERY_TYPE,
     f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o BIND(CONCAT(STR(?o), "{LONG}") AS ?long) '
     'FILTER REGEX(?long, "(a+)+$") }', {200: '"n"', 503: "query_timeout"}),
    ("recursive path over the whole graph", QUERY_TYPE,
     f"SELECT * WHERE {{ ?s ({P}|!{P})* ?o }}", {413: "max_result_bytes", 503: "query_timeout"}),
    ("recursive path over the whole graph, counted", QUERY_TYPE,
     f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ({P}|!{P})* ?o }}", {503: "query_timeout"}),
    ("5,000 nested groups", QUERY_TYPE, nested(5000, "?s ?p ?o", "SELECT * WHERE { ", " }"),
     {400: "nests"}),
    ("5,000 BINDs in a row", QUERY_TYPE,
     "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(5000)) + " }",
     {400: "nests"}),
    ("2,000 UNIONs in a row", QUERY_TYPE,
     "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 2000) + " }", {400: "nests"}),
    ("an update whose WHERE clause is a 3-way cartesian product", UPDATE_TYPE,
     "INSERT { <urn:a> <urn:b> ?c } WHERE { GRAPH ?x { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }",
     {503: "query_timeout"}),
    ("an update whose WHERE clause matches millions of solutions", UPDATE_TYPE,
     "DELETE { GRAPH ?x { ?a ?b ?c } } WHERE { GRAPH ?x { ?a ?b ?c . ?d ?e ?f } }",
     {503: "query_timeout", 413: "max_update_solutions"}),
    ("an update nested 5,000 groups deep", UPDATE_TYPE,
     "INSERT { <urn:a> <urn:b> <urn:c> } WHERE " + nested(5000, "?s ?p ?o"), {400: "nests"}),
    ("a Turtle upload with triple terms nested 100,000 deep", "text/turtle",
     "<urn:a> <urn:b> " + nested(100_000, "<urn:o>", "<<( <urn:s> <urn:p> ", " )>>") + " .",
     {400: "nests"}),
    ("a JSON-LD upload with objects nested 5,000 deep", "application/ld+json",
     '{"@id": "urn:a", "urn:b": ' + nested(5000, "1", '{"urn:p": ', "}") + "}",
     {400: "nests"}),
)  # fmt: skip


def call(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """(status, body) of one request (``kg_process.http``); a connection the server dropped, or
    one it never answered, is status 0."""
    try:
        answer = http(port, method, path, body, headers, timeout=60)
    except OSError as err:
        return 0, repr(err).encode()
    return answer.status, answer.body


class Server:
    """A running ``kg serve`` (``kg_process.KgServe``) seen by these tests."""

    def __init__(self, served: KgServe) -> None:
        self.served = served
        self.process = served.process
        self.port = served.port

    def stderr(self) -> str:
        return self.served.stderr()

    def cheap(self) -> tuple[float, bool]:
        """(seconds, right answer?) of the known query."""
        started = time.perf_counter()
        status, body = call(
            self.port,
            "GET",
            query_path(GRAVES),
            headers={"Accept": "application/sparql-results+json"},
        )
        right = status == 200 and f"{RES}william-s-graves".encode() in body
        return time.perf_counter() - started, right

    def wait_until_steady(self, within: float = READY_WITHIN) -> None:
        """Until five known queries in a row answer right (both processes are up)."""
        deadline = time.monotonic() + within
        steady = 0
        while steady < 5:
            if self.process.poll() is not None:
                pytest.fail(f"kg serve exited with {self.process.returncode}:\n{self.stderr()}")
            if time.monotonic() > deadline:
                pytest.fail(f"kg serve did not answer within {within} s:\n{self.stderr()[-3000:]}")
            try:
                steady = steady + 1 if self.cheap()[1] else 0
            except OSError:
                steady = 0
            if steady < 5:
                time.sleep(0.1)


@pytest.fixture(scope="module")
def server(build_dir, tmp_path_factory):
    """``kg serve`` on a free port of 127.0.0.1 (2 processes, 3 s limit); stopped afterwards."""
    served = KgServe(
        build_dir,
        tmp_path_factory.mktemp("pathological-store"),
        tmp_path_factory.mktemp("pathological-logs"),
        token=TOKEN,
        timeout=TIMEOUT,
        env={"KG_MAX_RESULT_BYTES": str(MAX_RESULT_BYTES)},
    )
    try:
        served.start()
        running = Server(served)
        running.wait_until_steady()
        yield running
    finally:
        served.stop()


def run_with_cheap_queries(server: Server, content_type: str, body: str):
    """Send the pathological request, and cheap queries every 50 ms until it ends.

    Returns (status, body, seconds) of the pathological one and the cheap queries' (seconds, ok).
    """
    if content_type not in (QUERY_TYPE, UPDATE_TYPE):  # an upload
        path = f"/graph-store?graph={urllib.parse.quote('urn:pathological')}"
        method, headers = "PUT", {"Authorization": f"Bearer {TOKEN}"}
    else:
        path, method = "/sparql", "POST"
        headers = {"Authorization": f"Bearer {TOKEN}"} if content_type == UPDATE_TYPE else {}
    headers |= {"Content-Type": content_type, "Accept": "application/json"}
    answer: dict = {}

    def pathological() -> None:
        started = time.perf_counter()
        status, text = call(server.port, method, path, body.encode(), headers)
        answer.update(status=status, body=text, seconds=time.perf_counter() - started)

    thread = threading.Thread(target=pathological)
    thread.start()
    cheap = []
    while thread.is_alive() or len(cheap) < 5:
        cheap.append(server.cheap())
        time.sleep(0.05)
    thread.join()
    return answer["status"], answer["body"], answer["seconds"], cheap


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """How each case ended, and the cheap queries' latencies; printed and written as JSON."""
    rows: list[dict] = []
    yield rows
    path = tmp_path_factory.getbasetemp() / "pathological-summary.json"
    path.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\npathological cases ({path}):")
    for row in rows:
        print(
            f"  {row['case']:<55} {row['status']} in {row['seconds']:5.2f} s; "
            f"{row['cheap_queries']} cheap queries, max {row['cheap_max_s']:.3f} s, "
            f"median {row['cheap_median_s']:.3f} s"
        )


@pytest.mark.parametrize(
    ("content_type", "body", "endings"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_pathological_request_ends_by_a_limit_while_cheap_queries_answer(
    server, report, request, content_type, body, endings
):
    server.wait_until_steady()
    status, text, seconds, cheap = run_with_cheap_queries(server, content_type, body)
    message = text.decode("utf-8", "replace")
    slowest = max(s for s, _ in cheap)
    report.append(
        {
            "case": request.node.callspec.id,
            "status": status,
            "message": message[:200],
            "seconds": round(seconds, 3),
            "cheap_queries": len(cheap),
            "cheap_max_s": round(slowest, 3),
            "cheap_median_s": round(statistics.median(s for s, _ in cheap), 3),
        }
    )
    assert status in endings, f"{status} after {seconds:.1f} s: {message[:300]}"
    assert endings[status] in message, message[:300]
    assert seconds < TIMEOUT + 5, f"it took {seconds:.1f} s"
    assert all(ok for _, ok in cheap), "a cheap query got a wrong answer or none"
    assert slowest < CHEAP_WITHIN, f"a cheap query took {slowest:.2f} s"


def test_the_server_is_alive_and_no_process_died_of_a_signal(server):
    server.wait_until_steady()
    assert server.process.poll() is None
    log = server.stderr()
    assert "was sent SIG" not in log and "Segmentation fault" not in log, log[-3000:]
