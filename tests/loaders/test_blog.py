"""The blog loader: title, byline and sentences."""

from __future__ import annotations

import pytest

from kg.model import Ref
from loaders import blog


@pytest.fixture
def record(read_record):
    return read_record("blog")


@pytest.fixture
def result(record, registry):
    return blog.load(record, registry)


def test_every_quote_is_verbatim_at_its_offset_and_every_fact_well_formed(
    record, result, check_result
):
    check_result(record, result)


def test_the_byline_gives_author_and_posting_date(result):
    [byline] = [s for s in result.statements if s.method == "BylineRule"]
    assert byline.quote == "Ed - July 6, 2016"
    assert {(f.subject, f.predicate, f.object) for f in byline.facts} == {
        ("source-blog", "author", Ref("ed")),
        ("source-blog", "publicationDate", "2016-07-06"),
    }
    assert result.entities == []  # "Ed" is in the registry


def test_the_title_line_is_the_work_title_and_the_one_section(record, result):
    title = "This Day In History: The Czech Legion Seized Vladivostok (1918)"
    [heading] = [s for s in result.statements if s.method == "HeadingRule"]
    assert (heading.quote, heading.start, heading.facts[0].object) == (title, 0, title)
    assert [(s.heading, s.level, s.start, s.end) for s in result.sections] == [
        (title, 1, 0, len(record.text))
    ]


def test_sentences_include_the_byline_and_the_caption(record, result):
    found = [record.text[s.start : s.end] for s in result.sentences]
    assert found[0] == "Ed - July 6, 2016"
    assert "The ceremony honoring the Czech Legion" in found
    assert found[1].startswith("On July 6, 1918, troops of the Czech Legion")
    assert found[1].endswith("seized the port of Vladivostok.")
    assert found[-1].endswith("independence of Czechoslovakia.")
    assert len(found) == 24
