"""Curated annotation files: facts no rule extracts reliably, each with its verbatim quote.

The format is described in ``data/README.md``. Reading a file checks its shape and anchors every
quote in its source text; ``kg.facts.check_statement`` then checks the facts against the ontology
and the registry. ``kg check FILE...`` checks files while they are being written.
"""

from __future__ import annotations

from pathlib import Path

from kg import anchors
from kg.errors import DataError
from kg.model import Fact, Quantity, Ref, Statement
from kg.vocab import QUANTITY_PROPERTIES, Vocabulary
from kg.yamlfile import line_of, load_yaml_list

_QUANTITY_KEYS = {"count", "qualifier", "of", "as", "date", "currency"}


def read_annotations(
    path: Path, *, source: str, text: str, vocab: Vocabulary, display: str | None = None
) -> list[Statement]:
    """Read one annotation file for ``source`` and anchor its quotes in ``text``."""
    name = display or str(path)
    statements = []
    for line, item in load_yaml_list(path):
        where = f"{name}:{line}"
        if not isinstance(item, dict):
            raise DataError(f"{where}: an annotation must be a mapping with 'quote' and 'facts'")
        unknown = set(item) - {"quote", "start", "facts"}
        if unknown:
            raise DataError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        quote = item.get("quote")
        if not isinstance(quote, str) or not quote:
            raise DataError(f"{where}: 'quote' must be a non-empty string")
        start = item.get("start")
        if start is not None and (not isinstance(start, int) or isinstance(start, bool)):
            raise DataError(f"{where}: 'start' must be an integer code-point offset")
        start = anchors.locate(text, quote, start, source=source, where=where)
        facts = item.get("facts")
        if not isinstance(facts, list) or not facts:
            raise DataError(f"{where}: 'facts' must be a non-empty list")
        parsed = tuple(_fact(raw, vocab, f"{name}:{line_of(raw, line)}") for raw in facts)
        statements.append(Statement(source, quote, start, parsed, "CuratedAnnotation", where))
    return statements


def _fact(raw: object, vocab: Vocabulary, where: str) -> Fact:
    if not isinstance(raw, list) or len(raw) not in (3, 4):
        raise DataError(f"{where}: a fact must be [subject, property, object] (+ optional notes)")
    subject, prop, obj = raw[0], raw[1], raw[2]
    if not isinstance(subject, str):
        raise DataError(f"{where}: subject must be an entity id, got {subject!r}")
    if not isinstance(prop, str) or prop not in vocab.sourced_properties:
        raise DataError(f"{where}: unknown property {prop!r} (not a sikg:SourcedProperty)")
    note = None
    if len(raw) == 4:
        extra = raw[3]
        if not isinstance(extra, dict) or set(extra) - {"note"}:
            raise DataError(f"{where}: the fourth element must be a mapping {{note: ...}}")
        note = extra.get("note")
        if not isinstance(note, str):
            raise DataError(f"{where}: note must be a string")
    return Fact(subject, prop, _object(prop, obj, vocab, where), note, where)


def _object(prop: str, obj: object, vocab: Vocabulary, where: str):
    if prop in QUANTITY_PROPERTIES:
        if not isinstance(obj, dict):
            raise DataError(f"{where}: {prop} needs a mapping with count, qualifier, of, as")
        unknown = set(obj) - _QUANTITY_KEYS
        if unknown:
            raise DataError(f"{where}: unknown quantity key(s) {', '.join(sorted(unknown))}")
        count = obj.get("count")
        if count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or count < 0
        ):
            raise DataError(f"{where}: malformed count {count!r}: expected a non-negative integer")
        qualifier = obj.get("qualifier", "exactly" if count is not None else "unknownCount")
        if qualifier not in vocab.qualifiers:
            raise DataError(f"{where}: unknown qualifier {qualifier!r}")
        for key in ("of", "as", "currency"):
            if key in obj and not isinstance(obj[key], str):
                raise DataError(f"{where}: quantity '{key}' must be a string")
        date = obj.get("date")
        return Quantity(
            kind=QUANTITY_PROPERTIES[prop],
            count=count,
            qualifier=qualifier,
            of=obj.get("of"),
            counted_as=obj.get("as"),
            date=None if date is None else str(date),
            currency=obj.get("currency"),
        )
    if vocab.is_object_property(prop):
        if not isinstance(obj, str):
            raise DataError(f"{where}: {prop} needs an entity id, got the literal {obj!r}")
        return Ref(obj)
    if isinstance(obj, dict | list) or obj is None:
        raise DataError(f"{where}: {prop} needs a literal value, got {obj!r}")
    return obj
