"""Load a build into a remote SPARQL 1.1 store: ``kg push --to URL``.

Every named graph of the build (``graph.trig``, and ``inferred.trig`` when the build has it) is sent
on its own, in one of two ways:

* the SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/),
  when ``--gsp URL`` gives the store's Graph Store address: one request per graph, the graph as
  N-Triples, PUT (replaces the graph, ``--replace``) or POST (merges into it; section 5.5);
* SPARQL 1.1 Update (https://www.w3.org/TR/sparql11-update/) otherwise: ``DROP SILENT GRAPH``
  first when replacing, then ``INSERT DATA`` in batches of ``batch`` triples (the triples with
  blank nodes of a graph all go in one batch, so a blank node stays one node).

Then the triples of each graph are counted on the remote (a SELECT at ``--to``) and compared with
what was sent: fewer on the remote, or a different number after ``--replace``, is an error.

HTTP is urllib's. With a user and password the client answers the store's challenge, Basic or
Digest (Virtuoso's ``/sparql-auth`` and ``/sparql-graph-crud-auth`` use Digest): it learns the
challenge with a request without a body first and then authorises every request up front, because
a store that refuses a large unauthorised body closes the connection before it is sent (so the
usual answer-the-401-and-retry never sees the 401). A failed request is a ``RemoteError`` naming
the graph and the store's answer in one line; ``server.remote`` reuses the client for queries.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.build import output_files
from kg.errors import KGError

# Virtuoso 7.2's SPARQL parser runs out of stack ("SP030 ... memory exhausted") near 5,000 triples
# in one INSERT DATA; 2,000 keeps well clear of it and costs a few more requests.
DEFAULT_BATCH = 2_000
DEFAULT_TIMEOUT = 300.0  # seconds one request may take
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
UPDATE_TYPE = "application/sparql-update; charset=utf-8"
FORM_TYPE = "application/x-www-form-urlencoded"
USER_AGENT = "siberian-intervention-kg (kg push / kg serve --store)"
ERROR_CHARS = 300  # how much of an error body a message quotes


class RemoteError(KGError):
    """A request to the remote store failed.

    ``status`` is its HTTP status (None: no answer), ``detail`` what the store said (or why it
    could not be reached), ``timed_out`` whether the time limit ran out.
    """

    def __init__(
        self, message: str, status: int | None = None, timed_out: bool = False, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.timed_out = timed_out
        self.detail = detail


class ResponseTooLargeError(RemoteError):
    """The answer is longer than the limit the caller set."""


@dataclass(frozen=True)
class Reply:
    status: int
    media: str  # the content type without parameters, lower case
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case


def error_text(body: bytes) -> str:
    """An error body on one line, shortened, without markup (an HTML error page) or the query
    Virtuoso repeats after its message."""
    text = body.decode("utf-8", "replace").split("\nSPARQL query:", 1)[0]
    if text.lstrip()[:1] == "<":
        text = re.sub(r"<[^>]*>", " ", re.sub(r"(?is)<head\b.*?</head>", " ", text))
    text = " ".join(html.unescape(text).split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 3] + "..."


# -- HTTP -----------------------------------------------------------------------------------------
class Remote:
    """HTTP to a remote store: credentials, a time limit per request, errors as ``RemoteError``.

    Safe to share between threads (``kg serve`` answers requests in several).
    """

    def __init__(
        self, user: str | None = None, password: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.user = user
        self.password = password or ""
        self.timeout = timeout
        # No auth handlers: challenges are answered here, up front (see the module docstring).
        self._opener = urllib.request.build_opener()
        self._passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        self._digest = urllib.request.HTTPDigestAuthHandler(self._passwords)
        self._challenges: dict[str, tuple[str, dict] | None] = {}  # origin -> (scheme, params)
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """Send one request; a 2xx answer is returned, anything else raises ``RemoteError``.

        ``timeout`` bounds the whole exchange (connecting, sending, reading); ``limit`` the bytes
        read (``ResponseTooLargeError`` past it).
        """
        deadline = time.monotonic() + (timeout or self.timeout)
        if self.user and body and _origin(url) not in self._challenges:
            self._learn_challenge(url, deadline)
        for attempt in (1, 2):
            request = urllib.request.Request(url, data=body, method=method)
            for name, value in {"User-Agent": USER_AGENT, **(headers or {})}.items():
                request.add_header(name, value)
            self._authorise(request)
            try:
                with self._opener.open(request, timeout=_left(deadline, url)) as response:
                    data = _read(response, deadline, limit, url)
                    media = response.headers.get_content_type()
                    found = {name.lower(): value for name, value in response.headers.items()}
                    return Reply(response.status, media, data, found)
            except urllib.error.HTTPError as err:
                with err:
                    if err.code == 401 and self.user and attempt == 1:
                        challenge = _challenge(err.headers)  # a new or a stale nonce
                        if challenge is not None:
                            self._challenges[_origin(url)] = challenge
                            continue
                    detail = _read_error(err)
                raise RemoteError(
                    f"{method} {url} answered HTTP {err.code}" + (f": {detail}" if detail else ""),
                    err.code,
                    detail=detail,
                ) from None
            except (urllib.error.URLError, OSError) as err:
                if attempt == 1 and self.user and body and _hung_up(err):
                    # refused mid-body (a stale nonce, say): learn the challenge again and retry
                    # once; every request sent here is idempotent (queries, INSERT DATA, PUT and
                    # POST of a graph, DROP)
                    self._learn_challenge(url, deadline)
                    continue
                raise _unreachable(method, url, err) from None
        raise AssertionError("unreachable")  # the loop returns or raises

    def query(
        self,
        endpoint: str,
        query: str,
        accept: str,
        params: list[tuple[str, str]] = (),
        *,
        limit: int | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """A query by the SPARQL protocol (2.1.2, POST of a form), answered in ``accept``."""
        form = urllib.parse.urlencode([("query", query), *params]).encode("utf-8")
        headers = {"Content-Type": FORM_TYPE, "Accept": accept}
        return self.request("POST", endpoint, form, headers, limit=limit, timeout=timeout)

    def update(self, endpoint: str, update: str) -> Reply:
        """An update by the SPARQL protocol (2.2.2, POST of the update itself)."""
        headers = {"Content-Type": UPDATE_TYPE}
        return self.request("POST", endpoint, update.encode("utf-8"), headers)

    # -- authentication ---------------------------------------------------------------------------
    def _learn_challenge(self, url: str, deadline: float) -> None:
        """Ask without a body to see which challenge (if any) the store answers with."""
        request = urllib.request.Request(url, method="GET", headers={"User-Agent": USER_AGENT})
        challenge = None
        try:
            with self._opener.open(request, timeout=_left(deadline, url)):
                pass
        except urllib.error.HTTPError as err:
            with err:
                challenge = _challenge(err.headers) if err.code == 401 else None
        except (urllib.error.URLError, OSError) as err:
            raise _unreachable("GET", url, err) from None
        self._challenges[_origin(url)] = challenge

    def _authorise(self, request: urllib.request.Request) -> None:
        if not self.user:
            return
        origin = _origin(request.full_url)
        challenge = self._challenges.get(origin)
        if challenge is None:
            return
        scheme, params = challenge
        if scheme == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            request.add_unredirected_header("Authorization", f"Basic {token}")
            return
        with self._lock:  # the nonce count is shared state
            self._passwords.add_password(None, origin, self.user, self.password)
            value = self._digest.get_authorization(request, params)
        if value:
            request.add_unredirected_header("Authorization", f"Digest {value}")


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _challenge(headers) -> tuple[str, dict] | None:
    """The Digest challenge of a 401 if it has one, else its Basic one."""
    found = {}
    for header in headers.get_all("WWW-Authenticate") or []:
        scheme, _, rest = header.strip().partition(" ")
        params = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        found.setdefault(scheme.lower(), params)
    for scheme in ("digest", "basic"):
        if scheme in found:
            return scheme, found[scheme]
    return None


def _left(deadline: float, url: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise RemoteError(f"{url} did not answer in time", timed_out=True)
    return left


def _read(response, deadline: float, limit: int | None, url: str) -> bytes:
    """The body, checking the deadline between chunks (each read is bounded by the socket's
    timeout, set to the time left when the request was sent)."""
    chunks, size = [], 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
        if limit is not None and size > limit:
            raise ResponseTooLargeError(f"{url} answered with more than {limit} bytes")
        chunks.append(chunk)
        _left(deadline, url)
    return b"".join(chunks)


def _read_error(err: urllib.error.HTTPError) -> str:
    try:
        return error_text(err.read(4096))
    except OSError:
        return ""


def _hung_up(err: Exception) -> bool:
    reason = getattr(err, "reason", err)
    return isinstance(reason, (BrokenPipeError, ConnectionResetError))


def _unreachable(method: str, url: str, err: Exception) -> RemoteError:
    reason = getattr(err, "reason", err)
    if isinstance(reason, TimeoutError) or isinstance(err, TimeoutError):
        return RemoteError(f"{method} {url}: no answer in time", timed_out=True)
    return RemoteError(f"cannot reach {url}: {reason}", detail=str(reason))


# -- the build ------------------------------------------------------------------------------------
def read_build(out: Path) -> dict[str, list[ox.Triple]]:
    """The triples of every graph of a build, by graph name ("" for the default graph)."""
    graphs: dict[str, dict[ox.Triple, None]] = defaultdict(dict)  # ordered and without repeats
    for path in output_files(out):
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
            name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            graphs[name][quad.triple] = None
    return {name: list(triples) for name, triples in graphs.items()}


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def batches(triples: list[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """``triples`` in lists of at most ``size``; the ones with blank nodes together, last."""
    ground = [t for t in triples if not _has_blank(t)]
    for start in range(0, len(ground), size):
        yield ground[start : start + size]
    blank = [t for t in triples if _has_blank(t)]
    if blank:
        yield blank


def sparql_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """A term in SPARQL (and N-Triples) syntax, a triple term (RDF 1.2) as ``<<( s p o )>>``.

    ``str()`` of a pyoxigraph term is its N-Triples form, except for a triple term, which it
    writes without the ``<<( )>>`` around it: as an object, that would be three terms.
    """
    if isinstance(term, ox.Triple):
        inner = " ".join(sparql_term(t) for t in (term.subject, term.predicate, term.object))
        return f"<<( {inner} )>>"
    return str(term)


def insert_data(quads: Iterable[ox.Quad]) -> str:
    """``INSERT DATA`` of these quads, in N-Triples syntax grouped by graph (in order of first use).

    Example: ``insert_data([ox.Quad(s, p, o, ox.NamedNode("https://example.org/g"))])``.
    """
    by_graph: dict = defaultdict(list)
    for quad in quads:
        by_graph[quad.graph_name].append(
            f"{sparql_term(quad.subject)} {sparql_term(quad.predicate)} "
            f"{sparql_term(quad.object)} ."
        )
    blocks = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        blocks.append(
            body if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{\n{body}\n}}"
        )
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


def graph_store_url(gsp: str, graph: str) -> str:
    """The Graph Store address of one graph (indirect identification, protocol 4.2)."""
    joiner = "&" if "?" in gsp else "?"
    if not graph:
        return f"{gsp}{joiner}default"
    return f"{gsp}{joiner}graph={urllib.parse.quote(graph, safe='')}"


# -- pushing --------------------------------------------------------------------------------------
@dataclass
class GraphReport:
    name: str
    sent: int
    requests: int
    seconds: float
    remote: int | None = None  # triples the remote holds after the push (None: not counted)


@dataclass
class PushReport:
    endpoint: str
    how: str  # "Graph Store Protocol" or "SPARQL Update"
    graphs: list[GraphReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        return sum(g.sent for g in self.graphs)

    def problems(self, replace: bool) -> list[str]:
        """Graphs whose count on the remote does not match what was sent."""
        found = []
        for graph in self.graphs:
            if graph.remote is None:
                continue
            if graph.remote < graph.sent or (replace and graph.remote != graph.sent):
                found.append(
                    f"graph <{graph.name}>: {graph.sent} triples sent, the remote holds "
                    f"{graph.remote}"
                )
        return found


def _failed(graph: str, err: RemoteError) -> RemoteError:
    shown = f"graph <{graph}>" if graph else "the default graph"
    return RemoteError(f"pushing {shown} failed: {err}", err.status, err.timed_out, err.detail)


def push_graph_store(
    remote: Remote, gsp: str, graph: str, triples: list[ox.Triple], replace: bool
) -> int:
    """One graph by the Graph Store Protocol (PUT or POST of N-Triples); the requests sent."""
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    method = "PUT" if replace else "POST"
    try:
        remote.request(method, graph_store_url(gsp, graph), body, {"Content-Type": NTRIPLES})
    except RemoteError as err:
        raise _failed(graph, err) from None
    return 1


def push_update(
    remote: Remote, endpoint: str, graph: str, triples: list[ox.Triple], replace: bool, size: int
) -> int:
    """One graph by SPARQL Update (DROP SILENT GRAPH, then INSERT DATA batches); the requests."""
    sent = 0
    try:
        if replace:
            remote.update(endpoint, f"DROP SILENT GRAPH <{graph}>" if graph else "CLEAR DEFAULT")
            sent += 1
        name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        for batch in batches(triples, size):
            remote.update(
                endpoint,
                insert_data(ox.Quad(t.subject, t.predicate, t.object, name) for t in batch),
            )
            sent += 1
    except RemoteError as err:
        raise _failed(graph, err) from None
    return sent


def remote_counts(remote: Remote, endpoint: str, graphs: list[str]) -> dict[str, int]:
    """Triples of each named graph on the remote (a graph it does not have counts 0).

    One query per graph: Virtuoso counts a graph it is given in milliseconds, but takes half a
    second for the same counts grouped over ``VALUES ?g`` or ``FILTER(?g IN (...))``.
    """
    counts = {}
    for graph in graphs:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        try:
            reply = remote.query(endpoint, query, RESULTS_JSON)
            rows = json.loads(reply.body)["results"]["bindings"]
            counts[graph] = int(rows[0]["n"]["value"]) if rows else 0
        except RemoteError as err:
            raise RemoteError(f"counting graph <{graph}> failed: {err}", err.status) from None
        except (ValueError, KeyError, IndexError):
            raise RemoteError(f"{endpoint} did not answer the count in SPARQL JSON") from None
    return counts


def push(
    out: Path,
    endpoint: str,
    *,
    gsp: str | None = None,
    user: str | None = None,
    password: str | None = None,
    replace: bool = False,
    batch: int = DEFAULT_BATCH,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> PushReport:
    """Load the build in ``out`` into the store at ``endpoint`` (SPARQL query and update).

    Raises ``RemoteError`` on the first failed request. Example::

        report = push(Path("build"), "http://127.0.0.1:8890/sparql-auth", user="dba",
                      password="dba", gsp="http://127.0.0.1:8890/sparql-graph-crud-auth")
    """
    for url in filter(None, (endpoint, gsp)):
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise RemoteError(f"{url!r} is not an http(s) URL")
    if batch < 1:
        raise RemoteError(f"the batch size must be at least 1, not {batch}")
    remote = Remote(user, password, timeout)
    graphs = read_build(out)
    report = PushReport(endpoint, "Graph Store Protocol" if gsp else "SPARQL Update")
    started = time.perf_counter()
    for name in sorted(graphs):
        triples = graphs[name]
        began = time.perf_counter()
        if gsp:
            requests = push_graph_store(remote, gsp, name, triples, replace)
        else:
            requests = push_update(remote, endpoint, name, triples, replace, batch)
        done = GraphReport(name, len(triples), requests, time.perf_counter() - began)
        report.graphs.append(done)
        if progress:
            progress(
                f"{name or 'default graph'}: {done.sent} triples in {requests} request"
                f"{'' if requests == 1 else 's'}, {done.seconds:.2f} s"
            )
    counts = remote_counts(remote, endpoint, [g.name for g in report.graphs if g.name])
    for graph in report.graphs:
        graph.remote = counts.get(graph.name)
    report.seconds = time.perf_counter() - started
    return report
