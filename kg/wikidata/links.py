"""The link table and the cached Wikidata facts as RDF, each in its own named graph.

``graph/links`` holds one direct triple per usable link (``skos:exactMatch`` for accepted,
``sikg:candidateMatch`` for unverified) and, for every row, a judgement node (a
``sikg:LinkJudgement``; not an ``rdf:Statement``, which is kept for sourced claims) saying how and
when the link was made: status, method, score, the label and
description it was matched on, and its justification. ``graph/wikidata`` holds the cached facts.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, XSD

from kg.iri import Minter, digest
from kg.vocab import SIKG, WD, WDT
from kg.wikidata.enrich import FACTS, Facts
from kg.wikidata.table import LinkTable

LINKS_GRAPH = "links"
FACTS_GRAPH = "wikidata"
GEO_WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
PREDICATES = {"accepted": SKOS.exactMatch, "unverified": SIKG.candidateMatch}
# How each fact of ``FACTS`` is written: a literal of this datatype, or (None) an IRI.
FACT_DATATYPES: dict[str, URIRef | None] = {
    "coordinates": GEO_WKT,
    "born": XSD.dateTime,
    "died": XSD.dateTime,
    "image": None,
}


def add_links(dataset: Dataset, minter: Minter, table: LinkTable) -> int:
    """Write the table into ``graph/links``; returns the number of direct link triples."""
    graph = dataset.graph(minter.graph(LINKS_GRAPH))
    direct = 0
    for link in table:
        if link.status == "no-item":
            continue
        entity, item = minter.entity(link.entity), WD[link.qid]
        predicate = PREDICATES.get(link.status, SIKG.rejectedMatch)
        if link.status in PREDICATES:
            graph.add((entity, predicate, item))
            direct += 1
        node = URIRef(f"{minter.base}link/{digest(link.entity, link.qid)}")
        graph.add((node, RDF.type, SIKG.LinkJudgement))
        graph.add((node, SIKG.linkedEntity, entity))
        graph.add((node, SIKG.linkRelation, predicate))
        graph.add((node, SIKG.linkedItem, item))
        graph.add((node, SIKG.linkStatus, Literal(link.status)))
        graph.add((node, SIKG.linkMethod, Literal(link.method)))
        if link.score:
            graph.add((node, SIKG.matchScore, Literal(link.score, datatype=XSD.decimal)))
        if link.wikidata_label:
            graph.add((node, SIKG.matchedLabel, Literal(link.wikidata_label)))
        if link.wikidata_description:
            graph.add((node, SIKG.matchedDescription, Literal(link.wikidata_description)))
        if link.justification:
            graph.add((node, SIKG.justification, Literal(link.justification)))
        if link.checked:
            graph.add((node, DCTERMS.date, Literal(link.checked, datatype=XSD.date)))
    return direct


def add_facts(dataset: Dataset, minter: Minter, facts: Facts) -> int:
    """Write the cached facts into ``graph/wikidata``; returns the number of items described."""
    if not facts.items:
        return 0
    name = minter.graph(FACTS_GRAPH)
    graph = dataset.graph(name)
    graph.add((name, DCTERMS.source, URIRef(facts.endpoint)))
    graph.add((name, PROV.generatedAtTime, Literal(facts.retrieved, datatype=XSD.dateTime)))
    for qid, item in facts.items.items():
        subject = WD[qid]
        for language, text in item.labels.items():
            graph.add((subject, RDFS.label, Literal(text, lang=language)))
        for field, prop in FACTS.items():
            value = getattr(item, field)
            if value:
                datatype = FACT_DATATYPES[field]
                term = URIRef(value) if datatype is None else Literal(value, datatype=datatype)
                graph.add((subject, WDT[prop], term))
    return len(facts.items)
