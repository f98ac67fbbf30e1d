"""Counting what the graph holds: triples per named graph, entities per class, claims per source."""

from __future__ import annotations

from rdflib import Dataset

from kg.vocab import prefixes

_QUERY_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {
  GRAPH ?g { ?e a ?class } FILTER(STRENDS(STR(?g), "/graph/registry"))
} GROUP BY ?class ORDER BY ?class
"""
_QUERY_CLAIMS = """
SELECT ?source (COUNT(?c) AS ?n) WHERE {
  ?c a sikg:Claim ; sikg:statedIn ?doc . ?doc skos:notation ?source
} GROUP BY ?source ORDER BY ?source
"""
_QUERY_METHODS = """
SELECT ?method (COUNT(?c) AS ?n) WHERE { ?c a sikg:Claim ; sikg:method ?method }
GROUP BY ?method ORDER BY ?method
"""


def compute_stats(dataset: Dataset, base: str) -> dict:
    """Counts as plain data (for ``kg stats`` and the README)."""
    ns = prefixes(base)
    sikg = ns["sikg"]

    def local(term) -> str:
        return str(term).removeprefix(sikg)

    graphs = {
        str(c.identifier).removeprefix(f"{base}graph/"): len(c) for c in dataset.graphs() if len(c)
    }
    classes = {local(r[0]): int(r[1]) for r in dataset.query(_QUERY_CLASSES, initNs=ns)}
    claims = {str(r[0]): int(r[1]) for r in dataset.query(_QUERY_CLAIMS, initNs=ns)}
    methods = {local(r[0]): int(r[1]) for r in dataset.query(_QUERY_METHODS, initNs=ns)}
    return {
        "quads": len(dataset),
        "triples_per_graph": dict(sorted(graphs.items())),
        "entities_per_class": classes,
        "claims_per_source": claims,
        "claims_per_method": methods,
    }


def render_stats(stats: dict) -> str:
    lines = [f"quads: {stats['quads']}"]
    for title, key in (
        ("triples per named graph", "triples_per_graph"),
        ("entities per class", "entities_per_class"),
        ("claims per source", "claims_per_source"),
        ("claims per method", "claims_per_method"),
    ):
        lines.append(f"{title}:")
        lines.extend(f"  {name:<28} {count:>7}" for name, count in stats[key].items())
    return "\n".join(lines)
