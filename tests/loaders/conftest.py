"""Fixtures for the loader tests: the real texts, the curated registry and the vocabulary.

Paths are relative to this file, so the tests run from any working directory. Each test gets a
fresh registry: loaders only read it, but a test that adds a loader's entities must not leak them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest

from kg.facts import check_statement
from kg.model import EntityDecl, LoadResult, SourceRecord
from kg.registry import Registry
from kg.vocab import Vocabulary

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("blog", "dunscomb", "wikipedia")


@pytest.fixture(scope="session")
def vocab(inputs) -> Vocabulary:
    return inputs[1]


@pytest.fixture(scope="session")
def curated_entities(inputs) -> tuple[EntityDecl, ...]:
    """The registry files, read once (the entities are frozen values)."""
    return tuple(inputs[2])


@pytest.fixture
def registry(curated_entities) -> Registry:
    """A fresh registry of the curated entities for each test."""
    fresh = Registry()
    for decl in curated_entities:
        fresh.add(decl)
    return fresh


@pytest.fixture(scope="session")
def read_record(project) -> Callable[[str], SourceRecord]:
    """A source's catalogue record with its exact text (as the build reads it)."""
    records = {record.id: record for record in project.source_records()}
    return records.__getitem__


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
