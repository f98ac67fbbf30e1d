"""The performance goals, checked against one run's results: met, missed by how much, or not
measured (and why).

Goals (from the brief that asked for this harness):
- throughput, label lookup and 2-hop join at 10k: ours >= 0.8 x bare, ours >= 3 x rdflib-endpoint;
- every competency query on ours: median < 100 ms at 100k, < 1 s at 1M;
- ours answering after start: < 10 s at 1M, < 2 s on the project build (cold store);
- served memory of ours at 1M: <= 0.5 KB per triple (RSS summed over its processes);
- full build of the three texts (``kg build --force --infer``): < 10 s wall.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bench.queries import THROUGHPUT

RATIO_GOALS = (("bare", 0.8), ("rdflib", 3.0))
CQ_LIMITS_MS = (("100k", 100.0), ("1m", 1000.0))
STARTUP_LIMIT_1M = 10.0
STARTUP_LIMIT_PROJECT = 2.0
BYTES_PER_TRIPLE = 512.0
BUILD_LIMIT = 10.0


@dataclass(frozen=True)
class Goal:
    goal: str
    target: str
    value: str
    met: bool | None  # None: not measured
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(results: dict) -> list[Goal]:
    goals: list[Goal] = []
    goals += _throughput(results)
    goals += _competency(results)
    goals += _startup(results)
    goals.append(_memory(results))
    goals.append(_build(results))
    return goals


def _throughput(results: dict) -> list[Goal]:
    load = results.get("throughput") or {}
    ratios = load.get("ratios", {})
    out = []
    for query in THROUGHPUT:
        for peer, factor in RATIO_GOALS:
            name = f"throughput {query}: ours / {peer}"
            ratio = ratios.get(query, {}).get(peer)
            if ratio is None:
                why = load.get("skipped") or f"no valid wrk run for ours and {peer} on {query}"
                out.append(Goal(name, f">= {factor:g}x", "-", None, why))
                continue
            met = ratio >= factor
            detail = "met" if met else f"missed: short by {(1 - ratio / factor) * 100:.0f}%"
            out.append(Goal(name, f">= {factor:g}x", f"{ratio:.2f}x", met, detail))
    return out


def _competency(results: dict) -> list[Goal]:
    out = []
    for size, limit in CQ_LIMITS_MS:
        name = f"every CQ on ours at {size}: median"
        target = f"< {limit:g} ms"
        ours = results.get("endpoints", {}).get(size, {}).get("ours")
        if not ours or not ours.get("queries"):
            out.append(Goal(name, target, "-", None, f"{size} not measured in this run"))
            continue
        cqs = {k: t for k, t in ours["queries"].items() if k.startswith("cq")}
        missing = sorted(k for k, t in cqs.items() if t.get("median_ms") is None)
        timed = {k: t["median_ms"] for k, t in cqs.items() if t.get("median_ms") is not None}
        if not timed:
            out.append(Goal(name, target, "-", False, "no competency query answered"))
            continue
        worst = max(timed, key=timed.get)
        over = sorted(k for k, ms in timed.items() if ms >= limit)
        met = not over and not missing
        if met:
            detail = f"met: slowest {worst} at {timed[worst]:.1f} ms"
        else:
            parts = []
            if over:
                parts.append(
                    f"{len(over)} over ({', '.join(over)}); slowest {worst} "
                    f"{timed[worst] / limit:.1f}x the limit"
                )
            if missing:
                parts.append(f"no timing for {', '.join(missing)}")
            detail = "missed: " + "; ".join(parts)
        out.append(Goal(name, target, f"max {timed[worst]:.1f} ms", met, detail))
    return out


def _limit_goal(name: str, value: float | None, limit: float, unit: str, why: str) -> Goal:
    target = f"< {limit:g} {unit}"
    if value is None:
        return Goal(name, target, "-", None, why)
    met = value < limit
    detail = "met" if met else f"missed by {value - limit:.2f} {unit} ({value / limit:.1f}x)"
    return Goal(name, target, f"{value:.2f} {unit}", met, detail)


def _startup(results: dict) -> list[Goal]:
    ours = results.get("endpoints", {}).get("1m", {}).get("ours", {})
    project = (results.get("project") or {}).get("serve") or {}
    why_project = project.get("skipped") or project.get("cold_error") or "not measured"
    return [
        _limit_goal(
            "ours answering after start at 1M (cold store)",
            ours.get("startup_seconds"),
            STARTUP_LIMIT_1M,
            "s",
            ours.get("skipped") or "1m not measured in this run",
        ),
        _limit_goal(
            "ours answering after start on the project build (cold store)",
            project.get("cold_seconds"),
            STARTUP_LIMIT_PROJECT,
            "s",
            why_project,
        ),
    ]


def _memory(results: dict) -> Goal:
    name = "served memory of ours at 1M per triple (RSS sum)"
    target = f"<= {BYTES_PER_TRIPLE / 1024:g} KB"
    ours = results.get("endpoints", {}).get("1m", {}).get("ours", {})
    per = (ours.get("memory") or {}).get("bytes_per_triple")
    if per is None:
        return Goal(name, target, "-", None, ours.get("skipped") or "1m not measured in this run")
    met = per <= BYTES_PER_TRIPLE
    detail = "met" if met else f"missed by {(per / BYTES_PER_TRIPLE - 1) * 100:.0f}%"
    return Goal(name, target, f"{per / 1024:.2f} KB", met, detail)


def _build(results: dict) -> Goal:
    build = (results.get("project") or {}).get("build") or {}
    return _limit_goal(
        "full build of the three texts (--force --infer), wall",
        build.get("wall_seconds"),
        BUILD_LIMIT,
        "s",
        build.get("skipped") or build.get("error") or "not measured",
    )
