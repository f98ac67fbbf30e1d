"""One benchmark run: generate, serve, time, load, measure the project, judge the goals, report.

Sizes are measured one after another and, within a size, the endpoints one after another (never
side by side: on two cores they would measure each other). Each endpoint is stopped before the
next starts, also when anything fails; its log is kept in ``<out>/logs/``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import endpoints, generate, goals, latency, load, machine, project, report
from bench.client import Client
from bench.queries import THROUGHPUT, Query, all_queries, by_name

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
Log = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    """Everything a run is parameterised by (the CLI fills it; ``quick()`` is ``--quick``)."""

    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    out: Path = BENCH / "results"
    data_dir: Path = BENCH / "data"
    seed: int = generate.DEFAULT_SEED
    endpoints: tuple[str, ...] = endpoints.NAMES
    reps: int = 50  # timed requests per query (after one warm-up), fewer when slow
    budget: float = 10.0  # seconds of repeats per query and endpoint
    cap: float = 30.0  # seconds one request may take before the query counts as skipped
    recover: float = 300.0  # seconds to wait for an endpoint still busy after a skipped query
    load_seconds: int = 10
    threads: int = 2
    connections: int = 8
    startup_timeout: float = 900.0
    project: bool = True  # measure the real build and kg serve on it
    quick: bool = False
    command: str = field(default="", compare=False)

    @classmethod
    def quick_defaults(cls, **overrides) -> Settings:
        values = dict(
            sizes=(10_000,),
            out=BENCH / "results" / "quick",
            reps=5,
            budget=1.0,
            cap=10.0,
            recover=30.0,
            load_seconds=3,
            startup_timeout=120.0,
            project=False,
            quick=True,
        )
        values.update(overrides)
        return cls(**values)

    def as_dict(self) -> dict:
        values = asdict(self)
        values["out"], values["data_dir"] = str(self.out), str(self.data_dir)
        values.pop("command")
        return values


def run(settings: Settings, log: Log | None = None) -> dict:
    """Run the benchmark; the results (also written to ``settings.out``)."""
    say = log or (lambda message: print(f"bench: {message}", file=sys.stderr, flush=True))
    results: dict = {
        "command": settings.command or "python -m bench run",
        "settings": settings.as_dict(),
        "machine": machine.describe(ROOT),
        "sizes": {},
        "endpoints": {},
        "throughput": {},
        "project": {},
        "problems": [],
    }
    queries = all_queries()
    load_size = 10_000 if 10_000 in settings.sizes else min(settings.sizes)
    results["throughput"] = _throughput_header(settings, load_size)
    logs = settings.out / "logs"
    work = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    began = time.perf_counter()
    try:
        for size in settings.sizes:
            label = generate.size_label(size)
            say(f"{label}: generating (or reusing) the graph")
            made = generate.ensure(size, settings.data_dir, settings.seed)
            results["sizes"][label] = made.as_dict()
            results["endpoints"][label] = {}
            for name in settings.endpoints:
                entry = _endpoint(
                    name,
                    made,
                    label,
                    settings,
                    queries,
                    work,
                    logs,
                    results,
                    say,
                    with_load=size == load_size,
                )
                results["endpoints"][label][name] = entry
        _ratios(results["throughput"])
        results["row_check"] = _row_check(results)
        results["project"] = _project(settings, work, logs, say)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - began, 1)
    results["goals"] = [g.as_dict() for g in goals.evaluate(results)]
    paths = report.write(results, settings.out)
    say("wrote " + ", ".join(str(p) for p in paths.values()))
    return results


def _throughput_header(settings: Settings, size: int) -> dict:
    header = {
        "size": generate.size_label(size),
        "queries": {q: {} for q in THROUGHPUT},
        "command": load.shown(settings.load_seconds, settings.threads, settings.connections),
    }
    if size != 10_000:
        header["note"] = "10k not among the sizes: loaded the smallest size instead"
    if not load.available():
        header["skipped"] = "wrk is not installed"
    return header


class _Session:
    """One endpoint at one size, restarted when a query leaves it stuck."""

    def __init__(
        self, name: str, argv_for: Callable[[int], list[str]], log: Path, settings: Settings
    ) -> None:
        self.name, self.argv_for, self.log, self.settings = name, argv_for, log, settings
        self.server: endpoints.Server | None = None
        self.restarts = 0

    def start(self) -> endpoints.Server:
        port = endpoints.free_port()
        self.server = endpoints.start(
            self.name, self.argv_for(port), port, self.log, self.settings.startup_timeout
        )
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def recovered(self) -> bool:
        """Whether the endpoint answers again within ``recover`` seconds (a query it was still
        running when the client gave up holds a single-process server)."""
        assert self.server is not None
        recover = self.settings.recover
        waited = endpoints.wait_for_answer(
            self.server, time.perf_counter(), recover, request_timeout=recover, interval=0.5
        )
        return waited is not None


def _endpoint(
    name: str,
    made: generate.Generated,
    label: str,
    settings: Settings,
    queries: list[Query],
    work: Path,
    logs: Path,
    results: dict,
    say: Log,
    with_load: bool,
) -> dict:
    store = work / f"{name}-{label}-store"
    entry: dict = {"title": endpoints.TITLES[name]}

    def argv_for(port: int) -> list[str]:
        return endpoints.command(name, made.path, port, store)

    session = _Session(name, argv_for, logs / f"{name}-{label}.log", settings)
    try:
        server = session.start()
    except endpoints.StartError as error:
        reason = f"did not start: {str(error).splitlines()[0]}"
        entry["skipped"] = reason
        results["problems"].append(f"{label} {name}: {reason} (log: {session.log})")
        say(f"{label} {name}: {reason}")
        return entry
    try:
        entry["startup_seconds"] = round(server.startup_seconds, 3)
        entry["memory_at_start"] = server.memory().as_dict()
        say(f"{label} {name}: answering after {server.startup_seconds:.2f} s")
        entry["queries"] = _latencies(session, queries, settings, label, results, say)
        if session.server is not None:
            used = session.server.memory()
            entry["memory"] = used.as_dict() | {
                "bytes_per_triple": round(used.rss / made.quads, 1),
                "pss_bytes_per_triple": round(used.pss / made.quads, 1) if used.pss else None,
            }
            if with_load and not results["throughput"].get("skipped"):
                for query in THROUGHPUT:
                    text = by_name(query).text
                    say(f"{label} {name}: wrk on {query} for {settings.load_seconds} s")
                    outcome = load.run(
                        session.server.port,
                        text,
                        settings.load_seconds,
                        settings.threads,
                        settings.connections,
                    )
                    results["throughput"]["queries"][query][name] = outcome.as_dict()
        if session.restarts:
            entry["restarts"] = session.restarts
    finally:
        session.stop()
    if name == "ours":
        entry |= _warm_restart(session, label, results, say)
    shutil.rmtree(store, ignore_errors=True)
    return entry


def _latencies(
    session: _Session, queries: list[Query], settings: Settings, label: str, results: dict, say: Log
) -> dict:
    timings: dict = {}
    client = Client(session.server.port, timeout=settings.cap)
    try:
        for index, query in enumerate(queries):
            if session.server is None:
                timings[query.name] = {
                    "query": query.name,
                    "skipped": "endpoint could not be restarted",
                }
                continue
            timing = latency.measure(client, query, settings.reps, settings.budget)
            timings[query.name] = timing.as_dict()
            say(f"{label} {session.name} {query.name}: " + _brief(timing))
            if timing.skipped:
                results["problems"].append(
                    f"{label} {session.name} {query.name}: skipped, {timing.skipped}"
                )
            if timing.error:
                results["problems"].append(f"{label} {session.name} {query.name}: {timing.error}")
            if timing.skipped and index + 1 < len(queries) and not session.recovered():
                say(
                    f"{label} {session.name}: still busy after {settings.recover:g} s; "
                    "restarting it"
                )
                client.close()
                session.stop()
                try:
                    session.start()
                    session.restarts += 1
                    client = Client(session.server.port, timeout=settings.cap)
                except endpoints.StartError as error:
                    results["problems"].append(
                        f"{label} {session.name}: restart failed: {str(error).splitlines()[0]}"
                    )
    finally:
        client.close()
    return timings


def _brief(timing: latency.Timing) -> str:
    if timing.ok:
        return (
            f"median {timing.median_ms:.2f} ms, p99 {timing.p99_ms:.2f} ms, n={timing.n}, "
            f"rows={timing.rows}"
        )
    return timing.skipped or timing.error or "no timing"


def _warm_restart(session: _Session, label: str, results: dict, say: Log) -> dict:
    """Start ours again on the store it just built: the restart a deploy sees."""
    try:
        server = session.start()
    except endpoints.StartError as error:
        results["problems"].append(
            f"{label} ours: warm restart failed: {str(error).splitlines()[0]}"
        )
        return {"warm_restart_error": str(error).splitlines()[0]}
    try:
        say(f"{label} ours: warm restart answering after {server.startup_seconds:.2f} s")
        return {"warm_restart_seconds": round(server.startup_seconds, 3)}
    finally:
        session.stop()


def _ratios(throughput: dict) -> None:
    ratios: dict = {}
    for query, runs in throughput.get("queries", {}).items():
        ours = runs.get("ours") or {}
        if not _valid(ours):
            continue
        for peer in ("bare", "rdflib"):
            other = runs.get(peer) or {}
            if _valid(other):
                ratios.setdefault(query, {})[peer] = round(
                    ours["requests_per_second"] / other["requests_per_second"], 3
                )
    throughput["ratios"] = ratios


def _valid(run: dict) -> bool:
    return bool(run.get("requests_per_second")) and not run.get("non_2xx") and not run.get("error")


def _row_check(results: dict) -> dict:
    """Ours and bare run the same engine on the same file: their row counts must agree."""
    compared, mismatches = 0, []
    for size, by_endpoint in results["endpoints"].items():
        ours = (by_endpoint.get("ours") or {}).get("queries", {})
        bare = (by_endpoint.get("bare") or {}).get("queries", {})
        for query, timing in ours.items():
            a, b = timing.get("rows"), (bare.get(query) or {}).get("rows")
            if a is None or b is None:
                continue
            compared += 1
            if a != b:
                mismatches.append(f"{size} {query}: ours {a} rows, bare {b}")
    if mismatches:
        results["problems"].extend(f"row count differs: {m}" for m in mismatches)
    return {"compared": compared, "mismatches": mismatches}


def _project(settings: Settings, work: Path, logs: Path, say: Log) -> dict:
    if not settings.project:
        reason = "skipped in --quick mode" if settings.quick else "skipped (--no-project)"
        return {"build": {"skipped": reason}, "serve": {"skipped": reason}}
    out = work / "project-build"
    say("project: kg build --force --profile --infer")
    built = project.build(out)
    say(f"project: build {built.get('wall_seconds', '-')} s {built.get('error', '')}")
    if built.get("error"):
        return {"build": built, "serve": {"skipped": "the build failed"}}
    served = project.serve_startup(out, work / "project-store", logs, settings.startup_timeout)
    say(
        f"project: kg serve cold {served.get('cold_seconds', '-')} s, "
        f"warm {served.get('warm_seconds', '-')} s"
    )
    return {"build": built, "serve": served}
