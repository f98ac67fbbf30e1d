"""Shared fixtures: the real project, and one build of it per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.build import Project, build, read_inputs, write_output
from loaders import default_loaders, sentence_values

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.discover(ROOT)


@pytest.fixture(scope="session")
def inputs(project):
    """Ontology, vocabulary, curated registry and source records (read once)."""
    return read_inputs(project)


@pytest.fixture(scope="session")
def built(project):
    """One full build of the three texts, shared by every test that only reads it."""
    return build(project, default_loaders(), sentence_values=sentence_values())


@pytest.fixture(scope="session")
def build_dir(project, built, tmp_path_factory) -> Path:
    """The session build written to a directory, as ``kg build --out`` writes it."""
    out = tmp_path_factory.mktemp("build")
    write_output(project, built, out)
    return out


@pytest.fixture
def run_kg(capsys):
    """``run_kg(*args)`` runs ``kg ARGS`` in-process; returns (status, stdout, stderr)."""
    from kg.cli import main

    def run(*args: str):
        try:
            status = main(list(args))
        except SystemExit as exit_:
            status = exit_.code
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture
def project_copy(tmp_path) -> Project:
    """A writable copy of the project's inputs, for tests that break them on purpose."""
    for folder in ("data", "ontology"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for folder in ("kg", "loaders"):
        (tmp_path / folder).mkdir()
    return Project(tmp_path)
