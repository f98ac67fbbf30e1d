"""The query worker: runs in its own process, opens snapshots read-only, answers one job at a time.

Kept free of Flask and rdflib so a worker starts fast (a query that names SERVICE or LOAD brings
in ``server.security``, whose check runs here, inside the query's time limit). A job names the
snapshot to read, the query, the dataset to query (union default graph, or the graphs the request
named), the acceptable formats in order of preference, and the byte limit of the answer.
"""

from __future__ import annotations

import io
import re

import pyoxigraph as ox

from server.store import SnapshotReaders

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


TOO_LARGE = (
    "the result exceeds the limit of {limit} bytes (max_result_bytes); narrow the query or add "
    "LIMIT"
)


class ResultTooLargeError(Exception):
    pass


class _LimitedBuffer(io.RawIOBase):
    """A byte sink that refuses to grow past a limit, so a huge answer stops early."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLargeError
        self.chunks.append(bytes(data))
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.chunks)


def _graph_name(name: str):
    return ox.DefaultGraph() if name == "" else ox.NamedNode(name)


_UNKNOWN_FUNCTION = re.compile(r"The custom function <([^<>]*)> is not supported")


def _unknown_function(*_args) -> None:
    return None  # an error: the expression that called it has no value (SPARQL 1.1, 17.3)


def _query(store, query: str, kwargs: dict):
    """``store.query``, where a call to a function the engine does not know is an expression
    error (so the variable it would bind stays unbound), as SPARQL says, not a failed query."""
    unknown: dict = {}
    while True:
        try:
            return store.query(query, custom_functions=unknown or None, **kwargs)
        except RuntimeError as err:
            match = _UNKNOWN_FUNCTION.search(str(err))
            name = ox.NamedNode(match.group(1)) if match else None
            if name is None or name in unknown or len(unknown) >= 100:
                raise
            unknown[name] = _unknown_function


def run_job(job: dict, open_store) -> tuple:
    """Answer one job: ("ok", media type, body) or ("error", status, message).

    ``open_store(path)`` gives the read-only store of the job's snapshot.
    """
    if job.get("guard") is not None:
        from server.security import guarded  # rdflib: only for the requests that need it

        if "check" in job:  # an update's SERVICE and LOAD check, alone
            return guarded(job["check"], job["guard"])
        status, *rest = guarded(job["query"], job["guard"])
        if status != "ok":
            return (status, *rest)
        query = rest[0]
    else:
        query = job["query"]
    store = open_store(job["snapshot"])
    kwargs: dict = {"base_iri": job.get("base_iri")}
    if job.get("query_dataset"):
        pass  # the query's FROM / FROM NAMED define its dataset
    elif job.get("default_graphs") is None:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [_graph_name(g) for g in job["default_graphs"]]
    if job.get("named_graphs") is not None and not job.get("query_dataset"):
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    try:
        result = _query(store, query, kwargs)
    except SyntaxError as err:
        return ("error", 400, f"SPARQL syntax error: {err}")
    except ValueError as err:
        return ("error", 400, f"cannot run the query: {err}")
    if isinstance(result, ox.QueryTriples):
        choices, table = job["graph_formats"], GRAPH_FORMATS
    else:
        choices, table = job["result_formats"], RESULT_FORMATS
    if not choices:
        kind = "graph" if isinstance(result, ox.QueryTriples) else "results"
        return ("error", 406, f"no acceptable format for {kind} of this query")
    media = choices[0]
    sink = _LimitedBuffer(job["max_bytes"])
    try:
        result.serialize(sink, table[media])
    except ResultTooLargeError:
        return ("error", 413, TOO_LARGE.format(limit=job["max_bytes"]))
    except OSError as err:
        return ("error", 502, f"query evaluation failed: {err}")
    except (SyntaxError, ValueError) as err:
        return ("error", 400, f"query evaluation failed: {err}")
    return ("ok", media, sink.value())


def serve(connection) -> None:
    """The worker loop: receive jobs until the pipe closes."""
    open_store = SnapshotReaders()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = run_job(job, open_store)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # noqa: BLE001 - reported to the parent, logged there
            # (BaseException: a panic in Oxigraph reaches Python as pyo3's PanicException)
            answer = ("error", 500, f"internal error in query worker: {type(err).__name__}")
        connection.send(answer)
