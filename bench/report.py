"""Writing a run's results: ``report.json`` (everything), ``report.md`` (for people) and
``latency-vs-size.png`` (median latency against size per query class, log scales, one line per
endpoint).
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.endpoints import NAMES, TITLES
from bench.queries import CLASSES, THROUGHPUT, all_queries

STATUS = {True: "met", False: "**MISSED**", None: "not measured"}


def write(results: dict, out: Path) -> dict[str, Path]:
    """Write the three files into ``out``; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / "report.json",
        "markdown": out / "report.md",
        "plot": out / "latency-vs-size.png",
    }
    paths["json"].write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    plotted = plot(results, paths["plot"])
    paths["markdown"].write_text(markdown(results, paths["plot"].name if plotted else None))
    if not plotted:
        del paths["plot"]
    return paths


# -- markdown ---------------------------------------------------------------------------------
def markdown(results: dict, plot_name: str | None) -> str:
    lines: list[str] = []
    add = lines.append
    machine = results.get("machine", {})
    add("# Benchmark report")
    add("")
    add(
        f"- date: {machine.get('date')}; command: `{results.get('command')}`; "
        f"took {results.get('seconds', '-')} s"
    )
    add(
        f"- machine: {machine.get('cpu_count')} CPU ({machine.get('cpu_model')}), "
        f"{_gb(machine.get('memory_total_bytes'))} RAM, Linux {machine.get('kernel')}, "
        f"Python {machine.get('python')}, {machine.get('wrk')}"
    )
    packages = machine.get("packages", {})
    add("- packages: " + ", ".join(f"{k} {v}" for k, v in packages.items() if v))
    git = machine.get("git", {})
    add(f"- git: {git.get('commit')}{' (with uncommitted changes)' if git.get('dirty') else ''}")
    settings = results.get("settings", {})
    add(
        "- settings: "
        + ", ".join(f"{k}={v}" for k, v in settings.items() if k not in ("out", "data_dir"))
    )
    add(
        "- the load generator shares the cores with the server; ratios within one run are what "
        "count, absolute figures move 30-50 % between runs."
    )
    add("")

    add("## Goals")
    add("")
    add("| goal | target | value | status | detail |")
    add("| --- | --- | --- | --- | --- |")
    for goal in results.get("goals", []):
        add(
            f"| {goal['goal']} | {goal['target']} | {goal['value']} | {STATUS[goal['met']]} | "
            f"{goal['detail']} |"
        )
    add("")

    _throughput(results, add)
    _startup_memory(results, add)
    _latency(results, add, plot_name)
    _legend(add)
    _rows(results, add)
    _project(results, add)
    _data(results, add)
    problems = results.get("problems", [])
    if problems:
        add("## Skipped and failed")
        add("")
        for problem in problems:
            add(f"- {problem}")
        add("")
    return "\n".join(lines)


def _throughput(results: dict, add) -> None:
    load = results.get("throughput") or {}
    add(f"## Throughput (wrk, {load.get('size', '-')} graph)")
    add("")
    if load.get("skipped"):
        add(f"Not measured: {load['skipped']}.")
        add("")
        return
    add(f"`{load.get('command', '')}`")
    add("")
    add("| query | endpoint | req/s | p50 ms | p99 ms | requests | non-2xx | socket errors |")
    add("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for query in THROUGHPUT:
        for name in NAMES:
            run = load.get("queries", {}).get(query, {}).get(name)
            if not run:
                continue
            if run.get("error"):
                add(f"| {query} | {name} | error: {run['error']} | | | | | |")
                continue
            add(
                f"| {query} | {name} | {_num(run.get('requests_per_second'), 0)} | "
                f"{_num(run.get('p50_ms'), 2)} | {_num(run.get('p99_ms'), 2)} | "
                f"{run.get('requests', '-')} | {run.get('non_2xx', 0)} | "
                f"{run.get('socket_errors', 0)} |"
            )
    add("")
    for query, ratios in load.get("ratios", {}).items():
        shown = ", ".join(f"ours/{peer} = {ratio:.2f}x" for peer, ratio in ratios.items())
        add(f"- {query}: {shown}")
    add("")


def _startup_memory(results: dict, add) -> None:
    add("## Startup and memory")
    add("")
    add(
        "Startup: seconds from starting the process to the first 200 answer to `ASK {}` "
        "(ours: cold = empty store dir, warm = second start on the same store). Memory: RSS "
        "(and PSS) summed over every process of the endpoint after the latency runs."
    )
    add("")
    add(
        "| size | endpoint | startup s | warm restart s | RSS MB | PSS MB | processes | "
        "RSS bytes/triple |"
    )
    add("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, by_endpoint in results.get("endpoints", {}).items():
        for name in NAMES:
            entry = by_endpoint.get(name)
            if not entry:
                continue
            if entry.get("skipped") and not entry.get("startup_seconds"):
                add(f"| {size} | {name} | skipped: {entry['skipped'][:80]} | | | | | |")
                continue
            mem = entry.get("memory") or {}
            add(
                f"| {size} | {name} | {_num(entry.get('startup_seconds'), 2)} | "
                f"{_num(entry.get('warm_restart_seconds'), 2)} | {_mb(mem.get('rss_bytes'))} | "
                f"{_mb(mem.get('pss_bytes'))} | {mem.get('processes', '-')} | "
                f"{_num(mem.get('bytes_per_triple'), 0)} |"
            )
    add("")


def _latency(results: dict, add, plot_name: str | None) -> None:
    add("## Latency per query (ms, sequential requests over HTTP: median / p99)")
    add("")
    add(
        "Rows: answer rows on ours / bare / rdflib (oxigraph's union default graph keeps "
        "duplicate triples from different sources, rdflib's does not, so rdflib may differ). "
        "`n` is the number of timed requests on ours after one warm-up."
    )
    add("")
    if plot_name:
        add(f"![latency against size]({plot_name})")
        add("")
    for size, by_endpoint in results.get("endpoints", {}).items():
        quads = results.get("sizes", {}).get(size, {}).get("quads")
        add(f"### {size} ({quads} quads)")
        add("")
        add("| query | ours | bare | rdflib | ours/bare | rows | n |")
        add("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
        names = _query_names(by_endpoint)
        for query in names:
            cells, rows = [], []
            timings = {n: (by_endpoint.get(n) or {}).get("queries", {}).get(query) for n in NAMES}
            for name in NAMES:
                t = timings[name]
                cells.append(_cell(t))
                rows.append("-" if not t or t.get("rows") is None else str(t["rows"]))
            ratio = "-"
            ours, bare = timings["ours"], timings["bare"]
            if ours and bare and ours.get("median_ms") and bare.get("median_ms"):
                ratio = f"{ours['median_ms'] / bare['median_ms']:.2f}"
            n = (timings["ours"] or {}).get("n", "-")
            add(f"| {query} | {' | '.join(cells)} | {ratio} | {' / '.join(rows)} | {n} |")
        add("")


def _legend(add) -> None:
    add("### The queries")
    add("")
    add(
        "The classes are written against the synthetic graphs (`bench/queries.py`); `cqNN` is "
        "`queries/cqNN-*.rq`, unchanged."
    )
    add("")
    add("| query | what |")
    add("| --- | --- |")
    for query in all_queries():
        add(f"| {query.name} | {query.title} |")
    add("")


def _cell(timing: dict | None) -> str:
    if not timing:
        return "-"
    if timing.get("median_ms") is not None:
        return f"{_num(timing['median_ms'], 2)} / {_num(timing['p99_ms'], 2)}"
    if timing.get("skipped"):
        return "skipped"
    return f"error {timing.get('status', '')}".strip()


def _rows(results: dict, add) -> None:
    check = results.get("row_check", {})
    add("## Row counts: ours against bare")
    add("")
    mismatches = check.get("mismatches", [])
    add(
        f"{check.get('compared', 0)} query answers compared; "
        f"{len(mismatches)} differ" + (":" if mismatches else ".")
    )
    for item in mismatches:
        add(f"- {item}")
    add("")


def _project(results: dict, add) -> None:
    project = results.get("project") or {}
    add("## The project build")
    add("")
    build = project.get("build") or {}
    if build.get("skipped") or build.get("error"):
        add(f"Build: {build.get('skipped') or build.get('error')}")
    else:
        add(f"`{build.get('command')}`: {build.get('wall_seconds')} s wall.")
        add("")
        add("| step | s |")
        add("| --- | ---: |")
        for step, seconds in build.get("steps", {}).items():
            add(f"| {step} | {seconds} |")
    add("")
    serve = project.get("serve") or {}
    if serve.get("skipped"):
        add(f"`kg serve` on the build: {serve['skipped']}")
    else:
        add(
            f"`{serve.get('command')}`: cold start {serve.get('cold_seconds', '-')} s, warm "
            f"start {serve.get('warm_seconds', '-')} s, RSS "
            f"{_mb((serve.get('cold_memory') or {}).get('rss_bytes'))} MB."
        )
        for key in ("cold_error", "warm_error", "cold_note", "warm_note"):
            if serve.get(key):
                add(f"- {key}: {serve[key]}")
    add("")


def _data(results: dict, add) -> None:
    add("## Synthetic data")
    add("")
    add("| size | quads | entities | sources | claims | file | generated in s |")
    add("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
    for size, info in results.get("sizes", {}).items():
        add(
            f"| {size} | {info.get('quads')} | {info.get('entities')} | {info.get('sources')} | "
            f"{info.get('claims')} | `{Path(info.get('path', '')).name}` | "
            f"{info.get('seconds')} |"
        )
    add("")


def _query_names(by_endpoint: dict) -> list[str]:
    names: list[str] = [name for name, _, _ in CLASSES]
    for entry in by_endpoint.values():
        for name in (entry or {}).get("queries", {}):
            if name not in names:
                names.append(name)
    return names


def _num(value, digits: int) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _mb(value) -> str:
    return "-" if value is None else f"{value / 1_048_576:,.0f}"


def _gb(value) -> str:
    return "-" if value is None else f"{value / 1_073_741_824:.0f} GB"


# -- plot -------------------------------------------------------------------------------------
def plot(results: dict, path: Path) -> bool:
    """Median latency against quads, one panel per query class; False without data."""
    sizes = results.get("sizes", {})
    endpoints = results.get("endpoints", {})
    if not sizes or not endpoints:
        return False
    import matplotlib

    matplotlib.use("Agg")  # no display; set here, not at import time of this module
    import matplotlib.pyplot as plt

    panels = [(name, title) for name, title, _ in CLASSES]
    panels += [
        ("cq-median", "competency queries: median of their medians"),
        ("cq-max", "competency queries: slowest median"),
    ]
    columns = 5
    rows = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False)
    for index, (panel, title) in enumerate(panels):
        axis = axes[index // columns][index % columns]
        for name in NAMES:
            xs, ys = [], []
            for size, by_endpoint in endpoints.items():
                value = _panel_value((by_endpoint.get(name) or {}).get("queries", {}), panel)
                quads = sizes.get(size, {}).get("quads")
                if value is not None and quads:
                    xs.append(quads)
                    ys.append(value)
            if xs:
                axis.plot(xs, ys, marker="o", label=TITLES[name].split(" (")[0])
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(title, fontsize=9)
        axis.set_xlabel("quads")
        axis.set_ylabel("median ms")
        axis.grid(True, which="both", alpha=0.3)
    for index in range(len(panels), rows * columns):
        axes[index // columns][index % columns].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncol=len(NAMES))
    figure.tight_layout(rect=(0, 0, 1, 0.94))
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _panel_value(queries: dict, panel: str) -> float | None:
    if panel.startswith("cq-"):
        cqs = [t for k, t in queries.items() if k.startswith("cq")]
        medians = sorted(t["median_ms"] for t in cqs if t.get("median_ms") is not None)
        if not medians or len(medians) < len(cqs):  # a summary of some CQs would mislead
            return None
        return medians[len(medians) // 2] if panel == "cq-median" else medians[-1]
    timing = queries.get(panel) or {}
    return timing.get("median_ms")
