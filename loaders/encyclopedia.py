"""Loader for an entry of 1914-1918-online rendered as markdown.

The entry has a fixed shape: ``# Title``, a ``By [Author](#)`` byline, prose sections, the author's
affiliation line, then sections named by the encyclopedia (Selected Bibliography, Citation,
External Links, Metadata with its subject lists, key persons and locations, and the articles that
link here). Each of those named sections has a rule below; every other ``##`` section is prose.
Links have empty targets (``[text](#)``), parentheses are escaped (``\\(1856-1924\\)``), and the
page layout broke some lines in mid-sentence (and one bibliography title and one linked title
across two paragraphs); quotes are always the exact text, with the break inside when a value
spans one, and values are cleaned of the markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from kg.errors import DataError
from kg.model import Fact, LoadResult, Ref, SourceRecord, Span
from kg.registry import Registry
from loaders.text import (
    Collector,
    Line,
    clean_markup,
    forename_first,
    join_broken_paragraphs,
    lines,
    markdown_links,
    paragraphs,
    sections_from_headings,
    split_items,
    split_sentences,
    strip_span,
)

MODULE = "encyclopedia"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^[-*+]\s+")
_LIFE_YEARS = re.compile(
    r"\[(?P<quote>(?P<name>[^\[\]\\]+?) \\\((?P<born>\d{4})-(?P<died>\d{4})\\\))\]\(#\)"
)
_BIBLIOGRAPHY_ENTRY = re.compile(
    r"\[(?P<author>[^:\]]+): (?P<mark>(?:\\\*)+)(?P<title>.+?)(?P=mark)"
    r"(?P<spill>.*?), (?P<place>[^,\]]+), (?P<year>\d{4}): (?P<publisher>[^\]]+?)\.?(?:\]\(#\))?$",
    re.DOTALL,
)
_CITATION = re.compile(
    r"(?P<author>[^:]+): (?P<title>.+?), in: (?P<container>.+?), ed\. by (?P<editors>.+?), "
    r"issued by (?P<publisher>.+?), (?P<place>[^,]+?) (?P<date>\d{4}-\d{2}-\d{2})\. "
    r"DOI: \[(?P<doi>[^\]]+)\]\([^)]*\)$"
)
_EXTERNAL_LINK = re.compile(r"(?P<creator>[^:]+): (?P<title>.+?)(?P<notes>(?: \\\([^()]*\\\))*)$")
_NOTE = re.compile(r"\\\((?P<note>[^()]*)\\\)")
_TITLE_DATES = re.compile(r"\s+\d{4}[-–]\d{4}$")


@dataclass(frozen=True)
class Scheme:
    """A list of headings the entry files itself under, and how its headings get their ids."""

    label: str
    prefix: str


# The encyclopedia's subject lists, by the heading that introduces each.
SCHEMES = MappingProxyType(
    {
        "Regional Section(s)": Scheme("1914-1918-online Regional Sections", "regional-section"),
        "Thematic Section(s)": Scheme("1914-1918-online Thematic Sections", "thematic-section"),
        "Subjects": Scheme("1914-1918-online Subjects", "subject"),
        "Author Keywords": Scheme("1914-1918-online Author Keywords", "keyword"),
        "GND Subject Headings": Scheme("GND Subject Headings", "gnd"),
        "LC Subject Headings": Scheme("LC Subject Headings", "lcsh"),
        "Rameau Subject Headings": Scheme("Rameau Subject Headings", "rameau"),
    }
)


@dataclass(frozen=True)
class Part:
    """The content of one heading: the heading's text and level and its paragraphs."""

    heading: str
    level: int
    line: Line
    heading_span: Span  # the heading's text in the line, markup and all
    paragraphs: list[Span]


def load(record: SourceRecord, registry: Registry) -> LoadResult:
    """Sections, sentences, and the statements of the title, byline, life years, bibliography,
    citation and metadata of an encyclopedia entry."""
    text = record.text
    out = Collector(record, registry, MODULE)
    parts = _parts(text)
    reader = _Entry(out, parts)
    reader.read()
    return LoadResult(
        sections=sections_from_headings(
            [(p.heading, p.level, p.line.start) for p in parts if p.level > 0], len(text)
        ),
        sentences=reader.sentences,
        entities=out.entities,
        statements=out.statements,
    )


def _parts(text: str) -> list[Part]:
    """The text cut at its headings; what comes before the first heading is a part of level 0."""
    heads: list[tuple[str, int, Line, Span]] = []
    for line in lines(text):
        match = _HEADING.match(line.text)
        if match:
            span = Span(line.start + match.start(2), line.start + match.end(2))
            heads.append((clean_markup(match.group(2)), len(match.group(1)), line, span))
    parts = []
    first = heads[0][2].start if heads else len(text)
    if text[:first].strip():
        parts.append(Part("", 0, Line(-1, -1, ""), Span(0, 0), paragraphs(text, 0, first)))
    for index, (heading, level, line, span) in enumerate(heads):
        end = heads[index + 1][2].start if index + 1 < len(heads) else len(text)
        parts.append(Part(heading, level, line, span, paragraphs(text, line.end, end)))
    return parts


class _Entry:
    """Reads one entry (one reader per load call)."""

    def __init__(self, out: Collector, parts: list[Part]) -> None:
        self.out = out
        self.parts = parts
        self.text = out.record.text
        self.sentences: list[Span] = []
        self.author: str | None = None
        self.rules: dict[str, Callable[[Part], None]] = {
            "Table of contents": self.lines_only,
            "Selected Bibliography": self.bibliography,
            "Citation": self.citation,
            "External Links": self.external_links,
            "Metadata": self.lines_only,
            "Key Person(s)": self.key_persons,
            "Key Location(s)": self.key_locations,
            "Title": self.metadata_title,
            "Author(s)": self.metadata_authors,
            "Article Type": self.article_type,
            "Classification Group": self.classification_group,
            "Articles That Link Here": self.linked_from,
        }

    def read(self) -> None:
        for part in self.parts:
            if part.level <= 1:
                if part.level == 1:
                    self.title(part)
                self.front_matter(part)
            elif part.heading in SCHEMES:
                self.headings(part, SCHEMES[part.heading])
            elif part.heading in self.rules:
                self.rules[part.heading](part)
            else:
                self.prose(part)

    # -- helpers ----------------------------------------------------------------------------
    def _raw(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def _state(self, span: Span, facts: list[Fact], method: str, rule: str) -> None:
        self.out.state(span, facts, method, rule)

    def _person(self, name: str, rule: str) -> str:
        """A person named "Forename Surname" or "Surname, Forename", resolved or minted."""
        inverted = forename_first(name)
        if inverted is not None:
            return self.out.entity(inverted, "Person", rule, aliases=[name])
        return self.out.entity(name, "Person", rule)

    def _link_items(self, part: Part) -> list[tuple[Span, str]]:
        """Items of a "; "-separated list of links, each with its span and cleaned text.

        Two links with only whitespace between them are one item a layout broke in two
        ("[Making](#)" / "[Sense of the War \\(Japan\\)](#)"), and are joined.
        """
        if not part.paragraphs:
            return []
        start, end = part.paragraphs[0].start, part.paragraphs[-1].end
        groups: list[list[Span]] = []
        previous_end: int | None = None
        for link in markdown_links(self.text, start, end):
            between = "" if previous_end is None else self.text[previous_end : link.whole.start]
            if previous_end is not None and not between.strip():
                groups[-1].append(link.text)
            else:
                if previous_end is not None and between.strip() not in (";", "and", ","):
                    where = self.out.where(link.whole.start)
                    raise DataError(f"{where}: {between!r} between two links of a list")
                groups.append([link.text])
            previous_end = link.whole.end
        return [
            (Span(g[0].start, g[-1].end), " ".join(clean_markup(self._raw(s)) for s in g))
            for g in groups
        ]

    def _whole(self, part: Part) -> Span | None:
        """The part's content as one span (a list the layout may have broken)."""
        if not part.paragraphs:
            return None
        return Span(part.paragraphs[0].start, part.paragraphs[-1].end)

    # -- document parts ---------------------------------------------------------------------
    def lines_only(self, part: Part) -> None:
        """Lines that state nothing a rule reads, kept as sentences for the gazetteer."""
        self.sentences.extend(part.paragraphs)

    def front_matter(self, part: Part) -> None:
        """Under the title: the byline, then any running text."""
        rest = []
        for paragraph in part.paragraphs:
            if self._raw(paragraph).startswith("By "):
                self.sentences.append(paragraph)
                self.byline(paragraph)
            else:
                rest.append(paragraph)
        self._running_text(rest)

    def title(self, part: Part) -> None:
        """``# Title``: the work's title, and the entity it names without its dates."""
        facts = [Fact(self.out.subject, "workTitle", part.heading)]
        about = self.out.resolve(_TITLE_DATES.sub("", part.heading))
        if about is not None:
            facts.append(Fact(self.out.subject, "about", Ref(about)))
        self._state(part.heading_span, facts, "HeadingRule", "title")

    def byline(self, paragraph: Span) -> None:
        """``By [Name](#)``: the entry's author(s)."""
        raw = self._raw(paragraph)
        if not raw.startswith("By "):
            return
        facts = []
        for link in markdown_links(self.text, paragraph.start, paragraph.end):
            person = self._person(clean_markup(self._raw(link.text)), "byline")
            self.author = self.author or person
            facts.append(Fact(self.out.subject, "author", Ref(person)))
        self._state(paragraph, facts, "BylineRule", "byline")

    def prose(self, part: Part) -> None:
        """A section of running text."""
        self._running_text(part.paragraphs)

    def _running_text(self, paragraphs: list[Span]) -> None:
        """Sentences (across layout breaks), life years, and the affiliation line."""
        for unit in join_broken_paragraphs(self.text, paragraphs):
            self.sentences.extend(split_sentences(self.text, unit.start, unit.end))
            self.life_years(unit)
            self.affiliation(unit)

    def life_years(self, unit: Span) -> None:
        """``[Woodrow Wilson \\(1856-1924\\)](#)``: a person's birth and death years."""
        for match in _LIFE_YEARS.finditer(self.text, unit.start, unit.end):
            person = self._person(match.group("name"), "life_years")
            facts = [
                Fact(person, "birthDate", match.group("born")),
                Fact(person, "deathDate", match.group("died")),
            ]
            self._state(
                Span(match.start("quote"), match.end("quote")), facts, "SentenceRule", "life_years"
            )

    def affiliation(self, unit: Span) -> None:
        """ "Author Name, Institution" on a line of its own: the author's affiliation."""
        raw = self._raw(unit)
        name, comma, institution = raw.partition(", ")
        if not comma or self.author is None or "," in institution or raw.endswith("."):
            return
        if self.out.resolve(name, classes=frozenset({"Person"})) != self.author:
            return
        org = self.out.entity(institution, "Organisation", "affiliation")
        self._state(unit, [Fact(self.author, "affiliation", Ref(org))], "BylineRule", "affiliation")

    # -- Selected Bibliography --------------------------------------------------------------
    def bibliography(self, part: Part) -> None:
        """Each entry "Surname, Forename: *Title*, Place, Year: Publisher." is a cited work."""
        for entry in self._entries(part):
            self.sentences.append(entry)
            self.bibliography_entry(entry)

    def _entries(self, part: Part) -> list[Span]:
        """List items, each with the paragraphs that continue it (a title broken by layout)."""
        entries: list[Span] = []
        for paragraph in part.paragraphs:
            for line in lines(self.text, paragraph.start, paragraph.end):
                item = _LIST_ITEM.match(line.text)
                if item:
                    entries.append(Span(line.start + item.end(), line.end))
                elif entries:
                    entries[-1] = Span(entries[-1].start, line.end)
                else:
                    where = self.out.where(line.start)
                    raise DataError(f"{where}: bibliography text before any entry")
        return entries

    def bibliography_entry(self, entry: Span) -> None:
        match = _BIBLIOGRAPHY_ENTRY.match(self.text, entry.start, entry.end)
        if not match:
            raise DataError(
                f"{self.out.where(entry.start)}: cannot read the bibliography entry "
                f"{self._raw(entry)!r}"
            )

        def span(group: str) -> Span:
            return Span(match.start(group), match.end(group))

        title_span = Span(match.start("title"), match.end("title"))
        note = None
        if match.group("spill"):
            # The layout ended the title's line early; the rest follows in the next paragraph.
            title_span = Span(match.start("title"), match.end("spill"))
            note = (
                "the title is broken across two paragraphs by the page layout; the quote spans "
                "the break and the value joins the two parts"
            )
        title = clean_markup(self._raw(title_span))
        rule = "bibliography"
        work = self.out.entity(title, "CitedWork", rule, accept=frozenset({"CitedWork", "Work"}))
        author = self._person(match.group("author"), rule)
        place = self.out.entity(match.group("place"), "Place", rule)
        publisher = self.out.entity(match.group("publisher"), "Organisation", rule)
        method = "BibliographyRule"
        self._state(entry, [Fact(self.out.subject, "bibliographyEntry", Ref(work))], method, rule)
        self._state(span("author"), [Fact(work, "author", Ref(author))], method, rule)
        self._state(title_span, [Fact(work, "workTitle", title, note)], method, rule)
        self._state(span("place"), [Fact(work, "publicationPlace", Ref(place))], method, rule)
        self._state(
            span("year"), [Fact(work, "publicationDate", match.group("year"))], method, rule
        )
        self._state(span("publisher"), [Fact(work, "publisher", Ref(publisher))], method, rule)

    # -- Citation ---------------------------------------------------------------------------
    def citation(self, part: Part) -> None:
        """The recommended citation: author, title, encyclopedia and its editors, publisher,
        place, date and DOI."""
        for paragraph in part.paragraphs:
            self.sentences.append(paragraph)
            match = _CITATION.match(self.text, paragraph.start, paragraph.end)
            if not match:
                raise DataError(f"{self.out.where(paragraph.start)}: cannot read the citation")
            self.citation_facts(match)

    def citation_facts(self, match: re.Match) -> None:
        def span(group: str) -> Span:
            return Span(match.start(group), match.end(group))

        rule, method, doc = "citation", "CitationRule", self.out.subject
        author = self._person(match.group("author"), rule)
        container = self.out.entity(
            match.group("container"), "Work", rule, accept=frozenset({"Work", "CitedWork"})
        )
        publisher = self.out.entity(match.group("publisher"), "Organisation", rule)
        place = self.out.entity(match.group("place"), "Place", rule)
        self._state(span("author"), [Fact(doc, "author", Ref(author))], method, rule)
        self._state(span("title"), [Fact(doc, "workTitle", match.group("title"))], method, rule)
        self._state(span("container"), [Fact(doc, "publishedIn", Ref(container))], method, rule)
        for item in split_items(self.text, match.start("editors"), match.end("editors")):
            if self.text.startswith("and ", item.start):
                item = Span(item.start + len("and "), item.end)
            editor = self._person(self._raw(item), rule)
            self._state(item, [Fact(container, "editor", Ref(editor))], method, rule)
        self._state(span("publisher"), [Fact(doc, "publisher", Ref(publisher))], method, rule)
        self._state(span("place"), [Fact(doc, "publicationPlace", Ref(place))], method, rule)
        self._state(span("date"), [Fact(doc, "publicationDate", match.group("date"))], method, rule)
        self._state(span("doi"), [Fact(doc, "doi", match.group("doi"))], method, rule)

    # -- External Links ---------------------------------------------------------------------
    def external_links(self, part: Part) -> None:
        """ "Creator: Title \\(Note\\)": a work the entry points its readers to."""
        for entry in self._entries(part):
            self.sentences.append(entry)
            for link in markdown_links(self.text, entry.start, entry.end):
                self.external_link(link.text)

    def external_link(self, link: Span) -> None:
        match = _EXTERNAL_LINK.match(self.text, link.start, link.end)
        if not match:
            raise DataError(f"{self.out.where(link.start)}: cannot read the external link")
        rule, method = "external_links", "MetadataRule"
        title = clean_markup(match.group("title"))
        work = self.out.entity(title, "CitedWork", rule, accept=frozenset({"CitedWork", "Work"}))
        creator = self.out.entity(clean_markup(match.group("creator")), "Organisation", rule)
        self._state(link, [Fact(self.out.subject, "cites", Ref(work))], method, rule)
        self._state(
            Span(match.start("title"), match.end("title")),
            [Fact(work, "workTitle", title)],
            method,
            rule,
        )
        self._state(
            Span(match.start("creator"), match.end("creator")),
            [Fact(work, "publisher", Ref(creator), "named before the title as its maker")],
            method,
            rule,
        )
        for note in _NOTE.finditer(self.text, match.start("notes"), match.end("notes")):
            span = Span(note.start("note"), note.end("note"))
            self._state(span, [Fact(work, "describedAs", note.group("note"))], method, rule)

    # -- Metadata ---------------------------------------------------------------------------
    def headings(self, part: Part, scheme: Scheme) -> None:
        """A subject list: "A > B > C" chains of links, "; "-separated keywords, or headings.

        The entry is filed under the last heading of a chain; each heading is broader than the
        next; every heading belongs to the list's scheme.
        """
        rule, method = "subject_headings", "MetadataRule"
        scheme_id = self.out.mint(scheme.label, "HeadingScheme", rule)
        for paragraph in part.paragraphs:
            self.sentences.append(paragraph)
            found = markdown_links(self.text, paragraph.start, paragraph.end)
            links = [link.text for link in found]
            if not links:  # plain keywords
                for item in split_items(self.text, paragraph.start, paragraph.end, ";"):
                    heading = self.out.mint(
                        self._raw(item), "SubjectHeading", rule, id_prefix=scheme.prefix
                    )
                    facts = [
                        Fact(self.out.subject, "subject", Ref(heading)),
                        Fact(heading, "headingScheme", Ref(scheme_id)),
                    ]
                    self._state(item, facts, method, rule)
                continue
            chained = " > " in self._raw(paragraph)
            groups = [links] if chained else [[link] for link in links]
            for group in groups:
                ids = [
                    self.out.mint(
                        clean_markup(self._raw(link)),
                        "SubjectHeading",
                        rule,
                        id_prefix=scheme.prefix,
                    )
                    for link in group
                ]
                facts = [Fact(self.out.subject, "subject", Ref(ids[-1]))]
                pairs = zip(ids, ids[1:], strict=False)
                facts += [
                    Fact(narrower, "broaderHeading", Ref(broader)) for broader, narrower in pairs
                ]
                facts += [Fact(h, "headingScheme", Ref(scheme_id)) for h in ids]
                quote = paragraph if chained else group[0]
                self._state(quote, facts, method, rule)

    def key_persons(self, part: Part) -> None:
        """Key Person(s): "Surname, Forename" links, resolved to the registry's people."""
        self._add_whole(part)
        for span, name in self._link_items(part):
            person = self._person(name, "key_persons")
            self._state(
                span,
                [Fact(self.out.subject, "keyPerson", Ref(person))],
                "MetadataRule",
                "key_persons",
            )

    def key_locations(self, part: Part) -> None:
        """Key Location(s): places."""
        self._add_whole(part)
        for span, name in self._link_items(part):
            place = self.out.entity(name, "Place", "key_locations")
            self._state(
                span,
                [Fact(self.out.subject, "keyLocation", Ref(place))],
                "MetadataRule",
                "key_locations",
            )

    def metadata_title(self, part: Part) -> None:
        """Title: the work's title as the metadata gives it."""
        self._literal(part, "workTitle", "metadata_title")

    def article_type(self, part: Part) -> None:
        """Article Type ("Encyclopedic Entry")."""
        self._literal(part, "articleType", "article_type")

    def classification_group(self, part: Part) -> None:
        """Classification Group ("Events")."""
        self._literal(part, "classificationGroup", "classification_group")

    def _literal(self, part: Part, prop: str, rule: str) -> None:
        for paragraph in part.paragraphs:
            self.sentences.append(paragraph)
            value = clean_markup(self._raw(paragraph))
            self._state(paragraph, [Fact(self.out.subject, prop, value)], "MetadataRule", rule)

    def metadata_authors(self, part: Part) -> None:
        """Author(s): the entry's authors as the metadata gives them."""
        self._add_whole(part)
        for span, name in self._link_items(part):
            person = self._person(name, "metadata_authors")
            self._state(
                span,
                [Fact(self.out.subject, "author", Ref(person))],
                "MetadataRule",
                "metadata_authors",
            )

    def linked_from(self, part: Part) -> None:
        """Articles That Link Here: the encyclopedia's articles that link to this entry."""
        self._add_whole(part)
        for span, title in self._link_items(part):
            # Titles such as "Philippines" would read as the place: ids get "article-".
            work = self.out.entity(
                title,
                "CitedWork",
                "linked_from",
                id_prefix="article",
                accept=frozenset({"CitedWork", "Work"}),
            )
            note = None
            if "\n" in self._raw(span):
                note = "one title broken in two by the page layout; the quote spans the break"
            self._state(
                span,
                [Fact(self.out.subject, "linkedFrom", Ref(work), note)],
                "MetadataRule",
                "linked_from",
            )

    def _add_whole(self, part: Part) -> None:
        whole = self._whole(part)
        if whole is not None:
            self.sentences.append(strip_span(self.text, whole.start, whole.end))
