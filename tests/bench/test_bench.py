"""The benchmark harness: its generator writes graphs our shapes accept, its parsers read what
the tools print, and (with KG_BENCH_SMOKE=1) ``python -m bench run --quick`` runs end to end.

No test here asserts a time: timings belong in the report, not in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Graph

from bench import generate, goals, latency, load, queries, report
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
    assert all(q.text.lstrip().startswith(("PREFIX", "#")) for q in found)


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
