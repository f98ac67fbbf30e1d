"""Anchoring quotes in their source text (W3C Web Annotation text selectors).

Offsets are Unicode code points, i.e. Python ``str`` indices, start inclusive and end exclusive.
A quote is only accepted at a position where the text says exactly that; the same check runs again
over a built graph, so an edited source or an edited graph is caught too.
"""

from __future__ import annotations

from kg.errors import QuoteError

CONTEXT = 32  # characters of prefix and suffix kept beside each quote


def locate(text: str, quote: str, start: int | None, *, source: str, where: str) -> int:
    """Where ``quote`` is in ``text``: checked at ``start`` if given, else it must be unique."""
    if not quote:
        raise QuoteError(f"{where}: empty quote for source '{source}'")
    if start is not None:
        check(text, quote, start, source=source, where=where)
        return start
    first = text.find(quote)
    if first < 0:
        raise QuoteError(f"{where}: quote not found verbatim in source '{source}': {quote!r}")
    second = text.find(quote, first + 1)
    if second >= 0:
        offsets = [first, second]
        nxt = text.find(quote, second + 1)
        while nxt >= 0:
            offsets.append(nxt)
            nxt = text.find(quote, nxt + 1)
        raise QuoteError(
            f"{where}: quote occurs {len(offsets)} times in source '{source}' "
            f"(at {', '.join(map(str, offsets))}); give 'start' to choose one: {quote!r}"
        )
    return first


def check(text: str, quote: str, start: int, *, source: str, where: str) -> None:
    """Raise QuoteError unless ``text[start:start+len(quote)] == quote``."""
    if start < 0 or text[start : start + len(quote)] != quote:
        found = text[max(start, 0) : max(start, 0) + len(quote)]
        raise QuoteError(
            f"{where}: quote not found verbatim at {start} in source '{source}': {quote!r} "
            f"(the text there reads {found!r})"
        )


def context(text: str, start: int, end: int) -> tuple[str, str]:
    """The prefix and suffix around a span, for an ``oa:TextQuoteSelector``."""
    return text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT]
