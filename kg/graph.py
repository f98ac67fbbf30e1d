"""Turning checked statements into RDF: the one place that writes a sourced claim.

For each fact of a statement the writer adds the direct triple (the "truthy" layer, so that
"who commanded AEF Siberia?" is one triple pattern) and a ``sikg:Claim`` naming the source, the
verbatim quote with its position, and the method. Everything a source states goes into that
source's named graph; entity labels and types go into ``graph/registry``; values the build derives
(sortable date bounds) into ``graph/derived``; the ontology into ``graph/ontology``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS, XSD

from kg import anchors, dates
from kg.gazetteer import Gazetteer
from kg.iri import Minter
from kg.model import LoadResult, Quantity, Ref, SourceRecord, Statement
from kg.registry import Registry
from kg.vocab import DATE_PROPERTIES, OA, SIKG, Vocabulary

ONTOLOGY_GRAPH = "ontology"
REGISTRY_GRAPH = "registry"
DERIVED_GRAPH = "derived"
INFERRED_GRAPH = "inferred"

SentenceValues = Callable[[str], tuple[list[str], list[int]]]


class GraphWriter:
    """Accumulates the build's named graphs in an rdflib Dataset."""

    def __init__(self, minter: Minter, vocab: Vocabulary, sources: dict[str, SourceRecord]):
        self.minter = minter
        self.vocab = vocab
        self.sources = sources
        self.dataset = Dataset(default_union=True)
        self.registry_graph = self.dataset.graph(minter.graph(REGISTRY_GRAPH))
        self._source_graphs: dict[str, Graph] = {}

    def source_graph(self, source_id: str) -> Graph:
        if source_id not in self._source_graphs:
            self._source_graphs[source_id] = self.dataset.graph(self.minter.graph(source_id))
        return self._source_graphs[source_id]

    # -- ontology, entities and documents -----------------------------------------------------
    def add_ontology(self, ontology: Graph) -> None:
        """The ontology as its own graph, so queries can follow rdfs:subClassOf and labels."""
        target = self.dataset.graph(self.minter.graph(ONTOLOGY_GRAPH))
        for triple in ontology:
            target.add(triple)

    def add_entities(self, registry: Registry) -> None:
        g = self.registry_graph
        for entity in registry:
            node = self.minter.entity(entity.id)
            g.add((node, RDF.type, SIKG[entity.cls]))
            g.add((node, RDFS.label, Literal(entity.label, lang="en")))
            for alias in entity.aliases:
                if alias != entity.label:
                    g.add((node, SKOS.altLabel, Literal(alias, lang="en")))

    def add_source_documents(self) -> None:
        g = self.registry_graph
        for record in self.sources.values():
            node = self.minter.source(record.id)
            meta = record.metadata
            g.add((node, RDF.type, SIKG.SourceDocument))
            g.add((node, RDFS.label, Literal(str(meta.get("title") or record.id), lang="en")))
            g.add((node, SKOS.notation, Literal(record.id)))
            if meta.get("url"):
                g.add((node, SIKG.url, URIRef(str(meta["url"]))))
            if meta.get("licence"):
                g.add((node, DCTERMS.license, URIRef(str(meta["licence"]))))
            if meta.get("format"):
                g.add((node, DCTERMS["format"], Literal(str(meta["format"]))))

    # -- statements ---------------------------------------------------------------------------
    def add_statement(self, statement: Statement) -> int:
        """Write a statement's facts and claims; returns the number of claims written."""
        source = statement.source
        g = self.source_graph(source)
        anchor = self._anchor(statement)
        claims = 0
        for fact in statement.facts:
            subject = self.minter.entity(fact.subject)
            where = (source, statement.start)
            for s, p, o in self._triples(where, subject, fact.predicate, fact.object):
                g.add((s, p, o))
                claim = self.minter.claim(source, statement.start, statement.end, s, p, o)
                g.add((claim, RDF.type, SIKG.Claim))
                g.add((claim, RDF.subject, s))
                g.add((claim, RDF.predicate, p))
                g.add((claim, RDF.object, o))
                g.add((claim, SIKG.statedIn, self.minter.source(source)))
                g.add((claim, SIKG.evidence, anchor))
                g.add((claim, SIKG.method, SIKG[statement.method]))
                if fact.note:
                    g.add((claim, RDFS.comment, Literal(fact.note)))
                claims += 1
            if isinstance(fact.object, Quantity):
                node = self._quantity_node(where, subject, fact.predicate, fact.object)
                g.add((node, RDF.type, SIKG[fact.object.kind]))
        return claims

    def _anchor(self, statement: Statement) -> URIRef:
        source = statement.source
        text = self.sources[source].text
        anchors.check(text, statement.quote, statement.start, source=source, where=statement.origin)
        node = self.minter.anchor(source, statement.start, statement.end)
        g = self.source_graph(source)
        prefix, suffix = anchors.context(text, statement.start, statement.end)
        g.add((node, RDF.type, SIKG.QuoteAnchor))
        g.add((node, SIKG.inSource, self.minter.source(source)))
        g.add((node, OA.exact, Literal(statement.quote)))
        g.add((node, OA.prefix, Literal(prefix)))
        g.add((node, OA.suffix, Literal(suffix)))
        g.add((node, OA.start, Literal(statement.start, datatype=XSD.nonNegativeInteger)))
        g.add((node, OA.end, Literal(statement.end, datatype=XSD.nonNegativeInteger)))
        return node

    def _quantity_node(self, where: tuple, subject: URIRef, prop: str, q: Quantity) -> URIRef:
        """One node per stated figure: two "48 killed" in different places are two figures."""
        return self.minter.quantity(
            *where,
            subject,
            prop,
            q.kind,
            q.count,
            q.qualifier,
            q.of,
            q.counted_as,
            q.date,
            q.currency,
        )

    def _triples(self, where: tuple, subject: URIRef, prop: str, obj) -> Iterable[tuple]:
        """The direct triples one fact stands for (a quantity stands for several)."""
        predicate = SIKG[prop]
        if isinstance(obj, Quantity):
            node = self._quantity_node(where, subject, prop, obj)
            yield subject, predicate, node
            if obj.count is not None:
                yield node, SIKG["count"], Literal(obj.count, datatype=XSD.integer)
            yield node, SIKG.countQualifier, SIKG[obj.qualifier]
            if obj.of is not None:
                yield node, SIKG.ofParty, self.minter.entity(obj.of)
            if obj.counted_as is not None:
                yield node, SIKG.countedAs, Literal(obj.counted_as)
            if obj.date is not None:
                yield node, SIKG.date, dates.parse_date(obj.date).literal()
            if obj.currency is not None:
                yield node, SIKG.currency, Literal(obj.currency)
        elif isinstance(obj, Ref):
            yield subject, predicate, self.minter.entity(obj.id)
        elif prop in DATE_PROPERTIES:
            yield subject, predicate, dates.parse_date(obj).literal()
        elif prop == "count":
            yield subject, predicate, Literal(int(obj), datatype=XSD.integer)
        else:
            yield subject, predicate, Literal(str(obj).strip())

    # -- document structure -------------------------------------------------------------------
    def add_structure(
        self,
        source: str,
        result: LoadResult,
        gazetteer: Gazetteer,
        sentence_values: SentenceValues | None,
    ) -> int:
        """Sections and sentences with the entities each sentence mentions; returns mentions."""
        g = self.source_graph(source)
        text = self.sources[source].text
        doc = self.minter.source(source)
        section_nodes = []
        for order, section in enumerate(result.sections, start=1):
            node = self.minter.section(source, order)
            section_nodes.append((section, node))
            g.add((node, RDF.type, SIKG.Section))
            g.add((node, SIKG.inSource, doc))
            g.add((node, SIKG.heading, Literal(section.heading)))
            g.add((node, SIKG.headingLevel, Literal(section.level, datatype=XSD.integer)))
            g.add((node, SIKG.order, Literal(order, datatype=XSD.integer)))
            g.add((node, OA.start, Literal(section.start, datatype=XSD.nonNegativeInteger)))
            g.add((node, OA.end, Literal(section.end, datatype=XSD.nonNegativeInteger)))
        mentions = 0
        for order, span in enumerate(result.sentences, start=1):
            node = self.minter.sentence(source, order)
            g.add((node, RDF.type, SIKG.Sentence))
            g.add((node, SIKG.inSource, doc))
            g.add((node, SIKG.order, Literal(order, datatype=XSD.integer)))
            g.add((node, OA.exact, Literal(text[span.start : span.end])))
            g.add((node, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
            g.add((node, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))
            section = _innermost(section_nodes, span.start)
            if section is not None:
                g.add((node, SIKG.inSection, section))
            for entity in sorted(
                {m.entity for m in gazetteer.mentions(text, span.start, span.end)}
            ):
                g.add((node, SIKG.mentions, self.minter.entity(entity)))
                mentions += 1
            if sentence_values is not None:
                found_dates, numbers = sentence_values(text[span.start : span.end])
                for value in found_dates:
                    g.add((node, SIKG.mentionsDate, dates.parse_date(value).literal()))
                for number in numbers:
                    g.add((node, SIKG.mentionsNumber, Literal(number, datatype=XSD.integer)))
        return mentions

    # -- derived values -----------------------------------------------------------------------
    def add_derived_dates(self) -> int:
        """Sortable ``sikg:earliest``/``sikg:latest`` and precision for everything with dates.

        Sources state the same thing at different precisions ("1918" and "15 August 1918"), so
        each bound is taken from the most precise values that speak to it: the earliest from the
        finest point or start dates, the latest from the finest point or end dates.
        """
        found: dict[URIRef, dict[str, list[dates.PartialDate]]] = defaultdict(
            lambda: defaultdict(list)
        )
        date_predicates = {SIKG[p]: p for p in DATE_PROPERTIES}
        for graph in self._source_graphs.values():
            for s, p, o in graph:
                if p in date_predicates and isinstance(o, Literal):
                    found[s][date_predicates[p]].append(dates.from_literal(o))
        derived = self.dataset.graph(self.minter.graph(DERIVED_GRAPH))
        for subject, by_property in found.items():
            every = [v for values in by_property.values() for v in values]
            starts = _finest(by_property, START_PROPERTIES) or _finest(by_property, END_PROPERTIES)
            ends = _finest(by_property, END_PROPERTIES) or _finest(by_property, START_PROPERTIES)
            derived.add((subject, SIKG.earliest, Literal(min(v.earliest for v in starts))))
            derived.add((subject, SIKG.latest, Literal(max(v.latest for v in ends))))
            finest = max(every, key=lambda v: dates.PRECISION_RANK[v.precision]).precision
            derived.add((subject, SIKG.datePrecision, Literal(finest)))
        return len(found)


START_PROPERTIES = ("date", "startDate", "birthDate", "publicationDate")
END_PROPERTIES = ("date", "endDate", "deathDate", "publicationDate")


def _finest(by_property: dict, names: tuple[str, ...]) -> list:
    """The values of the given properties at the finest precision any of them has."""
    values = [v for name in names for v in by_property.get(name, [])]
    if not values:
        return []
    best = max(dates.PRECISION_RANK[v.precision] for v in values)
    return [v for v in values if dates.PRECISION_RANK[v.precision] == best]


def _innermost(sections: list, offset: int) -> URIRef | None:
    """The deepest section whose span contains ``offset``."""
    best = None
    for section, node in sections:
        if section.start <= offset < section.end and (best is None or section.level > best[0]):
            best = (section.level, node)
    return None if best is None else best[1]
