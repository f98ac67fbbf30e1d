"""The encyclopedia loader: byline, life years, bibliography, citation and metadata."""

from __future__ import annotations

import pytest
from loader_facts import facts, objects

from kg.model import Ref
from loaders import encyclopedia

DOC = "source-dunscomb"


@pytest.fixture
def record(read_record):
    return read_record("dunscomb")


@pytest.fixture
def result(record, registry):
    return encyclopedia.load(record, registry)


def labels(result):
    return {e.id: e.label for e in result.entities}


def test_every_quote_is_verbatim_at_its_offset_and_every_fact_well_formed(
    record, result, check_result
):
    check_result(record, result)


def test_title_byline_and_affiliation(result):
    title = [s for s in result.statements if s.method == "HeadingRule"]
    assert [s.quote for s in title] == ["Siberian Intervention 1918-1922"]
    assert objects(result, "about", DOC) == [Ref("siberian-intervention")]
    byline = [s for s in result.statements if s.origin.endswith(":byline")]
    assert [s.quote for s in byline] == ["By [Paul Dunscomb](#)"]
    assert byline[0].facts[0].object == Ref("paul-dunscomb")
    affiliation = facts(result, "affiliation", "paul-dunscomb")
    assert [(s.quote, f.object) for s, f in affiliation] == [
        (
            "Paul Dunscomb, University of Alaska Anchorage",
            Ref("university-of-alaska-anchorage"),
        )
    ]
    assert labels(result)["university-of-alaska-anchorage"] == "University of Alaska Anchorage"


def test_life_years_in_links_give_birth_and_death_years(result):
    found = {f.subject: (s.quote, f.object) for s, f in facts(result, "birthDate")}
    assert found["woodrow-wilson"] == ("Woodrow Wilson \\(1856-1924\\)", "1856")
    assert found["grigory-semenov"] == ("Gregori Semenov \\(1890-1946\\)", "1890")
    assert sorted(found) == [
        "alexander-kolchak",
        "grigory-semenov",
        "hara-takashi",
        "ivan-kalmykov",
        "vladimir-lenin",
        "woodrow-wilson",
    ]
    assert objects(result, "deathDate", "hara-takashi") == ["1921"]
    assert {s.method for s, _ in facts(result, "birthDate")} == {"SentenceRule"}


def test_the_bibliography_has_seven_works_in_order(result):
    works = [o.id for o in objects(result, "bibliographyEntry", DOC)]
    assert len(works) == 7
    names = labels(result)
    assert [names[w] for w in works] == [
        "Japan's Siberian intervention, 1918-1922. A great disobedience against the people",
        "Shiberia shuppei no shiteki kenkyū (A historical study of the Siberian Intervention)",
        "Shoki Shiberia Shuppei no Kenkyū (Research on the early Siberian Intervention)",
        "The Japanese thrust into Siberia, 1918",
        "The far eastern republic of Siberia",
        "The rise and fall of Russia's Far Eastern Republic, 1905-1922. Nationalisms, "
        "imperialisms, and regionalisms in and after the Russian Empire",
        "Vladivostok under Red and White rule revolution and counterrevolution in the Russian "
        "Far East, 1920-1922",
    ]
    assert {e.cls for e in result.entities if e.id in works} == {"CitedWork"}


def test_norton_1923_london_allen_and_unwin(result):
    norton = "the-far-eastern-republic-of-siberia"
    assert objects(result, "author", norton) == [Ref("henry-kittredge-norton")]
    assert objects(result, "workTitle", norton) == ["The far eastern republic of Siberia"]
    assert objects(result, "publicationPlace", norton) == [Ref("london")]
    assert objects(result, "publicationDate", norton) == ["1923"]
    assert objects(result, "publisher", norton) == [Ref("allen-unwin")]
    names = labels(result)
    assert names["henry-kittredge-norton"] == "Henry Kittredge Norton"
    assert names["allen-unwin"] == "Allen & Unwin"
    in_london = [
        f.subject for _, f in facts(result, "publicationPlace") if f.object == Ref("london")
    ]
    assert len(in_london) == 2  # Norton and Sablin share one London


def test_the_author_of_a_bibliography_entry_reuses_the_registry_id(result):
    own = "japans-siberian-intervention-1918-1922-a-great-disobedience-against-the-people"
    assert objects(result, "author", own) == [Ref("paul-dunscomb")]
    assert "paul-dunscomb" not in labels(result)


def test_the_title_a_layout_broke_comes_out_whole(result):
    izao = "shoki-shiberia-shuppei-no-kenkyu-research-on-the-early-siberian-intervention"
    [(statement, fact)] = facts(result, "workTitle", izao)
    assert (
        fact.object
        == "Shoki Shiberia Shuppei no Kenkyū (Research on the early Siberian Intervention)"
    )
    assert statement.quote.startswith("Shoki Shiberia") and statement.quote.endswith(
        "**Intervention**)"
    )
    assert "\n\n" in statement.quote and fact.note
    assert objects(result, "publisher", izao) == [Ref("kyushu-daigaku-shuppankai")]


def test_the_citation_gives_doi_editors_publisher_place_and_date(result):
    assert objects(result, "doi", DOC) == ["10.15463/ie1418.11306"]
    assert objects(result, "publishedIn", DOC) == [Ref("encyclopedia-1914-1918-online")]
    editors = [o.id for o in objects(result, "editor", "encyclopedia-1914-1918-online")]
    assert editors == [
        "ute-daniel",
        "peter-gatrell",
        "oliver-janz",
        "heather-jones",
        "jennifer-keene",
        "alan-kramer",
        "bill-nasson",
    ]
    assert objects(result, "publisher", DOC) == [Ref("freie-universitat-berlin")]
    assert objects(result, "publicationPlace", DOC) == [Ref("berlin")]
    assert objects(result, "publicationDate", DOC) == ["2018-10-24"]
    assert {s.method for s, _ in facts(result, "doi")} == {"CitationRule"}
    assert objects(result, "workTitle", DOC) == ["Siberian Intervention 1918-1922"] * 3


def test_key_persons_and_locations_resolve_to_registry_ids(result):
    assert [o.id for o in objects(result, "keyPerson", DOC)] == [
        "grigory-semenov",
        "hara-takashi",
        "ivan-kalmykov",
        "vladimir-lenin",
        "woodrow-wilson",
        "alexander-kolchak",
    ]
    assert [o.id for o in objects(result, "keyLocation", DOC)] == [
        "vladivostok",
        "irkutsk",
        "nikolaevsk",
    ]
    minted_people = {e.label for e in result.entities if e.cls == "Person"}
    assert not minted_people & {"Grigory Semenov", "Hara Takashi", "Vladimir Lenin"}


def test_article_type_classification_group_and_author(result):
    assert objects(result, "articleType", DOC) == ["Encyclopedic Entry"]
    assert objects(result, "classificationGroup", DOC) == ["Events"]
    assert (
        objects(result, "author", DOC) == [Ref("paul-dunscomb")] * 3
    )  # byline, citation, metadata


def test_subject_chains_become_headings_with_broader_links_and_schemes(result):
    names = labels(result)
    subjects = [names[o.id] for o in objects(result, "subject", DOC)]
    assert subjects[:3] == ["Japan", "Russian Empire", "USA"]
    assert "Revolutions" in subjects and "Woodrow Wilson" in subjects
    assert "Intervention der Entente-Mächte in der Sowjetunion [1918-1920]" in subjects
    assert "URSS -- 1918-1920 (Intervention alliée)" in subjects
    assert len(subjects) == 3 + 2 + 3 + 4 + 3
    broader = {(names[f.subject], names[f.object.id]) for _, f in facts(result, "broaderHeading")}
    assert ("Japan", "East Asia") in broader
    assert ("Revolutions", "Resistance and revolutions") in broader
    assert ("Resistance and revolutions", "Politics, law") in broader
    headings = {e.id for e in result.entities if e.cls == "SubjectHeading"}
    in_scheme = {f.subject for _, f in facts(result, "headingScheme")}
    assert headings == in_scheme and len(headings) == 6 + 2 + 8 + 4 + 3
    schemes = {names[e.id] for e in result.entities if e.cls == "HeadingScheme"}
    assert {"GND Subject Headings", "LC Subject Headings", "Rameau Subject Headings"} <= schemes
    assert len(schemes) == 7
    # the heading "Japan" is not Japan the state
    assert "regional-section-japan" in headings and "japan" not in names


def test_articles_that_link_here_include_the_title_broken_by_layout(result):
    names = labels(result)
    linking = [names[o.id] for o in objects(result, "linkedFrom", DOC)]
    assert len(linking) == 13
    assert linking[2] == "Making Sense of the War (Japan)"
    assert linking[-2:] == ["Štefánik, Milan Rastislav", "War Finance (Japan)"]
    [(statement, fact)] = [(s, f) for s, f in facts(result, "linkedFrom") if "Making" in s.quote]
    assert statement.quote == "Making](#)\n\n[Sense of the War \\(Japan\\)" and fact.note


def test_the_external_link_is_a_cited_work(result):
    [work] = objects(result, "cites", DOC)
    assert labels(result)[work.id] == "American Expeditionary Force in Siberia"
    assert objects(result, "publisher", work.id) == [Ref("us-department-of-defense")]


def test_no_markup_in_any_label_or_value(result):
    values = [e.label for e in result.entities]
    values += [f.object for _, f in facts(result) if isinstance(f.object, str)]
    assert len(values) > 100
    bad = [v for v in values if any(mark in v for mark in ("\\", "](", "*", "\n", "  "))]
    assert bad == []


def test_sections_have_levels(result):
    got = [(s.heading, s.level) for s in result.sections]
    assert got[0] == ("Siberian Intervention 1918-1922", 1)
    assert ("Origins", 2) in got and ("Regional Section(s)", 3) in got
    assert len(got) == 24
    metadata = next(s for s in result.sections if s.heading == "Metadata")
    regional = next(s for s in result.sections if s.heading == "Regional Section(s)")
    assert metadata.start < regional.start < regional.end == metadata.end


def test_sentences_span_layout_breaks_and_keep_initialisms(record, result):
    found = [record.text[s.start : s.end] for s in result.sentences]
    broken = [s for s in found if s.startswith("U.S. objectives")]
    assert len(broken) == 1
    assert "along the\n\nTrans-Siberian Railway in Vladivostok" in broken[0]
    assert broken[0].endswith("revolutionary disorder.")
    assert any(s.startswith("Partly due to") and "Russian\n\ngovernment" in s for s in found)
    assert any(s.startswith("The U.S. also dispatched") for s in found)
    assert any(s.startswith("Renewed negotiations with the F.E.R. again") for s in found)
    assert "Paul Dunscomb, University of Alaska Anchorage" in found
    assert not any(s.endswith(("U.S.", "F.E.R.")) for s in found)
    assert len(found) == 78


def test_loading_twice_gives_the_same_result(record, registry, result):
    assert encyclopedia.load(record, registry) == result
