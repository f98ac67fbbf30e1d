"""Throughput under bounded load: wrk on loopback, one query, a fixed number of connections.

``wrk -t2 -c8 -d10s --latency`` with the query URL-encoded in a GET and
``Accept: application/sparql-results+json``, as PERFORMANCE.md measured. The load generator runs
on the same cores as the server, so the figures are for comparing endpoints in one run, not
absolute capacities. A run with non-2xx answers or socket errors is reported as such: requests
per second of failing answers are not throughput.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import asdict, dataclass
from urllib.parse import quote

from bench.client import HOST, SELECT_JSON

WRK = "wrk"
SHOWN_URL = f"http://{HOST}:PORT/sparql?query=..."
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Load:
    requests_per_second: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int | None = None
    non_2xx: int = 0
    socket_errors: int = 0
    command: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.requests_per_second is not None and not self.non_2xx and not self.error

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def available() -> bool:
    return shutil.which(WRK) is not None


def command(
    url: str, seconds: int, threads: int, connections: int, accept: str = SELECT_JSON
) -> list[str]:
    """The wrk command line that loads ``url``: the one ``run`` runs and the report shows."""
    return [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"Accept: {accept}",
        url,
    ]


def shown(seconds: int, threads: int, connections: int, accept: str = SELECT_JSON) -> str:
    """``command`` as the report shows it: quoted for a shell, the port and query elided."""
    return shlex.join(command(SHOWN_URL, seconds, threads, connections, accept))


def run(
    port: int,
    query: str,
    seconds: int = 10,
    threads: int = 2,
    connections: int = 8,
    accept: str = SELECT_JSON,
) -> Load:
    """Load ``query`` on ``http://127.0.0.1:<port>/sparql`` for ``seconds``."""
    url = f"http://{HOST}:{port}/sparql?query={quote(query, safe='')}"
    argv = command(url, seconds, threads, connections, accept)
    line = shown(seconds, threads, connections, accept)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Load(command=line, error=str(error))
    if done.returncode != 0:
        return Load(command=line, error=(done.stderr or done.stdout).strip()[-300:])
    return parse(done.stdout, line)


def parse(output: str, command: str = "") -> Load:
    """Read requests/s, the latency distribution and errors from wrk's report."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Load(
        requests_per_second=float(rps.group(1)) if rps else None,
        p50_ms=_percentile(output, "50"),
        p99_ms=_percentile(output, "99"),
        requests=int(total.group(1)) if total else None,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        command=command,
        error=None if rps else "wrk printed no Requests/sec",
    )


def _percentile(output: str, which: str) -> float | None:
    found = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if not found:
        return None
    return round(float(found.group(1)) * _UNITS[found.group(2)], 3)
