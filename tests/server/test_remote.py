"""The remote backend against a real triple store: Virtuoso Open Source on 127.0.0.1.

``virtuoso`` starts Debian's ``virtuoso-t`` (package ``virtuoso-opensource-7-bin``, installed by
``.ci/run``) on free ports of 127.0.0.1 with a database in a temporary directory, and stops it
after the module; without the package every test that needs it is skipped, saying so. ``pushed``
loads the session build into it once with ``kg push`` (Graph Store Protocol, Digest
authentication as the fresh database's ``dba``). The app in remote mode (``create_app`` with
``remote_endpoint``) then answers through Virtuoso's anonymous, read-only ``/sparql``, and is
compared with the embedded app of ``conftest.py`` over the same build.

Where Virtuoso 7.2.5 answers differently the difference is listed in ``KNOWN_DIFFERENCES`` with
its cause, the affected tests are strict xfails (they fail the day the answers agree, so the list
cannot go stale), and a test shows the cause on a small query sent straight to Virtuoso, outside
our code.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import cli
from kg.push import Remote, read_build
from server import void
from server.app import create_app
from server.entities import Dataset, Describer
from server.remote import query_form
from server.settings import ServerConfig

ROOT = Path(__file__).resolve().parents[2]
QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
PACKAGE = "virtuoso-opensource-7-bin"
READY_WITHIN = 60.0
ADMIN = ("dba", "dba")  # the administrator of a fresh Virtuoso database
BASE = "https://w3id.org/sikg/"
RES = f"{BASE}id/"
SIKG = f"{BASE}ontology#"
GRAVES = f"SELECT ?c WHERE {{ <{RES}aef-siberia> <{SIKG}commander> ?c }}"
PREFIXES = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    f"PREFIX sikg: <{SIKG}>\nPREFIX res: <{RES}>\n"
)

# -- what Virtuoso 7.2.5 answers differently, and why ---------------------------------------------
TRANSITIVE_JOIN = (
    "Virtuoso 7.2.5 drops solutions when a transitive path (a/rdfs:subClassOf*) is joined with a "
    "chain of further patterns and the dataset is named (FROM or default-graph-uri, which the "
    "remote backend always sends): see test_virtuoso_drops_rows_of_a_transitive_path_join"
)
UNION_VALUES = (
    "Virtuoso 7.2.5 lets a VALUES (or BIND) inside one UNION branch restrict the other branch, "
    "so the entity page's claims query (server/entities.py Q_CLAIMS) misses the claims of "
    "statements pointing at the entity, and their quotes: see "
    "test_virtuoso_lets_values_in_one_union_branch_restrict_the_other"
)
INTEGER_TYPES = (
    "the embedded store (Oxigraph) keeps xsd:nonNegativeInteger values as xsd:integer, Virtuoso "
    "keeps the datatype the build wrote, so COUNT(DISTINCT ?o) over literals differs "
    "(void:distinctObjects): see test_oxigraph_stores_integer_subtypes_as_integer"
)
KNOWN_DIFFERENCES = {
    "cq09-forces-vladivostok-august-1918.rq": TRANSITIVE_JOIN,
    "cq14-us-troops-wilson-july-1918.rq": TRANSITIVE_JOIN,
    "cq15-arrival-order-vladivostok-1918.rq": TRANSITIVE_JOIN,
    "cq17-japanese-departure-vladivostok-1922.rq": TRANSITIVE_JOIN,
    "entity page: quotes of incoming statements": UNION_VALUES,
    "void:distinctObjects": INTEGER_TYPES,
}


# -- Virtuoso -------------------------------------------------------------------------------------
INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., {dir}
NumberOfBuffers = 4000
MaxDirtyBuffers = 3000
MaxClientConnections = 10
CaseMode = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
; Virtuoso's defaults: a SELECT answer stops at 10,000 rows (test_an_answer_cut_short_is_refused)
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def virtuoso_binary() -> str | None:
    """``virtuoso-t`` on the PATH, or where dpkg installed it."""
    found = shutil.which("virtuoso-t")
    if found:
        return found
    try:
        listing = subprocess.run(
            ["dpkg", "-L", PACKAGE], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return None
    for line in listing.splitlines():
        if line.endswith("/virtuoso-t") and os.access(line, os.X_OK):
            return line
    return None


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as err:
        with err:
            return err.code
    except OSError:
        return None


@dataclass
class Virtuoso:
    process: subprocess.Popen
    directory: Path
    http_port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}/{path}"

    @property
    def sparql(self) -> str:
        return self.url("sparql")  # anonymous: queries only

    @property
    def sparql_auth(self) -> str:
        return self.url("sparql-auth")  # Digest: queries and updates

    @property
    def graph_store(self) -> str:
        return self.url("sparql-graph-crud-auth")  # Digest: the Graph Store Protocol

    def log(self) -> str:
        path = self.directory / "virtuoso.log"
        return path.read_text(errors="replace")[-3000:] if path.is_file() else ""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    binary = virtuoso_binary()
    if binary is None:
        pytest.skip(
            "Virtuoso is not installed: no virtuoso-t (Debian's virtuoso-opensource-7-bin, "
            "which .ci/run installs when run as root)"
        )
    directory = tmp_path_factory.mktemp("virtuoso")
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(INI.format(dir=directory, sql_port=sql_port, http_port=http_port))
    with open(directory / "stdout.txt", "wb") as out:
        process = subprocess.Popen(
            [binary, "-f", "-c", str(ini)],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Virtuoso(process, directory, http_port)
    try:
        deadline = time.monotonic() + READY_WITHIN
        probe = running.sparql + "?query=" + urllib.parse.quote("ASK {}")
        while http_status(probe) != 200:
            if process.poll() is not None:
                pytest.fail(f"virtuoso-t exited with {process.returncode}:\n{running.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Virtuoso was not ready within {READY_WITHIN} s:\n{running.log()}")
            time.sleep(0.2)
        yield running
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop a process started in a session of its own: SIGTERM, then SIGKILL of the session."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the session started for it, only
            process.wait(timeout=10)


# -- kg push --------------------------------------------------------------------------------------
@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float


def kg(*argv: str) -> Run:
    """``kg ARGV`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return Run(code, out.getvalue(), err.getvalue(), time.perf_counter() - started)


def build_counts(built) -> dict[str, int]:
    """Triples per named graph of the session build, as rdflib holds it (not our parser)."""
    counts = {str(graph.identifier): len(graph) for graph in built.dataset.graphs()}
    return {name: n for name, n in counts.items() if n and name.startswith(BASE)}


def remote_counts(virtuoso: Virtuoso, graphs) -> dict[str, int]:
    remote = Remote(*ADMIN)
    found = {}
    for graph in graphs:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        body = remote.query(virtuoso.sparql_auth, query, "application/sparql-results+json").body
        found[graph] = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    return found


def push_args(virtuoso: Virtuoso, build_dir: Path, *extra: str) -> list[str]:
    user, password = ADMIN
    return [
        "push", "--out", str(build_dir), "--to", virtuoso.sparql_auth,
        "--user", user, "--password", password, *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def pushed(virtuoso, build_dir) -> Run:
    """The session build loaded into Virtuoso by the Graph Store Protocol, once."""
    run = kg(*push_args(virtuoso, build_dir, "--gsp", virtuoso.graph_store, "--replace", "-q"))
    assert run.code == 0, run.err
    return run


def test_push_loads_every_graph_with_its_triple_count(pushed, virtuoso, built):
    expected = build_counts(built)
    assert len(expected) >= 6 and sum(expected.values()) > 20_000
    assert remote_counts(virtuoso, expected) == expected
    assert "by Graph Store Protocol" in pushed.out
    assert f"pushed {sum(expected.values())} triples in {len(expected)} graphs" in pushed.out
    assert "the remote holds the same number of triples in every graph" in pushed.out
    print(f"kg push (Graph Store Protocol) of the build: {pushed.seconds:.2f} s")


def test_push_by_sparql_update_replaces_each_graph(pushed, virtuoso, build_dir, built):
    blog = f"{BASE}graph/blog"
    Remote(*ADMIN).update(
        virtuoso.sparql_auth,
        f'INSERT DATA {{ GRAPH <{blog}> {{ <{RES}x> <{SIKG}note> "not in the build" }} }}',
    )
    expected = build_counts(built)
    assert remote_counts(virtuoso, [blog])[blog] == expected[blog] + 1
    run = kg(*push_args(virtuoso, build_dir, "--replace", "--batch", "2000"))
    assert run.code == 0, run.err
    assert "by SPARQL Update" in run.out
    assert remote_counts(virtuoso, expected) == expected  # the extra triple is gone
    print(f"kg push (SPARQL Update, 2,000 triples per request): {run.seconds:.2f} s")


def test_a_push_to_a_wrong_address_is_one_line(build_dir):
    run = kg("push", "--out", str(build_dir), "--to", f"http://127.0.0.1:{free_port()}/sparql")
    assert run.code == 1
    lines = [line for line in run.err.splitlines() if not line.startswith("kg: graph")]
    assert len(lines) == 1 and lines[0].startswith("kg: error: pushing graph <"), run.err
    assert "cannot reach" in lines[0] and "Traceback" not in run.err


def test_a_refused_push_names_the_graph_and_the_status(virtuoso, build_dir):
    run = kg(
        "push", "--out", str(build_dir), "--to", virtuoso.sparql_auth, "--gsp",
        virtuoso.graph_store, "--user", "dba", "--password", "wrong", "-q",
    )  # fmt: skip
    assert run.code == 1 and run.out == ""
    assert run.err.count("\n") == 1 and "Traceback" not in run.err
    assert run.err.startswith(f"kg: error: pushing graph <{BASE}graph/")
    assert "answered HTTP 401" in run.err


# -- the app in front of Virtuoso -----------------------------------------------------------------
@pytest.fixture(scope="module")
def remote_app(virtuoso, pushed):
    application = create_app(
        ServerConfig(store_dir="", remote_endpoint=virtuoso.sparql, query_timeout=10.0)
    )
    yield application
    application.extensions["kg"].close()


@pytest.fixture
def remote_client(remote_app):
    return remote_app.test_client()


def rows(client, text: str) -> list[dict[str, str]]:
    response = client.get(
        "/sparql",
        query_string={"query": text},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.data
    bindings = json.loads(response.data)["results"]["bindings"]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


def counted(found: list[dict[str, str]]) -> Counter:
    return Counter(frozenset(row.items()) for row in found)


def test_twenty_competency_queries():
    assert [p.name[:4] for p in QUERY_FILES] == [f"cq{n:02d}" for n in range(1, 21)]
    assert set(KNOWN_DIFFERENCES) - {p.name for p in QUERY_FILES} == {
        "entity page: quotes of incoming statements",
        "void:distinctObjects",
    }


def _competency_cases():
    for path in QUERY_FILES:
        reason = KNOWN_DIFFERENCES.get(path.name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(path, marks=marks, id=path.stem)


@pytest.mark.parametrize("path", list(_competency_cases()))
def test_competency_query_answers_as_the_embedded_store_does(path, remote_client, client):
    """The same rows (as a multiset) through Virtuoso as through the embedded store, whose
    answers tests/test_competency_queries.py and test_e2e.py check against expected.yaml."""
    text = path.read_text(encoding="utf-8")
    embedded = rows(client, text)
    assert embedded, "every competency question has an answer"
    assert counted(rows(remote_client, text)) == counted(embedded)


def test_the_answer_formats_are_the_embedded_ones(remote_client, client):
    construct = f"CONSTRUCT {{ <{RES}aef-siberia> ?p ?o }} WHERE {{ <{RES}aef-siberia> ?p ?o }}"
    graphs = []
    for each in (remote_client, client):
        response = each.get(
            "/sparql", query_string={"query": construct}, headers={"Accept": "text/turtle"}
        )
        assert response.status_code == 200
        assert response.content_type == "text/turtle; charset=utf-8"
        graphs.append(set(ox.parse(response.data, format=ox.RdfFormat.TURTLE)))
    assert graphs[0] == graphs[1] and len(graphs[0]) > 10
    for accept in ("text/csv", "application/sparql-results+xml", "text/tab-separated-values"):
        answers = [
            each.get("/sparql", query_string={"query": GRAVES}, headers={"Accept": accept})
            for each in (remote_client, client)
        ]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].data == answers[1].data, accept
    ask = remote_client.get(
        "/sparql", query_string={"query": f"ASK {{ <{RES}aef-siberia> ?p ?o }}"}
    )
    assert json.loads(ask.data) == {"head": {}, "boolean": True}


def test_an_entity_page_renders_from_the_remote_store(remote_client, remote_app, app):
    response = remote_client.get("/id/william-s-graves", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.data.decode()
    assert "William S. Graves" in html and "American Expeditionary Force, Siberia" in html
    remote, embedded = (page_model(a, "william-s-graves") for a in (remote_app, app))
    assert (remote.label, remote.alt_labels, remote.types) == (
        embedded.label,
        embedded.alt_labels,
        embedded.types,
    )
    assert remote.groups == embedded.groups  # every statement, its sources and quotes
    assert remote.mentions == embedded.mentions and len(remote.mentions) > 3
    assert remote.wikidata == embedded.wikidata
    assert incoming(remote, evidence=False) == incoming(embedded, evidence=False)
    turtle = remote_client.get("/id/william-s-graves", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and b"William S. Graves" in turtle.data


@pytest.mark.xfail(strict=True, reason=UNION_VALUES)
def test_an_entity_page_quotes_the_incoming_statements(remote_app, app):
    remote, embedded = (page_model(a, "william-s-graves") for a in (remote_app, app))
    assert incoming(remote, evidence=True) == incoming(embedded, evidence=True)


def page_model(application, slug: str):
    service = application.extensions["kg"]
    return Describer(Dataset(service)).describe(f"{service.config.base}id/{slug}")


def incoming(resource, *, evidence: bool) -> list:
    return [
        (group.predicate, [(s.value, s.evidence if evidence else None) for s in group.statements])
        for group in resource.incoming
    ]


def test_void_and_the_service_description(remote_client, remote_app, app):
    remote_service, embedded_service = (a.extensions["kg"] for a in (remote_app, app))
    remote = void.compute_facts(remote_service, 0)
    embedded = void.compute_facts(embedded_service, 0)
    # everything but the known difference (KNOWN_DIFFERENCES["void:distinctObjects"])
    assert replace(remote, distinct_objects=0) == replace(embedded, distinct_objects=0)
    assert remote.distinct_objects > embedded.distinct_objects
    assert {name for name, _ in remote.graphs} == set(remote_service.graphs())
    response = remote_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and b"void:Dataset" in response.data
    description = remote_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert description.status_code == 200 and b"sd:SPARQL11Query" in description.data
    assert b"SPARQL11Update" not in description.data  # writes are refused here


def test_inference_is_refused_without_an_inferred_graph(remote_client):
    response = remote_client.get("/sparql", query_string={"query": GRAVES, "inference": "owlrl"})
    assert response.status_code == 400 and b"no inferred graph" in response.data


def test_an_answer_cut_short_is_refused(remote_client):
    response = remote_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 413
    assert b"row limit of 10000" in response.data and b"may be incomplete" in response.data


def test_queries_by_digest_authentication(virtuoso, pushed):
    user, password = ADMIN
    application = create_app(
        ServerConfig(
            store_dir="",
            remote_endpoint=virtuoso.sparql_auth,
            remote_user=user,
            remote_password=password,
        )
    )
    assert rows(application.test_client(), GRAVES) == [{"c": f"{RES}william-s-graves"}]
    assert "remote_password" not in repr(application.extensions["kg"].config)


# -- writes and errors ----------------------------------------------------------------------------
def test_writes_are_refused_with_501(remote_client):
    update = f'INSERT DATA {{ <{RES}x> <{SIKG}note> "x" }}'
    answers = [
        remote_client.post(
            "/sparql", data=update, headers={"Content-Type": "application/sparql-update"}
        ),
        remote_client.post("/sparql", data={"update": update}),
        remote_client.put(
            "/graph-store?graph=http://example.org/g",
            data="<http://a> <http://b> <http://c> .",
            headers={"Content-Type": "application/n-triples"},
        ),
        remote_client.get(f"/graph-store?graph={BASE}graph/blog"),
    ]
    assert [a.status_code for a in answers] == [501] * 4
    assert b"send updates to the remote store itself" in answers[0].data
    assert b"Graph Store Protocol is not served" in answers[3].data


def error_of(application, query: str = GRAVES) -> tuple[int, dict]:
    response = application.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    assert b"Traceback" not in response.data
    return response.status_code, json.loads(response.data)


def test_a_query_the_remote_refuses_is_a_400_with_its_message(remote_app):
    status, body = error_of(remote_app, "SELECT * WHERE { ?s ?p }")
    assert status == 400
    assert body["error"].startswith("the remote store refused the query: Virtuoso 37000")
    assert "syntax error" in body["error"]


def test_a_broken_remote_is_a_502_or_503_naming_the_problem(virtuoso, pushed):
    wrong_path = create_app(
        ServerConfig(store_dir="", remote_endpoint=virtuoso.url("no-such-endpoint"))
    )
    status, body = error_of(wrong_path)
    assert status == 502 and body["status"] == 502
    assert body["error"] == (
        "cannot list the graphs of the remote store: the remote store answered HTTP 404: "
        "Error HTTP/1.1 404 File not found The requested URL was not found "
        "URI = '/no-such-endpoint'"
    )
    stopped = create_app(
        ServerConfig(store_dir="", remote_endpoint=f"http://127.0.0.1:{free_port()}/sparql")
    )
    status, body = error_of(stopped)
    assert status == 502
    assert "the remote store cannot be reached: [Errno 111] Connection refused" in body["error"]
    page = stopped.test_client().get("/id/william-s-graves")
    assert page.status_code == 502 and b"Traceback" not in page.data


def test_a_remote_that_does_not_answer_in_time_is_a_503(tmp_path):
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        application = create_app(
            ServerConfig(
                store_dir="",
                remote_endpoint=f"http://127.0.0.1:{port}/sparql",
                query_timeout=1.0,
            )
        )
        started = time.monotonic()
        status, body = error_of(application)
        assert time.monotonic() - started < 5
    assert status == 503 and "1 s (query_timeout)" in body["error"]


# -- kg serve --store URL -------------------------------------------------------------------------
def test_kg_serve_serves_a_remote_store(virtuoso, pushed, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    command = [
        sys.executable, "-m", "kg.cli", "serve", "--store", virtuoso.sparql,
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--quiet",
    ]  # fmt: skip
    with open(tmp_path / "stderr.txt", "wb") as err:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=err, stderr=err, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        url = f"{base}/sparql?query=" + urllib.parse.quote(GRAVES)
        while http_status(url) != 200:
            assert process.poll() is None, (tmp_path / "stderr.txt").read_text()
            assert time.monotonic() < deadline, "kg serve --store URL did not start"
            time.sleep(0.2)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert b"william-s-graves" in response.read()
        assert http_status(f"{base}/id/william-s-graves") == 200
    finally:
        stop(process)


# -- the known differences, shown outside our code ------------------------------------------------
def straight(virtuoso: Virtuoso, query: str, graphs: list[str]) -> int:
    """Rows of a query sent to Virtuoso directly, with the graphs as FROM clauses."""
    named = " ".join(f"FROM <{g}>" for g in graphs)
    text = query.replace("WHERE", f"{named} WHERE", 1)
    body = Remote().query(virtuoso.sparql, text, "application/sparql-results+json").body
    return len(json.loads(body)["results"]["bindings"])


def embedded(build_dir: Path, query: str) -> int:
    store = ox.Store()
    store.load(path=str(build_dir / "graph.trig"), format=ox.RdfFormat.TRIG)
    return len(list(store.query(query, use_default_graph_as_union=True)))


def test_virtuoso_drops_rows_of_a_transitive_path_join(virtuoso, pushed, build_dir):
    graphs = sorted(read_build(build_dir))
    query = PREFIXES + (
        "SELECT ?d ?q ?party WHERE { ?d a ?c . ?c rdfs:subClassOf* sikg:Decision . "
        "?d sikg:strength ?q . ?q sikg:ofParty ?party }"
    )
    expected = embedded(build_dir, query)
    assert expected == 7
    assert straight(virtuoso, query, []) == expected  # the store's own default graph: right
    assert straight(virtuoso, query, graphs) == 0  # the same graphs, named: nothing
    without_path = query.replace(
        "?d a ?c . ?c rdfs:subClassOf* sikg:Decision", "?d a sikg:Decision"
    )
    assert straight(virtuoso, without_path, graphs) == expected


def test_virtuoso_lets_values_in_one_union_branch_restrict_the_other(virtuoso, pushed, build_dir):
    graphs = sorted(read_build(build_dir))
    graves = f"<{RES}william-s-graves>"
    query = PREFIXES + (
        f"SELECT ?c ?s WHERE {{ {{ VALUES ?s {{ {graves} }} ?c rdf:subject ?s }} "
        f"UNION {{ ?c rdf:object {graves} }} ?c rdf:subject ?s }}"
    )
    expected = embedded(build_dir, query)
    assert expected == 12
    assert straight(virtuoso, query, graphs) == 8
    plain = query.replace(f"VALUES ?s {{ {graves} }} ?c rdf:subject ?s", f"?c rdf:subject {graves}")
    assert straight(virtuoso, plain, graphs) == expected  # the same without VALUES: right


def test_oxigraph_stores_integer_subtypes_as_integer(virtuoso, pushed, build_dir):
    query = (
        "SELECT (DATATYPE(?o) AS ?t) WHERE { "
        f"<{BASE}anchor/wikipedia/869-887> <http://www.w3.org/ns/oa#start> ?o }}"
    )
    store = ox.Store()
    store.load(path=str(build_dir / "graph.trig"), format=ox.RdfFormat.TRIG)
    ours = [row["t"].value for row in store.query(query, use_default_graph_as_union=True)]
    body = Remote().query(virtuoso.sparql, query, "application/sparql-results+json").body
    theirs = [row["t"]["value"] for row in json.loads(body)["results"]["bindings"]]
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert b'"869"^^xsd:nonNegativeInteger' in (build_dir / "graph.trig").read_bytes()
    assert (ours, theirs) == ([xsd + "integer"], [xsd + "nonNegativeInteger"])


# -- without Virtuoso -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        (
            "# a comment\nPREFIX ex: <http://example.org/>\nBASE <http://b/>\nconstruct {}",
            "CONSTRUCT",
        ),
        ("PREFIX : <http://e/> PREFIX select: <http://s/> ASK { :a select:b :c }", "ASK"),
        ("\ufeffDESCRIBE <http://a>", "DESCRIBE"),
        ("PREFIX ex: <http://example.org/#SELECT> # CONSTRUCT\n SELECT ?x {}", "SELECT"),
        ("INSERT DATA {}", None),
        ("SELEC * {}", None),
    ],
)
def test_the_query_form_is_read_after_the_prologue(text, form):
    assert query_form(text) == form
