"""Fixtures for the loader tests: the real texts, the curated registry and the vocabulary.

Paths are relative to this file, so the tests run from any working directory. Each test gets a
fresh registry: loaders only read it, but a test that adds a loader's entities must not leak them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from rdflib import Graph

from kg.facts import check_statement
from kg.model import EntityDecl, LoadResult, SourceRecord
from kg.registry import Registry, read_registry
from kg.vocab import Vocabulary, read_vocabulary

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("blog", "dunscomb", "wikipedia")


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return read_vocabulary(Graph().parse(ROOT / "ontology" / "sikg.ttl", format="turtle"))


@pytest.fixture(scope="session")
def curated_entities(vocab) -> tuple[EntityDecl, ...]:
    """The registry files, read once (the entities are frozen values)."""
    paths = (ROOT / "data" / "entities").glob("*.yaml")
    return tuple(read_registry(paths, set(vocab.classes), ROOT))


@pytest.fixture
def registry(curated_entities) -> Registry:
    """A fresh registry of the curated entities for each test."""
    fresh = Registry()
    for decl in curated_entities:
        fresh.add(decl)
    return fresh


@pytest.fixture(scope="session")
def read_record() -> Callable[[str], SourceRecord]:
    """A source's catalogue record with its exact text (utf-8, line ends kept)."""

    def read(source_id: str) -> SourceRecord:
        meta = yaml.safe_load((ROOT / "data" / "sources" / f"{source_id}.yaml").read_text("utf-8"))
        with open(ROOT / "data" / "sources" / meta["file"], encoding="utf-8", newline="") as f:
            text = f.read()
        return SourceRecord(meta["id"], meta["file"], meta["loader"], text, meta)

    return read


@pytest.fixture
def check_result(vocab, registry) -> Callable[[SourceRecord, LoadResult], None]:
    """Assert what every loader owes the build: verbatim quotes, well-formed facts, spans."""

    def check(record: SourceRecord, result: LoadResult) -> None:
        text = record.text
        assert result.statements
        for statement in result.statements:
            assert text[statement.start : statement.start + len(statement.quote)] == statement.quote
            assert statement.source == record.id
            assert statement.origin.startswith("loaders/")
        for decl in result.entities:
            registry.add(decl)
        for statement in result.statements:
            check_statement(statement, vocab, registry, set(SOURCES))
        for span in result.sentences:
            piece = text[span.start : span.end]
            assert piece and piece == piece.strip(), piece
        assert result.sentences
        overlapping = [(a, b) for a, b in pairwise(result.sentences) if a.end > b.start]
        assert overlapping == []
        for section in result.sections:
            assert section.heading in text[section.start : section.end].split("\n", 1)[0]

    return check
