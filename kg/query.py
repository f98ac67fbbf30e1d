"""Running SPARQL over the built dataset from the command line, and rendering the answers.

Queries see the project's prefixes without declaring them. SELECT answers print as a table with
prefixed names by default, or as SPARQL JSON, CSV or TSV; CONSTRUCT and DESCRIBE print Turtle.
"""

from __future__ import annotations

from pathlib import Path

from pyparsing import ParseException
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.query import Result

from kg.errors import UsageError
from kg.vocab import prefixes

RESULT_FORMATS = ("table", "json", "csv", "tsv")
MAX_CELL = 70


def read_query(text_or_path: str) -> str:
    """A query given inline, or the contents of a ``.rq`` / ``.sparql`` file."""
    if text_or_path.endswith((".rq", ".sparql")) or (
        "\n" not in text_or_path and Path(text_or_path).is_file()
    ):
        path = Path(text_or_path)
        if not path.is_file():
            raise UsageError(f"no such query file: {text_or_path}")
        return path.read_text(encoding="utf-8")
    return text_or_path


def run_query(dataset: Dataset, query: str, base: str) -> Result:
    """Evaluate ``query``; a syntax or evaluation error becomes a UsageError with its position."""
    try:
        return dataset.query(query, initNs=prefixes(base))
    except ParseException as err:
        raise UsageError(
            f"SPARQL syntax error at line {err.lineno}, column {err.col}: {err.msg}"
        ) from None
    except Exception as err:  # rdflib raises bare exceptions for unknown prefixes and the like
        raise UsageError(f"cannot run the query: {err}") from None


def render(result: Result, fmt: str, base: str) -> str:
    """The answer as text in ``fmt`` (one of RESULT_FORMATS)."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph: Graph = result.graph
        for prefix, namespace in prefixes(base).items():
            graph.bind(prefix, namespace, override=True)
        return graph.serialize(format="turtle")
    if fmt not in RESULT_FORMATS:
        raise UsageError(f"unknown result format {fmt!r}: choose {', '.join(RESULT_FORMATS)}")
    if fmt != "table":
        return result.serialize(format=fmt).decode("utf-8")
    if result.type == "ASK":
        return "true\n" if result.askAnswer else "false\n"
    return table(result, base)


def table(result: Result, base: str) -> str:
    """A plain-text table with prefixed names and a row count."""
    manager = NamespaceManager(Graph(bind_namespaces="none"))
    for prefix, namespace in prefixes(base).items():
        manager.bind(prefix, namespace, override=True)
    names = [str(v) for v in result.vars or []]
    rows = [[_cell(row[i], manager) for i in range(len(names))] for row in result]
    widths = [min(MAX_CELL, max([len(n)] + [len(r[i]) for r in rows])) for i, n in enumerate(names)]
    lines = [
        "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        cells = [_clip(c, w).ljust(w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _cell(term, manager: NamespaceManager) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        try:
            return manager.normalizeUri(term)
        except Exception:  # noqa: BLE001 - fall back to the full IRI
            return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return " ".join(str(term).split())
    return str(term)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
