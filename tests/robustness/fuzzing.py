"""What the robustness tests share: the fuzz settings, the check of an answer, and the strategies
(Hypothesis) that draw SPARQL queries and updates, RDF bodies, Accept headers and byte encodings.

Queries and updates come three ways: seeds (the competency queries of ``queries/`` and a few of
every form and feature) mutated by inserting, deleting, repeating and cutting pieces; generated
from a small grammar (group patterns, paths, expressions, every query form); or any text at all.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from pathlib import Path

from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from kg_process import BASE, RES, SIKG

from server.negotiation import GRAPH_TYPES, RESULT_TYPES
from server.settings import ServerConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "40"))
SEED = os.environ.get("KG_FUZZ_SEED")
TOKEN = "fuzz-token"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
GRAVES = f"SELECT ?c WHERE {{ <{RES}aef-siberia> <{SIKG}commander> ?c }}"
MAX_BODY_BYTES = 100_000  # small, so that bodies past it are cheap to send
MAX_RESULT_BYTES = 2_000_000
QUERY_TIMEOUT = 2.0
# A closed port of 127.0.0.1: SERVICE <https://query.wikidata.org/sparql> fails at once, offline.
OFFLINE_WIKIDATA = "http://127.0.0.1:9/sparql"
WIKIDATA = "https://query.wikidata.org/sparql"


def fuzz(weight: float = 1.0):
    """Hypothesis settings of a fuzz test: ``weight`` times EXAMPLES, no deadline, reproducible
    (the same examples every run, unless KG_FUZZ_SEED asks for others)."""
    chosen = settings(
        max_examples=max(1, round(EXAMPLES * weight)),
        deadline=None,
        derandomize=SEED is None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    def apply(test):
        test = chosen(test)
        return seed(int(SEED))(test) if SEED is not None else test

    return apply


def fuzz_config(store_dir: str, build_dir) -> ServerConfig:
    """The fuzzed app's settings: small limits (cheap to pass), worker processes, writes on."""
    return ServerConfig(
        store_dir=store_dir,
        build_dir=str(build_dir),
        query_workers=2,
        query_timeout=QUERY_TIMEOUT,
        max_body_bytes=MAX_BODY_BYTES,
        max_result_bytes=MAX_RESULT_BYTES,
        update_token=TOKEN,
        wikidata_endpoint=OFFLINE_WIKIDATA,
        executor="pool",
    )


# -- what an answer may be ----------------------------------------------------------------------
# Signs that a body shows the server's insides: a traceback, a source line, a module path.
LEAKS = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"\n]*", line \d+'),
    re.compile(r"[\w./\\-]*(?:site-packages|dist-packages|\.venv)[\w./\\-]*"),
    re.compile(r"[\w./\\-]+\.pyc?\b"),
)


class Tally:
    """Requests sent and answers seen, per route."""

    def __init__(self) -> None:
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.seconds: Counter = Counter()
        self.path: Path | None = None  # where the summary was written

    def record(self, route: str, status: int, seconds: float = 0.0) -> None:
        self.statuses[route][status] += 1
        self.seconds[route] += seconds

    def summary(self) -> dict:
        routes = {
            route: {
                "requests": sum(counts.values()),
                "5xx": sum(n for status, n in counts.items() if status >= 500),
                "seconds": round(self.seconds[route], 2),
                "statuses": {str(s): n for s, n in sorted(counts.items())},
            }
            for route, counts in sorted(self.statuses.items())
        }
        return {
            "examples_per_test": EXAMPLES,
            "seed": SEED,
            "requests": sum(r["requests"] for r in routes.values()),
            "5xx": sum(r["5xx"] for r in routes.values()),
            "routes": routes,
        }


def check_answer(tally: Tally, route: str, response, sent: str, seconds: float = 0.0) -> None:
    """Record the answer; fail on a 5xx the input did not ask for, or on a leaked internal.

    ``sent`` is everything the request carried (path, parameters, headers, body) as text: a body
    may echo it (a page names the IRI asked for), and what the request held is no leak.
    """
    status = response.status_code
    tally.record(route, status, seconds)
    body = response.get_data(as_text=True)
    shown = f"{route} answered {status}: {body[:300]!r}\nsent: {sent[:600]!r}"
    assert status != 500, shown
    if status >= 500:
        timed_out = status == 503 and ("query_timeout" in body or "workers are busy" in body)
        service = status == 502 and re.search("service", sent, re.IGNORECASE) is not None
        assert timed_out or service, shown
    if status == 413:
        assert "max_body_bytes" in body or "max_result_bytes" in body, shown
    for pattern in LEAKS:
        for match in pattern.finditer(body):
            assert match.group() in sent, f"leaked {match.group()!r}; {shown}"


def assert_known_answer(client) -> None:
    """The server still answers, and answers right: the commander of the AEF Siberia."""
    response = client.get(
        "/sparql",
        query_string={"query": GRAVES},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.data[:300]
    bindings = json.loads(response.data)["results"]["bindings"]
    assert bindings == [{"c": {"type": "uri", "value": f"{RES}william-s-graves"}}]


# -- terms --------------------------------------------------------------------------------------
GRAPHS = tuple(
    f"{BASE}graph/{name}"
    for name in ("registry", "ontology", "derived", "links", "blog", "dunscomb", "wikipedia")
)
FUZZ_GRAPHS = ("http://example.org/fuzz/a", "http://example.org/fuzz/b", "urn:fuzz:c")
IRIS = (
    f"{RES}aef-siberia",
    f"{RES}william-s-graves",
    f"{SIKG}commander",
    f"{SIKG}Claim",
    f"{RDFS}label",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    *GRAPHS[:2],
    *FUZZ_GRAPHS,
    "http://example.org/\u00e9t\u00e9",
    "urn:x",
    "file:///etc/passwd",
    "http://127.0.0.1:1/sparql",
)
VARIABLES = ("?s", "?p", "?o", "?x", "?y", "?g", "?n", "$v")
LITERALS = (
    '"x"',
    '"x"@en',
    '"Graves"@en',
    f'"1"^^<{XSD}integer>',
    f'"abc"^^<{XSD}integer>',
    f'"1918-08-16"^^<{XSD}date>',
    "1",
    "-2.5e10",
    "0.0",
    "true",
    '"\\u0022"',
    '"""multi\nline"""',
    "'\u00e9\u202e\U0001f600'",
    '""',
    '"' + "a" * 2000 + '"',
)
iris = st.one_of(
    st.sampled_from(IRIS).map(lambda iri: f"<{iri}>"),
    st.text(max_size=20).map(lambda text: f"<http://example.org/{text}>"),
)
variables = st.sampled_from(VARIABLES)
literals = st.one_of(st.sampled_from(LITERALS), st.text(max_size=20).map(json.dumps))
terms = st.one_of(variables, iris, literals)


def graph_iris(scratch_only: bool = False) -> st.SearchStrategy:
    """The ``graph`` of a Graph Store request: the store's graphs, scratch ones, and junk.

    ``scratch_only`` leaves out the store's graphs: a write that drops one is validated against
    the shapes whole (seconds each), which is not what is fuzzed.
    """
    return st.one_of(
        st.sampled_from(FUZZ_GRAPHS if scratch_only else GRAPHS + FUZZ_GRAPHS),
        st.sampled_from(["", "relative", "http://", "urn:", "http://ex ample.org/", "<urn:x>"]),
        st.text(max_size=30),
    )


# -- generated queries ----------------------------------------------------------------------------
paths = st.recursive(
    iris,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda pair: f"{pair[0]}/{pair[1]}"),
        st.tuples(inner, inner).map(lambda pair: f"({pair[0]}|{pair[1]})"),
        st.tuples(inner, st.sampled_from("*+?")).map(lambda pair: f"({pair[0]}){pair[1]}"),
        inner.map(lambda path: f"^({path})"),
        st.tuples(iris, iris).map(lambda pair: f"!({pair[0]}|^{pair[1]})"),
    ),
    max_leaves=4,
)
FUNCTIONS = (
    "STR",
    "LANG",
    "DATATYPE",
    "STRLEN",
    "UCASE",
    "ABS",
    "ISIRI",
    "BOUND",
    "ENCODE_FOR_URI",
    "<urn:fuzz:unknown-function>",
    f"<{XSD}integer>",
    f"<{XSD}dateTime>",
)
expressions = st.recursive(
    st.one_of(variables, literals, iris),
    lambda inner: st.one_of(
        st.tuples(
            inner, st.sampled_from(["+", "-", "*", "/", "=", "!=", "<", ">=", "&&", "||"]), inner
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, st.sampled_from(['"(a+)+$"', '"^x"', '"["', '"a{99999}"', '"\\\\w"'])).map(
            lambda t: f'REGEX(STR({t[0]}), {t[1]}, "i")'
        ),
        st.tuples(inner, inner).map(lambda t: f"CONCAT(STR({t[0]}), STR({t[1]}))"),
        st.tuples(inner, inner, inner).map(lambda t: f"IF({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(inner, st.integers(-5, 5)).map(lambda t: f"SUBSTR(STR({t[0]}), {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"COALESCE({t[0]}, {t[1]})"),
        inner.map(lambda e: f"!({e})"),
        st.sampled_from(["NOW()", "RAND()", "BNODE()", "UUID()", "(1/0)"]),
    ),
    max_leaves=5,
)
triples = st.one_of(
    st.tuples(terms, st.one_of(variables, iris), terms).map(lambda t: f"{t[0]} {t[1]} {t[2]} ."),
    st.tuples(terms, paths, terms).map(lambda t: f"{t[0]} {t[1]} {t[2]} ."),
    st.just("<<( ?s ?p ?o )>> ?q ?r ."),
)
patterns = st.recursive(
    st.lists(triples, min_size=1, max_size=3).map(" ".join),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"{{ {t[0]} }} UNION {{ {t[1]} }}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} OPTIONAL {{ {t[1]} }}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} MINUS {{ {t[1]} }}"),
        st.tuples(inner, expressions).map(lambda t: f"{t[0]} FILTER({t[1]})"),
        st.tuples(inner, expressions).map(lambda t: f"{t[0]} BIND({t[1]} AS ?b)"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} FILTER NOT EXISTS {{ {t[1]} }}"),
        inner.map(lambda p: f"GRAPH ?g {{ {p} }}"),
        inner.map(lambda p: f"{{ SELECT * WHERE {{ {p} }} LIMIT 3 }}"),
        st.tuples(inner, st.lists(literals, max_size=3)).map(
            lambda t: f"{t[0]} VALUES ?x {{ {' '.join(t[1])} }}"
        ),
        st.tuples(st.sampled_from([WIKIDATA, "http://127.0.0.1:1/sparql"]), inner).map(
            lambda t: f"SERVICE SILENT <{t[0]}> {{ {t[1]} }}"
        ),
    ),
    max_leaves=5,
)
FORMS = (
    "SELECT * WHERE",
    "SELECT DISTINCT ?s ?o WHERE",
    "SELECT (COUNT(*) AS ?n) WHERE",
    "SELECT ?s (SAMPLE(?o) AS ?one) WHERE",
    "ASK WHERE",
    "CONSTRUCT { ?s ?p ?o } WHERE",
    "DESCRIBE ?s WHERE",
    "SELECT * FROM <https://w3id.org/sikg/graph/registry> WHERE",
    "SELECT * FROM NAMED <urn:fuzz:c> WHERE",
)


@st.composite
def generated_queries(draw) -> str:
    form = draw(st.sampled_from(FORMS))
    query = f"{form} {{ {draw(patterns)} }}"
    if form.startswith("SELECT ?s (SAMPLE"):
        query += " GROUP BY ?s"
    query += draw(st.sampled_from(["", " ORDER BY ?s", " OFFSET 2"]))
    if draw(st.integers(0, 9)):  # mostly with a LIMIT: the time limit is not what is fuzzed
        query += f" LIMIT {draw(st.integers(0, 20))}"
    return query


# -- seeds and mutations ------------------------------------------------------------------------
QUERY_SEEDS = (
    *(path.read_text(encoding="utf-8") for path in sorted((ROOT / "queries").glob("*.rq"))),
    GRAVES,
    f"ASK {{ <{RES}aef-siberia> ?p ?o }}",
    f"DESCRIBE <{RES}william-s-graves>",
    f"CONSTRUCT WHERE {{ <{RES}aef-siberia> ?p ?o }}",
    f"PREFIX rdfs: <{RDFS}> SELECT ?l WHERE {{ ?s rdfs:label ?l "
    "FILTER(LANGMATCHES(LANG(?l), 'en')) }",
    f"BASE <{RES}> SELECT * WHERE {{ <aef-siberia> ?p ?o }} LIMIT 5",
    f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }} LIMIT 1",
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3",
    'SELECT * WHERE { ?s ?p ?o FILTER REGEX(STR(?o), "(a+)+$") } LIMIT 3',
    f"SELECT ?s WHERE {{ ?s <{SIKG}commander>/<{RDFS}label> ?o }}",
    "SELECT * WHERE { VALUES (?x ?y) { (1 2) (UNDEF 3) } }",
    "SELECT (<urn:fuzz:f>(?x) AS ?y) WHERE { VALUES ?x { 1 } }",
    "SELECT * WHERE { <<( ?s ?p ?o )>> ?q ?r } LIMIT 1",
)
A_TRIPLE = '<http://example.org/x> <http://example.org/p> "v"'
UPDATE_SEEDS = (
    f"INSERT DATA {{ GRAPH <http://example.org/fuzz/a> {{ {A_TRIPLE} }} }}",
    f"DELETE DATA {{ GRAPH <http://example.org/fuzz/a> {{ {A_TRIPLE} }} }}",
    "DELETE { GRAPH <urn:fuzz:c> { ?s ?p ?o } } WHERE { GRAPH <urn:fuzz:c> { ?s ?p ?o } }",
    "INSERT { GRAPH <urn:fuzz:c> { ?s ?p 1 } } WHERE { ?s ?p ?o } ",
    "WITH <urn:fuzz:c> DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } WHERE { ?s ?p ?o }",
    "CLEAR SILENT GRAPH <urn:fuzz:c>",
    "DROP SILENT GRAPH <http://example.org/fuzz/b>",
    "CREATE GRAPH <http://example.org/fuzz/b>",
    "COPY <http://example.org/fuzz/a> TO <http://example.org/fuzz/b>",
    "MOVE SILENT <urn:fuzz:c> TO <http://example.org/fuzz/b>",
    "ADD <http://example.org/fuzz/a> TO DEFAULT",
    "LOAD <http://127.0.0.1:1/data.ttl> INTO GRAPH <urn:fuzz:c>",
    f"INSERT {{ GRAPH <urn:fuzz:c> {{ ?s ?p ?o }} }} "
    f"WHERE {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}",
    f"DELETE WHERE {{ GRAPH <urn:fuzz:c> {{ <{RES}aef-siberia> ?p ?o }} }}",
    "PREFIX f: <http://example.org/fuzz/> INSERT DATA { GRAPH f:a { f:x f:p 1, 2, 3 } } ; "
    "DROP SILENT GRAPH f:a",
)
FRAGMENTS = (
    *"{}()[]<>\"'\\#.;,?$*+/|^@!=\n\r\t\x00 ",
    "<<",
    ">>",
    '"""',
    "'''",
    "^^",
    "&&",
    "||",
    "\\u0022",
    "\\U0001F600",
    "\\uD800",
    "_:b",
    "[]",
    "()",
    "a",
    "?x",
    "SELECT",
    "WHERE",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "GRAPH ?g",
    "SERVICE",
    f"SERVICE <{WIKIDATA}>",
    "SERVICE <http://127.0.0.1:1/>",
    "SERVICE ?x",
    "BIND(1 AS ?z)",
    "VALUES ?x { 1 }",
    "LIMIT 1",
    "OFFSET 99999999999999999999",
    "ORDER BY",
    "GROUP BY ?x",
    "PREFIX x: <urn:x:>",
    "BASE <http://127.0.0.1/>",
    "FROM <urn:fuzz:c>",
    "INSERT",
    "DELETE",
    "DATA",
    "LOAD <file:///etc/passwd>",
    "CLEAR ALL",
    "x:",
    "1e999",
    "\u00e9",
    "\u202e",
    "\ufeff",
    "\U0001f600",
    "%FF",
    "<<( ?s ?p ?o )>>",
    'REGEX(?o, "(a+)+$")',
    "{ ?s ?p ?o }",
    "?s (<urn:p>|!<urn:p>)* ?o .",
)
fragments = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8))


@st.composite
def mutated(draw, base: st.SearchStrategy) -> str:
    """``base`` with a few mutations: pieces inserted, deleted, repeated, replaced, cut off."""
    text = draw(base)
    for _ in range(draw(st.integers(1, 4))):
        size = len(text)
        start = draw(st.integers(0, size))
        end = draw(st.integers(start, min(size, start + 40)))
        operation = draw(st.sampled_from(["insert", "delete", "repeat", "replace", "cut", "swap"]))
        if operation == "insert":
            text = text[:start] + draw(fragments) + text[start:]
        elif operation == "delete":
            text = text[:start] + text[end:]
        elif operation == "repeat":  # rows and nests of a piece: chains, deep groups, big bodies
            times = draw(st.sampled_from([2, 3, 10, 100, 1000, 4000]))
            text = text[:start] + text[start:end] * times + text[end:]
        elif operation == "replace":
            text = text[:start] + draw(fragments) + text[end:]
        elif operation == "cut":
            text = text[:start]
        else:
            other = draw(st.integers(0, size))
            low, high = sorted((start, other))
            text = text[:low] + text[high:] + text[low:high]
    return text


def queries() -> st.SearchStrategy:
    """SPARQL queries: seeds, mutated seeds, generated, mutated generated, or any text."""
    seeds = st.sampled_from(QUERY_SEEDS)
    return st.one_of(
        seeds,
        mutated(seeds),
        generated_queries(),
        mutated(generated_queries()),
        st.text(max_size=200),
    )


@st.composite
def generated_updates(draw) -> str:
    graph = draw(st.sampled_from(FUZZ_GRAPHS))
    data = " ".join(
        f"{s} {p} {o} ."
        for s, p, o in draw(st.lists(st.tuples(iris, iris, st.one_of(iris, literals)), max_size=3))
    )
    pattern = draw(patterns)
    return draw(
        st.sampled_from(
            [
                f"INSERT DATA {{ GRAPH <{graph}> {{ {data} }} }}",
                f"DELETE DATA {{ GRAPH <{graph}> {{ {data} }} }}",
                f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ {pattern} }}",
                f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ {pattern} }}",
                f"DELETE WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
            ]
        )
    )


def updates() -> st.SearchStrategy:
    seeds = st.sampled_from(UPDATE_SEEDS)
    return st.one_of(seeds, mutated(seeds), generated_updates(), mutated(generated_updates()))


# -- RDF bodies -----------------------------------------------------------------------------------
RDF_SEEDS = {
    "text/turtle": (
        '@prefix f: <http://example.org/fuzz/> . f:x f:p "v"@en, 1, [ f:q ( 1 2 ) ] .',
        "<http://example.org/x> <http://example.org/p> <<( <urn:a> <urn:b> <urn:c> )>> .",
    ),
    "application/n-triples": ('<http://example.org/x> <http://example.org/p> "v" .\n',),
    "application/trig": ('<urn:fuzz:c> { <http://example.org/x> <http://example.org/p> "v" . }',),
    "application/n-quads": ('<http://example.org/x> <http://example.org/p> "v" <urn:fuzz:c> .\n',),
    "application/ld+json": (
        '{"@id": "http://example.org/x", "http://example.org/p": [{"@value": "v"}]}',
        '{"@context": "http://127.0.0.1:1/context.jsonld", "@id": "x"}',
        '{"@graph": [{"@id": "http://example.org/x", "http://example.org/p": 1}], "@id": "urn:g"}',
    ),
    "application/rdf+xml": (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:f="http://example.org/fuzz/"><rdf:Description rdf:about="http://example.org/x">'
        "<f:p>v</f:p></rdf:Description></rdf:RDF>",
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
    ),
}


@st.composite
def rdf_bodies(draw) -> tuple[str, bytes]:
    """(content type, body): seeds of every RDF format, mutated, sent as their own type or not."""
    media = draw(st.sampled_from(sorted(RDF_SEEDS)))
    seeds = st.sampled_from(RDF_SEEDS[media])
    text = draw(st.one_of(seeds, mutated(seeds), st.text(max_size=100)))
    sent_as = draw(
        st.one_of(
            st.just(media),
            st.sampled_from(sorted(RDF_SEEDS)),
            st.sampled_from(
                ["", "text/plain", "application/x-turtle", f"{media}; charset=latin-1"]
            ),
        )
    )
    return sent_as, draw(encodings())(text)


# -- headers and bytes --------------------------------------------------------------------------
MEDIA_TYPES = (
    *RESULT_TYPES,  # what the endpoint serves, then what it does not
    *GRAPH_TYPES,
    "text/html",
    "application/json",
    "text/plain",
    "application/xml",
    "image/png",
    "*/*",
    "text/*",
    "application/*",
    "*",
    "",
)


@st.composite
def accept_headers(draw) -> str:
    """An Accept header: real types with odd q-values, or junk."""
    ranges = draw(
        st.lists(
            st.tuples(
                st.sampled_from(MEDIA_TYPES),
                st.sampled_from(
                    ["", ";q=0", ";q=0.5", ";q=1", ";q=nan", ";q=-1", ";q=abc", ";q=1e9"]
                ),
            ),
            max_size=4,
        )
    )
    junk = draw(st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40))
    return draw(st.sampled_from([",".join(m + q for m, q in ranges), junk]))


def encodings() -> st.SearchStrategy:
    """How text becomes bytes: UTF-8 mostly, else another codec or with invalid UTF-8 spliced in."""

    def splice(data: bytes, junk: bytes, where: float) -> bytes:
        at = int(len(data) * where)
        return data[:at] + junk + data[at:]

    invalid = st.sampled_from(
        [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80", b"\xfe"]
    )
    return st.one_of(
        st.just(lambda text: text.encode("utf-8")),
        st.just(lambda text: text.encode("utf-8")),
        st.sampled_from(["latin-1", "utf-16", "utf-32", "cp1252", "utf-8-sig"]).map(
            lambda codec: lambda text: text.encode(codec, "replace")
        ),
        st.tuples(invalid, st.floats(0, 1)).map(
            lambda pair: lambda text: splice(text.encode("utf-8"), *pair)
        ),
    )
