"""rdflib's grammar with its list rules looped (``server.security``) parses every query and
update of the W3C SPARQL 1.1 suites, and of ``queries/``, as the grammar rdflib ships does.

The loops must accept exactly what the recursive rules accept and give the same parse; the edge
cases of the lists are in tests/server/test_security_parsing.py. A text the shipped grammar
cannot parse for its depth (RecursionError) is left out of the comparison.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib_grammar import outcome, recursive_grammar
from w3c_manifest import SUITE_DIR

ROOT = Path(__file__).resolve().parents[2]

if not (SUITE_DIR / "manifest-sparql11-query.ttl").is_file():  # the policy of test_w3c.py
    if os.environ.get("CI"):  # CI always has shared/ beside the checkout: never skip there
        raise RuntimeError(f"the W3C SPARQL 1.1 suite is missing from {SUITE_DIR}")
    pytest.skip(
        f"the W3C SPARQL 1.1 suite is not at {SUITE_DIR} (set KG_W3C_SPARQL11_DIR)",
        allow_module_level=True,
    )


def _texts() -> list[Path]:
    files = sorted(SUITE_DIR.rglob("*.rq")) + sorted(SUITE_DIR.rglob("*.ru"))
    return files + sorted((ROOT / "queries").glob("*.rq"))


def test_the_looped_grammar_parses_every_suite_text_as_rdflib_does():
    differing, compared = [], 0
    for path in _texts():
        text = path.read_text(encoding="utf-8", errors="replace")
        parse = parseUpdate if path.suffix == ".ru" else parseQuery
        with recursive_grammar():
            shipped = outcome(parse, text)
        if "RecursionError" in shipped:
            continue
        compared += 1
        if outcome(parse, text) != shipped:
            differing.append(path.relative_to(path.parents[1]))
    assert compared > 400
    assert differing == []
