"""The competency questions: every query in queries/ returns the answer the texts give.

Each ``queries/cqNN-*.rq`` runs against the session build and its rows, as ``{column: str(value)}``
(unbound columns left out), are compared with its entry in ``queries/expected.yaml``: ``exact``
(the same rows, as a multiset, and in order when ``ordered: true``) or ``contains`` (the expected
rows are among the answers).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rdflib.plugins.sparql import prepareQuery

from kg.vocab import DEFAULT_BASE

QUERIES = Path(__file__).resolve().parents[1] / "queries"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))
EXPECTED_FILE = QUERIES / "expected.yaml"
MATCH_MODES = ("exact", "contains")


@pytest.fixture(scope="module")
def expected() -> dict:
    data = yaml.safe_load(EXPECTED_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{EXPECTED_FILE.name} must map query file names to answers"
    return data


def rebased(text: str, base: str) -> str:
    """The query for a build minted under another base IRI (``$KG_BASE_IRI``)."""
    if base == DEFAULT_BASE:
        return text
    for part in ("id/", "source/", "claim/", "quantity/"):
        text = text.replace(f"<{DEFAULT_BASE}{part}>", f"<{base}{part}>")
    return text


def prefixes_used(text: str) -> set[str]:
    """The prefixes of the prefixed names in a query (outside IRIs, strings and comments)."""
    used: set[str] = set()
    for line in re.sub(r"<[^<>\s]*>", " ", text).splitlines():
        line = re.sub(r'"(?:[^"\\]|\\.)*"', " ", line).split("#", 1)[0]
        used.update(re.findall(r"(?<![\w?$:])([A-Za-z][\w-]*):(?=\w)", line))
    return used


def answer(built, project, path: Path) -> list[dict[str, str]]:
    result = built.dataset.query(rebased(path.read_text(encoding="utf-8"), project.base))
    names = [str(v) for v in result.vars or []]
    return [{name: str(row[name]) for name in names if row[name] is not None} for row in result]


def as_rows(rows: list) -> list[dict[str, str]]:
    return [{str(k): str(v) for k, v in row.items()} for row in rows]


def counted(rows: list[dict[str, str]]) -> Counter:
    return Counter(frozenset(row.items()) for row in rows)


def test_twenty_queries_each_with_one_expected_answer(expected):
    names = [path.name for path in QUERY_FILES]
    assert len(names) == 20, names
    assert [f"cq{n:02d}" for n in range(1, 21)] == [name[:4] for name in names]
    assert sorted(set(names) - set(expected)) == [], "queries without an expected answer"
    assert sorted(set(expected) - set(names)) == [], "expected answers without a query"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_states_its_question_and_declares_its_prefixes(path):
    text = path.read_text(encoding="utf-8")
    header = text.split("PREFIX", 1)[0]
    assert text.startswith(f"# Q{int(path.name[2:4])}. "), "the question comes first, as # Qn."
    assert "# Expected:" in header, "the header says what the answer looks like"
    declared = set(re.findall(r"^PREFIX\s+([A-Za-z][\w-]*):", text, re.MULTILINE | re.I))
    assert sorted(prefixes_used(text) - declared) == [], "prefixes used but not declared"
    prepareQuery(text)  # and it parses


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_gives_the_expected_answer(built, project, expected, path):
    entry = expected.get(path.name)
    assert entry is not None, f"no expected answer for {path.name} in {EXPECTED_FILE.name}"
    mode = entry.get("match")
    assert mode in MATCH_MODES, f"match must be one of {MATCH_MODES}, not {mode!r}"
    want = as_rows(entry.get("rows") or [])
    assert want, "an expected answer needs at least one row"

    got = answer(built, project, path)

    if mode == "exact":
        if entry.get("ordered"):
            assert got == want
        else:
            assert counted(got) == counted(want), (got, want)
    else:
        assert not entry.get("ordered"), "ordered applies to exact matches only"
        missing = [row for row in want if row not in got]
        assert missing == [], f"rows not in the answer {got}"
