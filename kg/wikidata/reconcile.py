"""Propose Wikidata items for our entities and score them: name, type and time.

For each linkable entity without an accepted link, candidates come from Wikidata's search API
(label and aliases); their types and dates come from one query to the query service. A
candidate's score is 0.5 x name + 0.3 x type + 0.2 x time, each part in [0, 1]:

* name: 1 when a label or alias of ours equals a label or alias of the item (ignoring case,
  accents and punctuation), else their string similarity;
* type: 1 when the item's P31/P279* reaches our class's own Wikidata class, 0.6 when it only
  reaches a superclass's (a battle for an Event), 0.5 when the item has no P31, 0 otherwise;
* time: 1 when the item's lifespan overlaps the period (a person alive, a state existing, an
  event happening), 0.5 when Wikidata gives no dates, 0 otherwise; places are not dated.

A type or time of 0 is a clash: the candidate is capped below any acceptance threshold. Only a
clear winner (``margin`` ahead of the next) is accepted, and only above ``accept_above``;
everything else is written as ``unverified`` for review.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from rdflib import RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from kg.errors import DataError
from kg.model import EntityDecl
from kg.vocab import SIKG, WD
from kg.wikidata.client import WikidataClient, WikidataError
from kg.wikidata.table import Link, LinkTable

WEIGHTS = {"name": 0.5, "type": 0.3, "time": 0.2}
CLASH_CAP = 0.3
START = {"life": "P569", "existence": "P571", "event": "P580"}
END = {"life": "P570", "existence": "P576", "event": "P582"}
POINT = "P585"
_YEAR = re.compile(r"^([+-]?\d{1,6})-")


@dataclass(frozen=True)
class Rules:
    """The scoring rules of ``data/links/types.yaml`` with the ontology's class alignments."""

    period: tuple[int, int]
    oldest_person_born: int
    time_rule: dict[str, str]  # our class -> life | existence | event | none
    own_roots: dict[str, frozenset[str]]  # our class -> its Wikidata classes (QIDs)
    general_roots: dict[str, frozenset[str]]  # our class -> its superclasses' Wikidata classes

    @property
    def linkable(self) -> frozenset[str]:
        return frozenset(self.time_rule)

    def all_roots(self, cls: str) -> frozenset[str]:
        return self.own_roots.get(cls, frozenset()) | self.general_roots.get(cls, frozenset())


def read_rules(path: Path, ontology: Graph) -> Rules:
    """Read the rules file; each linkable class must be a class of the ontology."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise DataError(f"{path}: cannot read the linking rules: {err}") from None
    period = tuple(data.get("period") or (1914, 1925))
    time_rule, own, general = {}, {}, {}
    for cls, spec in (data.get("linkable") or {}).items():
        iri = SIKG[cls]
        if (iri, None, None) not in ontology:
            raise DataError(f"{path}: '{cls}' is not a class of the ontology")
        spec = spec or {}
        rule = spec.get("time", "none")
        if rule not in ("life", "existence", "event", "none"):
            raise DataError(f"{path}: {cls}: time must be life, existence, event or none")
        time_rule[cls] = rule
        own[cls] = frozenset(_aligned(ontology, [iri]) | {str(q) for q in spec.get("also") or ()})
        supers = [s for s in ontology.transitive_objects(iri, RDFS.subClassOf) if s != iri]
        general[cls] = frozenset(_aligned(ontology, supers)) - own[cls]
    return Rules(
        (int(period[0]), int(period[1])),
        int(data.get("oldest_person_born", 1830)),
        time_rule,
        own,
        general,
    )


def _aligned(ontology: Graph, classes: Iterable[URIRef]) -> set[str]:
    out = set()
    for cls in classes:
        for match in ontology.objects(cls, SKOS.closeMatch):
            if str(match).startswith(str(WD)) and str(match)[len(WD) :].startswith("Q"):
                out.add(str(match)[len(WD) :])
    return out


# -- candidates and their scores ---------------------------------------------------------------
@dataclass
class Candidate:
    qid: str
    label: str = ""
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    roots: set[str] = field(default_factory=set)
    has_type: bool = False
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        total = sum(WEIGHTS[k] * v for k, v in self.parts.items())
        if self.parts.get("type") == 0.0 or self.parts.get("time") == 0.0:
            total = min(total, CLASH_CAP)
        return round(total, 3)

    def why(self) -> str:
        return ", ".join(f"{k} {v:.2f}" for k, v in self.parts.items())


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def name_score(ours: Iterable[str], theirs: Iterable[str]) -> float:
    ours = {normalise_name(x) for x in ours if x}
    theirs = {normalise_name(x) for x in theirs if x}
    if ours & theirs:
        return 1.0
    best = 0.0
    for a in ours:
        for b in theirs:
            best = max(best, difflib.SequenceMatcher(None, a, b).ratio())
    return round(best, 3)


def score(candidate: Candidate, entity: EntityDecl, rules: Rules) -> Candidate:
    names = (entity.label, *entity.aliases)
    candidate.parts["name"] = name_score(names, [candidate.label, *candidate.aliases])
    own, general = (
        rules.own_roots.get(entity.cls, set()),
        rules.general_roots.get(entity.cls, set()),
    )
    if candidate.roots & own:
        candidate.parts["type"] = 1.0
    elif candidate.roots & general:
        candidate.parts["type"] = 0.6
    elif not candidate.has_type:
        candidate.parts["type"] = 0.5
    else:
        candidate.parts["type"] = 0.0
    candidate.parts["time"] = _time_score(candidate, rules.time_rule.get(entity.cls, "none"), rules)
    return candidate


def _time_score(candidate: Candidate, rule: str, rules: Rules) -> float:
    if rule == "none":
        return 1.0
    if not candidate.starts and not candidate.ends:
        return 0.5
    first, last = rules.period
    start = min(candidate.starts) if candidate.starts else None
    end = max(candidate.ends) if candidate.ends else None
    if rule == "life" and start is not None and start < rules.oldest_person_born:
        return 0.0
    if start is not None and start > last:
        return 0.0
    if end is not None and end < first:
        return 0.0
    return 1.0


# -- the reconciler ----------------------------------------------------------------------------
@dataclass
class Outcome:
    """What the reconciler did for one entity."""

    entity: str
    result: str  # accepted | proposed | ambiguous | no candidate | not checked
    detail: str = ""  # why: what failed, which candidates were too close, who has the item
    candidates: list[Candidate] = field(default_factory=list)


class Reconciler:
    def __init__(
        self,
        client: WikidataClient,
        rules: Rules,
        *,
        accept_above: float | None = None,
        margin: float = 0.15,
        min_score: float = 0.5,
        names_per_entity: int = 3,
        today: str | None = None,
    ) -> None:
        self.client = client
        self.rules = rules
        self.accept_above = accept_above
        self.margin = margin
        self.min_score = min_score
        self.names_per_entity = names_per_entity
        self.today = today or date.today().isoformat()

    def wanted(self, entities: Iterable[EntityDecl], table: LinkTable) -> list[EntityDecl]:
        """Linkable entities with no accepted link and not judged to have no item."""
        out = []
        for entity in entities:
            if entity.cls not in self.rules.linkable:
                continue
            statuses = {x.status for x in table.for_entity(entity.id)}
            if statuses & {"accepted", "no-item"}:
                continue
            out.append(entity)
        return out

    def run(self, entities: Iterable[EntityDecl], table: LinkTable) -> list[Outcome]:
        """Reconcile every wanted entity, writing proposals into ``table``."""
        return [self.reconcile(entity, table) for entity in self.wanted(entities, table)]

    def reconcile(self, entity: EntityDecl, table: LinkTable) -> Outcome:
        try:
            candidates = self.candidates(entity)
        except WikidataError as err:
            return Outcome(entity.id, "not checked", str(err))
        rejected = {x.qid for x in table.for_entity(entity.id) if x.status == "rejected"}
        ranked = sorted(
            (c for c in candidates if c.qid not in rejected and c.score >= self.min_score),
            key=lambda c: (-c.score, int(c.qid[1:])),
        )
        if not ranked:
            return Outcome(entity.id, "no candidate", f"{len(candidates)} searched, none scored")
        best = ranked[0]
        runner_up = ranked[1] if len(ranked) > 1 else None
        clear = runner_up is None or best.score - runner_up.score >= self.margin
        confident = self.accept_above is not None and best.score >= self.accept_above
        outcome = Outcome(entity.id, "proposed", candidates=ranked)
        owner = table.owner(best.qid)
        if confident and clear and owner not in (None, entity.id):
            # an item is accepted for one entity only: leave this one for review
            outcome.detail = (
                f"{best.qid} ({best.score}) is already accepted for '{owner}'; "
                "written as unverified"
            )
        elif confident and clear:
            outcome.result = "accepted"
            table.put(self._link(entity, best, "accepted"))
            return outcome
        elif confident:
            outcome.result = "ambiguous"
            outcome.detail = (
                f"{best.qid} ({best.score}) and {runner_up.qid} ({runner_up.score}) are too close"
            )
        for candidate in ranked[:3]:
            if table.get(entity.id, candidate.qid) is None:
                table.put(self._link(entity, candidate, "unverified"))
        return outcome

    def candidates(self, entity: EntityDecl) -> list[Candidate]:
        found: dict[str, Candidate] = {}
        names = list(dict.fromkeys((entity.label, *entity.aliases)))[: self.names_per_entity]
        for name in names:
            for hit in self.client.search(name):
                qid = hit.get("id", "")
                if not re.fullmatch(r"Q[1-9]\d*", qid) or qid in found:
                    continue
                found[qid] = Candidate(
                    qid,
                    hit.get("label") or "",
                    hit.get("description") or "",
                    list(hit.get("aliases") or []),
                )
        if found:
            self._add_facts(found, entity.cls)
        return [score(c, entity, self.rules) for c in found.values()]

    def _add_facts(self, found: dict[str, Candidate], cls: str) -> None:
        roots = sorted(self.rules.all_roots(cls))
        rule = self.rules.time_rule.get(cls, "none")
        for row in self.client.select(facts_query(sorted(found), roots, rule)):
            qid = _qid(row.get("item"))
            kind = (row.get("kind") or {}).get("value")
            value = row.get("value") or {}
            candidate = found.get(qid)
            if candidate is None:
                continue
            if kind == "root":
                root = _qid(value)
                if root:
                    candidate.roots.add(root)
            elif kind == "type":
                candidate.has_type = True
            elif kind in ("start", "end"):
                year = _year(value.get("value", ""))
                if year is not None:
                    (candidate.starts if kind == "start" else candidate.ends).append(year)

    def _link(self, entity: EntityDecl, candidate: Candidate, status: str) -> Link:
        return Link(
            entity=entity.id,
            qid=candidate.qid,
            status=status,
            wikidata_label=candidate.label,
            wikidata_description=candidate.description,
            score=f"{candidate.score:.3f}",
            method="reconciler",
            justification=(
                f"Wikidata search and query service ({self.client.config.api_url}, "
                f"{self.client.config.sparql_url}): {candidate.why()}"
            ),
            checked=self.today,
        )


def facts_query(qids: list[str], roots: list[str], rule: str) -> str:
    """One query for the candidates' class roots, whether they are typed at all, and dates."""
    items = " ".join(f"wd:{q}" for q in qids)
    parts = ['{ ?item wdt:P31 ?value . BIND("type" AS ?kind) }']
    if roots:
        values = " ".join(f"wd:{q}" for q in roots)
        parts.append(
            f"{{ VALUES ?value {{ {values} }} ?item wdt:P31/wdt:P279* ?value . "
            'BIND("root" AS ?kind) }'
        )
    if rule in START:
        parts.append(f'{{ ?item wdt:{START[rule]}|wdt:{POINT} ?value . BIND("start" AS ?kind) }}')
        parts.append(f'{{ ?item wdt:{END[rule]}|wdt:{POINT} ?value . BIND("end" AS ?kind) }}')
    return (
        "PREFIX wd: <http://www.wikidata.org/entity/>\n"
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        f"SELECT DISTINCT ?item ?kind ?value WHERE {{\n  VALUES ?item {{ {items} }}\n  "
        + "\n  UNION ".join(parts)
        + "\n}"
    )


def _qid(binding: dict | None) -> str:
    value = (binding or {}).get("value", "")
    return value[len(WD) :] if value.startswith(str(WD)) else ""


def _year(text: str) -> int | None:
    match = _YEAR.match(text)
    return int(match.group(1)) if match else None
