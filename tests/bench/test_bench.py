"""The benchmark harness: its generator writes graphs our shapes accept, its parsers read what
the tools print, and (with KG_BENCH_SMOKE=1) ``python -m bench run --quick`` runs end to end.

No test here asserts a time: timings belong in the report, not in CI.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Graph

from bench import endpoints, generate, goals, latency, load, queries, report, run
from bench.client import Client
from kg.validate import validate

ROOT = Path(__file__).resolve().parents[2]
SMOKE = os.environ.get("KG_BENCH_SMOKE") == "1"


def _dataset(path: Path) -> Dataset:
    dataset = Dataset()
    dataset.parse(path, format="nquads")
    return dataset


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "sikg.ttl", format="turtle")


@pytest.fixture(scope="module")
def graph_10k(tmp_path_factory) -> generate.Generated:
    return generate.generate(10_000, tmp_path_factory.mktemp("bench") / "10k.nq")


def test_the_10k_graph_conforms_to_the_shapes(graph_10k, shapes, ontology):
    report_ = validate(_dataset(graph_10k.path), shapes, ontology)
    assert report_.violations == 0, report_.text()


def test_the_10k_graph_has_our_layout(graph_10k):
    store = pyoxigraph.Store()
    store.bulk_load(path=str(graph_10k.path), format=pyoxigraph.RdfFormat.N_QUADS)
    assert len(store) == graph_10k.quads  # no quad written twice
    assert 10_000 <= graph_10k.quads < 10_200
    graphs = {g.value.rsplit("/", 1)[-1] for g in store.named_graphs()}
    assert {"ontology", "registry", "derived", "blog", "dunscomb", "wikipedia"} <= graphs
    claims = store.query(
        "PREFIX sikg: <https://w3id.org/sikg/ontology#> "
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a sikg:Claim ; rdf:subject ?s ; "
        "rdf:predicate ?p ; rdf:object ?o ; sikg:statedIn ?src ; sikg:evidence ?a ; "
        "sikg:method ?m . "
        "?s ?p ?o . ?a a sikg:QuoteAnchor }",
        use_default_graph_as_union=True,
    )
    assert int(next(iter(claims))["n"].value) == graph_10k.claims > 500


def test_a_broken_claim_is_caught(tmp_path, shapes, ontology):
    """The shape test can fail: drop one claim's quote and the shapes must say so."""
    made = generate.generate(3_000, tmp_path / "small.nq")
    lines = made.path.read_text().splitlines(keepends=True)
    victim = next(line.split()[0] for line in lines if "/claim/" in line.split()[0])
    kept = [ln for ln in lines if not (ln.startswith(victim) and "ontology#evidence" in ln)]
    assert len(kept) == len(lines) - 1
    broken = tmp_path / "broken.nq"
    broken.write_text("".join(kept))
    assert validate(_dataset(broken), shapes, ontology).violations >= 1


def test_generation_is_deterministic(tmp_path):
    first = generate.generate(3_000, tmp_path / "a.nq", seed=7)
    second = generate.generate(3_000, tmp_path / "b.nq", seed=7)
    other = generate.generate(3_000, tmp_path / "c.nq", seed=8)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.path.read_bytes() != other.path.read_bytes()


def test_ensure_reuses_the_cached_file(tmp_path):
    made = generate.ensure(3_000, tmp_path)
    stamp = made.path.stat().st_mtime_ns
    again = generate.ensure(3_000, tmp_path)
    assert again.path == made.path and again.quads == made.quads
    assert made.path.stat().st_mtime_ns == stamp


@pytest.mark.parametrize(
    ("text", "quads"), [("10k", 10_000), ("100K", 100_000), ("1m", 1_000_000), ("2500", 2_500)]
)
def test_parse_size(text, quads):
    assert generate.parse_size(text) == quads
    assert generate.parse_size(generate.size_label(quads)) == quads


@pytest.mark.parametrize("text", ["ten", "10x", "1k"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError):
        generate.parse_size(text)


def test_every_query_class_and_competency_query_is_timed():
    found = queries.all_queries()
    assert len(queries.classes()) == 8
    assert len(queries.competency()) == len(list((ROOT / "queries").glob("cq*.rq"))) == 20
    assert len({q.name for q in found}) == len(found) == 28
    store = pyoxigraph.Store()  # knows no prefix: a query must declare every one it uses
    with pytest.raises(SyntaxError):
        store.query("SELECT ?s WHERE { ?s rdfs:label ?o }")
    for query in found:
        store.query(query.text)  # a SyntaxError names the query's undeclared prefix


def test_percentile_is_nearest_rank():
    sample = [float(n) for n in range(1, 31)]
    assert latency.percentile(sample, 0.99) == 30.0
    assert latency.percentile(sample, 0.5) == 15.0


WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:1/sparql?query=x
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.10ms    2.00ms  40.00ms   90.00%
    Req/Sec     1.30k   150.00     1.60k    70.00%
  Latency Distribution
     50%    2.50ms
     75%    3.20ms
     90%    4.10ms
     99%  850.00us
  7800 requests in 3.00s, 4.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   2600.12
Transfer/sec:      1.33MB
"""


def test_wrk_output_is_read():
    run = load.parse(WRK_OUTPUT)
    assert run.requests_per_second == 2600.12
    assert (run.p50_ms, run.p99_ms) == (2.5, 0.85)
    assert (run.requests, run.non_2xx, run.socket_errors) == (7800, 4, 3)
    assert not run.ok  # non-2xx answers are not throughput


def test_the_report_shows_the_wrk_command_that_runs(monkeypatch):
    ran: list[list[str]] = []

    def not_run(argv, **kwargs):
        ran.append(argv)
        raise OSError("not run in this test")

    monkeypatch.setattr(load.subprocess, "run", not_run)
    outcome = load.run(1234, "ASK {}", seconds=3, threads=2, connections=8)
    settings = run.Settings(load_seconds=3, threads=2, connections=8)
    shown = run._throughput_header(settings, 10_000)["command"]
    assert outcome.command == shown
    assert shlex.split(shown)[:-1] == ran[0][:-1]  # the command that ran, but for the URL
    assert ran[0][-1].startswith("http://127.0.0.1:1234/sparql?query=ASK")
    assert ["--timeout", "10s"] == ran[0][5:7]


@contextlib.contextmanager
def _stub(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 in a thread, stopped when the block ends; yields its port."""
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _CutShort(http.server.BaseHTTPRequestHandler):
    """Promises 100 bytes, sends 7 and closes the connection (HTTP/1.0)."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b'{"head"')

    def log_message(self, *args):
        pass


def test_a_truncated_answer_is_reported_not_raised():
    query = queries.by_name("label")
    with _stub(_CutShort) as port, Client(port, timeout=5.0) as client:
        with pytest.raises(ConnectionError, match="IncompleteRead"):
            client.get(query.text)
        timing = latency.measure(client, query, reps=3, budget=1.0)
    assert not timing.ok
    assert "IncompleteRead" in (timing.skipped or "")


class _Busy(http.server.BaseHTTPRequestHandler):
    """Answers every request 503 and counts them."""

    requests = 0

    def do_GET(self):
        type(self).requests += 1
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_waiting_for_an_endpoint_sleeps_after_a_non_200_answer(tmp_path):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with _stub(_Busy) as port:
            server = endpoints.Server("busy", alive, port, tmp_path / "busy.log")
            began = time.perf_counter()
            assert endpoints.wait_for_answer(server, began, 1.0, 5.0, interval=0.25) is None
            assert time.perf_counter() - began >= 1.0
    finally:
        alive.kill()
        alive.wait()
    assert 1 <= _Busy.requests <= 6  # one per interval, not as many as the server can answer


STUB_ENDPOINT = """
import http.server, sys
print("start of this run", flush=True)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", "17")
        self.end_headers()
        self.wfile.write(b'{"boolean": true}')
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def test_a_started_endpoint_reads_only_its_own_log(tmp_path):
    log = tmp_path / "stub.log"
    log.write_text("load sources: an earlier run's rebuild\n")
    port = endpoints.free_port()
    argv = [sys.executable, "-c", STUB_ENDPOINT, str(port)]
    with endpoints.serving("stub", argv, log, port, timeout=30.0) as server:
        assert server.startup_seconds > 0
        began = time.perf_counter()
        assert endpoints.wait_for_answer(server, began, 5.0, 5.0, interval=0.05) is not None
    assert server.process.poll() is not None
    assert "earlier run" in log.read_text()  # appended to, not truncated
    assert server.log_text() == "start of this run\n"
    assert server.log_tail() == "start of this run"


def test_goals_without_results_are_not_measured():
    judged = goals.evaluate({})
    assert len(judged) == 10
    assert all(goal.met is None for goal in judged)


def test_report_is_written_from_results(tmp_path):
    results = {
        "sizes": {"10k": {"quads": 10_010, "path": "x.nq"}},
        "endpoints": {
            "10k": {
                "ours": {
                    "startup_seconds": 1.0,
                    "queries": {
                        "label": {
                            "query": "label",
                            "n": 3,
                            "median_ms": 1.0,
                            "p99_ms": 2.0,
                            "rows": 1,
                        },
                    },
                }
            }
        },
        "throughput": {"size": "10k", "queries": {}, "ratios": {}},
        "goals": [g.as_dict() for g in goals.evaluate({})],
    }
    paths = report.write(results, tmp_path)
    assert json.loads(paths["json"].read_text())["sizes"]["10k"]["quads"] == 10_010
    assert "| label | 1.00 / 2.00 |" in paths["markdown"].read_text()
    assert paths["plot"].stat().st_size > 0


@pytest.mark.skipif(not SMOKE, reason="end-to-end run only with KG_BENCH_SMOKE=1 (about a minute)")
def test_quick_run_end_to_end(tmp_path):
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "run",
            "--quick",
            "--out",
            str(out),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((out / "report.json").read_text())
    measured = results["endpoints"]["10k"]
    assert set(measured) == {"ours", "bare", "rdflib"}
    for name, entry in measured.items():
        assert len(entry["queries"]) == 28, name
    assert results["row_check"]["mismatches"] == []
    assert len(results["goals"]) == 10
    assert (out / "report.md").exists() and (out / "latency-vs-size.png").exists()
