"""Expected and actual SPARQL answers, and how they are compared.

Terms are pyoxigraph terms, so literals keep their exact lexical form (rdflib would normalise
``"01"^^xsd:integer`` to ``"1"`` and hide differences). Solution sequences are compared as
multisets with blank nodes matched up to a consistent renaming, and in order when the query has a
top-level ORDER BY; graphs are compared by isomorphism (``rdflib.compare.isomorphic``); CSV, which
loses datatypes, is compared as a table of strings (see ``csv_table``).
"""

from __future__ import annotations

import csv
import io
import math
import re
import struct
import warnings
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RESULT_FORMATS = {
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
SUFFIX_MEDIA = {
    ".srx": "application/sparql-results+xml",
    ".srj": "application/sparql-results+json",
    ".tsv": "text/tab-separated-values",
    ".csv": "text/csv",
}
GRAPH_MEDIA = "application/n-triples"


@dataclass
class Solutions:
    variables: list[str]
    rows: list[dict]  # variable name -> pyoxigraph term (unbound variables are absent)


@dataclass
class Boolean:
    value: bool


@dataclass
class Triples:
    triples: list  # pyoxigraph Triples


@dataclass
class CsvTable:
    header: list[str]
    rows: list[dict]  # column -> pyoxigraph term (a BlankNode for "_:" cells, else a Literal)


Answer = Solutions | Boolean | Triples | CsvTable


# -- reading ------------------------------------------------------------------------------------
def _solutions(results) -> Answer:
    if isinstance(results, ox.QueryBoolean):
        return Boolean(bool(results))
    variables = [v.value for v in results.variables]
    rows = []
    for solution in results:
        row = {}
        for name in variables:
            term = solution[name]
            if term is not None:
                row[name] = term
        rows.append(row)
    return Solutions(variables, rows)


def csv_table(text: str) -> CsvTable:
    """A CSV answer as its header and rows of strings (the format keeps nothing else).

    Leniency: line ends may be LF or CRLF (RFC 4180 says CRLF, the expected files use LF) and a
    field may be quoted when it need not be; blank-node labels ("_:x") may be renamed.
    """
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n"), newline=""))
    lines = [line for line in reader]
    header, body = lines[0], lines[1:]
    rows = []
    for line in body:
        row = {}
        for name, cell in zip(header, line, strict=True):
            if cell == "":
                continue  # unbound (CSV cannot tell it from an empty string)
            row[name] = ox.BlankNode(cell[2:]) if cell.startswith("_:") else ox.Literal(cell)
        rows.append(row)
    return CsvTable(header, rows)


def _result_set_graph(triples: list) -> Answer:
    """A result set written in RDF with the DAWG result-set vocabulary (rs:)."""
    by_subject: dict = {}
    for triple in triples:
        by_subject.setdefault(triple.subject, []).append((triple.predicate.value, triple.object))

    def values(subject, predicate: str) -> list:
        return [o for p, o in by_subject.get(subject, []) if p == predicate]

    (result_set,) = [
        s for s, pos in by_subject.items() if (RDF_TYPE, ox.NamedNode(RS + "ResultSet")) in pos
    ]
    booleans = values(result_set, RS + "boolean")
    if booleans:
        return Boolean(booleans[0].value == "true")
    variables = [v.value for v in values(result_set, RS + "resultVariable")]
    rows = []
    for solution in values(result_set, RS + "solution"):
        row = {}
        for binding in values(solution, RS + "binding"):
            (name,) = values(binding, RS + "variable")
            (value,) = values(binding, RS + "value")
            row[name.value] = value
        index = values(solution, RS + "index")
        rows.append((int(index[0].value) if index else 0, row))
    rows.sort(key=lambda pair: pair[0])
    return Solutions(variables, [row for _, row in rows])


def read_expected(path: Path) -> Answer:
    """The expected answer of a test from its result file."""
    suffix = path.suffix.lower()
    if suffix in (".srx", ".srj", ".tsv"):
        format_ = RESULT_FORMATS[SUFFIX_MEDIA[suffix]]
        return _solutions(ox.parse_query_results(path=str(path), format=format_))
    if suffix == ".csv":
        return csv_table(path.read_text(encoding="utf-8"))
    rdf_format = {".ttl": ox.RdfFormat.TURTLE, ".rdf": ox.RdfFormat.RDF_XML}[suffix]
    triples = [
        q.triple for q in ox.parse(path=str(path), format=rdf_format, base_iri=path.as_uri())
    ]
    if any(t.predicate.value == RDF_TYPE and t.object.value == RS + "ResultSet" for t in triples):
        return _result_set_graph(triples)
    return Triples(triples)


def read_response(media: str, body: bytes) -> Answer:
    """The answer in an HTTP response body of media type ``media``."""
    if media == "text/csv":
        return csv_table(body.decode("utf-8"))
    if media in RESULT_FORMATS:
        return _solutions(ox.parse_query_results(body, format=RESULT_FORMATS[media]))
    if media == GRAPH_MEDIA:
        return Triples([q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)])
    raise AssertionError(f"unexpected response type {media}")


# -- comparing ----------------------------------------------------------------------------------
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {
    XSD + name
    for name in (
        "integer long int short byte nonNegativeInteger positiveInteger negativeInteger "
        "nonPositiveInteger unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
}
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_FLOAT = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN")


def _canonical_lexical(value: str, datatype: str) -> str | None:
    """The canonical form of a numeric or boolean literal, or None if it has no value."""
    if datatype in _INTEGER_TYPES:
        return str(int(value)) if _INTEGER.fullmatch(value) else None
    if datatype == XSD + "decimal":
        if not _DECIMAL.fullmatch(value):
            return None
        text = format(Decimal(value).normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if datatype in (XSD + "double", XSD + "float"):
        if not _FLOAT.fullmatch(value):
            return None
        number = float(value)
        if datatype == XSD + "float":
            number = struct.unpack("f", struct.pack("f", number))[0]
        return "NaN" if math.isnan(number) else repr(number)
    if datatype == XSD + "boolean" and value in ("true", "false", "1", "0"):
        return "true" if value in ("true", "1") else "false"
    return None


def canonical(term):
    """A term with numeric and boolean literals in one canonical form per value.

    Lexical forms of the same value (``"1.0"`` and ``"1"`` as xsd:decimal, ``"3.21E4"`` and
    ``"32100"`` as xsd:double, ``"0"`` and ``"false"`` as xsd:boolean) are different in RDF but
    equal in value; which one an engine writes is its choice (XSD 1.0 and 1.1 canonical forms
    differ, and Oxigraph stores values, not lexical forms), so answers are compared by value for
    these datatypes, and the datatype must still be the same. Every other term is compared as is.
    """
    if isinstance(term, ox.Literal) and not term.language:
        lexical = _canonical_lexical(term.value, term.datatype.value)
        if lexical is not None and lexical != term.value:
            return ox.Literal(lexical, datatype=term.datatype)
    return term


def canonical_answer(answer: Answer) -> Answer:
    if isinstance(answer, Solutions):
        rows = [{k: canonical(v) for k, v in row.items()} for row in answer.rows]
        return Solutions(answer.variables, rows)
    if isinstance(answer, Triples):
        return Triples(canonical_triples(answer.triples))
    return answer


def canonical_triples(triples: list) -> list:
    return [ox.Triple(t.subject, t.predicate, canonical(t.object)) for t in triples]


def _is_blank(term) -> bool:
    return isinstance(term, ox.BlankNode)


def _unify(expected: dict, actual: dict, mapping: dict, reverse: dict) -> list | None:
    """Extend the blank-node bijection so ``expected`` maps onto ``actual``.

    Returns the blank nodes newly mapped (to undo on backtracking), or None if impossible.
    """
    if expected.keys() != actual.keys():
        return None
    added = []
    for name, term in expected.items():
        other = actual[name]
        if _is_blank(term) and _is_blank(other):
            if term in mapping:
                if mapping[term] != other:
                    break
            elif other in reverse:
                break
            else:
                mapping[term] = other
                reverse[other] = term
                added.append(term)
        elif term != other:
            break
    else:
        return added
    for term in added:
        del reverse[mapping.pop(term)]
    return None


def _shape(row: dict) -> frozenset:
    return frozenset((k, "_:" if _is_blank(v) else v) for k, v in row.items())


def same_rows(expected: list[dict], actual: list[dict], ordered: bool) -> bool:
    """Whether two solution sequences are equal up to blank-node renaming.

    As multisets, or as sequences when ``ordered``.
    """
    if len(expected) != len(actual):
        return False
    if ordered:
        mapping: dict = {}
        reverse: dict = {}
        pairs = zip(expected, actual, strict=True)
        return all(_unify(e, a, mapping, reverse) is not None for e, a in pairs)
    if Counter(map(_shape, expected)) != Counter(map(_shape, actual)):
        return False
    has_blank = [r for r in expected if any(map(_is_blank, r.values()))]
    if not has_blank:
        return True  # the ground solutions are equal as multisets, and there are no others
    actual_blank = [r for r in actual if any(map(_is_blank, r.values()))]
    return _match(has_blank, actual_blank, [False] * len(actual_blank), {}, {})


def _match(expected: list[dict], actual: list[dict], used: list[bool], mapping, reverse) -> bool:
    if not expected:
        return True
    first, rest = expected[0], expected[1:]
    for index, candidate in enumerate(actual):
        if used[index]:
            continue
        added = _unify(first, candidate, mapping, reverse)
        if added is None:
            continue
        used[index] = True
        if _match(rest, actual, used, mapping, reverse):
            return True
        used[index] = False
        for term in added:
            del reverse[mapping.pop(term)]
    return False


def _rdflib_term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"unsupported term {term!r}")


def to_rdflib(triples: list) -> Graph:
    graph = Graph()
    with warnings.catch_warnings():
        # rdflib warns when it cannot give an ill-typed literal a Python value; the literal is
        # still compared by its lexical form, datatype and language, which is what we want.
        warnings.simplefilter("ignore")
        for t in triples:
            graph.add((_rdflib_term(t.subject), _rdflib_term(t.predicate), _rdflib_term(t.object)))
    return graph


def same_graph(expected: list, actual: list) -> bool:
    """Whether two graphs are isomorphic (literals compared as ``canonical`` says)."""
    expected, actual = canonical_triples(expected), canonical_triples(actual)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return isomorphic(to_rdflib(expected), to_rdflib(actual))


def describe(answer: Answer, limit: int = 30) -> str:
    """A short readable rendering of an answer, for failure messages."""
    if isinstance(answer, Boolean):
        return f"boolean {answer.value}"
    if isinstance(answer, Triples):
        lines = sorted(str(t) for t in answer.triples)
        head = f"{len(lines)} triples"
    else:
        columns = answer.header if isinstance(answer, CsvTable) else answer.variables
        lines = [" ".join(f"{k}={v}" for k, v in sorted(r.items())) for r in answer.rows]
        head = f"{len(lines)} rows over {columns}"
    shown = "\n  ".join(lines[:limit])
    more = f"\n  ... {len(lines) - limit} more" if len(lines) > limit else ""
    return f"{head}\n  {shown}{more}"


def compare(
    expected: Answer, actual: Answer, ordered: bool, select_star: bool = False
) -> str | None:
    """None if ``actual`` is the expected answer, else what differs.

    ``ordered``: the solutions must come in the expected order (a top-level ORDER BY).
    ``select_star``: the query is ``SELECT *``, whose column order SPARQL leaves open, so a CSV
    header may list the same columns in another order.
    """
    expected, actual = canonical_answer(expected), canonical_answer(actual)
    if type(expected) is not type(actual):
        return f"expected a {type(expected).__name__}, got a {type(actual).__name__}"
    if isinstance(expected, Boolean):
        return None if expected.value == actual.value else "the boolean differs"
    if isinstance(expected, Triples):
        return None if same_graph(expected.triples, actual.triples) else "graphs not isomorphic"
    if isinstance(expected, CsvTable):
        same = sorted if select_star else list
        if same(expected.header) != same(actual.header):
            return f"CSV header {actual.header} instead of {expected.header}"
    elif set(expected.variables) != set(actual.variables):
        return f"variables {actual.variables} instead of {expected.variables}"
    if not same_rows(expected.rows, actual.rows, ordered):
        how = "in order" if ordered else "as multisets"
        return f"solutions differ ({how})"
    return None


# -- queries ------------------------------------------------------------------------------------
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*"
    r"|[?$]?[\w.:-]+"
    r"|[{}*]",
    re.S,
)


def is_select_star(query: str) -> bool:
    """Whether the query's outermost projection is ``SELECT *``."""
    tokens = [t for t in _TOKENS.findall(query) if not t.startswith("#")]
    for index, token in enumerate(tokens):
        if token.upper() == "SELECT":
            rest = [t.upper() for t in tokens[index + 1 : index + 3]]
            return rest[:1] == ["*"] or (
                rest[:1] in (["DISTINCT"], ["REDUCED"]) and rest[1:] == ["*"]
            )
    return False


def has_top_level_order_by(query: str) -> bool:
    """Whether the query's outermost solution sequence is ordered (ORDER BY outside braces)."""
    depth = 0
    previous = ""
    for token in _TOKENS.findall(query):
        if token.startswith("#"):
            continue
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and previous.upper() == "ORDER" and token.upper() == "BY":
            return True
        previous = token
    return False
