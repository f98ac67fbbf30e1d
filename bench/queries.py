"""The queries timed on every endpoint: eight query classes and the project's competency queries.

Each class stands for a kind of work a SPARQL engine does (a point lookup, a scan with a
filter, joins, grouping, sorting, the provenance walk our model is built for, DESCRIBE), written
against the synthetic graphs of ``bench.generate``. The 2-hop join returns about 360 rows at 10k
quads, the size PERFORMANCE.md used for throughput. Every query declares its prefixes so that the
peers, which do not know ours, parse it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.client import NTRIPLES, SELECT_JSON
from bench.vocab import PREFIXES

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"


@dataclass(frozen=True)
class Query:
    name: str  # short id used in the report: "label", "join2", "cq05"...
    title: str
    text: str
    accept: str = SELECT_JSON


def _prefixed(body: str) -> str:
    header = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    return header + body.strip() + "\n"


CLASSES: tuple[tuple[str, str, str], ...] = (
    ("label", "label lookup", 'SELECT ?entity WHERE { ?entity rdfs:label "Vladivostok"@en }'),
    (
        "text",
        "text filter (REGEX on labels)",
        "SELECT ?entity ?label WHERE { ?entity rdfs:label ?label "
        'FILTER (REGEX(?label, "vladivostok", "i")) }',
    ),
    (
        "join2",
        "2-hop join (sentence, entity, label)",
        "SELECT ?sentence ?entity ?label WHERE { ?sentence sikg:mentions ?entity . "
        "?entity rdfs:label ?label }",
    ),
    (
        "join3",
        "3-hop join (event, force, commander, label)",
        "SELECT ?event ?force ?name WHERE { ?event sikg:force ?force . "
        "?force sikg:commander ?person . ?person rdfs:label ?name }",
    ),
    (
        "aggregate",
        "aggregate (claims per source, COUNT GROUP BY)",
        "SELECT ?source (COUNT(?claim) AS ?claims) WHERE { ?claim sikg:statedIn ?source } "
        "GROUP BY ?source",
    ),
    (
        "orderby",
        "ORDER BY with LIMIT (latest dated entities)",
        "SELECT ?entity ?label ?from WHERE { ?entity sikg:earliest ?from ; rdfs:label ?label } "
        "ORDER BY DESC(?from) ?label LIMIT 20",
    ),
    (
        "provenance",
        "provenance by source (claims of src:blog with their quotes)",
        "SELECT ?claim ?subject ?predicate ?object ?quote WHERE { "
        "?claim sikg:statedIn src:blog ; rdf:subject ?subject ; rdf:predicate ?predicate ; "
        "rdf:object ?object ; sikg:evidence/oa:exact ?quote }",
    ),
    ("describe", "DESCRIBE of an entity (res:aef-siberia)", "DESCRIBE res:aef-siberia"),
)
THROUGHPUT = ("label", "join2")  # the two queries loaded with wrk


def classes() -> list[Query]:
    """The eight query classes, in report order."""
    return [
        Query(name, title, _prefixed(body), NTRIPLES if name == "describe" else SELECT_JSON)
        for name, title, body in CLASSES
    ]


def competency(directory: Path = QUERIES_DIR) -> list[Query]:
    """``queries/cq*.rq`` (they declare their own prefixes), named ``cq01``, ``cq02``..."""
    found = []
    for path in sorted(directory.glob("cq*.rq")):
        title = path.stem.split("-", 1)[1].replace("-", " ") if "-" in path.stem else path.stem
        found.append(Query(path.stem.split("-", 1)[0], title, path.read_text(encoding="utf-8")))
    return found


def all_queries(directory: Path = QUERIES_DIR) -> list[Query]:
    return classes() + competency(directory)


def by_name(name: str, directory: Path = QUERIES_DIR) -> Query:
    for query in all_queries(directory):
        if query.name == name:
            return query
    raise KeyError(name)
