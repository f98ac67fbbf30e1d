"""``kg link --report``: links accepted per class out of the linkable entities, and what is open.

An entity is linkable when its class is (``data/links/types.yaml``) and the table does not record
it as a grouping Wikidata has no item for (``no-item``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.model import EntityDecl
from kg.wikidata.table import Link, LinkTable


@dataclass
class Coverage:
    linkable: Counter = field(default_factory=Counter)
    accepted: Counter = field(default_factory=Counter)
    unverified: list[Link] = field(default_factory=list)
    unlinked: list[EntityDecl] = field(default_factory=list)  # linkable, with no candidate at all
    no_item: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "classes": {
                cls: {"accepted": self.accepted[cls], "linkable": self.linkable[cls]}
                for cls in sorted(self.linkable)
            },
            "accepted": sum(self.accepted.values()),
            "linkable": sum(self.linkable.values()),
            "no_item": sum(self.no_item.values()),
            "unverified": [
                {
                    "entity": x.entity,
                    "qid": x.qid,
                    "label": x.wikidata_label,
                    "justification": x.justification,
                }
                for x in self.unverified
            ],
            "unlinked": [e.id for e in self.unlinked],
        }


def coverage(
    entities: Iterable[EntityDecl], table: LinkTable, linkable: frozenset[str]
) -> Coverage:
    result = Coverage()
    for entity in entities:
        if entity.cls not in linkable:
            continue
        rows = table.for_entity(entity.id)
        statuses = {x.status for x in rows}
        if "no-item" in statuses:
            result.no_item[entity.cls] += 1
            continue
        result.linkable[entity.cls] += 1
        if "accepted" in statuses:
            result.accepted[entity.cls] += 1
            continue
        open_rows = [x for x in rows if x.status == "unverified"]
        result.unverified.extend(open_rows)
        if not open_rows:
            result.unlinked.append(entity)
    return result


def render(result: Coverage) -> str:
    lines = ["Wikidata links accepted per class (out of linkable entities):", ""]
    width = max((len(c) for c in result.linkable), default=5)
    for cls in sorted(result.linkable):
        lines.append(f"  {cls:<{width}}  {result.accepted[cls]:>3} / {result.linkable[cls]:<3}")
    total_a, total_l = sum(result.accepted.values()), sum(result.linkable.values())
    lines.append(f"  {'all':<{width}}  {total_a:>3} / {total_l:<3}")
    lines.append(
        f"\n{sum(result.no_item.values())} more entities are groupings with no Wikidata item "
        "(status no-item)."
    )
    lines.append(
        f"\nUnverified candidates ({len(result.unverified)}), never exactMatch until reviewed:"
    )
    for link in result.unverified:
        label = f" {link.wikidata_label}" if link.wikidata_label else ""
        lines.append(f"  {link.entity}: {link.qid}{label} ({link.method})")
    lines.append(f"\nLinkable entities with no candidate yet ({len(result.unlinked)}):")
    for entity in result.unlinked:
        lines.append(f"  {entity.id} ({entity.cls}): {entity.label}")
    return "\n".join(lines)
