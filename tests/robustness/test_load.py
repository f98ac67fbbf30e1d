"""A bounded mixed load on a real ``kg serve``: readers and writers at once, over loopback.

``KG_LOAD_CLIENTS`` clients (16) for ``KG_LOAD_SECONDS`` seconds (10; 60 for the long run), a
quarter of them writers (``KG_LOAD_WRITERS``), each client one thread with urllib-style requests
on fresh connections. Readers cycle through SPARQL queries (ASK, a lookup, a join, an aggregate),
entity pages (HTML and Turtle) and the VoID description; each writer sends one ``INSERT DATA`` of
a fact and its complete claim (8 triples) after another, each checked against the shapes.

Holds: no 5xx and no connection error from the first request to the last (the warm-up and the
drain included; latencies are measured between them only), so every write is answered; the
resident memory of the server's processes at the end within a margin of the start (after a
warm-up of the same load); afterwards every acknowledged write (204) is there whole, and the
dataset, read back through the Graph Store Protocol, still conforms to the shapes. Figures go to
``$KG_ROBUSTNESS_FIGURES/load.json``.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time

from kg_process import (
    CLAIM,
    CLAIM_TRIPLES,
    KgServe,
    conforms,
    env_int,
    http,
    query_path,
    record_figures,
    sourced_write,
)

TOKEN = "load-test-token"
SECONDS = env_int("KG_LOAD_SECONDS", 10)
CLIENTS = env_int("KG_LOAD_CLIENTS", 16)
WRITERS = env_int("KG_LOAD_WRITERS", max(1, CLIENTS // 4))
WARM_UP_SECONDS = min(3, SECONDS)
# RSS may grow this much (the allocator keeps freed pages; RocksDB caches a new snapshot per write)
RSS_MARGIN_RATIO = 0.25
RSS_MARGIN_BYTES = 64 * 1024 * 1024
JSON = "application/sparql-results+json"
READS = [
    ("ask", query_path("ASK { ?s ?p ?o }"), JSON),
    (
        "lookup",
        query_path(
            "SELECT ?c WHERE { <https://w3id.org/sikg/id/aef-siberia> "
            "<https://w3id.org/sikg/ontology#commander> ?c }"
        ),
        JSON,
    ),
    (
        "join",
        query_path(
            "SELECT ?claim ?o WHERE { ?claim <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> "
            "<https://w3id.org/sikg/id/aef-siberia> ; "
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o } LIMIT 50"
        ),
        JSON,
    ),
    (
        "aggregate",
        query_path("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"),
        JSON,
    ),
    ("page-html", "/id/william-s-graves", "text/html"),
    ("page-turtle", "/id/aef-siberia", "text/turtle"),
    ("void", "/.well-known/void", "text/turtle"),
]


class Tally:
    """What the clients saw: statuses, errors, acknowledged writes and writes never answered
    (a connection error: whether they were applied is unknown) from the first request to the
    last; latencies per kind only while ``counting`` (after the warm-up, before the drain)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.acknowledged: set[str] = set()
        self.unanswered: set[str] = set()
        self.counting = False

    def add(self, kind: str, seconds: float, status: int | None, error: str | None = None):
        with self.lock:
            if self.counting:
                self.latencies.setdefault(kind, []).append(seconds)
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if error is not None:
                self.errors.append(error)


def reader(port: int, tally: Tally, stop: threading.Event, offset: int) -> None:
    for kind, path, accept in itertools.islice(itertools.cycle(READS), offset, None):
        if stop.is_set():
            return
        started = time.perf_counter()
        try:
            answer = http(port, "GET", path, headers={"Accept": accept}, timeout=60)
        except OSError as err:
            tally.add(kind, time.perf_counter() - started, None, f"{kind}: {err!r}")
            continue
        bad = None if answer.status == 200 else f"{kind}: {answer.status} {answer.text[:200]}"
        tally.add(kind, time.perf_counter() - started, answer.status, bad)


def writer(server: KgServe, tally: Tally, stop: threading.Event, name: str) -> None:
    for number in itertools.count():
        if stop.is_set():
            return
        claim = f"{CLAIM}load-{name}-{number}"
        started = time.perf_counter()
        try:
            answer = server.update(sourced_write(f"<{claim}>"))
        except OSError as err:
            with tally.lock:
                tally.unanswered.add(claim)
            tally.add("write", time.perf_counter() - started, None, f"write: {err!r}")
            continue
        if answer.status == 204:
            with tally.lock:
                tally.acknowledged.add(claim)
        bad = None if answer.status == 204 else f"write: {answer.status} {answer.text[:200]}"
        tally.add("write", time.perf_counter() - started, answer.status, bad)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def test_a_mixed_load_gives_no_errors_keeps_memory_flat_and_loses_no_write(
    build_dir, tmp_path_factory
):
    store = tmp_path_factory.mktemp("load-store")
    server = KgServe(build_dir, store, tmp_path_factory.mktemp("load-logs"), token=TOKEN, workers=2)
    tally = Tally()
    stop = threading.Event()
    rss_samples: list[int] = []
    try:
        server.start()
        threads = [
            threading.Thread(target=writer, args=(server, tally, stop, f"w{i}"), daemon=True)
            for i in range(WRITERS)
        ] + [
            threading.Thread(target=reader, args=(server.port, tally, stop, i), daemon=True)
            for i in range(CLIENTS - WRITERS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(WARM_UP_SECONDS)  # lazy loads (shapes, snapshots, templates) happen here
        with tally.lock:
            tally.counting = True
        started = time.monotonic()
        rss_start = server.rss_bytes()
        while time.monotonic() - started < SECONDS:
            time.sleep(min(1.0, max(0.0, SECONDS - (time.monotonic() - started))))
            rss_samples.append(server.rss_bytes())
        rss_end = server.rss_bytes()
        with tally.lock:
            tally.counting = False
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        elapsed = time.monotonic() - started
        assert not any(thread.is_alive() for thread in threads), "a client hung"

        # every acknowledged write is there, whole; no write is there in part
        sizes = server.claim_sizes("load-")
        missing = sorted(c for c in tally.acknowledged if sizes.get(c) != CLAIM_TRIPLES)
        partial = sorted(c for c, n in sizes.items() if n != CLAIM_TRIPLES)
        nquads = server.dataset_nquads()
        journal = (store / "journal.jsonl").read_text().count("\n")
    finally:
        stop.set()
        server.stop()
    valid, violations, report = conforms(nquads)

    every = [s for values in tally.latencies.values() for s in values]
    requests = len(every)
    figures = {
        "clients": CLIENTS,
        "writers": WRITERS,
        "server_processes": 1 + server.workers,
        "duration_s": round(elapsed, 2),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        "errors": len(tally.errors),  # warm-up and drain included
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},  # the same
        "writes_unanswered": len(tally.unanswered),
        "p50_ms": round(statistics.median(every) * 1000, 1),
        "p99_ms": round(percentile(every, 0.99) * 1000, 1),
        "max_ms": round(max(every) * 1000, 1),
        "p99_ms_by_kind": {
            kind: round(percentile(values, 0.99) * 1000, 1)
            for kind, values in sorted(tally.latencies.items())
        },
        "writes_acknowledged": len(tally.acknowledged),  # warm-up included
        "writes_missing": len(missing),
        "writes_partial": len(partial),
        "journal_lines": journal,
        "rss_start_mb": round(rss_start / 2**20, 1),
        "rss_end_mb": round(rss_end / 2**20, 1),
        "rss_max_mb": round(max(rss_samples) / 2**20, 1),
        "rss_samples_mb": [
            round(r / 2**20) for r in rss_samples[:: max(1, len(rss_samples) // 10)]
        ],
        "conforms": valid,
    }
    record_figures("load", figures)
    assert tally.errors == [], tally.errors[:10]
    assert tally.unanswered == set(), sorted(tally.unanswered)[:10]
    assert requests > CLIENTS and tally.acknowledged, "the load ran"
    assert missing == [] and partial == []
    assert journal >= len(tally.acknowledged)
    assert valid, report[:3000]
    assert violations == 0
    limit = rss_start * (1 + RSS_MARGIN_RATIO) + RSS_MARGIN_BYTES
    assert rss_end <= limit, f"RSS grew from {rss_start} to {rss_end} bytes (limit {limit:.0f})"
