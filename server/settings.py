"""Every setting of the server as data: name, default, type and help.

The CLI options, the environment variables (``KG_<NAME>``), the README table and a test that every
setting is documented all follow from this one list (Datasette's pattern).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("query_timeout", 10.0, "seconds a query may run before it is stopped (503)"),
    Setting("max_result_bytes", 50_000_000, "largest serialised query result, in bytes"),
    Setting("max_body_bytes", 10_000_000, "largest request body (queries, updates, uploads)"),
    Setting("query_workers", 0, "query processes; 0 means one per CPU core"),
    Setting("update_token", None, "bearer token that enables writes; writes are off without it"),
    Setting(
        "service_allow",
        ("https://query.wikidata.org/sparql",),
        "SERVICE endpoints a query may call (comma-separated in the environment)",
    ),
    Setting(
        "wikidata_endpoint",
        "https://query.wikidata.org/sparql",
        "where SERVICE <https://query.wikidata.org/sparql> is really sent: Wikidata's query "
        "service, a mirror of it, or a local stand-in",
    ),
    Setting("validate_writes", True, "check every write against the SHACL shapes first"),
    Setting(
        "max_update_solutions",
        250_000,
        "most solutions the WHERE clause of one update operation may match (413 above)",
    ),
    Setting("default_inference", "none", "inference when a request names none: none or owlrl"),
    Setting(
        "union_default_graph",
        True,
        "the default graph of a query is the union of the graphs (off: the store's own default "
        "graph, as the W3C tests expect)",
    ),
    Setting(
        "remote_endpoint",
        None,
        "SPARQL 1.1 endpoint of a remote store to serve instead of the local one (kg serve "
        "--store URL): queries, pages and descriptions read it; writes are refused (501)",
    ),
    Setting(
        "remote_user", None, "user name for the remote endpoint, Basic or Digest (kg push too)"
    ),
    Setting("remote_password", None, "password of remote_user (kg push reads it too)"),
    Setting(
        "remote_refresh",
        60.0,
        "seconds the remote's list of graphs and the VoID figures are reused before they are "
        "read again",
    ),
)


@dataclass(frozen=True)
class ServerConfig:
    """The settings of one app (see SETTINGS), plus where its data lives."""

    store_dir: str
    data_files: tuple[str, ...] = ()
    build_dir: str | None = None
    base: str = "https://w3id.org/sikg/"
    query_timeout: float = 10.0
    max_result_bytes: int = 50_000_000
    max_body_bytes: int = 10_000_000
    query_workers: int = 0
    update_token: str | None = None
    service_allow: tuple[str, ...] = ("https://query.wikidata.org/sparql",)
    wikidata_endpoint: str = "https://query.wikidata.org/sparql"
    validate_writes: bool = True
    max_update_solutions: int = 250_000
    default_inference: str = "none"
    union_default_graph: bool = True
    remote_endpoint: str | None = None
    remote_user: str | None = None
    remote_password: str | None = field(default=None, repr=False)
    remote_refresh: float = 60.0
    # How queries run (server.executor): "pool" of worker processes (an app on its own) or
    # "inline" in the serving process itself (kg serve: one serving process per core).
    executor: str = "pool"
    # Whether ``server.service.prepare`` has loaded the store before this app starts (kg serve):
    # then the app only attaches to it, and never reloads it under other serving processes.
    store_prepared: bool = False
    # Requests one serving process answers at once (gunicorn's threads); an inline executor keeps
    # as many query threads, so a query never waits for a thread inside its time limit.
    serving_threads: int = 4
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def inferred_graph(self) -> str:
        """The named graph that holds the owlrl entailments (as ``kg build --infer`` names it)."""
        from kg.graph import INFERRED_GRAPH
        from kg.iri import Minter

        return str(Minter(self.base).graph(INFERRED_GRAPH))

    def service_redirects(self) -> dict[str, str]:
        """Endpoints a query names, mapped to where they are really sent."""
        return {"https://query.wikidata.org/sparql": self.wikidata_endpoint}

    def workers(self) -> int:
        return self.query_workers or max(1, os.cpu_count() or 1)


def from_environment(**overrides) -> ServerConfig:
    """A config from ``KG_<SETTING>`` variables, then explicit overrides (CLI options)."""
    values: dict = {}
    kinds = {f.name: f.type for f in fields(ServerConfig)}
    for setting in SETTINGS:
        raw = os.environ.get(f"KG_{setting.name.upper()}")
        if raw is None:
            continue
        values[setting.name] = _parse(raw, setting.default, kinds[setting.name])
    values.update({k: v for k, v in overrides.items() if v is not None})
    values.setdefault("store_dir", os.environ.get("KG_STORE_DIR", "build/store"))
    return ServerConfig(**values)


def _parse(raw: str, default: object, kind: str):
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw
