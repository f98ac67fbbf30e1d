"""The Wikipedia loader: title, sections, sentences and every infobox field, cleaned."""

from __future__ import annotations

from dataclasses import replace

import pytest
from loader_facts import facts, objects

from kg.errors import DataError
from kg.model import Quantity, Ref
from loaders import wikipedia

SIDE_1 = "siberian-intervention-side-1"
SIDE_2 = "siberian-intervention-side-2"


@pytest.fixture
def record(read_record):
    return read_record("wikipedia")


@pytest.fixture
def result(record, registry):
    return wikipedia.load(record, registry)


def test_every_quote_is_verbatim_at_its_offset_and_every_fact_well_formed(
    record, result, check_result
):
    check_result(record, result)


def test_the_title_gives_the_work_title_and_what_it_is_about(result):
    title = [s for s in result.statements if s.method == "HeadingRule"]
    assert len(title) == 1
    assert title[0].quote == "Siberian intervention" and title[0].start == 2
    assert {(f.predicate, f.object) for f in title[0].facts} == {
        ("workTitle", "Siberian intervention"),
        ("about", Ref("siberian-intervention")),
    }


def test_sections_have_levels_and_nest(record, result):
    got = [(s.heading, s.level) for s in result.sections]
    assert got[:5] == [
        ("Siberian intervention", 1),
        ("Background", 2),
        ("Participants", 2),
        ("British Empire", 3),
        ("Canada", 4),
    ]
    assert ("Effects on Japanese politics", 4) in got and ("See also", 2) in got
    assert len(got) == 17
    by_name = {s.heading: s for s in result.sections}
    assert (by_name["Siberian intervention"].start, by_name["Siberian intervention"].end) == (
        0,
        len(record.text),
    )
    british, canada = by_name["British Empire"], by_name["Canada"]
    assert british.start < canada.start < canada.end == british.end == by_name["China"].start
    assert record.text[canada.start :].startswith("====Canada====")


def test_the_infobox_dates_the_intervention_by_month(result):
    assert objects(result, "startDate", "siberian-intervention") == ["1918-08"]
    assert objects(result, "endDate", "siberian-intervention") == ["1920-07"]
    assert objects(result, "date", "japanese-withdrawal-1922") == ["1922-10"]
    quotes = {s.quote for s, _ in facts(result, "startDate")}
    assert quotes == {"August 1918 – July 1920"}


def test_part_of_place_and_outcome(result):
    assert objects(result, "partOf", "siberian-intervention") == [
        Ref("allied-intervention-russian-civil-war"),
        Ref("eastern-front"),
    ]
    assert objects(result, "location", "siberian-intervention") == [
        Ref("eastern-siberia"),
        Ref("russian-far-east"),
        Ref("western-siberia"),
        Ref("outer-mongolia"),
    ]
    assert objects(result, "outcome") == [
        "Allied withdrawal",
        "Soviets regain Siberia",
        "Soviet victory",
    ]


def test_the_two_columns_are_two_declared_sides(result):
    sides = {e.id: e for e in result.entities if e.cls == "Side"}
    assert sides[SIDE_1].label == "Siberian intervention: Soviet side"
    assert sides[SIDE_2].label == "Siberian intervention: Allied and White side"
    assert sorted(o.id for o in objects(result, "side", "siberian-intervention")) == [
        SIDE_1,
        SIDE_2,
    ]
    assert objects(result, "member", SIDE_1) == [Ref("russian-sfsr")]
    assert objects(result, "member", SIDE_2) == [
        Ref("russian-state"),
        Ref("zelenyi-klyn"),
        Ref("mongolia"),
    ]


def test_commanders_resolve_with_kia_and_mp_read_not_kept(result):
    side_2 = [o.id for o in objects(result, "commander", SIDE_2)]
    side_1 = [o.id for o in objects(result, "commander", SIDE_1)]
    assert len(side_2) == 15 and len(side_1) == 11
    assert side_2[:4] == [
        "alexander-kolchak",
        "grigory-semenov",
        "mikhail-diterikhs",
        "ivan-kalmykov",
    ]
    assert "john-ward" in side_2 and "william-s-graves" in side_2 and "leon-trotsky" in side_1
    kia = facts(result, "describedAs", "ivan-kalmykov")
    assert [(s.quote, f.object) for s, f in kia] == [("Ivan KalmykovKIA", "killed in action")]
    mp = facts(result, "title", "john-ward")
    assert [(s.quote, f.object) for s, f in mp] == [("John Ward MP", "MP")]


def test_the_national_strengths_add_up_to_154983_beside_a_stated_total(result):
    strengths = objects(result, "strength", SIDE_2)
    national = [q for q in strengths if q.of is not None]
    assert [q.count for q in national] == [70000, 50000, 15000, 8763, 2364, 2364, 4192, 2300]
    assert sum(q.count for q in national) == 154983
    assert [q.of for q in national] == [
        "japan",
        "czechoslovakia",
        "poland",
        "united-states",
        "france",
        "united-kingdom",
        "canada",
        "china",
    ]
    assert national[0] == Quantity("Strength", 70000, of="japan", counted_as="Japanese")
    total = [q for q in strengths if q.of is None]
    assert total == [Quantity("Strength", 150000, qualifier="moreThan", counted_as="Total")]
    quoted = {s.quote for s, f in facts(result, "strength", SIDE_2)}
    assert "70,000 Japanese" in quoted and "Total:, ~ More than 150,000" in quoted
    assert objects(result, "strength", SIDE_1) == [Quantity("Strength", 600000)]


def test_casualties_keep_their_words_and_leave_the_unknown_owner_unset(result):
    side_2 = objects(result, "casualties", SIDE_2)
    assert side_2[0] == Quantity("Casualties", None, qualifier="unknownCount")
    assert [(q.count, q.counted_as) for q in side_2[1:]] == [
        (5000, "dead from combat and disease"),
        (48, "killed"),
        (48, "killed"),
        (33, "killed"),
        (19, "killed"),
    ]
    assert [q.of for q in side_2] == [None] * 6
    assert all("flag icons" in (f.note or "") for _, f in facts(result, "casualties", SIDE_2))
    killed_48 = [s.start for s, f in facts(result, "casualties", SIDE_2) if f.object.count == 48]
    assert len(set(killed_48)) == 2  # two figures, quoted at their own offsets
    side_1 = facts(result, "casualties", SIDE_1)
    assert [(f.object.count, f.object.counted_as) for _, f in side_1] == [
        (7791, None),
        (698, "killed/missing"),
        (2189, "died of disease"),
        (1421, "wounded"),
        (3482, "evacuated sick/frostbitten"),
    ]
    notes = [f.note or "" for _, f in side_1]
    assert len(notes) == 5 and all("(Jan-June 1922 only)" in n for n in notes)
    assert "total" in notes[0]


def test_no_rendering_artefact_reaches_a_label_or_value(result, registry):
    values = [e.label for e in result.entities]
    for decl in result.entities:
        registry.add(decl)
    for _, fact in facts(result):
        if isinstance(fact.object, str):
            values.append(fact.object)
        elif isinstance(fact.object, Ref):
            values.append(registry.get(fact.object.id).label)
        elif fact.object.counted_as:
            values.append(fact.object.counted_as)
    assert len(values) > 60
    bad = [v for v in values if "KIA" in v or v.endswith(" MP") or "*" in v or v != v.strip()]
    assert bad == []


def test_an_infobox_name_missing_from_the_registry_is_an_error_naming_its_line(record, registry):
    broken = replace(record, text=record.text.replace("Bogd Khan", "Bogd Xan"))
    with pytest.raises(DataError, match=r"wikipedia-siberian-intervention\.txt:12: .*'Bogd Xan'"):
        wikipedia.load(broken, registry)


def test_an_unknown_demonym_is_an_error(record, registry):
    broken = replace(record, text=record.text.replace("15,000 Poles", "15,000 Martians"))
    with pytest.raises(DataError, match="demonym 'Martians'"):
        wikipedia.load(broken, registry)


def test_sentences_cover_paragraphs_lists_and_infobox_lines(record, result):
    text = record.text
    found = [text[s.start : s.end] for s in result.sentences]
    assert "Conflict: Siberian intervention" in found
    assert "to help the Czechoslovak Legion in Russia and return it to the fighting" in found
    assert "North Russia intervention" in found
    assert (
        "This unit, the first Entente land force to reach Vladivostok, landed on 3 August 1918."
        in found
    )
    aka = [s for s in found if "a.k.a." in s]
    assert len(aka) == 1 and aka[0].startswith("In July 1918") and aka[0].endswith("Siberia.")
    elmsley = [s for s in found if "James H. Elmsley" in s and "Canadian Siberian" in s]
    assert elmsley and elmsley[0].startswith("The Canadian Siberian Expeditionary Force")
    assert not any(s.endswith((" H.", " S.", " U.S.", "a.k.a.")) for s in found)
    assert not any(s.startswith(("= ", "==", "Infobox")) for s in found)
    assert len(found) == 136


def test_loading_twice_gives_the_same_result(record, registry, result):
    again = wikipedia.load(record, registry)
    assert again == result
