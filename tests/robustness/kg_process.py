"""``kg serve`` as a real process group on 127.0.0.1, the small HTTP tools the tests share, and
the dataset's IRIs and one valid write (``sourced_write``), defined here once for every robustness
module (``fuzzing.py`` imports them from here).

Not a test module: ``test_attacks.py``, ``test_load.py`` and ``test_faults.py`` import it. Every
server is started in its own session (``start_new_session``), so the whole group (gunicorn's
master, its workers) can be stopped, or killed with SIGKILL, by its id; ``stop`` is safe to call
twice and is always called in a ``finally``.
"""

from __future__ import annotations

import http.client as httpclient
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_WITHIN = 90.0
FIGURES_DIR = Path(os.environ.get("KG_ROBUSTNESS_FIGURES", "/tmp/kg-robustness"))


# -- the dataset's IRIs, and one write valid against the shapes ----------------------------------
BASE = "https://w3id.org/sikg/"
RES = f"{BASE}id/"
SIKG = f"{BASE}ontology#"
CLAIM = f"{BASE}claim/"
PREFIXES = f"""PREFIX res: <{RES}>
PREFIX sikg: <{SIKG}>
PREFIX claim: <{CLAIM}>
PREFIX src: <{BASE}source/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
WIKIPEDIA = f"<{BASE}graph/wikipedia>"
ANCHOR = f"<{BASE}anchor/wikipedia/637-654>"  # quotes "William S. Graves"
CLAIM_TRIPLES = 7  # the triples of the claim ``sourced_write`` states (plus the direct fact)


def sourced_write(claim: str, obj: str = "res:alfred-knox") -> str:
    """One INSERT DATA of a fact and its complete claim (8 triples), valid against the shapes."""
    return f"""{PREFIXES}
INSERT DATA {{ GRAPH {WIKIPEDIA} {{
  res:aef-siberia sikg:commander {obj} .
  {claim} a sikg:Claim ; rdf:subject res:aef-siberia ; rdf:predicate sikg:commander ;
    rdf:object {obj} ; sikg:statedIn src:wikipedia ; sikg:evidence {ANCHOR} ;
    sikg:method sikg:CuratedAnnotation .
}} }}"""


# -- small tools ----------------------------------------------------------------------------------
def env_int(name: str, default: int) -> int:
    """A size from the environment (the long runs), or the small default (CI)."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def record_figures(name: str, figures: dict) -> None:
    """Print the figures of a test and write them to ``$KG_ROBUSTNESS_FIGURES/<name>.json``."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(figures, indent=2, sort_keys=True)
    (FIGURES_DIR / f"{name}.json").write_text(text + "\n")
    print(f"\n[{name}] {text}")


# -- plain HTTP on loopback (raw paths are sent as they are: no client-side normalisation) ------
class Answer:
    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


def http(
    port: int,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One request to 127.0.0.1:``port`` over a fresh connection; raises OSError on failure."""
    connection = httpclient.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body.encode() if isinstance(body, str) else body
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    except httpclient.HTTPException as err:  # a cut answer (BadStatusLine, IncompleteRead)
        raise ConnectionError(f"{type(err).__name__}: {err}") from err
    finally:
        connection.close()


def query_path(query: str, **params: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


# -- a local server that records every request it gets --------------------------------------------
class Recorder:
    """An HTTP server on 127.0.0.1 that records every request; ``redirect_to`` makes it answer
    302 with that Location (an allow-listed endpoint that sends clients somewhere private)."""

    def __init__(self, redirect_to: str | None = None) -> None:
        self.requests: list[tuple[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                recorder.requests.append((self.command, self.path))
                if recorder.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", recorder.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_HEAD = _answer  # noqa: N815 - http.server's names

            def log_message(self, *args) -> None:
                pass

        self.redirect_to = redirect_to
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# -- kg serve -------------------------------------------------------------------------------------
class KgServe:
    """``kg serve --no-infer`` of a build on a free port of 127.0.0.1, in its own process group."""

    def __init__(
        self,
        build_dir: Path,
        store_dir: Path,
        logs: Path,
        *,
        token: str | None = None,
        workers: int = 2,
        timeout: float = 10.0,
        env: dict | None = None,
    ) -> None:
        self.build_dir = build_dir
        self.store_dir = store_dir
        self.logs = logs
        self.token = token
        self.workers = workers
        self.timeout = timeout
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.starts = 0

    def start(self) -> KgServe:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
        if self.token:
            env["KG_UPDATE_TOKEN"] = self.token
        env.update(self.extra_env)
        command = [
            sys.executable, "-m", "kg.cli", "serve",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--out", str(self.build_dir), "--store", str(self.store_dir),
            "--no-infer", "--workers", str(self.workers), "--timeout", str(self.timeout),
            "--quiet",
        ]  # fmt: skip
        self.logs.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        self.stderr_path = self.logs / f"stderr-{self.starts}.txt"
        with open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()  # a master that exited (or a wait cut short) may leave forked workers
            raise
        return self

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"kg serve exited with {self.process.returncode}:\n{self.stderr()[-3000:]}"
                )
            try:
                if http(self.port, "GET", query_path("ASK {}"), timeout=2).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kg serve not ready in {READY_WITHIN} s:\n{self.stderr()}")
            time.sleep(0.1)

    def pids(self) -> list[int]:
        """The processes of this server's group (gunicorn's master and workers)."""
        if self.process is None:
            return []
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # field 5, pgrp: our session's group
                found.append(int(entry.name))
        return sorted(found)

    def rss_bytes(self) -> int:
        """The resident memory of every process of the group, summed (from /proc)."""
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return total

    def kill(self) -> None:
        """SIGKILL the whole process group: no handler runs, nothing is flushed."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=20)
        deadline = time.monotonic() + 10
        while self.pids() and time.monotonic() < deadline:  # workers reparented: wait for them
            time.sleep(0.05)
        self.process = None

    def stop(self) -> None:
        """SIGTERM (gunicorn stops its workers), then SIGKILL of the group if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()

    # -- requests -----------------------------------------------------------------------------
    def query(self, query: str, accept: str = "application/sparql-results+json") -> Answer:
        return http(self.port, "GET", query_path(query), headers={"Accept": accept})

    def update(self, text: str, token: str | None = None, timeout: float = 60.0) -> Answer:
        headers = {"Content-Type": "application/sparql-update"}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        return http(self.port, "POST", "/sparql", text, headers, timeout=timeout)

    def ask(self, query: str) -> bool:
        answer = self.query(query)
        assert answer.status == 200, answer.text
        return answer.json()["boolean"]

    def claim_sizes(self, prefix: str) -> dict[str, int]:
        """Each claim IRI under ``claim:<prefix>`` with its number of triples."""
        query = (
            "SELECT ?c (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?c ?p ?o } "
            f'FILTER(STRSTARTS(STR(?c), "{CLAIM}{prefix}")) }} GROUP BY ?c'
        )
        answer = self.query(query)
        assert answer.status == 200, answer.text
        rows = answer.json()["results"]["bindings"]
        return {row["c"]["value"]: int(row["n"]["value"]) for row in rows}

    def dataset_nquads(self) -> bytes:
        answer = http(
            self.port, "GET", "/graph-store", headers={"Accept": "application/n-quads"}, timeout=60
        )
        assert answer.status == 200, answer.text
        return answer.body


def conforms(nquads: bytes) -> tuple[bool, int, str]:
    """Validate a dataset read back from a server as ``kg build`` validates its output
    (``kg.validate.validate`` with the project's shapes and ontology): conforms, violations and
    the report. Oxigraph gives back every integer-derived literal as ``xsd:integer`` (oxigraph
    issue 526), so the shapes are read as the server's write check reads them (``as_stored``).
    """
    from rdflib import Dataset, Graph

    from kg.build import Project
    from kg.validate import validate
    from kg.vocab import load_ontology
    from server.shapes_check import as_stored

    project = Project.discover(ROOT)
    dataset = Dataset(default_union=True)
    dataset.parse(data=nquads, format="nquads")
    shapes = as_stored(Graph().parse(project.shapes_path, format="turtle"))
    report = validate(dataset, shapes, load_ontology(project.ontology_path))
    return report.conforms, report.violations, report.text()
