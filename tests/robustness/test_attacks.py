"""Attacks on a real ``kg serve`` over loopback: every one refused or neutralised.

tests/server/test_safety.py proves the SERVICE / LOAD guard case by case on the Flask app; this
module sends what it does not cover to the real server (gunicorn, two processes) over HTTP:
loopback in every spelling a URL parser accepts, cloud metadata and private ranges, an
allow-listed endpoint that redirects to a private address, FROM / USING / WITH naming local
URLs, writes with no token, a wrong one or one in the wrong place, path traversal on static files
and pages, SPARQL injection through a page's path, script injection through labels, and
cross-origin requests with credentials.

The target of every attack is ``forbidden``, a server on 127.0.0.1 that records each request; it
must receive none. ``redirector`` is the one endpoint on the allow-list: it answers 302 to
``forbidden``, and Oxigraph must not follow it. Each test counts the cases it tried and refused
and writes them to ``$KG_ROBUSTNESS_FIGURES/attacks-*.json``.
"""

from __future__ import annotations

import base64
import urllib.parse

import pyoxigraph as ox
import pytest
from kg_process import KgServe, Recorder, http, query_path, record_figures

TOKEN = "attack-test-token"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
XSS_ENTITY = "https://w3id.org/sikg/id/xss-probe"
XSS_LABEL = "<script>alert('label')</script>"
XSS_COMMENT = '</script><img src=x onerror="alert(2)"><svg onload=alert(3)>'
MARKER = "<http://example.org/attack/written>"

# Host spellings that reach this machine's loopback (Oxigraph's URL parser reads them all as
# 127.0.0.1 or ::1), cloud metadata, private ranges and names that resolve to them.
LOOPBACK_FORMS = [
    "127.0.0.1",
    "localhost",
    "LOCALHOST",
    "localhost.",
    "127.1",
    "127.0.1",
    "0x7f000001",
    "0x7f.0.0.1",
    "2130706433",
    "0177.0.0.1",
    "%31%32%37.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]",
]
OTHER_TARGETS = [
    "http://127.0.0.1.nip.io:{port}/sparql",  # a public name that resolves to loopback
    "http://localtest.me:{port}/sparql",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/sparql",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://10.0.0.1/sparql",
    "http://172.16.0.1/sparql",
    "http://192.168.0.1/sparql",
    "http://0.0.0.0:{port}/sparql",
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "FILE:///proc/self/environ",
    # the allow-listed endpoint, bent towards the forbidden one
    "{allowed}#@127.0.0.1:{port}",
    "http://user@127.0.0.1:{allowed_port}/sparql",
    "{allowed}/../../sparql?x=@127.0.0.1:{port}",
    "http://127.0.0.1:{allowed_port}@127.0.0.1:{port}/sparql",
]


def targets(forbidden: Recorder, redirector: Recorder) -> list[str]:
    fill = {
        "port": forbidden.port,
        "allowed": f"{redirector.base}/sparql",
        "allowed_port": redirector.port,
    }
    found = [f"http://{host}:{forbidden.port}/sparql" for host in LOOPBACK_FORMS]
    return found + [t.format(**fill) for t in OTHER_TARGETS]


@pytest.fixture(scope="module")
def forbidden():
    recorder = Recorder()
    yield recorder
    recorder.close()


@pytest.fixture(scope="module")
def redirector(forbidden):
    recorder = Recorder(redirect_to=f"{forbidden.base}/sparql")
    yield recorder
    recorder.close()


@pytest.fixture(scope="module")
def server(build_dir, tmp_path_factory, redirector):
    served = KgServe(
        build_dir,
        tmp_path_factory.mktemp("attack-store"),
        tmp_path_factory.mktemp("attack-logs"),
        token=TOKEN,
        env={"KG_SERVICE_ALLOW": f"{redirector.base}/sparql"},
    )
    try:
        yield served.start()
    finally:
        served.stop()


@pytest.fixture(autouse=True)
def nothing_reaches_the_forbidden_server(forbidden):
    yield
    assert forbidden.requests == [], "a request reached the forbidden local server"


def refused(answer) -> bool:
    """An answer that refuses: a 4xx with a short body, never a traceback."""
    return 400 <= answer.status < 500 and "Traceback" not in answer.text


# -- SERVICE, LOAD, FROM, USING ------------------------------------------------------------------
def test_the_loopback_spellings_are_live_without_the_guard():
    """Oxigraph itself, unguarded, calls every loopback spelling (so refusing them matters)."""
    probe = Recorder()
    live = []
    try:
        for host in LOOPBACK_FORMS:
            before = len(probe.requests)
            query = f"ASK {{ SERVICE <http://{host}:{probe.port}/sparql> {{ }} }}"
            try:
                ox.Store().query(query)
            except (OSError, RuntimeError, SyntaxError, ValueError):
                pass
            if len(probe.requests) > before:
                live.append(host)
    finally:
        probe.close()
    record_figures("attacks-live-loopback", {"spellings": len(LOOPBACK_FORMS), "live": live})
    # The IPv6 forms need an IPv6 listener (the recorder has IPv4 only) and Oxigraph's IRI
    # parser refuses a percent-encoded host; every IPv4 spelling is live.
    assert set(LOOPBACK_FORMS) - set(live) <= {
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[0:0:0:0:0:ffff:7f00:1]",
        "%31%32%37.0.0.1",
        "localhost.",
    }


def test_service_to_local_and_private_targets_is_refused(server, forbidden, redirector):
    tried = failures = 0
    wrong = []
    for target in targets(forbidden, redirector):
        query = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
        silent = query.replace("SERVICE", "SERVICE SILENT")
        for text in (query, silent):
            for answer in (
                http(server.port, "GET", query_path(text)),
                http(
                    server.port,
                    "POST",
                    "/sparql",
                    urllib.parse.urlencode({"query": text}),
                    {"Content-Type": "application/x-www-form-urlencoded"},
                ),
                http(
                    server.port,
                    "POST",
                    "/sparql",
                    text,
                    {"Content-Type": "application/sparql-query"},
                ),
            ):
                tried += 1
                if not (refused(answer) and b"not allowed" in answer.body):
                    failures += 1
                    wrong.append((target, answer.status, answer.text[:200]))
    record_figures("attacks-service", {"tried": tried, "refused": tried - failures})
    assert wrong == []
    assert tried == len(targets(forbidden, redirector)) * 6


def test_load_of_local_and_private_targets_is_refused(server, forbidden, redirector):
    tried = 0
    wrong = []
    for target in targets(forbidden, redirector) + [f"{redirector.base}/sparql"]:
        for text in (f"LOAD <{target}>", f"LOAD SILENT <{target}> INTO GRAPH <urn:attack:g>"):
            tried += 1
            answer = server.update(text)
            if not (answer.status == 403 and b"LOAD" in answer.body):
                wrong.append((text, answer.status, answer.text[:200]))
    record_figures("attacks-load", {"tried": tried, "refused": tried - len(wrong)})
    assert wrong == []


def test_from_using_with_and_dataset_parameters_never_fetch(server, forbidden):
    """Graph names are names: the query runs (over no data) and nothing is fetched."""
    local = f"{forbidden.base}/data.ttl"
    queries = [
        f"SELECT * FROM <{local}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{local}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM <http://169.254.169.254/latest/meta-data/> WHERE { ?s ?p ?o }",
        f"SELECT * WHERE {{ GRAPH <{local}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE <{local}>",
    ]
    updates = [
        f"INSERT {{ GRAPH <urn:attack:g> {{ ?s ?p ?o }} }} USING <{local}> WHERE {{ ?s ?p ?o }}",
        f"INSERT {{ GRAPH <urn:attack:g> {{ ?s ?p ?o }} }} USING NAMED <{local}> "
        "WHERE { GRAPH ?g { ?s ?p ?o } }",
        f"WITH <{local}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        "INSERT { GRAPH <urn:attack:g> { ?s ?p ?o } } USING <file:///etc/passwd> "
        "WHERE { ?s ?p ?o }",
        f"ADD <{local}> TO <urn:attack:g>",
        f"COPY SILENT <{local}> TO <urn:attack:copy>",
    ]
    tried = 0
    wrong = []
    for query in queries:
        tried += 1
        accept = "text/turtle" if query.startswith("DESCRIBE") else "application/json"
        answer = server.query(query, accept=accept)
        rows = (
            answer.json()["results"]["bindings"]
            if answer.status == 200 and "SELECT" in query
            else []
        )
        if answer.status != 200 or rows:
            wrong.append((query, answer.status, answer.text[:200]))
    by_parameters = query_path(
        "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
        **{"default-graph-uri": local, "named-graph-uri": "file:///etc/passwd"},
    )
    tried += 1
    answer = http(server.port, "GET", by_parameters, headers={"Accept": "application/json"})
    if answer.status != 200 or answer.json()["results"]["bindings"]:
        wrong.append(("default-graph-uri", answer.status, answer.text[:200]))
    for update in updates:
        tried += 1
        answer = server.update(update)
        if answer.status != 204:
            wrong.append((update, answer.status, answer.text[:200]))
    tried += 1
    answer = http(
        server.port,
        "POST",
        "/sparql?" + urllib.parse.urlencode({"using-graph-uri": local}),
        "INSERT { GRAPH <urn:attack:g> { ?s ?p ?o } } WHERE { ?s ?p ?o }",
        {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    if answer.status != 204:
        wrong.append(("using-graph-uri", answer.status, answer.text[:200]))
    assert not server.ask("ASK { GRAPH <urn:attack:g> { ?s ?p ?o } }")  # nothing was fetched
    record_figures("attacks-graph-names", {"tried": tried, "neutralised": tried - len(wrong)})
    assert wrong == []


def test_an_allow_listed_endpoint_that_redirects_to_a_private_address_is_not_followed(
    server, forbidden, redirector
):
    redirector.requests.clear()
    query = f"SELECT * WHERE {{ SERVICE <{redirector.base}/sparql> {{ ?s ?p ?o }} }}"
    answer = server.query(query)
    record_figures(
        "attacks-redirect",
        {
            "status": answer.status,
            "redirector_requests": len(redirector.requests),
            "forbidden_requests": len(forbidden.requests),
        },
    )
    assert redirector.requests, "the allow-listed endpoint is called"
    assert forbidden.requests == []  # the 302 is not followed
    assert answer.status == 502, answer.text  # the endpoint failed: a gateway error, no 500
    assert "redirect" in answer.text and "Traceback" not in answer.text


# -- writes and their token -----------------------------------------------------------------------
def test_writes_without_the_token_in_the_header_are_refused(server):
    insert = f"INSERT DATA {{ GRAPH <urn:attack:w> {{ {MARKER} <urn:p> 1 }} }}"
    update = {"Content-Type": "application/sparql-update"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    basic = base64.b64encode(f"admin:{TOKEN}".encode()).decode()
    auth = {**update}
    cases = [
        ("no token", "POST", "/sparql", insert, auth, 401),
        ("wrong token", "POST", "/sparql", insert, {**update, "Authorization": "Bearer no"}, 403),
        ("token prefix", "POST", "/sparql", insert, _bearer(update, TOKEN[:-1]), 403),
        ("token and more", "POST", "/sparql", insert, _bearer(update, TOKEN + "x"), 403),
        ("Basic with the token", "POST", "/sparql", insert,
         {**update, "Authorization": f"Basic {basic}"}, 403),
        ("token as the scheme", "POST", "/sparql", insert, {**update, "Authorization": TOKEN}, 403),
        ("token in a cookie", "POST", "/sparql", insert, {**update, "Cookie": f"t={TOKEN}"}, 401),
        ("X-Update-Token", "POST", "/sparql", insert, {**update, "X-Update-Token": TOKEN}, 401),
    ]  # fmt: skip
    for name in ("token", "access_token", "update_token", "Authorization", "bearer"):
        cases.append((f"?{name}=", "POST", f"/sparql?{name}={TOKEN}", insert, update, 401))
        body = urllib.parse.urlencode({"update": insert, name: TOKEN})
        cases.append((f"form field {name}", "POST", "/sparql", body, form, 401))
    in_query = urllib.parse.urlencode({"Authorization": f"Bearer {TOKEN}"})
    cases.append(("Authorization in the query", "POST", f"/sparql?{in_query}", insert, update, 401))
    turtle = {"Content-Type": "text/turtle"}
    data = f"{MARKER} <urn:p> 1 ."
    graph = "/graph-store?graph=urn:attack:w"
    for method in ("PUT", "POST"):
        cases.append((f"GSP {method}", method, graph, data, turtle, 401))
        cases.append((f"GSP {method}, token in query", method, f"{graph}&access_token={TOKEN}",
                      data, turtle, 401))  # fmt: skip
        cases.append((f"GSP {method}, wrong token", method, graph, data,
                      _bearer(turtle, "nope"), 403))  # fmt: skip
    wikipedia = "/graph-store?graph=https://w3id.org/sikg/graph/wikipedia"
    cases.append(("GSP DELETE", "DELETE", wikipedia, None, {}, 401))
    cases.append(("GSP DELETE, wrong token", "DELETE", wikipedia, None, _bearer({}, "x"), 403))
    wrong = []
    for name, method, path, body, headers, expected in cases:
        answer = http(server.port, method, path, body, headers)
        if answer.status != expected:
            wrong.append((name, answer.status, answer.text[:200]))
    written = server.ask(f"ASK {{ GRAPH ?g {{ {MARKER} ?p ?o }} }}")
    kept = server.ask("ASK { GRAPH <https://w3id.org/sikg/graph/wikipedia> { ?s ?p ?o } }")
    record_figures("attacks-token", {"tried": len(cases), "refused": len(cases) - len(wrong)})
    assert wrong == [] and not written and kept


# -- paths ---------------------------------------------------------------------------------------
# Each aims at a file that exists, whose marker (LEAKS) would show it served: /etc/passwd, the
# server's code (server/app.py: "def create_app", kg/cli.py), README.md and pyproject.toml at the
# top of the checkout. /static/ is server/static/, so "../app.py" is server/app.py and
# "../../README.md" the README. /queries/ serves only the names of queries/*.rq (an allow-list), so
# nothing there can leak.
TRAVERSALS = [
    "/static/../app.py",
    "/static/../../server/app.py",
    "/static/..%2fapp.py",
    "/static/..%2f..%2fserver%2fapp.py",
    "/static/%2e%2e/app.py",
    "/static/%2e%2e%2fapp.py",
    "/static/%252e%252e%252fapp.py",
    "/static/..%5capp.py",
    "/static/..\\app.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/vendor/../../app.py",
    "/static/..%00/app.py",
    "/static/../../kg/cli.py",
    "/static/../../README.md",
    "/static/%2e%2e/%2e%2e/README.md",
    "/static/..%2f..%2fpyproject.toml",
    "/id/..%2f..%2fetc%2fpasswd",
    "/id/../../etc/passwd",
    "/id/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/source/..%2f..%2fserver%2fapp.py",
    "/quantity/..%2f..%2f..%2fetc%2fpasswd",
    "/ontology/..%2f..%2fetc%2fpasswd",
    "/.well-known/../server/app.py",
    "/sparql/../../etc/passwd",
    "//etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
]
LEAKS = (
    b"root:x:0:0",
    b"def create_app",
    b"import argparse",
    b"# Siberian Intervention Knowledge Graph",
    b"[build-system]",
)


@pytest.mark.parametrize("accept", ["text/html", "*/*"])
def test_path_traversal_reaches_no_file(server, accept):
    wrong = []
    for path in TRAVERSALS:
        answer = http(server.port, "GET", path, headers={"Accept": accept})
        if answer.status >= 500 or any(leak in answer.body for leak in LEAKS):
            wrong.append((path, answer.status, answer.text[:120]))
    record_figures(
        f"attacks-traversal-{accept.replace('/', '_').replace('*', 'any')}",
        {"tried": len(TRAVERSALS), "refused": len(TRAVERSALS) - len(wrong)},
    )
    assert wrong == []


def test_sparql_injection_through_a_page_path_is_refused(server, forbidden):
    """The page routes write the IRI into their queries: no way out of ``<...>``."""
    escape = (
        f"x> ?p ?o }} UNION {{ SERVICE <http://127.0.0.1:{forbidden.port}/sparql> {{ ?s ?p ?o }}"
    )
    paths = [
        "/id/" + urllib.parse.quote(escape, safe=""),
        "/id/" + urllib.parse.quote(escape.replace(">", "\\u003E"), safe=""),
        "/source/" + urllib.parse.quote(escape, safe=""),
        "/id/x%3E%20%3Fp%20%3Fo%20%7D%20%23",
    ]
    wrong = []
    for path in paths:
        for accept in ("text/html", "text/turtle"):
            answer = http(server.port, "GET", path, headers={"Accept": accept})
            if answer.status != 404:
                wrong.append((path, accept, answer.status, answer.text[:120]))
    record_figures(
        "attacks-page-injection", {"tried": len(paths) * 2, "refused": len(paths) * 2 - len(wrong)}
    )
    assert wrong == []


# -- script injection through data ----------------------------------------------------------------
def test_labels_with_markup_are_escaped_on_the_pages(server):
    write = (
        f"INSERT DATA {{ GRAPH <http://example.org/attack/xss> {{ <{XSS_ENTITY}> <{LABEL}> "
        f"{_literal(XSS_LABEL)} ; <{COMMENT}> {_literal(XSS_COMMENT)} . }} }}"
    )
    answer = server.update(write)
    assert answer.status == 204, answer.text
    page = http(server.port, "GET", "/id/xss-probe", headers={"Accept": "text/html"})
    assert page.status == 200, page.text
    html = page.text
    assert "&lt;script&gt;alert(" in html  # the label is shown, as text
    for raw in ("<script>alert", "<img src=x", "<svg onload", 'onerror="alert'):
        assert raw not in html, raw
    _assert_strict_csp(page.headers)
    # The query page shows results by script from /sparql's JSON: served as JSON, never HTML.
    label_query = f"SELECT ?l WHERE {{ <{XSS_ENTITY}> <{LABEL}> ?l }}"
    as_json = server.query(label_query)
    assert (
        as_json.status == 200
        and as_json.json()["results"]["bindings"][0]["l"]["value"] == XSS_LABEL
    )
    assert as_json.headers["Content-Type"].startswith("application/sparql-results+json")
    assert as_json.headers["X-Content-Type-Options"] == "nosniff"
    for accept in ("text/html", "text/html, */*;q=0.1", "text/html;q=1, text/csv;q=0.5"):
        other = server.query(label_query, accept=accept)
        media = other.headers.get_content_type()
        if media == "text/html":  # only an error page (406), which carries no result
            assert other.status == 406 and b"<script>alert" not in other.body, other.text
        else:
            assert other.status == 200 and media != "text/html", other.text
            assert other.headers["X-Content-Type-Options"] == "nosniff"
    # The markup in an error message (the query echoed back) is escaped in HTML errors too.
    echoed = http(
        server.port,
        "GET",
        query_path("SELECT <script>alert(1)</script>"),
        headers={"Accept": "text/html"},
    )
    assert 400 <= echoed.status < 500 and b"<script>alert" not in echoed.body
    missing = http(
        server.port,
        "GET",
        "/id/" + urllib.parse.quote("<script>alert(1)</script>", safe=""),
        headers={"Accept": "text/html"},
    )
    assert missing.status == 404 and b"<script>alert" not in missing.body
    index = http(server.port, "GET", "/", headers={"Accept": "text/html"})
    assert index.status == 200
    _assert_strict_csp(index.headers)
    record_figures("attacks-script-injection", {"tried": 6, "neutralised": 6})


def _bearer(headers: dict, token: str) -> dict:
    return {**headers, "Authorization": f"Bearer {token}"}


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _assert_strict_csp(headers) -> None:
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    script = directives.get("script-src") or directives.get("default-src", "")
    assert "'self'" in script and "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers.get("Referrer-Policy")


# -- cross-origin requests -------------------------------------------------------------------------
def test_cross_origin_requests_never_carry_credentials(server):
    evil = "https://evil.example"
    cookie = {"Origin": evil, "Cookie": "session=stolen"}
    cases = {
        "query with cookies": http(server.port, "GET", query_path("ASK {}"), headers=cookie),
        "null origin": http(
            server.port, "GET", query_path("ASK {}"), headers={"Origin": "null", "Cookie": "a=b"}
        ),
        "preflight asking for Authorization": http(
            server.port,
            "OPTIONS",
            "/sparql",
            headers={
                "Origin": evil,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        ),
        "preflight for a Graph Store PUT": http(
            server.port,
            "OPTIONS",
            "/graph-store?graph=urn:attack:cors",
            headers={
                "Origin": evil,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization",
            },
        ),
        "update with the token, cross-origin": server_update_with_origin(server, evil),
        "form update, cross-origin (CSRF)": http(
            server.port,
            "POST",
            "/sparql",
            urllib.parse.urlencode({"update": "CLEAR SILENT GRAPH <urn:attack:cors>"}),
            {**cookie, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        "graph store read": http(server.port, "GET", "/graph-store?default", headers=cookie),
        "entity page": http(server.port, "GET", "/id/aef-siberia", headers=cookie),
    }
    wrong = []
    for name, answer in cases.items():
        headers = answer.headers
        origin = headers.get("Access-Control-Allow-Origin")
        if headers.get("Access-Control-Allow-Credentials") or origin in (evil, "null"):
            wrong.append((name, "credentials or a reflected origin"))
        if "preflight" in name:
            allowed = (headers.get("Access-Control-Allow-Headers") or "").lower()
            methods = (headers.get("Access-Control-Allow-Methods") or "").upper()
            if "authorization" in allowed or "PUT" in methods:
                wrong.append((name, "the preflight lets a write through"))
        if "update" in name and origin:
            wrong.append((name, "an update answered with CORS headers"))
        if name.startswith("form update") and answer.status != 401:
            wrong.append((name, f"a tokenless form update got {answer.status}"))
    record_figures("attacks-cors", {"tried": len(cases), "refused": len(cases) - len(wrong)})
    assert wrong == []


def server_update_with_origin(server, origin: str):
    return http(
        server.port,
        "POST",
        "/sparql",
        "CLEAR SILENT GRAPH <urn:attack:cors>",
        {
            "Origin": origin,
            "Content-Type": "application/sparql-update",
            "Authorization": f"Bearer {TOKEN}",
        },
    )


def test_security_headers_on_every_kind_of_answer(server):
    paths = [
        ("/", "text/html"),
        ("/id/aef-siberia", "text/html"),
        ("/id/no-such-thing", "text/html"),
        ("/ontology", "text/html"),
        (query_path("ASK {}"), "application/json"),
        (query_path("SELECT"), "text/html"),
        ("/sparql", "text/turtle"),
        ("/.well-known/void", "text/turtle"),
        ("/graph-store?graph=urn:none", "text/turtle"),
        ("/static/css/../../app.py", "text/html"),
    ]
    wrong = []
    for path, accept in paths:
        answer = http(server.port, "GET", path, headers={"Accept": accept})
        headers = answer.headers
        csp = headers.get("Content-Security-Policy", "")
        if (
            headers.get("X-Content-Type-Options") != "nosniff"
            or "frame-ancestors 'none'" not in csp
        ):
            wrong.append((path, answer.status, dict(headers)))
        if answer.headers.get_content_type() == "text/html":
            try:
                _assert_strict_csp(headers)
            except AssertionError:
                wrong.append((path, "weak CSP", csp))
    record_figures(
        "attacks-headers", {"tried": len(paths), "with_headers": len(paths) - len(wrong)}
    )
    assert wrong == []
