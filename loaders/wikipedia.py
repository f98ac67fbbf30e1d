"""Loader for the plain-text rendering of a Wikipedia article.

The rendering keeps the wiki's structure in plain lines: ``= Title =``, ``==Section==`` headings
(one more ``=`` per level), an ``Infobox`` block of ``- Key: value`` lines, one paragraph per line,
and ``- `` / ``1. `` list items. The infobox is the one part regular enough for rules, and every
field of it is read; the rendering lost its flag icons (leaving ``* , * ,`` runs and bare ``*``)
and glued "KIA" and "MP" to names, so values are cleaned before they are resolved. Every name must
already be in the registry (``data/entities/wikipedia-infobox.yaml`` holds the infobox's own), so
an unknown one is an error naming its line rather than a silently minted id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from kg.errors import DataError
from kg.model import EntityDecl, Fact, LoadResult, Quantity, Ref, SourceRecord, Span
from kg.registry import Registry
from loaders.text import (
    Collector,
    Line,
    dates_and_numbers,
    lines,
    sections_from_headings,
    split_items,
    split_sentences,
    strip_span,
)

MODULE = "wikipedia"
_HEADING = re.compile(r"^(=+)\s*(.*?)\s*\1\s*$")
_FIELD = re.compile(r"^- (?P<key>[A-Za-z]+?)(?P<column>\d*): ")
_LIST_ITEM = re.compile(r"^(?:[-*•]|\d+[.)])\s+")

# The two combatant columns of this article's infobox, as the Side entities are labelled.
SIDE_NAMES = MappingProxyType({"1": "Soviet side", "2": "Allied and White side"})
# Letters the rendering glued to a name, and what they say of the person.
KILLED_IN_ACTION = "KIA"
POST_NOMINALS = ("MP",)
_STRENGTH = re.compile(
    r"^(?P<approx>~\s*)?(?P<more>more than\s+|over\s+)?(?P<count>\d{1,3}(?:,\d{3})+|\d+)"
    r"(?:\s+(?P<who>.+))?$",
    re.IGNORECASE,
)
_CASUALTIES = re.compile(r"^(?P<count>\d{1,3}(?:,\d{3})+|\d+)(?:\s+(?P<what>.+))?$")
_UNKNOWN = frozenset({"Unknown", "unknown"})
_TRAILING_EVENT = re.compile(r"^(?P<when>.+?)\s*\((?P<event>[^()]+)\)$")


@dataclass(frozen=True)
class Field:
    """One infobox line: its key (without a column number), column, and value span."""

    key: str
    column: str
    line: Line
    value: Span


def load(record: SourceRecord, registry: Registry) -> LoadResult:
    """Sections, sentences and the title and infobox statements of a Wikipedia rendering."""
    text = record.text
    out = Collector(record, registry, MODULE)
    headings = _headings(text)
    fields = _infobox(text)
    _title(out, headings)
    if fields:
        _Infobox(out, fields).read()
    return LoadResult(
        sections=sections_from_headings([(h, lvl, ln.start) for h, lvl, ln in headings], len(text)),
        sentences=_sentences(text, {ln.start for _, _, ln in headings}, fields),
        entities=out.entities,
        statements=out.statements,
    )


def _headings(text: str) -> list[tuple[str, int, Line]]:
    found = []
    for line in lines(text):
        match = _HEADING.match(line.text)
        if match and match.group(2):
            found.append((match.group(2), len(match.group(1)), line))
    return found


def _title(out: Collector, headings: list[tuple[str, int, Line]]) -> None:
    """``= Title =``: the work's title and, when the title names an entity, what it is about."""
    titles = [(h, ln) for h, level, ln in headings if level == 1]
    if not titles:
        return
    heading, line = titles[0]
    start = line.start + line.text.index(heading)
    facts = [Fact(out.subject, "workTitle", heading)]
    about = out.resolve(heading)
    if about is not None:
        facts.append(Fact(out.subject, "about", Ref(about)))
    out.state(Span(start, start + len(heading)), facts, "HeadingRule", "title")


def _infobox(text: str) -> list[Field]:
    """The ``- Key: value`` lines after an ``Infobox`` line, up to the first other line."""
    fields: list[Field] = []
    inside = False
    for line in lines(text):
        if line.text.strip() == "Infobox":
            inside = True
            continue
        if not inside:
            continue
        match = _FIELD.match(line.text)
        if not match:
            break
        value = strip_span(text, line.start + match.end(), line.end)
        fields.append(Field(match.group("key"), match.group("column"), line, value))
    return fields


def _sentences(text: str, heading_starts: set[int], fields: list[Field]) -> list[Span]:
    """Sentences of paragraph lines, list items, and infobox lines (each a unit of its own)."""
    field_starts = {f.line.start for f in fields}
    spans = []
    for line in lines(text):
        if not line.text.strip() or line.start in heading_starts or line.text.strip() == "Infobox":
            continue
        if line.start in field_starts:
            spans.append(strip_span(text, line.start + 2, line.end))
            continue
        item = _LIST_ITEM.match(line.text)
        if item:
            spans.append(strip_span(text, line.start + item.end(), line.end))
            continue
        spans.extend(split_sentences(text, line.start, line.end))
    return spans


class _Infobox:
    """Reads every field of the infobox into statements (one reader per load call)."""

    def __init__(self, out: Collector, fields: list[Field]) -> None:
        self.out = out
        self.fields = fields
        self.text = out.record.text
        self.conflict = self._conflict_id()
        # How many combatants each column lists (to tell whose its casualty figures are).
        self.members = {f.column: len(self._items(f)) for f in fields if f.key == "Combatant"}
        self.handlers: dict[str, Callable[[Field], None]] = {
            "Conflict": self.conflict_field,
            "Partof": self.part_of,
            "Date": self.date,
            "Place": self.place,
            "Territory": self.outcome,
            "Result": self.outcome,
            "Combatant": self.combatants,
            "Commander": self.commanders,
            "Strength": self.strengths,
            "Casualties": self.casualties,
        }

    def read(self) -> None:
        for field in self.fields:
            handler = self.handlers.get(field.key)
            if handler is None:
                raise DataError(
                    f"{self.out.where(field.line.start)}: infobox field "
                    f"{field.key + field.column!r} has no rule in loaders/wikipedia.py"
                )
            handler(field)

    # -- helpers ----------------------------------------------------------------------------
    def _conflict_id(self) -> str:
        for field in self.fields:
            if field.key == "Conflict":
                return self._known(field, field.value)
        where = self.out.where(self.fields[0].line.start)
        raise DataError(f"{where}: the infobox has no Conflict field")

    def _known(self, field: Field, span: Span, name: str | None = None, **kw) -> str:
        """The registry id of a name the infobox gives; unknown names are errors."""
        name = name if name is not None else self.text[span.start : span.end]
        found = self.out.resolve(name, **kw)
        if found is None:
            raise DataError(
                f"{self.out.where(span.start)}: infobox {field.key + field.column} names "
                f"{name!r}, which is not in the entity registry "
                "(declare it in data/entities/wikipedia-infobox.yaml)"
            )
        return found

    def _items(self, field: Field, separator: str = ", ") -> list[Span]:
        """The field's items without the ``*`` a lost flag icon left; empty items dropped."""
        items = []
        for piece in split_items(self.text, field.value.start, field.value.end, separator):
            cleaned = strip_span(self.text, piece.start, piece.end, " *\t")
            if cleaned.start < cleaned.end:
                items.append(cleaned)
        return items

    def _state(self, span: Span, facts: list[Fact], rule: str) -> None:
        self.out.state(span, facts, "InfoboxRule", rule)

    def _side(self, field: Field) -> str:
        """The Side entity of a combatant column, declared on first use."""
        if field.column not in SIDE_NAMES:
            where = self.out.where(field.line.start)
            raise DataError(f"{where}: no side for infobox column {field.column!r}")
        side = f"{self.conflict}-side-{field.column}"
        label = f"{self.out.registry.get(self.conflict).label}: {SIDE_NAMES[field.column]}"
        self.out.declare(EntityDecl(side, "Side", label, origin=self.out.origin("side")))
        return side

    # -- fields -----------------------------------------------------------------------------
    def conflict_field(self, field: Field) -> None:
        """Conflict: what the article is about."""
        self._state(field.value, [Fact(self.out.subject, "about", Ref(self.conflict))], "conflict")

    def part_of(self, field: Field) -> None:
        """Partof: "A and B", each a larger conflict."""
        for item in self._items(field, " and "):
            whole = self._known(field, item)
            self._state(item, [Fact(self.conflict, "partOf", Ref(whole))], "part_of")

    def date(self, field: Field) -> None:
        """Date: "START – END" of the conflict; "; WHEN (EVENT)" dates a named later event."""
        for part in self._items(field, "; "):
            raw = self.text[part.start : part.end]
            event = _TRAILING_EVENT.match(raw)
            if event:
                when = self._one_date(field, part, event.group("when"))
                event_id = self._known(field, part, event.group("event"))
                note = "dated in the infobox's Date field of the conflict"
                self._state(
                    part,
                    [
                        Fact(event_id, "date", when),
                        Fact(event_id, "partOf", Ref(self.conflict), note),
                    ],
                    "date",
                )
                continue
            bounds = re.split(r"\s+[–—-]\s+", raw)
            if len(bounds) != 2:
                raise DataError(f"{self.out.where(part.start)}: cannot read the date {raw!r}")
            start, end = (self._one_date(field, part, b) for b in bounds)
            self._state(
                part,
                [Fact(self.conflict, "startDate", start), Fact(self.conflict, "endDate", end)],
                "date",
            )

    def _one_date(self, field: Field, span: Span, raw: str) -> str:
        found = dates_and_numbers(raw).dates
        if len(found) != 1:
            raise DataError(f"{self.out.where(span.start)}: cannot read the date {raw!r}")
        return found[0]

    def place(self, field: Field) -> None:
        """Place: the places the conflict took place in."""
        for item in self._items(field):
            place = self._known(field, item, classes=frozenset({"Place"}))
            self._state(item, [Fact(self.conflict, "location", Ref(place))], "place")

    def outcome(self, field: Field) -> None:
        """Territory and Result: each comma item is one outcome, in the article's words.

        The rendering joins an infobox's list entries with ", " (as in the Combatant and
        Commander fields), so "Allied withdrawal, Soviets regain Siberia" is two outcomes.
        """
        note = f"infobox field {field.key}"
        for item in self._items(field):
            value = self.text[item.start : item.end]
            self._state(item, [Fact(self.conflict, "outcome", value, note)], "outcome")

    def combatants(self, field: Field) -> None:
        """CombatantN: the column's side of the conflict, and the polities and forces in it."""
        side = self._side(field)
        whole = strip_span(self.text, field.line.start + 2, field.line.end)
        self._state(whole, [Fact(self.conflict, "side", Ref(side))], "combatants")
        for item in self._items(field):
            member = self._known(field, item)
            self._state(item, [Fact(side, "member", Ref(member))], "combatants")

    def commanders(self, field: Field) -> None:
        """CommanderN: the side's commanders, with "KIA" and post-nominals read, not kept."""
        side = self._side(field)
        for item in self._items(field):
            raw = self.text[item.start : item.end]
            name, extra = raw, []
            if re.search(rf"[a-zà-ÿ]{KILLED_IN_ACTION}$", raw):
                name = raw[: -len(KILLED_IN_ACTION)]
                extra.append(("describedAs", "killed in action"))
            for letters in POST_NOMINALS:
                if raw.endswith(" " + letters):
                    name = raw[: -len(letters) - 1]
                    extra.append(("title", letters))
            person = self._known(field, item, name.strip(), classes=frozenset({"Person"}))
            facts = [Fact(side, "commander", Ref(person))]
            facts += [Fact(person, prop, value) for prop, value in extra]
            self._state(item, facts, "commanders")

    def strengths(self, field: Field) -> None:
        """StrengthN: "70,000 Japanese" (whose by demonym), "Total:, ~ More than 150,000"."""
        side = self._side(field)
        label: Span | None = None
        for item in self._items(field):
            raw = self.text[item.start : item.end]
            if raw.endswith(":"):
                label = item  # "Total:" names the item after it
                continue
            match = _STRENGTH.match(raw)
            if not match:
                raise DataError(f"{self.out.where(item.start)}: cannot read the strength {raw!r}")
            who = match.group("who")
            counted_as = who
            party = None
            if who is not None:
                party = self.out.registry.by_demonym(who)
                if party is None:
                    raise DataError(
                        f"{self.out.where(item.start)}: no entity has the demonym {who!r} "
                        "(add it under 'demonyms' in data/entities/wikipedia-infobox.yaml)"
                    )
            qualifier, note = "exactly", None
            if match.group("more"):
                qualifier = "moreThan"
                if match.group("approx"):
                    note = "the infobox writes '~ More than'; read as more than"
            elif match.group("approx"):
                qualifier = "approximately"
            span = item
            if label is not None:
                counted_as = self.text[label.start : label.end].rstrip(":").strip()
                span = Span(label.start, item.end)
                label = None
            quantity = Quantity(
                kind="Strength",
                count=int(match.group("count").replace(",", "")),
                qualifier=qualifier,
                of=party,
                counted_as=counted_as,
            )
            self._state(span, [Fact(side, "strength", quantity, note)], "strengths")

    def casualties(self, field: Field) -> None:
        """CasualtiesN: counts with what they count; a trailing "(...)" qualifies them all.

        Whose each count is cannot be told once the flag icons are lost, so ``of`` stays unset;
        the column's side is the subject. A bare first number followed by counted items is the
        total of that breakdown.
        """
        side = self._side(field)
        items = self._items(field)
        qualifier_note = None
        if items:
            last = self.text[items[-1].start : items[-1].end]
            if last.startswith("(") and last.endswith(")"):
                qualifier_note = f"the infobox adds {last!r} after these figures"
                items = items[:-1]
        unknown_owner = None
        if self.members.get(field.column, 0) > 1:
            unknown_owner = (
                "the rendering lost the flag icons that said which of the side's combatants "
                "these figures belong to"
            )
        for index, item in enumerate(items):
            raw = self.text[item.start : item.end]
            notes = [n for n in (qualifier_note, unknown_owner) if n]
            if raw in _UNKNOWN:
                quantity = Quantity(kind="Casualties", count=None, qualifier="unknownCount")
            else:
                match = _CASUALTIES.match(raw)
                if not match:
                    raise DataError(
                        f"{self.out.where(item.start)}: cannot read the casualties {raw!r}"
                    )
                if match.group("what") is None and index == 0 and len(items) > 1:
                    notes.insert(0, "the total, followed by its breakdown")
                quantity = Quantity(
                    kind="Casualties",
                    count=int(match.group("count").replace(",", "")),
                    counted_as=match.group("what"),
                )
            note = "; ".join(notes) or None
            self._state(item, [Fact(side, "casualties", quantity, note)], "casualties")
