"""Latency of one query on one endpoint: N sequential requests, median and p99.

The first request is a warm-up (timed, reported as ``first_ms``, not in the sample): caches,
query-plan caches and lazily opened stores belong to the first request, not to steady state.
Then up to ``reps`` requests, fewer when the query is slow, so that one query's sample never
costs much more than ``budget`` seconds. A request that gets no answer within ``cap`` seconds
makes the query *skipped* with that reason; an answer other than 200 makes it an *error* with the
status. Nothing here asserts a time: it measures and reports.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass

from bench.client import Client, NoAnswerError
from bench.queries import Query


@dataclass(frozen=True)
class Timing:
    query: str
    n: int = 0
    median_ms: float | None = None
    p99_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    first_ms: float | None = None
    rows: int | None = None
    status: int | None = None
    skipped: str | None = None  # why there is no timing (over the cap, endpoint gone)
    error: str | None = None  # an answer other than 200

    @property
    def ok(self) -> bool:
        return self.median_ms is not None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the sample
    at or below it (with 30 values, p99 is the largest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def measure(client: Client, query: Query, reps: int, budget: float) -> Timing:
    """Time ``query``; the client's timeout is the per-request cap."""
    try:
        first = client.get(query.text, query.accept)
    except NoAnswerError as error:
        return Timing(query.name, skipped=f"over the per-query cap: {error}")
    except OSError as error:
        return Timing(query.name, skipped=f"endpoint unreachable: {error}")
    if first.status != 200:
        return Timing(
            query.name,
            status=first.status,
            first_ms=_ms(first.seconds),
            error=f"HTTP {first.status}: {_snippet(first.body)}",
        )
    rows = first.rows()
    count = reps if first.seconds <= 0 else min(reps, int(budget / first.seconds))
    samples: list[float] = []
    for _ in range(count):
        try:
            answer = client.get(query.text, query.accept)
        except NoAnswerError as error:
            return Timing(
                query.name,
                first_ms=_ms(first.seconds),
                rows=rows,
                skipped=f"over the per-query cap on a repeat: {error}",
            )
        except OSError as error:
            return Timing(query.name, skipped=f"endpoint unreachable: {error}")
        if answer.status != 200:
            return Timing(
                query.name,
                status=answer.status,
                first_ms=_ms(first.seconds),
                error=f"HTTP {answer.status} on a repeat: {_snippet(answer.body)}",
            )
        samples.append(answer.seconds)
    if not samples:  # slower than the whole budget: the warm-up is the only sample
        samples = [first.seconds]
    return Timing(
        query.name,
        n=len(samples),
        median_ms=_ms(statistics.median(samples)),
        p99_ms=_ms(percentile(samples, 0.99)),
        min_ms=_ms(min(samples)),
        max_ms=_ms(max(samples)),
        first_ms=_ms(first.seconds),
        rows=rows,
        status=200,
    )


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _snippet(body: bytes, limit: int = 200) -> str:
    text = body.decode("utf-8", errors="replace").strip().replace("\n", " ")
    return text[:limit] + ("..." if len(text) > limit else "")
