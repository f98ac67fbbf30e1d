"""Content negotiation as pure functions: Accept headers and ``format`` parameters to media types.

SELECT and ASK answers and CONSTRUCT and DESCRIBE graphs have different format sets, and the query
form is only known once the query is parsed, so both preference lists are computed up front and the
worker picks the one that fits.
"""

from __future__ import annotations

RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
)
# Names accepted by the ``format`` parameter, for results and for graphs.
FORMAT_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "srj": ("application/sparql-results+json", None),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "srx": ("application/sparql-results+xml", None),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
    "trig": (None, "application/trig"),
    "nquads": (None, "application/n-quads"),
    "nq": (None, "application/n-quads"),
}
# Media types that clients send as synonyms.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/x-trig": "application/trig",
    "text/n3": "text/turtle",
}


class NotAcceptableError(ValueError):
    pass


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        ranges.append((position, media, q))
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(media, q) for _, media, q in ranges]


def _matches(media_range: str, media: str) -> bool:
    if media_range == "*/*":
        return True
    if media_range.endswith("/*"):
        return media.startswith(media_range[:-1])
    return ALIASES.get(media_range, media_range) == media


def acceptable(header: str | None, offered: tuple[str, ...]) -> list[str]:
    """The offered types the Accept header allows, best first; the server's order breaks ties."""
    ranges = parse_accept(header)
    scored = []
    for index, media in enumerate(offered):
        best = None
        for rank, (media_range, q) in enumerate(ranges):
            if q > 0 and _matches(media_range, media):
                # exact matches beat wildcards of the same q
                wildcard = media_range == "*/*"
                specificity = 0 if wildcard else (1 if media_range.endswith("/*") else 2)
                key = (-q, -specificity, rank, index)
                best = key if best is None or key < best else best
        if best is not None and not any(
            q == 0 and _matches(r, media) and r != "*/*" for r, q in ranges
        ):
            scored.append((best, media))
    return [media for _, media in sorted(scored)]


def choose(accept: str | None, format_param: str | None) -> tuple[list[str], list[str]]:
    """(result types, graph types) acceptable for this request; ``format`` overrides Accept."""
    if format_param:
        name = format_param.strip().lower()
        if name in FORMAT_NAMES:
            result, graph = FORMAT_NAMES[name]
            return ([result] if result else [], [graph] if graph else [])
        media = ALIASES.get(name, name)
        if media in RESULT_TYPES or media in GRAPH_TYPES:
            results = [media] if media in RESULT_TYPES else []
            return results, [media] if media in GRAPH_TYPES else []
        raise NotAcceptableError(f"unknown format {format_param!r}")
    return acceptable(accept, RESULT_TYPES), acceptable(accept, GRAPH_TYPES)
