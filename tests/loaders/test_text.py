"""The shared base: sentence splitting, markup, slugs, dates and numbers."""

from __future__ import annotations

import pytest

from kg.errors import DataError
from kg.model import EntityDecl, Fact, SourceRecord, Span
from kg.registry import Registry
from loaders.text import (
    Collector,
    clean_markup,
    dates_and_numbers,
    forename_first,
    join_broken_paragraphs,
    lines,
    paragraphs,
    sections_from_headings,
    slug,
    split_sentences,
)


def sentences_of(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text, 0, len(text))]


def test_sentences_end_at_full_stops_followed_by_a_capital():
    text = 'He left. She stayed! Did they? "Yes." (Quite.) 3 men came.'
    assert sentences_of(text) == [
        "He left.",
        "She stayed!",
        "Did they?",
        '"Yes."',
        "(Quite.)",
        "3 men came.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. Army sent troops to Vladivostok.",
        "Negotiations with F.E.R. Delegates failed.",
        "They were commanded by Lt. Col. Ward from the start.",
        "Major General William S. Graves arrived in September.",
        "R. von Ungern-Sternberg led the Asiatic Cavalry Division.",
        "The expedition (a.k.a. The Polar Bear Expedition) went north.",
        "Robert L. Eichelberger and James H. Elmsley served there.",
    ],
)
def test_abbreviations_and_initials_do_not_end_a_sentence(text):
    assert sentences_of(text) == [text]


def test_a_sentence_after_an_initialism_in_a_link_still_splits():
    text = "from the [U.S.](#) and [Japan](#) land in Vladivostok. While the majority came."
    assert sentences_of(text) == [
        "from the [U.S.](#) and [Japan](#) land in Vladivostok.",
        "While the majority came.",
    ]


def test_a_layout_break_inside_a_sentence_is_joined_and_kept_in_the_span():
    text = "Stores awaiting shipment along the\n\nTrans-Siberian Railway were at risk. Next one.\n"
    units = join_broken_paragraphs(text, paragraphs(text))
    assert len(units) == 1
    found = [text[s.start : s.end] for s in split_sentences(text, units[0].start, units[0].end)]
    assert found == [
        "Stores awaiting shipment along the\n\nTrans-Siberian Railway were at risk.",
        "Next one.",
    ]


def test_paragraphs_ending_in_punctuation_are_not_joined():
    text = "A full sentence.\n\nAnother one.\n\n[1 Origins](#)\n\n[2 Allied](#)"
    assert len(join_broken_paragraphs(text, paragraphs(text))) == 4


def test_lines_keep_offsets_and_drop_line_breaks():
    text = "one\r\ntwo\n\nthree"
    assert [(ln.start, ln.end, ln.text) for ln in lines(text)] == [
        (0, 3, "one"),
        (5, 8, "two"),
        (9, 9, ""),
        (10, 15, "three"),
    ]


def test_sections_run_to_the_next_heading_of_the_same_or_a_higher_level():
    heads = [("Title", 1, 0), ("A", 2, 10), ("A.1", 3, 20), ("B", 2, 30)]
    sections = sections_from_headings(heads, 40)
    assert [(s.heading, s.level, s.start, s.end) for s in sections] == [
        ("Title", 1, 0, 40),
        ("A", 2, 10, 30),
        ("A.1", 3, 20, 30),
        ("B", 2, 30, 40),
    ]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("[Woodrow Wilson \\(1856-1924\\)](#)", "Woodrow Wilson (1856-1924)"),
        ("\\*\\*The far eastern republic of Siberia\\*\\*", "The far eastern republic of Siberia"),
        ("Siberian\\*](#)\n\n**Intervention**)", "Siberian Intervention)"),
        ("[Intervention \\[1918-1920\\]](#)", "Intervention [1918-1920]"),
        ("[Making](#)\n\n[Sense of the War \\(Japan\\)](#)", "Making Sense of the War (Japan)"),
    ],
)
def test_markup_is_cleaned_from_values(raw, clean):
    assert clean_markup(raw) == clean


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Henry Kittredge Norton", "henry-kittredge-norton"),
        ("The far eastern republic of Siberia", "the-far-eastern-republic-of-siberia"),
        ("William S. Graves", "william-s-graves"),
        ("Jukums Vācietis", "jukums-vacietis"),
        ("Freie Universität Berlin", "freie-universitat-berlin"),
        ("Allen & Unwin", "allen-unwin"),
        ("Russia's Far Eastern Republic", "russias-far-eastern-republic"),
        ("U.S. Department of Defense", "us-department-of-defense"),
        ("Štefánik, Milan Rastislav", "stefanik-milan-rastislav"),
    ],
)
def test_slugs_are_ascii_kebab_case(label, expected):
    assert slug(label) == expected


def test_surname_first_names_are_turned_round():
    assert forename_first("Norton, Henry Kittredge") == "Henry Kittredge Norton"
    assert forename_first("Smith, Canfield F.") == "Canfield F. Smith"
    assert forename_first("Paul Dunscomb") is None


@pytest.mark.parametrize(
    ("sentence", "dates", "numbers"),
    [
        ("landed on 3 August 1918.", ["1918-08-03"], []),
        ("The joint Allied intervention began in August 1918.", ["1918-08"], []),
        ("In 1917, Thomas Masaryk began asking.", ["1917"], []),
        ("until September 4, 1918, the first", ["1918-09-04"], []),
        ("between August 15 and August 21, 1918.", ["1918-08-15", "1918-08-21"], []),
        ("between 14 and 24 August 1918.", ["1918-08-14", "1918-08-24"], []),
        ("returned between April and June 1919.", ["1919-04", "1919-06"], []),
        ("The first landing was on 3 August.", [], []),
        ("between 23 and 25 August.", [], []),
        ("On July 7 day, more Czech troops", [], []),
        ("more than 70,000 Japanese troops", [], [70000]),
        ("Composed of 4,192 soldiers", [], [4192]),
        ("the 12,000-mile journey was not completed until 6 May.", [], [12000]),
        ("in excess of 900 million yen.", [], [900_000_000]),
        ("the 1/9th (Cyclist) Battalion and the 27th Infantry", [], []),
        ("the Right of Supreme Command (established in the 1880s)", [], []),
        ("On 12 January 1920, 12 members were captured", ["1920-01-12"], [12]),
        ("Berlin 2018-10-24. DOI: [10.15463/ie1418.11306](#)", ["2018-10-24"], []),
        ("[Woodrow Wilson \\(1856-1924\\)](#)", ["1856", "1924"], []),
        (
            "Casualties1: 7,791, 698 killed/missing, (Jan-June 1922 only)",
            ["1922-01", "1922-06"],
            [7791, 698],
        ),
        ("31 June 1918 is no date", [], []),
    ],
)
def test_dates_and_numbers_keep_the_written_precision(sentence, dates, numbers):
    found = dates_and_numbers(sentence)
    assert (found.dates, found.numbers) == (dates, numbers)
    assert found == (dates, numbers)  # unpacks as the graph writer expects


def _collector(text: str) -> Collector:
    registry = Registry()
    registry.add(EntityDecl("woodrow-wilson", "Person", "Woodrow Wilson", origin="test"))
    registry.add(
        EntityDecl("keyword-woodrow-wilson", "SubjectHeading", "Woodrow Wilson", origin="t")
    )
    registry.add(EntityDecl("japan", "State", "Japan", origin="test"))
    return Collector(SourceRecord("t", "t.txt", "t", text), registry, "test")


def test_resolution_looks_past_a_heading_with_the_same_label():
    out = _collector("")
    assert out.resolve("Woodrow Wilson") == "woodrow-wilson"
    assert out.resolve("Woodrow Wilson", classes=frozenset({"SubjectHeading"})) == (
        "keyword-woodrow-wilson"
    )


def test_entities_are_resolved_before_they_are_minted():
    out = _collector("")
    assert out.entity("Wilson, Woodrow", "Person", "r", aliases=["Woodrow Wilson"]) == (
        "woodrow-wilson"
    )
    assert out.entity("Henry Kittredge Norton", "Person", "r", aliases=["Norton, Henry Kittredge"])
    assert [e.id for e in out.entities] == ["henry-kittredge-norton"]
    assert out.entities[0].aliases == ("Norton, Henry Kittredge",)
    # a heading labelled "Japan" gets its own id, never the state's
    assert out.mint("Japan", "SubjectHeading", "r", id_prefix="regional-section") == (
        "regional-section-japan"
    )
    with pytest.raises(DataError, match="registry has it as a State"):
        out.mint("Japan", "SubjectHeading", "r")


def test_a_statement_must_quote_a_trimmed_stretch_of_the_text():
    out = _collector("Paul Dunscomb, University of Alaska Anchorage\n")
    statement = out.state(Span(0, 13), [Fact("source-t", "workTitle", "x")], "HeadingRule", "r")
    assert statement is not None and statement.quote == "Paul Dunscomb"
    assert statement.origin == "loaders/test.py:r"
    with pytest.raises(DataError):
        out.state(Span(0, 5), [Fact("source-t", "workTitle", "x")], "HeadingRule", "r")
    assert out.state(Span(0, 13), [], "HeadingRule", "r") is None
