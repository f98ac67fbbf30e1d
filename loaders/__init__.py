"""Loaders: one module per source format, each ``load(record, registry) -> LoadResult``."""

from __future__ import annotations


def default_loaders() -> dict:
    """The loader of each format named by a catalogue record's ``loader`` key."""
    from loaders import blog, encyclopedia, wikipedia

    return {"wikipedia": wikipedia.load, "encyclopedia": encyclopedia.load, "blog": blog.load}


def sentence_values():
    """The rule that finds dates and numbers in a sentence (for ``sikg:mentionsDate``)."""
    from loaders.text import dates_and_numbers

    return dates_and_numbers
