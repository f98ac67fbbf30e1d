"""Facts of linked items, fetched once and kept, in their own named graph with their date."""

from __future__ import annotations

from rdflib import RDFS, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, XSD

from kg.iri import Minter
from kg.vocab import SIKG, WD, WDT
from kg.wikidata.enrich import Facts, ItemFacts, enrich
from kg.wikidata.links import GEO_WKT, add_facts, add_links
from kg.wikidata.table import Link, LinkTable

TABLE = LinkTable(
    [
        Link("omsk", "Q900041", "accepted", "Omsk", justification="test"),
        Link("william-s-graves", "Q900001", "accepted", justification="test"),
        Link("ivan-kalmykov", "Q900031", "unverified", method="reconciler", score="0.9"),
        Link("ivan-kalmykov", "Q900032", "rejected"),
        Link("japanese-public", "", "no-item"),
    ]
)
MINTER = Minter("https://w3id.org/sikg/")


def test_enrichment_fetches_labels_places_dates_and_images_of_accepted_items(make_client):
    facts = enrich(make_client(), TABLE, "2026-11-23T12:00:00Z")
    assert sorted(facts.items) == ["Q900001", "Q900041"]  # accepted only
    omsk, graves = facts.items["Q900041"], facts.items["Q900001"]
    assert omsk.labels == {"en": "Omsk", "ru": "Омск", "ja": "オムスク"}
    assert omsk.coordinates == "Point(73.37 54.98)"
    assert graves.born == "1865-03-27T00:00:00Z" and graves.died == "1940-02-27T00:00:00Z"
    assert graves.image.endswith("William%20S.%20Graves.jpg")


def test_a_second_enrichment_is_answered_from_the_cache(make_client, wikidata):
    enrich(make_client(), TABLE, "2026-11-23T12:00:00Z")
    sent = len(wikidata.requests)
    again = enrich(make_client(offline=True), TABLE, "2026-11-23T12:00:00Z")
    assert len(again.items) == 2 and len(wikidata.requests) == sent


def test_facts_are_written_to_their_own_graph_with_the_retrieval_date(make_client, tmp_path):
    path = tmp_path / "facts.json"
    enrich(make_client(), TABLE, "2026-11-23T12:00:00Z").write(path)
    dataset = Dataset()
    assert add_facts(dataset, MINTER, Facts.read(path)) == 2
    graph = dataset.graph(MINTER.graph("wikidata"))
    omsk = WD.Q900041
    assert (omsk, WDT.P625, Literal("Point(73.37 54.98)", datatype=GEO_WKT)) in graph
    assert (omsk, RDFS.label, Literal("Омск", lang="ru")) in graph
    name = MINTER.graph("wikidata")
    retrieved = graph.value(name, PROV.generatedAtTime)
    assert retrieved == Literal("2026-11-23T12:00:00Z", datatype=XSD.dateTime)
    assert str(graph.value(name, DCTERMS.source)).endswith("/sparql")


def test_each_fact_is_written_as_a_truthy_wikidata_triple_of_its_type():
    image = "http://commons.wikimedia.org/wiki/Special:FilePath/Graves.jpg"
    item = ItemFacts({"en": "Graves"}, "Point(1 2)", "1865-03-27T00:00:00Z", "1940-02-27", image)
    dataset = Dataset()
    add_facts(
        dataset, MINTER, Facts("https://example.org/sparql", "2026-11-23T12:00:00Z", {"Q1": item})
    )
    graph = dataset.graph(MINTER.graph("wikidata"))
    wdt = "http://www.wikidata.org/prop/direct/"
    assert set(graph.triples((WD.Q1, None, None))) == {
        (WD.Q1, RDFS.label, Literal("Graves", lang="en")),
        (WD.Q1, URIRef(wdt + "P625"), Literal("Point(1 2)", datatype=GEO_WKT)),
        (WD.Q1, URIRef(wdt + "P569"), Literal("1865-03-27T00:00:00Z", datatype=XSD.dateTime)),
        (WD.Q1, URIRef(wdt + "P570"), Literal("1940-02-27", datatype=XSD.dateTime)),
        (WD.Q1, URIRef(wdt + "P18"), URIRef(image)),
    }
    assert WDT.P625 == URIRef(wdt + "P625")
    empty = Dataset()  # a fact Wikidata does not have is left out
    add_facts(empty, MINTER, Facts("https://example.org/sparql", "x", {"Q2": ItemFacts()}))
    assert not list(empty.graph(MINTER.graph("wikidata")).triples((WD.Q2, None, None)))


def test_links_keep_accepted_candidate_and_rejected_apart():
    dataset = Dataset()
    assert add_links(dataset, MINTER, TABLE) == 3
    graph = dataset.graph(MINTER.graph("links"))
    kalmykov = MINTER.entity("ivan-kalmykov")
    assert (MINTER.entity("omsk"), SKOS.exactMatch, WD.Q900041) in graph
    assert (kalmykov, SIKG.candidateMatch, WD.Q900031) in graph
    assert not list(graph.triples((kalmykov, SKOS.exactMatch, None)))
    assert not list(graph.triples((kalmykov, None, WD.Q900032)))  # rejected: judgement only
    statuses = {str(o) for o in graph.objects(None, SIKG.linkStatus)}
    assert statuses == {"accepted", "unverified", "rejected"}
    assert not list(graph.triples((MINTER.entity("japanese-public"), None, None)))


def test_the_build_puts_the_links_in_their_graph(built, project):
    graph = built.dataset.graph(URIRef(f"{project.base}graph/links"))
    matches = list(graph.triples((None, SKOS.exactMatch, None)))
    assert matches and built.counts["links"] >= len(matches)
    for _, _, item in matches:
        assert str(item).startswith(str(WD))
