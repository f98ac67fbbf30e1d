"""The served dataset and what can be done with it: queries through the worker pool, and writes.

Created once per app by the factory and kept in ``app.extensions["kg"]``; no module-level state.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
from pathlib import Path

from kg.build import output_files, output_problem
from server import security
from server.errors import APIError
from server.executor import InlineRunner, QueryPool
from server.settings import ServerConfig
from server.store import GraphStore, fingerprint_files
from server.writes import SCRATCH_DIR, Writer

log = logging.getLogger(__name__)


def data_files(config: ServerConfig) -> tuple[list[Path], str]:
    """The RDF files to serve and a fingerprint that says when the store must be reloaded."""
    if config.data_files:
        files = [Path(f) for f in config.data_files]
        return files, fingerprint_files(files, "files")
    if not config.build_dir:
        return [], "empty"  # an empty dataset, filled by writes (used by the W3C test harness)
    build = Path(config.build_dir)
    files = output_files(build)
    manifest_path = build / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as err:
        raise BuildError(f"{manifest_path} cannot be read ({err}): run kg build") from None
    # A truncated or edited build keeps its manifest: never load (or keep serving) one.
    problem = output_problem(build, manifest)
    if problem is not None:
        raise BuildError(f"{problem}: run kg build (or kg serve, which rebuilds it)")
    digests = manifest["files"]
    return files, f"build:{manifest.get('inputs')}:{sorted(digests.items())}"


class BuildError(ValueError):
    """The build directory cannot be served as it is (its reason is the message)."""


class Service:
    """One store, one pool of query workers, and the dataset views requests can ask for."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.writer = Writer(config)  # validation, journal; replays it after a reload
        if config.store_prepared:  # kg serve: ``prepare`` ran before the processes started
            self.store = GraphStore.attach(Path(config.store_dir))
        else:
            files, fingerprint = data_files(config)
            self.store = GraphStore.open(
                Path(config.store_dir), fingerprint, files, after_load=self.writer.replay
            )
        if config.executor == "inline":
            self.pool = InlineRunner(
                config.query_timeout,
                self.store.reader_for,
                on_runaway=replace_this_process,
                threads=config.serving_threads,
            )
        else:
            self.pool = QueryPool(config.workers(), config.query_timeout)
        self._views: dict[tuple[int, str], list[str] | None] = {}

    @property
    def inferred_graph(self) -> str:
        return self.config.inferred_graph

    def default_graphs(self, inference: str) -> list[str] | None:
        """The graphs the default graph is the union of; None means every graph.

        With inference "none" the owlrl entailments (``graph/inferred``) are left out, so the
        default graph is the union of the asserted graphs only. With ``union_default_graph`` off
        the default graph is the store's own default graph (plus the entailments with owlrl).
        """
        if not self.config.union_default_graph:
            return [""] + ([self.inferred_graph] if inference == "owlrl" else [])
        snapshot = self.store.snapshot()
        key = (snapshot.version, inference)
        if key not in self._views:
            names = self.store.named_graphs()
            if inference == "owlrl" or self.inferred_graph not in names:
                self._views[key] = None
            else:
                self._views[key] = [""] + [n for n in names if n != self.inferred_graph]
        return self._views[key]

    def has_inference(self) -> bool:
        return self.inferred_graph in self.store.named_graphs()

    def run_query(
        self,
        query: str,
        *,
        default_graphs: list[str] | None,
        named_graphs: list[str] | None,
        result_formats: list[str],
        graph_formats: list[str],
        base_iri: str | None = None,
        query_dataset: bool = False,
        guard: dict | None = None,
    ) -> tuple:
        """Run a query in a worker; ``query_dataset`` keeps the query's own FROM / FROM NAMED.

        ``guard`` (``security.guard_for``) is checked in the worker, inside the time limit.
        """
        job = {
            "snapshot": self.store.snapshot().path,
            "query": query,
            "default_graphs": default_graphs,
            "named_graphs": named_graphs,
            "result_formats": result_formats,
            "graph_formats": graph_formats,
            "max_bytes": self.config.max_result_bytes,
            "base_iri": base_iri,
            "query_dataset": query_dataset,
            "guard": guard,
        }
        return self.pool.run(job)

    def check_update(self, update: str) -> str:
        """The update to apply after the SERVICE and LOAD check (run where queries run, inside
        their time limit) and the redirects; raises APIError when it is refused."""
        guard = security.guard_for(
            update, self.config.service_allow, self.config.service_redirects(), "update"
        )
        if guard is None:
            return update
        status, *rest = self.pool.run({"check": update, "guard": guard})
        if status == "ok":
            return rest[0]
        code, message = rest
        if code == 503:
            message = (
                f"checking the update's SERVICE and LOAD targets passed the time limit of "
                f"{self.config.query_timeout:g} s (query_timeout); nothing was applied"
            )
        raise APIError(code, message)

    def close(self) -> None:
        self.pool.close()
        self.store.close()


def replace_this_process() -> None:
    """Ask gunicorn to replace this worker once its requests are answered (graceful exit)."""
    log.warning("process %d will be replaced: a query it started is still running", os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)


def prepare(config: ServerConfig) -> None:
    """Load (or reuse) the store and replay the journal once, before serving processes start."""
    files, fingerprint = data_files(config)
    # No serving process runs yet: the scratch copies of processes killed mid-write can go.
    shutil.rmtree(Path(config.store_dir) / SCRATCH_DIR, ignore_errors=True)
    writer = Writer(config)
    store = GraphStore.open(Path(config.store_dir), fingerprint, files, after_load=writer.replay)
    store.publish()  # what the primary holds is what is served, even after a crash mid-write
