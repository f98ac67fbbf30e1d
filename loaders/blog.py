"""Loader for a blog post saved as plain text: a title line, a byline "Author - Month D, YYYY",
then paragraphs (an image caption is a paragraph of its own, and is kept as a sentence).

The post has no headings below its title, so the title's section is the whole text.
"""

from __future__ import annotations

import re

from kg.model import Fact, LoadResult, Ref, Section, SourceRecord, Span
from kg.registry import Registry
from loaders.text import Collector, dates_and_numbers, paragraphs, split_sentences

MODULE = "blog"
_BYLINE = re.compile(r"(?P<author>[^\n]+?) [-–—] (?P<date>[A-Z][a-z]+ \d{1,2}, \d{4})$")


def load(record: SourceRecord, registry: Registry) -> LoadResult:
    """The title, byline and sentences of a blog post."""
    text = record.text
    out = Collector(record, registry, MODULE)
    blocks = paragraphs(text)
    sections: list[Section] = []
    sentences: list[Span] = []
    if blocks:
        title = blocks[0]
        heading = text[title.start : title.end]
        sections.append(Section(heading, 1, title.start, len(text)))
        out.state(title, [Fact(out.subject, "workTitle", heading)], "HeadingRule", "title")
        blocks = blocks[1:]
    if blocks and _byline(out, blocks[0]):
        sentences.append(blocks[0])
        blocks = blocks[1:]
    for block in blocks:
        sentences.extend(split_sentences(text, block.start, block.end))
    return LoadResult(sections, sentences, out.entities, out.statements)


def _byline(out: Collector, block: Span) -> bool:
    """ "Ed - July 6, 2016": the post's author and publication date; False if not a byline."""
    match = _BYLINE.match(out.record.text, block.start, block.end)
    if not match:
        return False
    found = dates_and_numbers(match.group("date")).dates
    if len(found) != 1:
        return False
    author = out.entity(match.group("author"), "Person", "byline")
    facts = [
        Fact(out.subject, "author", Ref(author)),
        Fact(out.subject, "publicationDate", found[0]),
    ]
    out.state(block, facts, "BylineRule", "byline")
    return True
