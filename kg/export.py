"""Deterministic serialisation of the built dataset in every supported RDF format.

Two builds of the same input must give byte-identical files, whatever order rdflib's stores
return triples in, so every export re-inserts its triples in sorted order into a fresh graph
before serialising, and line-based formats are sorted line by line.
"""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef

from kg.vocab import prefixes

# format name -> (rdflib serializer, keeps named graphs)
FORMATS: dict[str, tuple[str, bool]] = {
    "turtle": ("turtle", False),
    "ntriples": ("nt", False),
    "jsonld": ("json-ld", False),
    "xml": ("xml", False),
    "trig": ("trig", True),
    "nquads": ("nquads", True),
}
EXTENSIONS = {
    "turtle": ".ttl",
    "ntriples": ".nt",
    "jsonld": ".jsonld",
    "xml": ".rdf",
    "trig": ".trig",
    "nquads": ".nq",
}


def _bound(graph: Graph, base: str) -> Graph:
    for prefix, namespace in prefixes(base).items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def _sorted_graph(triples, base: str, identifier: URIRef | None = None) -> Graph:
    graph = _bound(Graph(identifier=identifier, bind_namespaces="core"), base)
    for triple in sorted(set(triples)):
        graph.add(triple)
    return graph


def union(dataset: Dataset, exclude: set[URIRef] = frozenset()) -> Graph:
    """The triples of every named graph of ``dataset`` except those excluded."""
    graph = Graph()
    for context in dataset.graphs():
        if context.identifier in exclude:
            continue
        for triple in context:
            graph.add(triple)
    return graph


def _graphs_in_order(data: Dataset, names: list[URIRef], serializer: str, base: str) -> bytes:
    """The named graphs serialised one by one, in the order of ``names``, under one prologue.

    rdflib writes a dataset's graphs in the order of a set of their names, which changes from
    one process to the next (string hashing is seeded per process), so the same build gave files
    with the same lines in another order.
    """
    prologue: list[str] = []
    blocks: list[str] = []
    for name in names:
        single = _bound(Dataset(), base)
        target = single.graph(name)
        for triple in sorted(set(data.graph(name))):
            target.add(triple)
        lines = single.serialize(format=serializer).splitlines()
        start = 0
        while start < len(lines) and (lines[start].startswith("@prefix") or not lines[start]):
            if lines[start] and lines[start] not in prologue:
                prologue.append(lines[start])
            start += 1
        blocks.append("\n".join(lines[start:]).strip("\n"))
    if not blocks:
        return b""
    head = "\n".join(sorted(prologue)) + "\n\n" if prologue else ""
    return (head + "\n\n".join(blocks) + "\n").encode("utf-8")


def serialise(
    data: Dataset | Graph, fmt: str, base: str, exclude: set[URIRef] = frozenset()
) -> bytes:
    """The data in format ``fmt`` (a key of FORMATS), deterministically ordered."""
    serializer, quads = FORMATS[fmt]
    if quads:
        if not isinstance(data, Dataset):
            raise ValueError(f"{fmt} needs a dataset with named graphs")
        names = sorted(
            c.identifier
            for c in data.graphs()
            if c.identifier not in exclude and len(c) and isinstance(c.identifier, URIRef)
        )
        text = _graphs_in_order(data, names, serializer, base)
    else:
        triples = union(data, exclude) if isinstance(data, Dataset) else data
        text = _sorted_graph(triples, base).serialize(format=serializer, encoding="utf-8")
    if serializer in ("nt", "nquads"):
        lines = sorted(line for line in text.decode("utf-8").splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8")
    return text
