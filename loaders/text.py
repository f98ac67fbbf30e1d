"""The shared base of the loaders: lines, paragraphs, sentences, markup, slugs, dates and numbers.

Every function here works on the exact source text and returns code-point offsets into it, so a
loader never has to search for a quote it has already located. ``Collector`` is the one place a
loader records a statement or an entity: it checks the quote against the text there and then, and
resolves a name through the registry before it mints a new id.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from kg.errors import DataError, QuoteError
from kg.model import EntityDecl, Fact, Section, SourceRecord, Span, Statement
from kg.registry import Registry

# --------------------------------------------------------------------------------------------
# Lines and paragraphs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of a text without its line break, with its offsets."""

    start: int
    end: int
    text: str


def lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """The lines of ``text[start:end]`` (``\\n``, ``\\r\\n`` or ``\\r`` breaks), with offsets."""
    stop = len(text) if end is None else end
    found = []
    for match in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n|$)", text[start:stop]):
        body = match.group(0).rstrip("\r\n")
        if match.start() == match.end():
            break
        found.append(Line(start + match.start(), start + match.start() + len(body), body))
    return found


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Maximal runs of non-blank lines: the paragraphs of a plain or markdown text."""
    spans: list[Span] = []
    first: Line | None = None
    last: Line | None = None
    for line in lines(text, start, end):
        if line.text.strip():
            first = first or line
            last = line
        elif first is not None and last is not None:
            spans.append(Span(first.start, last.end))
            first = last = None
    if first is not None and last is not None:
        spans.append(Span(first.start, last.end))
    return spans


def join_broken_paragraphs(text: str, spans: Sequence[Span]) -> list[Span]:
    """Paragraphs with the breaks a page layout put inside a sentence taken out.

    A paragraph that ends in a letter or digit (no final punctuation, no closing bracket or
    quote) and is followed by one starting with a letter continues in it ("along the" /
    "Trans-Siberian Railway ..."); the joined span covers the break.
    """
    joined: list[Span] = []
    for span in spans:
        if joined and text[joined[-1].end - 1].isalnum() and text[span.start].isalpha():
            joined[-1] = Span(joined[-1].start, span.end)
        else:
            joined.append(span)
    return joined


def line_number(text: str, offset: int) -> int:
    """The 1-based line an offset falls on, for error messages."""
    return text.count("\n", 0, offset) + 1


def strip_span(text: str, start: int, end: int, chars: str | None = None) -> Span:
    """The span without leading and trailing whitespace (or ``chars``)."""
    while start < end and text[start] in (chars if chars is not None else " \t\r\n"):
        start += 1
    while end > start and text[end - 1] in (chars if chars is not None else " \t\r\n"):
        end -= 1
    return Span(start, end)


def split_items(text: str, start: int, end: int, separator: str = ", ") -> list[Span]:
    """The stripped pieces of ``text[start:end]`` between separators (empty pieces dropped)."""
    pieces = []
    cursor = start
    while True:
        found = text.find(separator, cursor, end)
        stop = end if found < 0 else found
        piece = strip_span(text, cursor, stop)
        if piece.start < piece.end:
            pieces.append(piece)
        if found < 0:
            return pieces
        cursor = found + len(separator)


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def sections_from_headings(headings: Sequence[tuple[str, int, int]], length: int) -> list[Section]:
    """Sections from ``(heading, level, start)`` in text order: each runs to the next heading of
    the same or a higher level (a smaller number), or to the end of the text."""
    sections = []
    for index, (heading, level, start) in enumerate(headings):
        end = length
        for _, other_level, other_start in headings[index + 1 :]:
            if other_level <= level:
                end = other_start
                break
        sections.append(Section(heading, level, start, end))
    return sections


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------

# Words that end with a full stop without ending a sentence ("Lt. Ward", "Gen. Graves").
ABBREVIATIONS = frozenset(
    "Adm Capt Cf Co Col Corp Dr Gen Gov Inc Jr Lt Ltd Maj Messrs Mr Mrs Ms Mt No Nos Pres Prof "
    "Rev Sen Sgt Sr St Vol cf e.g etc i.e no pp vol vs".split()
)
# A candidate sentence end: final punctuation, any closing quotes or brackets, then whitespace.
_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")
# What may begin a sentence: a capital, a digit, or an opening quote or bracket.
_OPENER = re.compile(r"[\"'“‘(\[]*[A-Z0-9À-ÖØ-Þ]")


def _ends_sentence(text: str, start: int, stop: int) -> bool:
    """Whether the full stop at ``stop`` ends a sentence rather than an abbreviation."""
    if text[stop] != ".":
        return True
    word_start = stop
    while word_start > start and not (
        text[word_start - 1].isspace() or text[word_start - 1] in '(["“‘'
    ):
        word_start -= 1
    word = text[word_start:stop]
    if word in ABBREVIATIONS:
        return False
    # Initials and initialisms: "S. Graves", "R. von", "U.S.", "F.E.R.", "a.k.a.".
    return not re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word)


def split_sentences(text: str, start: int, end: int) -> list[Span]:
    """The sentences of the running text ``text[start:end]``, stripped, in order.

    A sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes or brackets) followed by
    whitespace and a capital, digit or opening quote, unless the full stop closes an abbreviation,
    an initial or an initialism. Whitespace between sentences, including a paragraph break a
    layout put inside a sentence, stays inside or between spans and never splits one.
    """
    spans = []
    cursor = start
    for match in _END.finditer(text, start, end):
        after = match.end()
        following = after
        while following < end and text[following].isspace():
            following += 1
        if following >= end or not _OPENER.match(text, following):
            continue
        if not _ends_sentence(text, cursor, match.start()):
            continue
        piece = strip_span(text, cursor, after)
        if piece.start < piece.end:
            spans.append(piece)
        cursor = after
    piece = strip_span(text, cursor, end)
    if piece.start < piece.end:
        spans.append(piece)
    return spans


# --------------------------------------------------------------------------------------------
# Markup
# --------------------------------------------------------------------------------------------

_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\([^)\s]*\)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])")


def clean_markup(raw: str) -> str:
    """Markdown as a reader sees it: link texts without targets, no emphasis markers, escapes
    resolved, whitespace (including a layout's line breaks) collapsed to single spaces."""
    text = _LINK.sub(lambda m: m.group(1), raw)
    text = text.replace("](#)", "")  # the tail of a link a layout broke in two
    text = text.replace("\\*", "").replace("**", "")
    text = _ESCAPE.sub(r"\1", text)
    text = re.sub(r"(?<!\w)\*|\*(?!\w)", "", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Link:
    """A markdown link: the span of its text (inside the brackets) and of the whole link."""

    text: Span
    whole: Span


def markdown_links(text: str, start: int, end: int) -> list[Link]:
    """The ``[text](target)`` links in ``text[start:end]``, in order."""
    return [
        Link(Span(m.start(1), m.end(1)), Span(m.start(), m.end()))
        for m in _LINK.finditer(text, start, end)
    ]


# --------------------------------------------------------------------------------------------
# Ids
# --------------------------------------------------------------------------------------------

_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "þ": "th", "œ": "oe"})


def slug(label: str) -> str:
    """A lower-case kebab-case id from a label, ASCII-folded ("Vācietis" -> "vacietis").

    Apostrophes and full stops vanish rather than split words, so "Russia's" gives "russias"
    and "William S. Graves" gives "william-s-graves", as in ``data/entities/core.yaml``.
    """
    folded = unicodedata.normalize("NFKD", label.lower().translate(_FOLD))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    ascii_only = re.sub(r"['.]", "", ascii_only)
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def forename_first(name: str) -> str | None:
    """ "Norton, Henry Kittredge" -> "Henry Kittredge Norton"; None for a name without a comma."""
    surname, comma, forenames = name.partition(", ")
    if not comma or not forenames.strip() or "," in forenames:
        return None
    return f"{forenames.strip()} {surname.strip()}"


# --------------------------------------------------------------------------------------------
# Collecting statements and entities
# --------------------------------------------------------------------------------------------


# Classes whose labels name headings in a list, not the things themselves.
INDEX_CLASSES = frozenset({"SubjectHeading", "HeadingScheme"})


class Collector:
    """Statements and entities of one ``load`` call, checked as they are added.

    One is made per call, so no state outlives a load. ``entity`` resolves a name through the
    registry (and through what this load has already declared) before minting an id.
    """

    def __init__(self, record: SourceRecord, registry: Registry, module: str) -> None:
        self.record = record
        self.registry = registry
        self.module = module
        self.subject = f"source-{record.id}"
        self.statements: list[Statement] = []
        self._entities: dict[str, EntityDecl] = {}

    @property
    def entities(self) -> list[EntityDecl]:
        """Declared entities in the order first declared."""
        return list(self._entities.values())

    def origin(self, rule: str) -> str:
        return f"loaders/{self.module}.py:{rule}"

    def where(self, offset: int) -> str:
        """``data/sources/<file>:<line>`` of an offset, for error messages."""
        return f"data/sources/{self.record.file}:{line_number(self.record.text, offset)}"

    def state(self, span: Span, facts: Iterable[Fact], method: str, rule: str) -> Statement | None:
        """Record the facts ``text[span]`` states (nothing if there are none)."""
        facts = tuple(facts)
        if not facts:
            return None
        quote = self.record.text[span.start : span.end]
        if not quote or quote != quote.strip():
            raise QuoteError(f"{self.origin(rule)}: quote {quote!r} at {span.start} is not trimmed")
        statement = Statement(self.record.id, quote, span.start, facts, method, self.origin(rule))
        self.statements.append(statement)
        return statement

    def declare(self, decl: EntityDecl) -> str:
        """Add a declaration (merging aliases with an earlier one of the same id)."""
        old = self._entities.get(decl.id)
        if old is None:
            self._entities[decl.id] = decl
        else:
            if (old.cls, old.label) != (decl.cls, decl.label):
                raise DataError(
                    f"{decl.origin}: '{decl.id}' declared as {decl.cls} {decl.label!r} "
                    f"and as {old.cls} {old.label!r}"
                )
            aliases = tuple(dict.fromkeys(old.aliases + decl.aliases))
            self._entities[decl.id] = EntityDecl(
                old.id, old.cls, old.label, aliases, (), old.origin
            )
        return decl.id

    def resolve(self, *names: str, classes: frozenset[str] | None = None) -> str | None:
        """The id of the first name the registry or this load already knows, of a fitting class.

        Like ``Registry.resolve`` but looking past a first match of the wrong class: the author
        keyword "Woodrow Wilson" (a SubjectHeading) must not hide the person. Without
        ``classes``, headings and heading schemes never match.
        """
        for name in names:
            name = name.strip()
            if not name:
                continue
            for entity in (*self.registry, *self._entities.values()):
                if name != entity.label and name not in entity.aliases:
                    continue
                if entity.cls in classes if classes else entity.cls not in INDEX_CLASSES:
                    return entity.id
        return None

    def entity(
        self,
        label: str,
        cls: str,
        rule: str,
        *,
        aliases: Sequence[str] = (),
        id_prefix: str = "",
        accept: frozenset[str] | None = None,
    ) -> str:
        """The id of the entity ``label`` names: resolved if known, else declared under a slug.

        ``aliases`` are other surface forms the text uses ("Norton, Henry Kittredge"); they are
        tried first and kept on a new declaration. ``accept`` is the set of classes a resolved
        entity may have (default: ``cls`` only), so "Japan" the regional section never resolves
        to Japan the state.
        """
        known = self.resolve(label, *aliases, classes=accept or frozenset({cls}))
        if known is not None:
            return known
        return self.mint(label, cls, rule, aliases=aliases, id_prefix=id_prefix)

    def mint(
        self, label: str, cls: str, rule: str, *, aliases: Sequence[str] = (), id_prefix: str = ""
    ) -> str:
        """Declare ``label`` under its slug without resolving it (for scheme-bound headings).

        An id the registry already holds with the same class is reused; with another class it is
        an error, never a silent merge of two different things.
        """
        new_id = slug(f"{id_prefix} {label}" if id_prefix else label)
        if new_id in self.registry:
            existing = self.registry.get(new_id)
            if existing.cls != cls:
                raise DataError(
                    f"{self.origin(rule)}: would mint '{new_id}' for {cls} {label!r}, but the "
                    f"registry has it as a {existing.cls} ({existing.origin})"
                )
            return new_id
        kept = tuple(a for a in aliases if a != label)
        return self.declare(EntityDecl(new_id, cls, label, kept, (), self.origin(rule)))


# --------------------------------------------------------------------------------------------
# Dates and numbers in a sentence
# --------------------------------------------------------------------------------------------

_MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()
# Full names and the abbreviations the texts use ("Jan-June 1922"); "May" has no abbreviation.
MONTHS = MappingProxyType(
    {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
    | {name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1) if name != "May"}
    | {"Sept": 9}
)
_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?![a-z])"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)(?![\d,]\d|\w)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?!\d)"
_TO = r"\s*(?:and|to|until|[-–—])\s*"
_B = r"(?<![\w,.])"  # a number starts here, not inside another number or word

# Ordered: a longer form is tried before the forms it contains. Groups are named for the value.
_DATE_FORMS = (
    ("iso", re.compile(_B + r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")),
    (
        "day-range",
        re.compile(_B + rf"(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})\s+(?P<m>{_MONTH}),?\s+(?P<y>{_YEAR})"),
    ),
    (
        "month-day-range",
        re.compile(
            rf"(?<!\w)(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}){_TO}(?:(?P<m2>{_MONTH})\s+)?"
            rf"(?P<d2>{_DAY}),\s*(?P<y>{_YEAR})"
        ),
    ),
    ("day-month-year", re.compile(_B + rf"(?P<d>{_DAY})\s+(?P<m>{_MONTH}),?\s+(?P<y>{_YEAR})")),
    ("month-day-year", re.compile(rf"(?<!\w)(?P<m>{_MONTH})\s+(?P<d>{_DAY}),?\s+(?P<y>{_YEAR})")),
    (
        "month-range",
        re.compile(rf"(?<!\w)(?P<m1>{_MONTH}){_TO}(?P<m2>{_MONTH}),?\s+(?P<y>{_YEAR})"),
    ),
    ("month-year", re.compile(rf"(?<!\w)(?P<m>{_MONTH}),?\s+(?P<y>{_YEAR})")),
    # A day and month without a year: not a date we can state, but its day is no count either.
    ("day-range-no-year", re.compile(_B + rf"(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})\s+(?P<m>{_MONTH})")),
    ("day-month", re.compile(_B + rf"(?P<d>{_DAY})\s+(?P<m>{_MONTH})")),
    ("month-day", re.compile(rf"(?<!\w)(?P<m>{_MONTH})\s+(?P<d>{_DAY})(?!,?\s*\d)")),
    ("year", re.compile(_B + rf"(?P<y>{_YEAR})")),
)
_NUMBER = re.compile(
    _B + r"(?<!/)(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?:\s+(?P<scale>million|billion)\b)?(?![\w/]|[.,]\d)"
)
_SCALE = MappingProxyType({None: 1, "million": 1_000_000, "billion": 1_000_000_000})


class DatesAndNumbers(NamedTuple):
    """What ``dates_and_numbers`` finds: ISO dates at the written precision, and counts."""

    dates: list[str]
    numbers: list[int]


def _iso(year: str, month: str | None = None, day: str | None = None) -> str:
    if month is None:
        return year
    number = MONTHS[month] if not month.isdigit() else int(month)
    if day is None:
        return f"{year}-{number:02d}"
    return f"{year}-{number:02d}-{int(day):02d}"


def _dates_of(form: str, m: re.Match) -> list[str]:
    g = m.groupdict()
    if form == "iso":
        return [f"{g['y']}-{g['m']}-{g['d']}"]
    if form == "day-range":
        return [_iso(g["y"], g["m"], g["d1"]), _iso(g["y"], g["m"], g["d2"])]
    if form == "month-day-range":
        return [_iso(g["y"], g["m1"], g["d1"]), _iso(g["y"], g["m2"] or g["m1"], g["d2"])]
    if form in ("day-month-year", "month-day-year"):
        return [_iso(g["y"], g["m"], g["d"])]
    if form == "month-range":
        return [_iso(g["y"], g["m1"]), _iso(g["y"], g["m2"])]
    if form == "month-year":
        return [_iso(g["y"], g["m"])]
    if form == "year":
        return [g["y"]]
    return []  # a day without a year


def dates_and_numbers(sentence: str) -> DatesAndNumbers:
    """The dates and the numbers written in a sentence, in text order, each once.

    Dates keep the precision written: "3 August 1918" -> "1918-08-03", "August 1918" ->
    "1918-08", "1918" -> "1918"; "between 14 and 24 August 1918" gives both days. A day whose
    year the phrase does not give ("on 3 August") is skipped. Numbers are the digits left over,
    commas removed ("12,000-mile" -> 12000), ordinals ("27th") and parts of identifiers excluded.

    >>> dates_and_numbers("Composed of 4,192 soldiers, the force arrived on 26 October 1918")
    DatesAndNumbers(dates=['1918-10-26'], numbers=[4192])
    """
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for form, pattern in _DATE_FORMS:
        for match in pattern.finditer(sentence):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            values = _dates_of(form, match)
            taken.append((match.start(), match.end()))
            try:
                for value in values:
                    _check_date(value)
            except ValueError:
                continue  # "31 June 1918" is no date, and none of its numbers is a count
            found.extend((match.start(), v) for v in values)
    numbers: list[tuple[int, int]] = []
    for match in _NUMBER.finditer(sentence):
        if any(match.start() < e and s < match.end() for s, e in taken):
            continue
        value = int(match.group("n").replace(",", "")) * _SCALE[match.group("scale")]
        numbers.append((match.start(), value))
    dates = list(dict.fromkeys(v for _, v in sorted(found, key=lambda p: p[0])))
    counts = list(dict.fromkeys(v for _, v in sorted(numbers)))
    return DatesAndNumbers(dates, counts)


def _check_date(value: str) -> None:
    """Raise ValueError for a day or month that does not exist ("31 June")."""
    parts = [int(p) for p in value.split("-")]
    dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
