"""Cache chosen facts of linked Wikidata items, so pages, map and timeline work offline.

For every accepted link, ``kg link --enrich`` asks the query service for the item's labels in
the languages of the intervention's participants, its coordinates, birth and death dates and
image, and writes them with the retrieval date to ``data/links/wikidata-facts.json``. The build
turns that file into the ``graph/wikidata`` named graph in Wikidata's own truthy form (``wdt:``
properties on ``wd:`` items), so a query reads them as it would read Wikidata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import DataError
from kg.wikidata.client import WikidataClient
from kg.wikidata.table import LinkTable

LANGUAGES = ("en", "ru", "ja", "zh", "fr", "de", "it", "cs", "pl", "uk")
# ItemFacts field -> the Wikidata property it is read from and written as (truthy, kg.vocab.WDT);
# kg.wikidata.links.FACT_DATATYPES says how each value is written.
FACTS = {"coordinates": "P625", "born": "P569", "died": "P570", "image": "P18"}
BATCH = 50


@dataclass
class ItemFacts:
    labels: dict[str, str] = field(default_factory=dict)
    coordinates: str = ""  # WKT, e.g. "Point(131.88 43.12)" (longitude, latitude)
    born: str = ""
    died: str = ""
    image: str = ""


@dataclass
class Facts:
    """The cached facts: where and when they were fetched, and per item what was found."""

    endpoint: str = ""
    retrieved: str = ""
    items: dict[str, ItemFacts] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Facts:
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            items = {q: ItemFacts(**v) for q, v in (data.get("items") or {}).items()}
            return cls(data.get("endpoint", ""), data.get("retrieved", ""), items)
        except (ValueError, TypeError, AttributeError) as err:
            raise DataError(f"{path}: not a Wikidata facts file: {err}") from None

    def write(self, path: Path) -> None:
        data = {
            "endpoint": self.endpoint,
            "retrieved": self.retrieved,
            "items": {q: vars(self.items[q]) for q in sorted(self.items, key=lambda q: int(q[1:]))},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def enrich_query(qids: list[str]) -> str:
    items = " ".join(f"wd:{q}" for q in qids)
    languages = ", ".join(f'"{lang}"' for lang in LANGUAGES)
    label = f"?item rdfs:label ?value . FILTER(LANG(?value) IN ({languages}))"
    unions = [f'{{ {label} BIND("label" AS ?kind) }}']
    unions += [f'{{ ?item wdt:{p} ?value . BIND("{k}" AS ?kind) }}' for k, p in FACTS.items()]
    return (
        "PREFIX wd: <http://www.wikidata.org/entity/>\n"
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        f"SELECT ?item ?kind ?value WHERE {{\n  VALUES ?item {{ {items} }}\n  "
        + "\n  UNION ".join(unions)
        + "\n}"
    )


def enrich(client: WikidataClient, table: LinkTable, retrieved: str) -> Facts:
    """Fetch (or read from the cache) the facts of every accepted item."""
    qids = sorted({x.qid for x in table.with_status("accepted")}, key=lambda q: int(q[1:]))
    facts = Facts(client.config.sparql_url, retrieved)
    for start in range(0, len(qids), BATCH):
        for row in client.select(enrich_query(qids[start : start + BATCH])):
            qid = row.get("item", {}).get("value", "").rsplit("/", 1)[-1]
            kind = row.get("kind", {}).get("value")
            value = row.get("value") or {}
            if qid not in qids:
                continue
            item = facts.items.setdefault(qid, ItemFacts())
            if kind == "label" and value.get("xml:lang"):
                item.labels.setdefault(value["xml:lang"], value.get("value", ""))
            elif kind in FACTS and not getattr(item, kind):
                setattr(item, kind, value.get("value", ""))
    return facts
