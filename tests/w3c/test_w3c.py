"""The W3C SPARQL 1.1 query, result-format and update test suites, run against /sparql over HTTP.

One test per manifest entry (its id is the test's IRI). Known failures are listed with their
reasons in ``known_failures.yaml`` and marked ``xfail(strict=True)``, so a fixed test must leave
the list and a new failure cannot hide. Entailment, federation (SERVICE), protocol and graph store
protocol manifests are not part of this run (see docs/w3c-known-failures.md).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from w3c_known import DOC_FILE, generated_part, load_known, render
from w3c_manifest import EXPECTED_COUNTS, SUITE_DIR, read_suites

if not (SUITE_DIR / "manifest-sparql11-query.ttl").is_file():
    if os.environ.get("CI"):  # CI always has shared/ beside the checkout: never skip there
        raise RuntimeError(f"the W3C SPARQL 1.1 suite is missing from {SUITE_DIR}")
    pytest.skip(
        f"the W3C SPARQL 1.1 suite is not at {SUITE_DIR} (set KG_W3C_SPARQL11_DIR)",
        allow_module_level=True,
    )

MINIMUM_PASSED = 465  # pyoxigraph 0.5.13 used directly passes 465 of these 495

CASES = read_suites()
KNOWN = load_known()
# A broken manifest reader must not pass by reading fewer tests.
assert Counter(t.suite for t in CASES) == EXPECTED_COUNTS, Counter(t.suite for t in CASES)
assert len(CASES) == sum(EXPECTED_COUNTS.values()) == 495
assert len({t.iri for t in CASES}) == len(CASES)

OUTCOMES: dict[str, bool] = {}


def _param(test):
    marks = ()
    if test.iri in KNOWN:
        reason = f"{KNOWN[test.iri]['category']}: {KNOWN[test.iri]['reason']}"
        marks = (pytest.mark.xfail(strict=True, reason=reason),)
    return pytest.param(test, id=test.iri, marks=marks)


@pytest.mark.parametrize("case", [_param(t) for t in CASES])
def test_w3c(w3c_runner, case):
    OUTCOMES[case.iri] = False
    w3c_runner.run(case)
    OUTCOMES[case.iri] = True


def test_known_failures_are_tests_of_the_suites():
    assert set(KNOWN) <= {t.iri for t in CASES}, set(KNOWN) - {t.iri for t in CASES}


def test_the_document_lists_the_known_failures():
    text = DOC_FILE.read_text(encoding="utf-8")
    assert generated_part(text) == render(CASES, KNOWN), (
        "docs/w3c-known-failures.md is out of date: run python tests/w3c/w3c_known.py"
    )


def test_pass_count():
    """At least as many passes as pyoxigraph itself (465 of 495)."""
    expected_passes = len(CASES) - len(KNOWN)
    assert expected_passes >= MINIMUM_PASSED
    if len(OUTCOMES) < len(CASES):
        pytest.skip("only part of the W3C suite ran; the count needs all of it")
    passed = sum(OUTCOMES.values())
    by_suite = Counter(t.suite for t in CASES if OUTCOMES[t.iri])
    assert passed == expected_passes, dict(by_suite)
    assert passed >= MINIMUM_PASSED, dict(by_suite)
