"""Synthetic graphs of the project's shape at a chosen size, written as N-Quads and cached.

Why synthetic: the real build is 21k quads; the server must be measured at 100k and 1M too, on
data shaped like ours, so that the query plans (claims beside direct triples, a registry graph of
labels, a named graph per source, a union default graph) are the ones production sees.

The layout copies ``kg build``'s ``graph.trig``: the ontology in ``graph/ontology``; one named
graph per source (``graph/blog``, ``graph/dunscomb``, ``graph/wikipedia``, then ``graph/doc-NNNN``)
holding the direct facts, one ``sikg:Claim`` per fact (``rdf:subject/predicate/object``,
``sikg:statedIn``, ``sikg:evidence``, ``sikg:method``), the ``sikg:QuoteAnchor`` of each quote, the
sections and sentences with what they mention, and the quantity nodes; ``graph/registry`` with
every entity's type and label and the source catalogue; ``graph/derived`` with the date bounds.
Every event has a date (``xsd:date`` mostly) and a place, most have a force, an agent and
participants. A few facts are restated by later sources (a force's commander), some with a
different value (a date one day off), as the real texts disagree. A handful of hub entities keep
the project's IRIs (``res:vladivostok``, ``res:japan``, ``res:aef-siberia``...) so that the
competency queries find something.

The same size and seed give a byte-identical file.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import vocab as v
from bench.names import DESCRIPTIONS, TITLES, VERBS, Labeller
from loaders.text import slug

FORMAT_VERSION = 1  # bump when the output changes, so that cached files are regenerated
DEFAULT_SEED = 1918
SOURCE_QUADS = 3000  # quads per source graph before the next source starts (real: 1k-11k)
SECTION_SENTENCES = 8
FIXED_SOURCES = ("blog", "dunscomb", "wikipedia")
ONTOLOGY_FILE = Path(__file__).resolve().parents[1] / "ontology" / "sikg.ttl"

# (slug, class, label, alternative labels): the entities the competency queries name.
HUBS = (
    ("vladivostok", "Place", "Vladivostok", ()),
    ("irkutsk", "Place", "Irkutsk", ()),
    ("omsk", "Place", "Omsk", ()),
    ("khabarovsk", "Place", "Khabarovsk", ()),
    ("transbaikal", "Place", "Transbaikal", ()),
    ("london", "Place", "London", ()),
    ("japan", "State", "Japan", ("Empire of Japan",)),
    ("united-states", "State", "United States", ("USA",)),
    ("united-kingdom", "State", "United Kingdom", ("Britain",)),
    ("canada", "State", "Canada", ()),
    ("france", "State", "France", ()),
    ("russia", "State", "Russia", ()),
    ("aef-siberia", "MilitaryForce", "American Expeditionary Force, Siberia", ("AEF Siberia",)),
    (
        "canadian-siberian-expeditionary-force",
        "MilitaryForce",
        "Canadian Siberian Expeditionary Force",
        (),
    ),
    ("imperial-japanese-army", "MilitaryForce", "Imperial Japanese Army", ()),
    ("middlesex-25th-battalion", "MilitaryForce", "25th Battalion, Middlesex Regiment", ()),
    ("william-s-graves", "Person", "William S. Graves", ()),
    ("alexander-kolchak", "Person", "Alexander Kolchak", ("Admiral Kolchak",)),
    ("woodrow-wilson", "Person", "Woodrow Wilson", ()),
    ("paul-dunscomb", "Person", "Paul Dunscomb", ()),
    ("john-ward", "Person", "John Ward", ()),
    ("grigory-semenov", "Person", "Grigory Semenov", ()),
    ("cossacks", "Group", "Cossacks", ()),
    ("japanese-expansionists", "Group", "Japanese expansionists", ()),
    ("siberian-intervention", "Conflict", "Siberian intervention", ()),
    ("siberian-intervention-side-2", "Side", "Allied and White side", ()),
)
# A hub force's nationality and commander, restated by every source that first mentions it.
HUB_FORCES = {
    "aef-siberia": ("united-states", "william-s-graves"),
    "canadian-siberian-expeditionary-force": ("canada", None),
    "imperial-japanese-army": ("japan", None),
    "middlesex-25th-battalion": ("united-kingdom", "john-ward"),
}
NATIONS = (  # (state slug, weight) for a new force's nationality
    ("japan", 30),
    ("united-states", 20),
    ("united-kingdom", 15),
    ("russia", 12),
    ("canada", 8),
    ("france", 8),
)
EVENT_KINDS = (
    ("Landing", 15),
    ("Deployment", 15),
    ("Withdrawal", 10),
    ("Battle", 15),
    ("Occupation", 10),
    ("Offensive", 10),
    ("Agreement", 5),
    ("Decision", 8),
    ("Execution", 4),
    ("Incident", 8),
)
QUALIFIERS = (("exactly", 60), ("approximately", 25), ("moreThan", 10), ("atLeast", 5))
QUALIFIER_WORDS = {
    "exactly": "",
    "approximately": "about ",
    "moreThan": "more than ",
    "atLeast": "at least ",
}
PRECISIONS = (("day", 85), ("month", 10), ("year", 5))
FIRST_DAY = datetime.date(1918, 1, 1).toordinal()
LAST_DAY = datetime.date(1922, 12, 31).toordinal()
LICENCE = "https://creativecommons.org/licenses/by-sa/4.0/"


@dataclass(frozen=True)
class Generated:
    """A generated file and what is in it."""

    path: Path
    target: int
    quads: int
    entities: int
    sources: int
    claims: int
    seed: int
    seconds: float

    def as_dict(self) -> dict:
        return {
            "path": str(self.path),
            "target": self.target,
            "quads": self.quads,
            "entities": self.entities,
            "sources": self.sources,
            "claims": self.claims,
            "seed": self.seed,
            "seconds": self.seconds,
            "format": FORMAT_VERSION,
        }


def parse_size(text: str) -> int:
    """``10k`` -> 10000, ``1m`` -> 1000000, ``2500`` -> 2500."""
    cleaned = text.strip().lower().replace("_", "")
    factor = 1
    if cleaned.endswith("k"):
        cleaned, factor = cleaned[:-1], 1_000
    elif cleaned.endswith("m"):
        cleaned, factor = cleaned[:-1], 1_000_000
    try:
        value = int(float(cleaned) * factor)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (say 10k, 100k, 1m or a number)") from None
    if value < 2000:
        raise ValueError(f"size {text!r} is below 2000 quads: too small for the graph's shape")
    return value


def size_label(quads: int) -> str:
    """10000 -> ``10k``, 1000000 -> ``1m``: the inverse of ``parse_size`` for round sizes."""
    if quads % 1_000_000 == 0:
        return f"{quads // 1_000_000}m"
    if quads % 1_000 == 0:
        return f"{quads // 1_000}k"
    return str(quads)


def ensure(target: int, data_dir: Path, seed: int = DEFAULT_SEED) -> Generated:
    """The cached file for this size and seed, generating it first if missing."""
    name = f"sikg-{size_label(target)}-seed{seed}-v{FORMAT_VERSION}"
    path, meta_path = data_dir / f"{name}.nq", data_dir / f"{name}.json"
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("format") == FORMAT_VERSION and path.stat().st_size == meta.get("bytes"):
            fields_ = {
                k: meta[k]
                for k in ("target", "quads", "entities", "sources", "claims", "seed", "seconds")
            }
            return Generated(path=path, **fields_)
    made = generate(target, path, seed)
    meta = made.as_dict() | {"bytes": path.stat().st_size}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return made


def generate(target: int, path: Path, seed: int = DEFAULT_SEED) -> Generated:
    """Write about ``target`` quads (never fewer, at most one story more) to ``path``."""
    began = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="\n") as out:
        world = _World(random.Random(seed), out)
        world.run(target)
    os.replace(partial, path)
    return Generated(
        path=path,
        target=target,
        quads=world.quads,
        entities=len(world.entities),
        sources=len(world.sources),
        claims=world.claims,
        seed=seed,
        seconds=round(time.perf_counter() - began, 3),
    )


# -- the model of one source text -------------------------------------------------------------
@dataclass
class _Fact:
    s: str
    p: str
    o: str
    method: str = "CuratedAnnotation"


@dataclass
class _Sentence:
    text: str
    facts: list[_Fact] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)  # (quantity node, class term)
    affixes: bool = False
    comments: set[int] = field(default_factory=set)  # indexes of facts whose claim has a comment
    start: int = 0
    order: int = 0
    section: int = 0


@dataclass
class _Section:
    heading: str
    level: int
    order: int
    start: int
    end: int = 0
    sentences: list[_Sentence] = field(default_factory=list)


@dataclass
class _Source:
    id: str
    title: str
    text: list[str] = field(default_factory=list)  # the document's text, piece by piece
    length: int = 0
    sections: list[_Section] = field(default_factory=list)
    stated: set[tuple[str, str, str]] = field(default_factory=set)
    quads: int = 0

    @property
    def graph(self) -> str:
        return v.iri(v.GRAPH + self.id)

    @property
    def node(self) -> str:
        return v.iri(v.SRC + self.id)

    def append(self, piece: str) -> int:
        start = self.length
        self.text.append(piece)
        self.length += len(piece)
        return start

    def open_section(self, heading: str, level: int) -> _Section:
        if self.sections:
            self.close_section()
        section = _Section(heading, level, len(self.sections) + 1, self.append(heading))
        section.end = self.length
        self.append("\n\n")
        self.sections.append(section)
        self.quads += 7
        return section

    def close_section(self) -> None:
        section = self.sections[-1]
        if section.sentences:
            section.end = max(
                section.end, section.sentences[-1].start + len(section.sentences[-1].text)
            )
            self.append("\n\n")

    def add(self, sentence: _Sentence) -> bool:
        """Add a sentence, dropping facts this source already states; False if none is left."""
        kept = []
        for fact in sentence.facts:
            key = (fact.s, fact.p, fact.o)
            if key not in self.stated:
                self.stated.add(key)
                kept.append(fact)
        if not kept:
            return False
        sentence.facts = kept
        sentence.mentions = list(dict.fromkeys(sentence.mentions))
        section = self.sections[-1]
        if len(section.sentences) >= SECTION_SENTENCES:
            section = self.open_section(f"Part {len(self.sections)}", 2)
        sentence.start = self.append(sentence.text)
        self.append(" ")
        sentence.order = sum(len(s.sentences) for s in self.sections) + 1
        sentence.section = section.order
        section.sentences.append(sentence)
        self.quads += _sentence_quads(sentence)
        return True


def _sentence_quads(sentence: _Sentence) -> int:
    anchor = 5 + (2 if sentence.affixes else 0)
    node = 7 + len(sentence.mentions) + len(sentence.dates) + len(sentence.numbers)
    facts = 8 * len(sentence.facts) + len(sentence.comments) + len(sentence.types)
    return anchor + node + facts


# -- the world: entities, sources, stories ----------------------------------------------------
@dataclass
class _Entity:
    node: str
    cls: str
    label: str
    alts: tuple[str, ...] = ()


class _World:
    """Entities and sources, grown one story at a time until the target is reached."""

    def __init__(self, rng: random.Random, out) -> None:
        self.rng = rng
        self.out = out
        self.names = Labeller(rng)
        self.entities: dict[str, _Entity] = {}
        self.pools: dict[str, list[str]] = {}
        self.forces: dict[str, tuple[str | None, str | None]] = {}  # nationality, commander
        self.dates: dict[str, list[str]] = {}  # subject -> stated date literals
        self.sources: list[str] = []
        self.registry_quads = 0
        self.quads = 0
        self.claims = 0
        self.events: list[str] = []
        for slug_, cls, label, alts in HUBS:
            self._entity(cls, self.names.reserve(label), alts, slug_)
        for slug_, (nation, commander) in HUB_FORCES.items():
            self.forces[v.iri(v.RES + slug_)] = (
                v.iri(v.RES + nation),
                commander and v.iri(v.RES + commander),
            )

    # entities
    def _entity(self, cls: str, label: str, alts: tuple[str, ...] = (), slug_: str = "") -> str:
        base = slug_ or slug(label)
        name, n = base, 1
        while v.iri(v.RES + name) in self.entities:
            n += 1
            name = f"{base}-{n}"
        node = v.iri(v.RES + name)
        self.entities[node] = _Entity(node, cls, label, alts)
        self.registry_quads += 2 + len(alts)
        self.pools.setdefault(_POOL.get(cls, cls), []).append(node)
        return node

    def _pick(self, pool: str, p_new: float, make) -> str:
        nodes = self.pools.get(pool, [])
        if not nodes or self.rng.random() < p_new:
            return make()
        return nodes[int(len(nodes) * self.rng.random() ** 2)]  # skewed: hubs and old ones

    def _weighted(self, table):
        return self.rng.choices([k for k, _ in table], [w for _, w in table])[0]

    def place(self) -> str:
        if self.rng.random() < 0.12:
            return v.iri(v.RES + "vladivostok")
        return self._pick("place", 0.3, lambda: self._entity("Place", self.names.place()))

    def person(self, p_new: float = 0.6) -> str:
        def make() -> str:
            label = self.names.person()
            alts = (
                (f"{self.rng.choice(TITLES)} {label.split()[-1]}",)
                if self.rng.random() < 0.1
                else ()
            )
            return self._entity("Person", label, alts)

        return self._pick("person", p_new, make)

    def nation(self) -> str:
        return v.iri(v.RES + self._weighted(NATIONS))

    def force(self) -> str:
        def make() -> str:
            node = self._entity("MilitaryForce", self.names.unit())
            self.forces[node] = (self.nation(), self.person(0.7))
            return node

        return self._pick("force", 0.3, make)

    def bystander(self) -> str:
        """Someone affected: a group, a local polity, an organisation or a person."""
        kind = self.rng.random()

        def where() -> str:
            return self.label(self.place())

        if kind < 0.35:
            return self._pick(
                "group", 0.5, lambda: self._entity("Group", self.names.group(where()))
            )
        if kind < 0.6:
            return self._pick(
                "polity", 0.5, lambda: self._entity("Government", self.names.polity(where()))
            )
        if kind < 0.75:
            return self._pick(
                "organisation",
                0.5,
                lambda: self._entity("Organisation", self.names.organisation(where())),
            )
        return self.person()

    def label(self, node: str) -> str:
        return self.entities[node].label

    def date(self) -> tuple[str, str]:
        """A stated date literal at a drawn precision, and how a text would write it."""
        day = datetime.date.fromordinal(self.rng.randint(FIRST_DAY, LAST_DAY))
        return _date_literal(day, self._weighted(PRECISIONS))

    # the run
    def run(self, target: int) -> None:
        self._write_ontology()
        pending = 0  # registry and derived quads, written last but counted from the start
        index = 0
        while True:
            source = self._open_source(index)
            while source.quads < SOURCE_QUADS:
                self._story(source)
                pending = self._registry_quads() + self._derived_quads()
                if self.quads + source.quads + pending >= target:
                    break
            self._write_source(source)
            index += 1
            if self.quads + pending >= target:
                break
        self._write_registry()
        self._write_derived()

    def _registry_quads(self) -> int:
        return self.registry_quads + 6 * len(self.sources)

    def _derived_quads(self) -> int:
        return 3 * len(self.dates)

    def _open_source(self, index: int) -> _Source:
        sid = FIXED_SOURCES[index] if index < len(FIXED_SOURCES) else f"doc-{index + 1:04d}"
        title = {
            "blog": "This Day In History: The Czech Legion Seized Vladivostok (1918)",
            "dunscomb": "Siberian Intervention 1918-1922",
            "wikipedia": "Siberian intervention",
        }.get(sid) or self.names.work(index + 1)
        self.sources.append(sid)
        source = _Source(sid, title)
        source.open_section(title, 1)
        if sid == "dunscomb":
            author = v.iri(v.RES + "paul-dunscomb")
        else:
            author = None if sid == "wikipedia" else self.person(0.9)
        posted, posted_text = _date_literal(
            datetime.date.fromordinal(
                self.rng.randint(
                    datetime.date(1920, 1, 1).toordinal(), datetime.date(2020, 12, 31).toordinal()
                )
            ),
            "day",
        )
        node = source.node
        byline = _Sentence(
            f"{self.label(author)} - {posted_text}"
            if author
            else f"From the encyclopedia, {posted_text}"
        )
        byline.facts = [
            _Fact(node, v.sikg("workTitle"), v.string(title), "MetadataRule"),
            _Fact(node, v.sikg("about"), v.iri(v.RES + "siberian-intervention"), "MetadataRule"),
            _Fact(node, v.sikg("publicationDate"), posted, "BylineRule"),
        ]
        self._dated(node, posted)
        if author:
            byline.facts.append(_Fact(node, v.sikg("author"), author, "BylineRule"))
            byline.mentions.append(author)
        if sid == "dunscomb":
            byline.facts.append(
                _Fact(node, v.sikg("doi"), v.string("10.15463/ie1418.11306"), "MetadataRule")
            )
        byline.dates.append(posted)
        source.add(byline)
        if sid in ("dunscomb", "wikipedia"):
            self._intervention(source)
        return source

    def _intervention(self, source: _Source) -> None:
        """The intervention's start and its Allied side's strengths (CQ19, CQ20)."""
        war = v.iri(v.RES + "siberian-intervention")
        side = v.iri(v.RES + "siberian-intervention-side-2")
        start = v.typed("1918-08", "gYearMonth")
        opening = _Sentence(
            "The intervention began in August 1918.",
            facts=[_Fact(war, v.sikg("startDate"), start), _Fact(war, v.sikg("side"), side)],
            mentions=[war],
            dates=[start],
        )
        self._dated(war, start)
        source.add(opening)
        total = 0
        for nation, count in (
            ("japan", 70000),
            ("united-states", 7950),
            ("united-kingdom", 1500),
            ("canada", 4192),
            ("france", 1400),
        ):
            party = v.iri(v.RES + nation)
            total += count
            sentence = self._quantity(side, party, count, "exactly", "troops", "InfoboxRule")
            sentence.facts.append(_Fact(side, v.sikg("member"), party, "InfoboxRule"))
            source.add(sentence)
        source.add(self._quantity(side, None, total - 4000, "moreThan", "troops", "InfoboxRule"))

    def _quantity(
        self,
        holder: str,
        party: str | None,
        count: int,
        qualifier: str,
        counted: str,
        method: str = "CuratedAnnotation",
    ) -> _Sentence:
        key = f"{holder}|{party}|{count}|{qualifier}|{len(self.sources)}|{self.rng.random()}"
        node = v.iri(v.QUANTITY + hashlib.sha1(key.encode()).hexdigest()[:12])
        who = self.label(party) if party else "The side"
        text = f"{who}: {QUALIFIER_WORDS[qualifier]}{count} {counted}."
        facts = [
            _Fact(holder, v.sikg("strength"), node, method),
            _Fact(node, v.sikg("count"), v.integer(count), method),
            _Fact(node, v.sikg("countQualifier"), v.sikg(qualifier), method),
            _Fact(node, v.sikg("countedAs"), v.string(counted), method),
        ]
        if party:
            facts.append(_Fact(node, v.sikg("ofParty"), party, method))
        return _Sentence(
            text,
            facts=facts,
            mentions=[party] if party else [],
            numbers=[count],
            types=[(node, v.sikg("Strength"))],
        )

    def _dated(self, node: str, literal: str) -> None:
        self.dates.setdefault(node, []).append(literal)

    def _story(self, source: _Source) -> None:
        """One event told in two to four sentences, or a restated date of an earlier one."""
        rng = self.rng
        if self.events and rng.random() < 0.06:
            event = self.events[int(len(self.events) * rng.random())]
            stated = self.dates.get(event)
            if stated:
                literal, text = _shift(stated[0], rng.choice((-1, 1)))
                self._dated(event, literal)
                self._add(
                    source,
                    _Sentence(
                        f"Some accounts date the {self.label(event)} to {text}.",
                        facts=[_Fact(event, v.sikg("date"), literal)],
                        mentions=[event],
                        dates=[literal],
                    ),
                )
                return
        kind = self._weighted(EVENT_KINDS)
        force, place = self.force(), self.place()
        nation, commander = self.forces[force]
        event = self._entity(kind, self.names.event(kind, self.label(force), self.label(place)))
        self.events.append(event)
        where = {"Landing": "destination", "Deployment": "destination", "Withdrawal": "origin"}.get(
            kind, "location"
        )
        first = _Sentence("")
        if kind == "Offensive":
            began, began_text = self.date()
            ended, _ = _shift(began, rng.randint(5, 60), "day")
            first.facts += [
                _Fact(event, v.sikg("startDate"), began),
                _Fact(event, v.sikg("endDate"), ended),
            ]
            self._dated(event, began)
            self._dated(event, ended)
            first.dates += [began, ended]
        else:
            began, began_text = self.date()
            first.facts.append(_Fact(event, v.sikg("date"), began))
            self._dated(event, began)
            first.dates.append(began)
        of_nation = f" of {self.label(nation)}" if nation else ""
        first.text = (
            f"On {began_text}, the {self.label(force)}{of_nation} {VERBS[kind]} "
            f"{self.label(place)}."
        )
        first.facts += [_Fact(event, v.sikg(where), place), _Fact(event, v.sikg("force"), force)]
        first.mentions += [force, place]
        if nation:
            first.facts.append(_Fact(event, v.sikg("agent"), nation))
            if rng.random() < 0.5:  # the gazetteer misses some demonyms ("the Japanese")
                first.mentions.append(nation)
        self._add(source, first)

        second = _Sentence("")
        parts = []
        if nation:
            second.facts.append(_Fact(force, v.sikg("nationality"), nation))
            parts.append(f"a unit of {self.label(nation)}")
            second.mentions.append(nation)
        if commander:
            second.facts.append(_Fact(force, v.sikg("commander"), commander))
            parts.append(f"was commanded by {self.label(commander)}")
            second.mentions.append(commander)
        if rng.random() < 0.4:
            someone = self.person()
            second.facts.append(_Fact(event, v.sikg("participant"), someone))
            parts.append(f"and {self.label(someone)} took part")
            second.mentions.append(someone)
        if parts:
            second.text = f"The {self.label(force)}, " + ", ".join(parts) + "."
            self._add(source, second)

        if rng.random() < 0.5:
            third = _Sentence("")
            bits = []
            if rng.random() < 0.7:
                description = rng.choice(DESCRIPTIONS)
                third.facts.append(_Fact(event, v.sikg("describedAs"), v.string(description)))
                bits.append(f"It was {description}")
            victim = self.bystander()
            third.facts.append(_Fact(event, v.sikg("affected"), victim))
            bits.append(f"{self.label(victim)} suffered from it")
            third.mentions.append(victim)
            if rng.random() < 0.6:
                third.facts.append(
                    _Fact(event, v.sikg("partOf"), v.iri(v.RES + "siberian-intervention"))
                )
            third.text = "; ".join(bits) + "."
            self._add(source, third)

        if rng.random() < 0.25:
            count = rng.randrange(1, 200) * 100
            party = force
            self._add(
                source,
                self._quantity(
                    force,
                    party,
                    count,
                    self._weighted(QUALIFIERS),
                    rng.choice(("troops", "soldiers", "men")),
                ),
            )

    def _add(self, source: _Source, sentence: _Sentence) -> None:
        # decide the claims' comments on the facts this source does not state yet
        sentence.facts = [f for f in sentence.facts if (f.s, f.p, f.o) not in source.stated]
        sentence.affixes = self.rng.random() < 0.5
        sentence.comments = {i for i in range(len(sentence.facts)) if self.rng.random() < 0.1}
        source.add(sentence)

    # writing
    def _quad(self, s: str, p: str, o: str, g: str) -> None:
        self.out.write(f"{s} {p} {o} {g} .\n")
        self.quads += 1

    def _write_ontology(self) -> None:
        import pyoxigraph

        graph = pyoxigraph.NamedNode(v.GRAPH + "ontology")
        lines = sorted(
            str(pyoxigraph.Quad(t.subject, t.predicate, t.object, graph)) + " .\n"
            for t in pyoxigraph.parse(path=str(ONTOLOGY_FILE), format=pyoxigraph.RdfFormat.TURTLE)
        )
        self.out.writelines(lines)
        self.quads += len(lines)

    def _write_source(self, source: _Source) -> None:
        source.close_section()
        text = "".join(source.text)
        g, doc, sid = source.graph, source.node, source.id
        for section in source.sections:
            node = v.iri(f"{v.SECTION}{sid}/{section.order}")
            for p, o in (
                (v.TYPE, v.sikg("Section")),
                (v.START, _offset(section.start)),
                (v.END, _offset(section.end)),
                (v.sikg("heading"), v.string(section.heading)),
                (v.sikg("headingLevel"), v.integer(section.level)),
                (v.sikg("inSource"), doc),
                (v.sikg("order"), v.integer(section.order)),
            ):
                self._quad(node, p, o, g)
            for sentence in section.sentences:
                self._write_sentence(source, text, sentence)

    def _write_sentence(self, source: _Source, text: str, sentence: _Sentence) -> None:
        g, doc, sid = source.graph, source.node, source.id
        start, end = sentence.start, sentence.start + len(sentence.text)
        node = v.iri(f"{v.SENTENCE}{sid}/{sentence.order}")
        section = v.iri(f"{v.SECTION}{sid}/{sentence.section}")
        exact = v.string(sentence.text)
        for p, o in (
            (v.TYPE, v.sikg("Sentence")),
            (v.START, _offset(start)),
            (v.END, _offset(end)),
            (v.EXACT, exact),
            (v.sikg("inSection"), section),
            (v.sikg("inSource"), doc),
            (v.sikg("order"), v.integer(sentence.order)),
        ):
            self._quad(node, p, o, g)
        for entity in sentence.mentions:
            self._quad(node, v.sikg("mentions"), entity, g)
        for literal in sentence.dates:
            self._quad(node, v.sikg("mentionsDate"), literal, g)
        for number in sentence.numbers:
            self._quad(node, v.sikg("mentionsNumber"), v.integer(number), g)
        anchor = v.iri(f"{v.ANCHOR}{sid}/{start}-{end}")
        for p, o in (
            (v.TYPE, v.sikg("QuoteAnchor")),
            (v.EXACT, exact),
            (v.START, _offset(start)),
            (v.END, _offset(end)),
            (v.sikg("inSource"), doc),
        ):
            self._quad(anchor, p, o, g)
        if sentence.affixes:
            self._quad(anchor, v.PREFIX, v.string(text[max(0, start - 32) : start]), g)
            self._quad(anchor, v.SUFFIX, v.string(text[end : end + 32]), g)
        for node_, cls in sentence.types:
            self._quad(node_, v.TYPE, cls, g)
        for i, fact in enumerate(sentence.facts):
            self._quad(fact.s, fact.p, fact.o, g)
            digest = hashlib.sha1(f"{sid}|{fact.s}|{fact.p}|{fact.o}".encode()).hexdigest()[:12]
            claim = v.iri(f"{v.CLAIM}{sid}-{digest}")
            for p, o in (
                (v.TYPE, v.sikg("Claim")),
                (v.SUBJECT, fact.s),
                (v.PREDICATE, fact.p),
                (v.OBJECT, fact.o),
                (v.sikg("statedIn"), doc),
                (v.sikg("evidence"), anchor),
                (v.sikg("method"), v.sikg(fact.method)),
            ):
                self._quad(claim, p, o, g)
            if i in sentence.comments:
                self._quad(claim, v.COMMENT, v.string("as the text puts it"), g)
            self.claims += 1

    def _write_registry(self) -> None:
        g = v.iri(v.GRAPH + "registry")
        for entity in self.entities.values():
            self._quad(entity.node, v.TYPE, v.sikg(entity.cls), g)
            self._quad(entity.node, v.LABEL, v.english(entity.label), g)
            for alt in entity.alts:
                self._quad(entity.node, v.ALT_LABEL, v.english(alt), g)
        for sid in self.sources:
            doc = v.iri(v.SRC + sid)
            title = {
                "blog": "This Day In History: The Czech Legion Seized Vladivostok (1918)",
                "dunscomb": "Siberian Intervention 1918-1922",
                "wikipedia": "Siberian intervention",
            }.get(sid)
            label = title or f"Synthetic source {sid}"
            for p, o in (
                (v.TYPE, v.sikg("SourceDocument")),
                (v.LABEL, v.english(label)),
                (v.FORMAT, v.string("text/plain")),
                (v.NOTATION, v.string(sid)),
                (v.sikg("url"), v.iri(f"https://example.org/sikg-bench/{sid}")),
                (v.LICENSE, v.iri(LICENCE)),
            ):
                self._quad(doc, p, o, g)

    def _write_derived(self) -> None:
        g = v.iri(v.GRAPH + "derived")
        for node, literals in self.dates.items():
            bounds = [_bounds(literal) for literal in literals]
            earliest = min(b[0] for b in bounds)
            latest = max(b[1] for b in bounds)
            precision = min((b[2] for b in bounds), key=("day", "month", "year").index)
            self._quad(node, v.sikg("datePrecision"), v.string(precision), g)
            self._quad(node, v.sikg("earliest"), v.typed(earliest.isoformat(), "date"), g)
            self._quad(node, v.sikg("latest"), v.typed(latest.isoformat(), "date"), g)


_POOL = {
    "Place": "place",
    "Person": "person",
    "MilitaryForce": "force",
    "Group": "group",
    "Government": "polity",
    "Organisation": "organisation",
}


def _offset(n: int) -> str:
    return v.typed(str(n), "nonNegativeInteger")


def _date_literal(day: datetime.date, precision: str) -> tuple[str, str]:
    """A date literal at ``precision`` and the words a text would use for it."""
    month = calendar.month_name[day.month]
    if precision == "day":
        return v.typed(day.isoformat(), "date"), f"{day.day} {month} {day.year}"
    if precision == "month":
        return v.typed(f"{day.year}-{day.month:02d}", "gYearMonth"), f"{month} {day.year}"
    return v.typed(str(day.year), "gYear"), str(day.year)


def _parse_literal(literal: str) -> tuple[str, str]:
    lexical, _, datatype = literal.partition("^^")
    return lexical.strip('"'), datatype.strip("<>").rsplit("#", 1)[-1]


def _bounds(literal: str) -> tuple[datetime.date, datetime.date, str]:
    lexical, datatype = _parse_literal(literal)
    if datatype == "date":
        day = datetime.date.fromisoformat(lexical)
        return day, day, "day"
    if datatype == "gYearMonth":
        year, month = map(int, lexical.split("-"))
        last = calendar.monthrange(year, month)[1]
        return datetime.date(year, month, 1), datetime.date(year, month, last), "month"
    year = int(lexical)
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year"


def _shift(literal: str, days: int, precision: str | None = None) -> tuple[str, str]:
    """The date ``days`` after a stated date, at its precision (or at ``precision``)."""
    first, _, stated = _bounds(literal)
    return _date_literal(first + datetime.timedelta(days=days), precision or stated)
