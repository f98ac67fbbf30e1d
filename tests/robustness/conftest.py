"""Fixtures of the robustness tests: the tally of what was sent, and the fuzzed app.

The tally (requests per route, answers per status, 5xx) is written to ``KG_FUZZ_SUMMARY``
(default ``fuzz-summary.json`` in pytest's temporary directory) and summed up at the end of the
run. How many examples, and which, is set in fuzzing.py (``KG_FUZZ_EXAMPLES``, ``KG_FUZZ_SEED``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fuzzing import EXAMPLES, Tally, fuzz_config

from server.app import create_app

TALLY_KEY = pytest.StashKey[Tally]()


@pytest.fixture(scope="session")
def tally(request, tmp_path_factory):
    """The session's tally; written as JSON when the session ends."""
    found = Tally()
    request.config.stash[TALLY_KEY] = found
    yield found
    path = Path(
        os.environ.get("KG_FUZZ_SUMMARY") or tmp_path_factory.getbasetemp() / "fuzz-summary.json"
    )
    path.write_text(json.dumps(found.summary(), indent=2) + "\n")
    found.path = path


def pytest_terminal_summary(terminalreporter, config) -> None:
    found = config.stash.get(TALLY_KEY, None)
    if found is None or not found.statuses:
        return
    summary = found.summary()
    terminalreporter.write_sep("-", "fuzzing")
    for route, figures in summary["routes"].items():
        terminalreporter.write_line(
            f"{route:<22} {figures['requests']:>6} requests {figures['5xx']:>3} 5xx "
            f"{figures['seconds']:>6.1f} s  {figures['statuses']}"
        )
    terminalreporter.write_line(
        f"{'all routes':<22} {summary['requests']:>6} requests {summary['5xx']:>3} 5xx  "
        f"({EXAMPLES} examples per test: KG_FUZZ_EXAMPLES)"
    )
    if found.path is not None:
        terminalreporter.write_line(f"summary: {found.path}")


@pytest.fixture(scope="module")
def make_fuzz_app(build_dir, tmp_path_factory):
    """A factory of fuzzed apps (``fuzz_config``: the session build, worker processes, writes
    enabled), each on a store of its own; every app it made is closed after the module."""
    made = []

    def make(name: str):
        application = create_app(fuzz_config(str(tmp_path_factory.mktemp(name)), build_dir))
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["kg"].close()


@pytest.fixture(scope="module")
def fuzz_app(make_fuzz_app):
    """The app the fuzz tests hit."""
    return make_fuzz_app("fuzz-store")


@pytest.fixture
def fuzz_client(fuzz_app):
    return fuzz_app.test_client()
