"""Serving a remote SPARQL 1.1 store: ``kg serve --store URL`` (the ``remote_endpoint`` setting).

``RemoteService`` stands where ``server.service.Service`` stands, for what the routes use
(``run_query``, ``default_graphs``, ``has_inference``, ``inferred_graph``, ``config``,
``store.snapshot().version``, ``close``), so the query page, ``/sparql``, the entity pages, VoID
and the Service Description work unchanged in front of any SPARQL 1.1 endpoint (``kg push`` loads
a build into one). Queries go there by the SPARQL 1.1 Protocol (POST of a form).

**Dataset.** The served dataset is the graphs on the remote named ``<base>graph/...`` (what
``kg push`` writes), listed once per ``remote_refresh`` seconds. Every query names its dataset to
the remote (protocol 2.1.4): the default graph is the union of those graphs (without
``graph/inferred`` unless ``inference=owlrl``) as ``default-graph-uri``, the named graphs are those
graphs as ``named-graph-uri``, so a store's other graphs (Virtuoso's system graphs) stay out, as
they are not in the embedded store. The graphs a request names are passed on; none at all is sent
as a graph that does not exist (no parameter would mean every graph of the store). A query with
FROM / FROM NAMED goes as it is. ``union_default_graph`` does not apply: a remote store's own
default graph cannot be named in the protocol.

**Answers.** The query form is read from the text (the prologue skipped) and the remote is asked
for SPARQL JSON (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE); asked for both at once, Virtuoso
answers a CONSTRUCT as JSON bindings. The answer is parsed and written again by pyoxigraph in the
negotiated format, so clients get what the embedded endpoint gives (Virtuoso's JSON, for one, has
``typed-literal`` terms). ``query_timeout`` bounds the exchange (503 naming it; the remote's own
limit stops the query there), ``max_result_bytes`` both the remote's answer and ours (413).
Virtuoso answers a SELECT past its ``ResultSetMaxRows`` (10,000 by default) with the first rows
only and an ``X-SPARQL-MaxRows`` header: such an answer is refused (413), not served incomplete.
It cuts CONSTRUCT answers at the same number of triples without a word, so give the store a
``ResultSetMaxRows`` above the largest answer you need.

**Errors.** The remote refusing the query (HTTP 400: a syntax error, or SPARQL it does not
support) is a 400 with its message; any other status, an unreachable store or an answer that
cannot be read is a 502 saying so; the address and the traceback only go to the log.

**Writes** are refused with 501, SPARQL Update and the Graph Store Protocol alike: the embedded
server validates every write against the SHACL shapes and journals it before it commits, which it
cannot do for a store that others write to. Write to the remote store directly, or load a build
with ``kg push --replace``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, replace

import pyoxigraph as ox
from flask import Blueprint, request

from kg.push import NTRIPLES, RESULTS_JSON, Remote, RemoteError, ResponseTooLargeError
from server import security
from server.errors import APIError
from server.executor import InlineRunner, QueryPool
from server.service import replace_this_process
from server.settings import ServerConfig
from server.worker import GRAPH_FORMATS, RESULT_FORMATS, TOO_LARGE

log = logging.getLogger(__name__)

# Sent for an empty list of graphs: leaving the parameter out would mean every graph of the store.
NO_GRAPH = "urn:x-sikg:no-graph"
TIMED_OUT = (
    "the query exceeded the time limit of {timeout:g} s (query_timeout): the remote store did "
    "not answer in time"
)
WRITES_REFUSED = (
    "this server answers queries in front of a remote SPARQL store and does not write to it "
    "(writes here are checked against the SHACL shapes and journalled, which a remote store "
    "cannot promise); send updates to the remote store itself, or load a build with kg push"
)
CUT_SHORT = (
    "the remote store stopped the answer at its row limit of {rows} (X-SPARQL-MaxRows; "
    "Virtuoso's ResultSetMaxRows), so it may be incomplete and is not sent; narrow the query, "
    "or raise the store's limit"
)
GRAPH_STORE_REFUSED = (
    "the Graph Store Protocol is not served in front of a remote SPARQL store; read a graph "
    "with CONSTRUCT at /sparql, or use the remote store's own Graph Store endpoint"
)

# The prologue (BASE, PREFIX, comments) and the keyword after it that names the query form.
_PROLOGUE = re.compile(
    r"(?:\s+|#[^\r\n]*|BASE\s*<[^<>]*>|PREFIX\s*[^\s:]*:\s*<[^<>]*>)*", re.IGNORECASE
)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


def query_form(query: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; None when the text does not say (a syntax error)."""
    text = query.lstrip("\ufeff")
    found = _FORM.match(text, _PROLOGUE.match(text).end())
    return found.group(1).upper() if found else None


@dataclass(frozen=True)
class _Snapshot:
    version: int


class _Versions:
    """The stand-in for the store's snapshots: a version that changes every ``seconds``.

    Others write to a remote store without telling us, so what is computed from it (the list of
    graphs, the VoID figures) is read again after ``seconds``; 0 reads it again every time.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def snapshot(self) -> _Snapshot:
        if self.seconds <= 0:
            return _Snapshot(time.monotonic_ns())
        return _Snapshot(int(time.monotonic() // self.seconds))


class RemoteService:
    """The served dataset, held by a remote SPARQL 1.1 store (see the module docstring)."""

    def __init__(self, config: ServerConfig) -> None:
        if not config.remote_endpoint or not config.remote_endpoint.startswith(
            ("http://", "https://")
        ):
            raise ValueError(f"remote_endpoint {config.remote_endpoint!r} is not an http(s) URL")
        # Writes are refused here (server.remote.blueprint), so none are announced either.
        self.config = replace(config, update_token=None)
        self.endpoint = config.remote_endpoint
        self.client = Remote(config.remote_user, config.remote_password, config.query_timeout)
        self.store = _Versions(config.remote_refresh)
        self._graphs: tuple[int, list[str]] | None = None
        self._lock = threading.Lock()
        # The SERVICE check of a query (rdflib: slow on a long text) runs under the time limit.
        if config.executor == "inline":
            self.checks = InlineRunner(
                config.query_timeout,
                open_store=None,
                on_runaway=replace_this_process,
                threads=config.serving_threads,
            )
        else:
            self.checks = QueryPool(1, config.query_timeout)

    @property
    def inferred_graph(self) -> str:
        return self.config.inferred_graph

    # -- the dataset ----------------------------------------------------------------------------
    def graphs(self) -> list[str]:
        """The dataset's graphs on the remote (``<base>graph/...``), read once per version."""
        version = self.store.snapshot().version
        with self._lock:
            if self._graphs is not None and self._graphs[0] == version:
                return self._graphs[1]
        prefix = f"{self.config.base}graph/"
        query = (
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
        )
        status, *rest = self._ask(query, [], RESULTS_JSON)
        if status != "ok":
            code, message = rest
            raise APIError(code, f"cannot list the graphs of the remote store: {message}")
        try:
            solutions = ox.parse_query_results(rest[1], format=ox.QueryResultsFormat.JSON)
            found = [row["g"] for row in solutions]
        except (SyntaxError, ValueError) as err:
            message = f"the remote store's list of graphs cannot be read: {err}"
            raise APIError(502, message) from None
        names = sorted(g.value for g in found if isinstance(g, ox.NamedNode))
        if not names:
            log.warning("the remote store %s holds no graph named %s...", self.endpoint, prefix)
        with self._lock:
            self._graphs = (version, names)
        return names

    def default_graphs(self, inference: str) -> list[str]:
        """The graphs the default graph is the union of (always a list: see the docstring)."""
        graphs = self.graphs()
        if inference == "owlrl":
            return graphs
        return [g for g in graphs if g != self.inferred_graph]

    def has_inference(self) -> bool:
        return self.inferred_graph in self.graphs()

    def _dataset(self, default_graphs, named_graphs) -> list[tuple[str, str]]:
        """The protocol parameters naming the dataset; None stands for every graph (as in
        ``Service``), the store's own default graph ("") cannot be named and is left out."""
        params = []
        for name, graphs in (
            ("default-graph-uri", default_graphs),
            ("named-graph-uri", named_graphs),
        ):
            chosen = self.graphs() if graphs is None else [g for g in graphs if g]
            params += [(name, g) for g in chosen or [NO_GRAPH]]
        return params

    # -- queries --------------------------------------------------------------------------------
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
        """("ok", media type, body) or ("error", status, message), as ``Service.run_query``."""
        if guard is not None:
            status, *rest = self.checks.run({"check": query, "guard": guard})
            if status != "ok":
                return (status, *rest)
            query = rest[0]
        form = query_form(query)
        accept = NTRIPLES if form in GRAPH_FORMS else RESULTS_JSON
        if form is not None and not (graph_formats if form in GRAPH_FORMS else result_formats):
            kind = "graph" if form in GRAPH_FORMS else "results"
            return ("error", 406, f"no acceptable format for {kind} of this query")
        try:
            params = [] if query_dataset else self._dataset(default_graphs, named_graphs)
        except APIError as err:
            return ("error", err.status, err.message)
        if base_iri:
            query = f"BASE <{base_iri}>\n{query}"
        status, *rest = self._ask(query, params, accept)
        if status != "ok":
            return (status, *rest)
        media, body = rest
        return self._rewrite(media, body, result_formats, graph_formats)

    def _ask(self, query: str, params: list[tuple[str, str]], accept: str) -> tuple:
        """The remote's answer: ("ok", media type, body) or ("error", status, message)."""
        limit = self.config.max_result_bytes
        try:
            reply = self.client.query(self.endpoint, query, accept, params, limit=limit)
        except ResponseTooLargeError:
            return ("error", 413, TOO_LARGE.format(limit=limit))
        except RemoteError as err:
            return self._error(err)
        rows = reply.headers.get("x-sparql-maxrows")
        if rows:  # Virtuoso answers 200 with the first rows only, and says so in this header
            return ("error", 413, CUT_SHORT.format(rows=rows))
        return ("ok", reply.media, reply.body)

    def _error(self, err: RemoteError) -> tuple:
        if err.timed_out:
            return ("error", 503, TIMED_OUT.format(timeout=self.config.query_timeout))
        if err.status == 400:  # the client's query, most likely: not worth a warning
            log.info("remote store %s: %s", self.endpoint, err)
            return ("error", 400, f"the remote store refused the query: {err.detail}")
        log.warning("remote store %s: %s", self.endpoint, err)
        if err.status is None:
            return ("error", 502, f"the remote store cannot be reached: {err.detail}")
        said = f": {err.detail}" if err.detail else ""
        return ("error", 502, f"the remote store answered HTTP {err.status}{said}")

    def _rewrite(
        self, media: str, body: bytes, result_formats: list[str], graph_formats: list[str]
    ) -> tuple:
        """The remote's answer in the first acceptable format, written by pyoxigraph."""
        try:
            if media in RESULT_FORMATS:
                answer = ox.parse_query_results(body, format=RESULT_FORMATS[media])
                choices, table, kind = result_formats, RESULT_FORMATS, "results"
            else:
                rdf_format = ox.RdfFormat.from_media_type(media)
                if rdf_format is None:
                    raise ValueError(f"it is {media}, neither SPARQL results nor RDF")
                answer = list(ox.parse(body, format=rdf_format))
                choices, table, kind = graph_formats, GRAPH_FORMATS, "graph"
            if not choices:
                return ("error", 406, f"no acceptable format for {kind} of this query")
            chosen = choices[0]
            if kind == "results":
                written = answer.serialize(format=table[chosen])
            else:
                written = ox.serialize(answer, format=table[chosen])
        except (SyntaxError, ValueError) as err:
            log.warning("remote store %s: unreadable answer: %s", self.endpoint, err)
            return ("error", 502, f"the remote store's answer cannot be read: {err}")
        if len(written) > self.config.max_result_bytes:
            return ("error", 413, TOO_LARGE.format(limit=self.config.max_result_bytes))
        return ("ok", chosen, written)

    def close(self) -> None:
        """The checks' threads or process (every request opens and closes its connection)."""
        self.checks.close()


# -- writes ---------------------------------------------------------------------------------------
blueprint = Blueprint("remote", __name__)


@blueprint.before_app_request
def _refuse_writes() -> None:
    """501 for the Graph Store Protocol and for SPARQL Update (registered in remote mode only)."""
    if request.path == "/graph-store":
        raise APIError(501, GRAPH_STORE_REFUSED)
    if request.path == "/sparql" and security.is_write(request):
        raise APIError(501, WRITES_REFUSED)


# -- serving --------------------------------------------------------------------------------------
def serve(config: ServerConfig, host: str, port: int, threads: int = 8) -> None:
    """Serve ``config.remote_endpoint`` under gunicorn until interrupted (no local store, so
    nothing is prepared first; the processes only wait on the remote, hence more threads)."""
    from server.run import run_gunicorn

    run_gunicorn(replace(config, executor="inline", serving_threads=threads), host, port)
