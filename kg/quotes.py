"""Re-checking every quote of a built graph against the source texts.

The build anchors quotes as it writes them; this check runs over any graph (an export edited by
hand, a graph pushed elsewhere and pulled back) so a quote that no longer matches its text is
reported by source and quote.
"""

from __future__ import annotations

from rdflib import RDF, Dataset

from kg.iri import Minter
from kg.model import SourceRecord
from kg.vocab import OA, SIKG


def check_quotes(dataset: Dataset, records: list[SourceRecord], base: str) -> list[str]:
    """One message per quote anchor whose ``oa:exact`` is not at its offsets in its source."""
    minter = Minter(base)
    texts = {minter.source(r.id): (r.id, r.text) for r in records}
    problems = []
    for anchor in sorted(set(dataset.subjects(RDF.type, SIKG.QuoteAnchor))):
        source = dataset.value(anchor, SIKG.inSource)
        exact = dataset.value(anchor, OA.exact)
        start = dataset.value(anchor, OA.start)
        end = dataset.value(anchor, OA.end)
        if source not in texts or exact is None or start is None or end is None:
            problems.append(f"{anchor}: quote anchor without a known source, quote or offsets")
            continue
        source_id, text = texts[source]
        begin, stop = int(start), int(end)
        if text[begin:stop] != str(exact):
            problems.append(
                f"source '{source_id}': quote {str(exact)!r} not found verbatim at {begin}-{stop} "
                f"(the text there reads {text[begin:stop]!r})"
            )
    return problems
