"""Plain values passed from the loaders to the build.

Loaders read a text and return these; only ``kg.graph`` turns them into RDF. Keeping them as
frozen dataclasses means a loader can be tested without rdflib, and two builds from the same
input produce the same values in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ref:
    """A reference to an entity of the registry, by id (``william-s-graves``)."""

    id: str


@dataclass(frozen=True)
class Quantity:
    """A stated number: a troop strength, a casualty count or a cost.

    ``kind`` is the ontology class (``Strength``, ``Casualties``, ``Cost``); ``qualifier`` a
    ``sikg:CountQualifier`` local name; ``of`` the id of whose number it is.
    """

    kind: str
    count: int | None
    qualifier: str = "exactly"
    of: str | None = None
    counted_as: str | None = None
    date: str | None = None
    currency: str | None = None


# A fact's object: an entity reference, a quantity, or a literal. Literal strings of date-valued
# properties are typed by ``kg.dates`` according to the property, never by guessing.
Value = Ref | Quantity | str | int


@dataclass(frozen=True)
class Fact:
    """One (subject, property, object) a quote states; ``predicate`` is a sikg local name."""

    subject: str
    predicate: str
    object: Value
    note: str | None = None
    origin: str = field(default="", compare=False)  # file:line of the fact, for errors


@dataclass(frozen=True)
class Statement:
    """A verbatim quote of one source and the facts it states.

    ``start`` is the Unicode code-point offset of the quote in the source text; ``origin`` says
    where the statement came from (``data/annotations/wikipedia.yaml:12`` or a loader rule), so an
    error can point at it.
    """

    source: str
    quote: str
    start: int
    facts: tuple[Fact, ...]
    method: str
    origin: str

    @property
    def end(self) -> int:
        return self.start + len(self.quote)


@dataclass(frozen=True)
class EntityDecl:
    """An entity as declared by the registry files or by a loader rule."""

    id: str
    cls: str
    label: str
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    origin: str = ""


@dataclass(frozen=True)
class Span:
    """A stretch of a source text, ``[start, end)`` in code points."""

    start: int
    end: int


@dataclass(frozen=True)
class Section:
    """A headed section: its cleaned heading, level (1 = title) and span of the whole section."""

    heading: str
    level: int
    start: int
    end: int


@dataclass(frozen=True)
class SourceRecord:
    """The catalogue record of a source (``data/sources/<id>.yaml``) with its text."""

    id: str
    file: str
    loader: str
    text: str
    metadata: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class LoadResult:
    """What a loader returns for one source."""

    sections: list[Section] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)
    entities: list[EntityDecl] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
