"""What the pages of one resource need, fetched with SPARQL through the query workers.

Every entity ``<base>id/<slug>``, source ``<base>source/<id>`` and quantity ``<base>quantity/<h>``
is described from the served dataset: its label, alt labels and classes, every statement about it
with the claims that state it (source and quote in context), the quantity nodes it points to,
the statements that point at it, and the sentences that mention it. The ontology is listed the
same way. SELECT answers come back as SPARQL JSON and are read with ``json``; RDF views are a
CONSTRUCT in N-Triples re-serialised by pyoxigraph with the project's prefixes (no rdflib here).

Nothing in this module builds HTML: it returns plain dataclasses the templates render (with
autoescape on, so a label can never become markup).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from urllib.parse import quote

import pyoxigraph as ox

from kg.graph import ONTOLOGY_GRAPH
from kg.vocab import ONTOLOGY_IRI, QUANTITY_PROPERTIES, SIKG, WDT, prefixes
from kg.wikidata.enrich import FACTS
from server.errors import APIError

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
WIKIDATA = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/")
SIKG_NS = str(SIKG)
QUANTITY_CLASSES = frozenset(SIKG_NS + name for name in ("Quantity", *QUANTITY_PROPERTIES.values()))

RDF_TYPE = RDF_NS + "type"
RDFS_LABEL = RDFS_NS + "label"
ALT_LABEL = SKOS_NS + "altLabel"
MATCHES = (SKOS_NS + "exactMatch", SKOS_NS + "closeMatch")
CANDIDATE_MATCH = SIKG_NS + "candidateMatch"
# Statements shown in the page header rather than in the list.
HEADER_PREDICATES = frozenset({RDF_TYPE, RDFS_LABEL, ALT_LABEL, CANDIDATE_MATCH})
# Wikidata's own facts (graph/wikidata, from ``kg link --enrich``), by property: what they are.
WIKIDATA_FACTS = {str(WDT[p]): name for name, p in FACTS.items()}
# Incoming links that are bookkeeping, not facts (claims, sentence mentions, text structure).
HIDDEN_INCOMING = (
    RDF_NS + "subject",
    RDF_NS + "object",
    SIKG_NS + "mentions",
    SIKG_NS + "inSource",
    SIKG_NS + "inSection",
    SIKG_NS + "linkedEntity",
)
# Values the build derives from a date (bounds and precision): not repeated in quantity summaries.
DERIVED = frozenset(SIKG_NS + name for name in ("earliest", "latest", "datePrecision"))
# Path prefixes under the base that have a page here.
SERVED_PATHS = ("id/", "source/", "quantity/")
# Characters that may not appear in an IRI written as <...> in SPARQL.
_UNSAFE_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
RESULTS_JSON = "application/sparql-results+json"

GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


# ---------------------------------------------------------------------------------------------
# Terms


@dataclass(frozen=True)
class Term:
    """One RDF term as a page shows it."""

    kind: str  # "iri", "literal" or "bnode"
    value: str
    datatype: str | None = None
    lang: str | None = None
    label: str | None = None  # rdfs:label of an IRI
    href: str | None = None  # where a link to it goes (a page here when the IRI is ours)
    short: str | None = None  # prefixed name, or the datatype's prefixed name for literals

    @property
    def text(self) -> str:
        if self.kind == "literal":
            return self.value
        return self.label or self.short or self.value

    @property
    def is_iri(self) -> bool:
        return self.kind == "iri"

    @property
    def local(self) -> bool:
        return bool(self.href) and self.href.startswith("/")


class Namer:
    """Prefixed names and local links for IRIs under one base."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.prefixes = prefixes(base)
        # longest namespace first, so res: wins over a shorter namespace that also matches
        self._ordered = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))

    def short(self, iri: str) -> str | None:
        for name, namespace in self._ordered:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                local = iri[len(namespace) :]
                if re.fullmatch(r"[\w.-]*[\w-]", local):
                    return f"{name}:{local}"
        return None

    def href(self, iri: str) -> str | None:
        if iri == str(ONTOLOGY_IRI):
            return "/ontology"
        if iri.startswith(SIKG_NS):
            return "/ontology#" + quote(iri[len(SIKG_NS) :], safe="-._~")
        if iri.startswith(self.base):
            rest = iri[len(self.base) :]
            if rest.startswith(SERVED_PATHS):
                return "/" + quote(rest, safe="/-._~")
            return None
        if iri.startswith(("http://", "https://")):
            return iri
        return None

    def term(self, binding: dict | None, label: dict | None = None) -> Term | None:
        """A Term from a SPARQL JSON binding (and the binding of its label, if any)."""
        if not binding:
            return None
        kind = binding["type"]
        value = binding["value"]
        if kind == "uri":
            return Term(
                "iri",
                value,
                label=label["value"] if label else None,
                href=self.href(value),
                short=self.short(value),
            )
        if kind in ("literal", "typed-literal"):
            datatype = binding.get("datatype")
            return Term(
                "literal",
                value,
                datatype=datatype,
                lang=binding.get("xml:lang"),
                short=self.short(datatype) if datatype else None,
            )
        return Term("bnode", value)


def term_key(binding: dict | None) -> tuple | None:
    """A hashable identity of a SPARQL JSON term (same term, same key)."""
    if not binding:
        return None
    kind = "literal" if binding["type"] == "typed-literal" else binding["type"]
    datatype = binding.get("datatype")
    if kind == "literal" and not datatype and not binding.get("xml:lang"):
        datatype = XSD_NS + "string"
    return (kind, binding["value"], datatype, binding.get("xml:lang"))


def check_iri(iri: str) -> str:
    """The IRI, if it can be written as <...> in a query; otherwise the resource does not exist
    (rather than a syntax error in a query the client never wrote)."""
    if not iri or _UNSAFE_IRI.search(iri):
        raise APIError(404, f"no resource {iri!r}: the identifier has characters IRIs cannot have")
    try:
        ox.NamedNode(iri)
    except ValueError as err:
        raise APIError(
            404, f"no resource {iri!r}: the identifier is not a valid IRI ({err})"
        ) from None
    return iri


# ---------------------------------------------------------------------------------------------
# Running queries


class Dataset:
    """The served dataset as the pages read it: asserted graphs only, no inferred triples."""

    def __init__(self, service) -> None:
        self.service = service
        self.base = service.config.base
        self.namer = Namer(self.base)

    def _run(self, query: str, results: list[str], graphs: list[str]):
        status, *rest = self.service.run_query(
            query,
            default_graphs=self.service.default_graphs("none"),
            named_graphs=None,
            result_formats=results,
            graph_formats=graphs,
        )
        if status != "ok":
            code, message = rest
            raise APIError(code, message)
        return rest[1]

    def select(self, query: str) -> list[dict]:
        body = self._run(query, [RESULTS_JSON], [])
        return json.loads(body)["results"]["bindings"]

    def construct(self, query: str, media: str) -> bytes | None:
        """A CONSTRUCT's graph in ``media`` with the project's prefixes; None when it is empty."""
        body = self._run(query, [], ["application/n-triples"])
        triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        if not triples:
            return None
        return ox.serialize(triples, format=GRAPH_TYPES[media], prefixes=self.namer.prefixes)


def _values(iris) -> str:
    """IRIs for a VALUES block."""
    return " ".join(f"<{iri}>" for iri in iris)


def _in_list(iris) -> str:
    """IRIs for an IN (...) list."""
    return ", ".join(f"<{iri}>" for iri in iris)


PREAMBLE = f"""PREFIX rdf: <{RDF_NS}>
PREFIX rdfs: <{RDFS_NS}>
PREFIX owl: <{OWL_NS}>
PREFIX skos: <{SKOS_NS}>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sikg: <{SIKG_NS}>
"""

Q_OUT = (
    PREAMBLE
    + """SELECT ?p ?o (SAMPLE(?pl) AS ?plabel) (SAMPLE(?ol) AS ?olabel) (SAMPLE(?qt) AS ?qtype)
WHERE {
  <%(iri)s> ?p ?o .
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?o rdfs:label ?ol }
  OPTIONAL { ?o a ?qt . ?qt rdfs:subClassOf* sikg:Quantity }
} GROUP BY ?p ?o"""
)

Q_IN = (
    PREAMBLE
    + """SELECT ?s ?p (SAMPLE(?pl) AS ?plabel) (SAMPLE(?sl) AS ?slabel) (SAMPLE(?qt) AS ?qtype)
WHERE {
  ?s ?p <%(iri)s> .
  FILTER(?p NOT IN (%(hidden)s))
  FILTER(isIRI(?s) || isBlank(?s))
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?s rdfs:label ?sl }
  OPTIONAL { ?s a ?qt . ?qt rdfs:subClassOf* sikg:Quantity }
} GROUP BY ?s ?p ORDER BY ?p ?s LIMIT 1000"""
)

Q_CLAIMS = (
    PREAMBLE
    + """SELECT ?c ?s ?p ?o ?src ?srcLabel ?srcId ?method ?exact ?prefix ?suffix ?start WHERE {
  { VALUES ?s { %(subjects)s } ?c rdf:subject ?s } UNION { ?c rdf:object <%(iri)s> }
  ?c a sikg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; sikg:statedIn ?src .
  OPTIONAL { ?c sikg:method ?method }
  OPTIONAL {
    ?c sikg:evidence ?a . ?a oa:exact ?exact .
    OPTIONAL { ?a oa:prefix ?prefix } OPTIONAL { ?a oa:suffix ?suffix }
    OPTIONAL { ?a oa:start ?start }
  }
  OPTIONAL { ?src rdfs:label ?srcLabel }
  OPTIONAL { ?src skos:notation ?srcId }
} ORDER BY ?srcId ?start"""
)

Q_QUANTITIES = (
    PREAMBLE
    + """SELECT ?q ?dir ?p ?v (SAMPLE(?pl) AS ?plabel) (SAMPLE(?vl) AS ?vlabel) WHERE {
  VALUES ?q { %(quantities)s }
  { ?q ?p ?v BIND("out" AS ?dir) }
  UNION
  { ?v ?p ?q FILTER(?p NOT IN (rdf:subject, rdf:object)) BIND("in" AS ?dir) }
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?v rdfs:label ?vl }
} GROUP BY ?q ?dir ?p ?v"""
)

Q_MENTIONS = (
    PREAMBLE
    + """SELECT ?sentence ?text ?srcId ?start WHERE {
  ?sentence sikg:mentions <%(iri)s> ; a sikg:Sentence ; oa:exact ?text .
  OPTIONAL { ?sentence sikg:inSource/skos:notation ?srcId }
  OPTIONAL { ?sentence oa:start ?start }
} ORDER BY ?srcId ?start LIMIT %(limit)d"""
)

Q_WIKIDATA_FACTS = (
    PREAMBLE
    + """SELECT DISTINCT ?p ?o WHERE {
  VALUES ?item { %(items)s }
  ?item ?p ?o .
  FILTER (?p IN (rdfs:label, %(facts)s))
} LIMIT 200"""
)

Q_SOURCE_COUNTS = (
    PREAMBLE
    + """SELECT (COUNT(DISTINCT ?c) AS ?claims) (COUNT(DISTINCT ?a) AS ?quotes)
       (COUNT(DISTINCT ?s) AS ?subjects) WHERE {
  ?c a sikg:Claim ; sikg:statedIn <%(iri)s> ; rdf:subject ?s .
  OPTIONAL { ?c sikg:evidence ?a }
}"""
)

Q_SOURCE_SUBJECTS = (
    PREAMBLE
    + """SELECT ?s (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?c a sikg:Claim ; sikg:statedIn <%(iri)s> ; rdf:subject ?s .
  FILTER(STRSTARTS(STR(?s), "%(entities)s"))
  OPTIONAL { ?s rdfs:label ?l }
} GROUP BY ?s ORDER BY DESC(?n) ?label LIMIT 500"""
)

Q_DESCRIBE = (
    PREAMBLE
    + """CONSTRUCT { ?s ?p ?o } WHERE {
  { BIND(<%(iri)s> AS ?s) ?s ?p ?o }
  UNION { <%(iri)s> ?link ?s . ?s a ?qt . ?qt rdfs:subClassOf* sikg:Quantity . ?s ?p ?o }
  UNION { ?s a sikg:Claim ; rdf:subject <%(iri)s> ; ?p ?o }
  UNION { ?s a sikg:Claim ; rdf:subject ?q ; ?p ?o .
          <%(iri)s> ?link ?q . ?q a ?qt . ?qt rdfs:subClassOf* sikg:Quantity }
  UNION { ?c a sikg:Claim ; rdf:subject <%(iri)s> ; sikg:evidence ?s . ?s ?p ?o }
  UNION { ?s ?p ?o . FILTER(?o = <%(iri)s> && ?p NOT IN (%(hidden)s)) }
}"""
)

Q_ONTOLOGY_HEAD = PREAMBLE + """SELECT ?p ?o WHERE { <%(iri)s> ?p ?o }"""

Q_ONTOLOGY_TERMS = (
    PREAMBLE
    + """SELECT ?term ?kind (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition)
       (SAMPLE(?cm) AS ?comment) WHERE {
  GRAPH <%(graph)s> {
    ?term a ?kind . FILTER(isIRI(?term) && STRSTARTS(STR(?term), "%(ns)s"))
    OPTIONAL { ?term rdfs:label ?l } OPTIONAL { ?term skos:definition ?d }
    OPTIONAL { ?term rdfs:comment ?cm }
  }
} GROUP BY ?term ?kind"""
)

Q_ONTOLOGY_LINKS = (
    PREAMBLE
    + """SELECT ?term ?p ?o WHERE {
  GRAPH <%(graph)s> {
    VALUES ?p { rdfs:subClassOf rdfs:subPropertyOf rdfs:domain rdfs:range skos:closeMatch
                skos:exactMatch owl:inverseOf }
    ?term ?p ?o . FILTER(isIRI(?o) && STRSTARTS(STR(?term), "%(ns)s"))
  }
}"""
)

Q_ONTOLOGY_GRAPH = """CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%(graph)s> { ?s ?p ?o } }"""


# ---------------------------------------------------------------------------------------------
# Page models


@dataclass
class Evidence:
    """One claim's source and quote: prefix + **exact** + suffix, as in the text."""

    source: Term
    source_id: str | None
    exact: str | None
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    method: Term | None = None
    supports: list[str] = field(default_factory=list)  # what it backs, when several things


def merge_evidence(parts) -> list[Evidence]:
    """One entry per quote, naming every fact it backs: ``parts`` is (fact name, evidence) pairs."""
    merged: dict[tuple, Evidence] = {}
    for name, items in parts:
        for item in items:
            key = (item.source.value, item.exact, item.start)
            if key not in merged:
                merged[key] = replace(item, supports=[])
            if name and name not in merged[key].supports:
                merged[key].supports.append(name)
    return list(merged.values())


@dataclass
class Quantity:
    """A strength/casualties/cost node, read as "approximately 5,000 dead (Japan)"."""

    node: Term
    kind: Term | None = None
    count: str | None = None
    qualifier: Term | None = None
    parties: list[Term] = field(default_factory=list)
    counted_as: list[str] = field(default_factory=list)
    other: list[tuple[Term, Term]] = field(default_factory=list)
    owners: list[tuple[Term, Term]] = field(default_factory=list)  # (subject, predicate) -> it
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)  # per property

    def all_evidence(self, name: str | None = None, own: list[Evidence] = ()) -> list[Evidence]:
        """Every quote behind the node, once each, with the properties it backs."""
        return merge_evidence([(name, own), *sorted(self.evidence.items())])

    @property
    def summary(self) -> str:
        words = []
        if self.qualifier is not None and self.qualifier.value != SIKG_NS + "exactly":
            words.append(self.qualifier.text)
        if self.count is not None:
            words.append(self.count)
        words.extend(self.counted_as[:1])
        return " ".join(words) or self.node.text


@dataclass
class Statement:
    predicate: Term
    value: Term
    quantity: Quantity | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Group:
    """The statements of one predicate."""

    predicate: Term
    statements: list[Statement]


@dataclass
class Mention:
    source_id: str | None
    text: str


@dataclass
class Resource:
    iri: str
    label: str
    short: str | None
    alt_labels: list[str]
    types: list[Term]
    groups: list[Group]
    incoming: list[Group]
    mentions: list[Mention]
    mentions_limited: bool
    wikidata: list[Term]
    quantity: Quantity | None = None
    candidates: list[Term] = field(default_factory=list)
    wikidata_facts: list[tuple[str, str]] = field(default_factory=list)
    source_counts: dict | None = None
    source_subjects: list[tuple[Term, int]] = field(default_factory=list)


def _int(binding: dict | None) -> int | None:
    try:
        return int(binding["value"]) if binding else None
    except ValueError:
        return None


def _count(value: str) -> str:
    try:
        return f"{int(value):,}"
    except ValueError:
        return value


def _sort_key(term: Term) -> tuple:
    return (term.text.lower(), term.value)


class Describer:
    """Builds the page model of one resource from a handful of SELECT queries."""

    MENTION_LIMIT = 100

    def __init__(self, dataset: Dataset) -> None:
        self.data = dataset
        self.namer = dataset.namer

    # -- evidence ----------------------------------------------------------------------------

    def _claims(self, iri: str, subjects: list[str]):
        """Evidence per (subject, predicate, object key), and the claimed triples themselves."""
        rows = self.data.select(Q_CLAIMS % {"iri": iri, "subjects": _values(subjects)})
        found: dict[tuple, list[Evidence]] = defaultdict(list)
        claimed: dict[tuple, tuple[dict, dict, dict]] = {}
        seen = set()
        for row in rows:
            key = (row["s"]["value"], row["p"]["value"], term_key(row["o"]))
            exact = row.get("exact", {}).get("value")
            marker = (key, row["src"]["value"], exact, _int(row.get("start")))
            claimed.setdefault(key, (row["s"], row["p"], row["o"]))
            if marker in seen:
                continue
            seen.add(marker)
            found[key].append(
                Evidence(
                    source=self.namer.term(row["src"], row.get("srcLabel")),
                    source_id=row.get("srcId", {}).get("value"),
                    exact=exact,
                    prefix=row.get("prefix", {}).get("value", ""),
                    suffix=row.get("suffix", {}).get("value", ""),
                    start=_int(row.get("start")),
                    method=self.namer.term(row.get("method")),
                )
            )
        return found, claimed

    # -- quantities --------------------------------------------------------------------------

    def _quantities(self, iris: list[str], evidence) -> dict[str, Quantity]:
        if not iris:
            return {}
        rows = self.data.select(Q_QUANTITIES % {"quantities": _values(iris)})
        made: dict[str, Quantity] = {}
        for row in rows:
            q = row["q"]["value"]
            quantity = made.setdefault(q, Quantity(node=self.namer.term(row["q"])))
            p = row["p"]["value"]
            value = self.namer.term(row["v"], row.get("vlabel"))
            predicate = self.namer.term(row["p"], row.get("plabel"))
            if row["dir"]["value"] == "in":
                quantity.owners.append((value, predicate))
                continue
            if p == RDF_TYPE:
                if value.value != SIKG_NS + "Quantity":
                    quantity.kind = value
            elif p == SIKG_NS + "count":
                quantity.count = _count(value.value)
            elif p == SIKG_NS + "countQualifier":
                quantity.qualifier = value
            elif p == SIKG_NS + "ofParty":
                quantity.parties.append(value)
            elif p == SIKG_NS + "countedAs":
                quantity.counted_as.append(value.value)
            elif p in DERIVED:
                pass  # sortable bounds of the date, shown on the quantity's own page
            else:
                quantity.other.append((predicate, value))
            found = evidence.get((q, p, term_key(row["v"])))
            if found:
                quantity.evidence.setdefault(predicate.text, []).extend(found)
        for quantity in made.values():
            quantity.parties.sort(key=_sort_key)
            quantity.other.sort(key=lambda pv: (pv[0].text, pv[1].text))
        return made

    # -- the page ----------------------------------------------------------------------------

    def describe(self, iri: str) -> Resource:
        iri = check_iri(iri)
        out = self.data.select(Q_OUT % {"iri": iri})
        incoming = self.data.select(Q_IN % {"iri": iri, "hidden": _in_list(HIDDEN_INCOMING)})
        quantity_iris = sorted(
            {r["o"]["value"] for r in out if "qtype" in r and r["o"]["type"] == "uri"}
            | {r["s"]["value"] for r in incoming if "qtype" in r and r["s"]["type"] == "uri"}
        )
        is_quantity = any(
            row["p"]["value"] == RDF_TYPE and row["o"]["value"] in QUANTITY_CLASSES for row in out
        )
        evidence, claimed = self._claims(iri, [iri, *quantity_iris])
        if not out and not incoming and not evidence:
            raise APIError(404, f"nothing is known about <{iri}>")
        quantities = self._quantities(quantity_iris + ([iri] if is_quantity else []), evidence)

        label = None
        alt_labels, types, wikidata, candidates = [], [], [], []
        by_predicate: dict[str, list[Statement]] = defaultdict(list)
        predicates: dict[str, Term] = {}
        stated = set()
        for row in out:
            p = row["p"]["value"]
            value = self.namer.term(row["o"], row.get("olabel"))
            predicate = self.namer.term(row["p"], row.get("plabel"))
            if p == RDFS_LABEL and (label is None or row["o"].get("xml:lang") == "en"):
                label = value.value
            elif p == ALT_LABEL:
                alt_labels.append(value.value)
            elif p == RDF_TYPE:
                types.append(value)
            if p in MATCHES and value.is_iri and value.value.startswith(WIKIDATA):
                wikidata.append(value)
            elif p == CANDIDATE_MATCH and value.is_iri and value.value.startswith(WIKIDATA):
                candidates.append(value)
            if p in HEADER_PREDICATES:
                continue
            key = (iri, p, term_key(row["o"]))
            stated.add(key)
            predicates[p] = predicate
            node = quantities.get(value.value) if value.is_iri else None
            found = evidence.get(key, [])
            if node is not None:
                found = node.all_evidence(predicate.text, found)
            by_predicate[p].append(Statement(predicate, value, node, found))
        # claims whose fact is not (or not only) a direct triple still show, with their sources
        for key, (_, p, o) in claimed.items():
            if key[0] == iri and key not in stated and p["value"] not in HEADER_PREDICATES:
                predicate = predicates.setdefault(p["value"], self.namer.term(p))
                by_predicate[p["value"]].append(
                    Statement(predicate, self.namer.term(o), None, evidence.get(key, []))
                )

        groups = [
            Group(predicates[p], sorted(items, key=lambda s: _sort_key(s.value)))
            for p, items in by_predicate.items()
        ]
        groups.sort(key=lambda g: (g.predicate.text.lower(), g.predicate.value))

        in_groups: dict[str, list[Statement]] = defaultdict(list)
        in_predicates: dict[str, Term] = {}
        for row in incoming:
            p = row["p"]["value"]
            in_predicates[p] = self.namer.term(row["p"], row.get("plabel"))
            subject = self.namer.term(row["s"], row.get("slabel"))
            key = (row["s"]["value"], p, ("uri", iri, None, None))
            node = quantities.get(subject.value) if subject.is_iri else None
            found = evidence.get(key, [])
            if node is not None:
                found = node.all_evidence(in_predicates[p].text, found)
            in_groups[p].append(Statement(in_predicates[p], subject, node, found))
        incoming_groups = [
            Group(in_predicates[p], sorted(items, key=lambda s: _sort_key(s.value)))
            for p, items in in_groups.items()
        ]
        incoming_groups.sort(key=lambda g: (g.predicate.text.lower(), g.predicate.value))

        mention_rows = self.data.select(Q_MENTIONS % {"iri": iri, "limit": self.MENTION_LIMIT + 1})
        mentions = [
            Mention(row.get("srcId", {}).get("value"), row["text"]["value"])
            for row in mention_rows[: self.MENTION_LIMIT]
        ]
        short = self.namer.short(iri)
        if label is None and iri in quantities:
            label = quantities[iri].summary
        return Resource(
            iri=iri,
            label=label or short or iri,
            short=short,
            alt_labels=sorted(set(alt_labels), key=str.lower),
            types=sorted(types, key=_sort_key),
            groups=groups,
            incoming=incoming_groups,
            mentions=mentions,
            mentions_limited=len(mention_rows) > self.MENTION_LIMIT,
            wikidata=wikidata,
            quantity=quantities.get(iri),
            candidates=sorted(candidates, key=_sort_key),
            wikidata_facts=self._wikidata_facts(wikidata),
        )

    def _wikidata_facts(self, items: list[Term]) -> list[tuple[str, str]]:
        """Labels in other languages, dates, place and image of the linked items, if cached."""
        if not items:
            return []
        rows = self.data.select(
            Q_WIKIDATA_FACTS
            % {
                "items": _values(t.value for t in items),
                "facts": ", ".join(f"<{p}>" for p in WIKIDATA_FACTS),
            }
        )
        facts = []
        for row in rows:
            p, o = row["p"]["value"], row["o"]
            if p == RDFS_LABEL and o.get("xml:lang") not in (None, "en"):
                facts.append((f"name ({o['xml:lang']})", o["value"]))
            elif p in WIKIDATA_FACTS:
                facts.append((WIKIDATA_FACTS[p], o["value"]))
        return sorted(set(facts))

    def describe_source(self, iri: str) -> Resource:
        resource = self.describe(iri)
        counts = self.data.select(Q_SOURCE_COUNTS % {"iri": iri})
        if counts:
            resource.source_counts = {k: _int(v) or 0 for k, v in counts[0].items()}
        rows = self.data.select(
            Q_SOURCE_SUBJECTS % {"iri": iri, "entities": f"{self.data.base}id/"}
        )
        resource.source_subjects = [
            (self.namer.term(row["s"], row.get("label")), _int(row["n"]) or 0) for row in rows
        ]
        return resource

    def graph(self, iri: str, media: str) -> bytes:
        """The resource's description as RDF: its triples, quantities, claims and quotes."""
        iri = check_iri(iri)
        body = self.data.construct(
            Q_DESCRIBE % {"iri": iri, "hidden": _in_list(HIDDEN_INCOMING)}, media
        )
        if body is None:
            raise APIError(404, f"nothing is known about <{iri}>")
        return body


# ---------------------------------------------------------------------------------------------
# The ontology


@dataclass
class OntologyTerm:
    term: Term
    label: str
    definition: str | None
    kinds: set[str] = field(default_factory=set)
    kind_terms: list[Term] = field(default_factory=list)
    links: dict[str, list[Term]] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return self.term.value[len(SIKG_NS) :]


@dataclass
class Ontology:
    iri: str
    header: list[tuple[Term, Term]]
    title: str
    description: str | None
    sections: list[tuple[str, list[OntologyTerm]]]


SECTIONS = (
    ("Classes", OWL_NS + "Class"),
    ("Object properties", OWL_NS + "ObjectProperty"),
    ("Datatype properties", OWL_NS + "DatatypeProperty"),
    ("Annotation properties", OWL_NS + "AnnotationProperty"),
)
LINK_NAMES = {
    RDFS_NS + "subClassOf": "subclass of",
    RDFS_NS + "subPropertyOf": "subproperty of",
    RDFS_NS + "domain": "domain",
    RDFS_NS + "range": "range",
    OWL_NS + "inverseOf": "inverse of",
    SKOS_NS + "closeMatch": "close match",
    SKOS_NS + "exactMatch": "exact match",
}


def ontology_graph_name(base: str) -> str:
    return f"{base}graph/{ONTOLOGY_GRAPH}"


def describe_ontology(dataset: Dataset) -> Ontology:
    namer = dataset.namer
    graph = ontology_graph_name(dataset.base)
    head_rows = dataset.select(Q_ONTOLOGY_HEAD % {"iri": str(ONTOLOGY_IRI)})
    header = sorted(
        ((namer.term(r["p"]), namer.term(r["o"])) for r in head_rows),
        key=lambda pv: (pv[0].text, pv[1].text),
    )
    title = next((v.value for p, v in header if p.value.endswith("/title")), "The sikg ontology")
    description = next((v.value for p, v in header if p.value.endswith("/description")), None)
    terms: dict[str, OntologyTerm] = {}
    for row in dataset.select(Q_ONTOLOGY_TERMS % {"graph": graph, "ns": SIKG_NS}):
        iri = row["term"]["value"]
        entry = terms.get(iri)
        if entry is None:
            label = row.get("label", {}).get("value") or iri[len(SIKG_NS) :]
            definition = (row.get("definition") or row.get("comment") or {}).get("value")
            entry = terms[iri] = OntologyTerm(namer.term(row["term"]), label, definition)
        entry.kinds.add(row["kind"]["value"])
    labels = {iri: t.label for iri, t in terms.items()}
    for row in dataset.select(Q_ONTOLOGY_LINKS % {"graph": graph, "ns": SIKG_NS}):
        entry = terms.get(row["term"]["value"])
        if entry is None:
            continue
        target = row["o"]["value"]
        label = labels.get(target)
        value = namer.term(row["o"], {"value": label} if label else None)
        entry.links.setdefault(LINK_NAMES[row["p"]["value"]], []).append(value)
    for entry in terms.values():
        for values in entry.links.values():
            values.sort(key=_sort_key)
    sections = []
    placed = set()
    for title_, kind in SECTIONS:
        members = [t for iri, t in terms.items() if kind in t.kinds and iri not in placed]
        placed.update(t.term.value for t in members)
        if members:
            sections.append((title_, sorted(members, key=lambda t: t.anchor.lower())))
    rest = [t for iri, t in terms.items() if iri not in placed]
    if rest:
        sections.append(("Named individuals", sorted(rest, key=lambda t: t.anchor.lower())))
    for _, members in sections:
        for member in members:
            member.kind_terms = sorted(
                (namer.term({"type": "uri", "value": k}) for k in member.kinds),
                key=_sort_key,
            )
    return Ontology(str(ONTOLOGY_IRI), header, title, description, sections)


def ontology_graph(dataset: Dataset, media: str) -> bytes:
    body = dataset.construct(Q_ONTOLOGY_GRAPH % {"graph": ontology_graph_name(dataset.base)}, media)
    if body is None:
        raise APIError(404, "this dataset has no ontology graph")
    return body
