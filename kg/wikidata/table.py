"""The link table: one row per (entity, Wikidata item) judgement, kept as reviewable CSV.

Only ``accepted`` rows become ``skos:exactMatch``; ``unverified`` rows stay visible under a weaker
property; ``rejected`` rows keep the reconciler from proposing the same item again; ``no-item``
records that an entity is a grouping made for this graph, which Wikidata has no item for, so it
does not count as linkable.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path

from kg.errors import DataError

STATUSES = ("accepted", "unverified", "rejected", "no-item")
METHODS = ("evidence", "reconciler", "review")
QID = re.compile(r"Q[1-9][0-9]*")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")  # the lexical space of xsd:decimal


@dataclass(frozen=True)
class Link:
    """One judgement about an entity and a Wikidata item (or the lack of one)."""

    entity: str
    qid: str
    status: str
    wikidata_label: str = ""
    wikidata_description: str = ""
    score: str = ""
    method: str = "review"
    justification: str = ""
    checked: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.entity, self.qid


COLUMNS = tuple(f.name for f in fields(Link))


def _order(link: Link) -> tuple[str, str, str]:
    return link.entity, link.status, link.qid


class LinkTable:
    """The rows of ``data/links/wikidata.csv``, checked, in entity order.

    Two rules hold whenever a row is put, so a table in memory can always be written and read
    back: an entity has at most one accepted item, and an item is accepted for at most one entity
    (two entities accepted as the same item would merge them for every joined query).
    """

    def __init__(self, links: Iterable[Link] = ()) -> None:
        self._links: dict[tuple[str, str], Link] = {}
        self._by_entity: dict[str, dict[str, Link]] = {}  # entity -> qid -> row
        self._owners: dict[str, str] = {}  # qid -> the entity it is accepted for
        for link in links:
            self.put(link)

    def __iter__(self):
        return iter(sorted(self._links.values(), key=_order))

    def __len__(self) -> int:
        return len(self._links)

    def for_entity(self, entity: str) -> list[Link]:
        return sorted(self._by_entity.get(entity, {}).values(), key=_order)

    def accepted(self, entity: str) -> Link | None:
        rows = self._by_entity.get(entity, {}).values()
        return next((x for x in rows if x.status == "accepted"), None)

    def owner(self, qid: str) -> str | None:
        """The entity ``qid`` is accepted for, or None."""
        return self._owners.get(qid)

    def with_status(self, status: str) -> list[Link]:
        return [link for link in self if link.status == status]

    def put(self, link: Link) -> None:
        """Add or replace the row for (entity, qid); one accepted item per entity and vice versa."""
        if link.status == "accepted":
            other = self.accepted(link.entity)
            if other is not None and other.qid != link.qid:
                raise DataError(
                    f"entity '{link.entity}' would have two accepted items: "
                    f"{other.qid} and {link.qid}"
                )
            owner = self.owner(link.qid)
            if owner is not None and owner != link.entity:
                raise DataError(f"{link.qid} is accepted for both '{owner}' and '{link.entity}'")
        replaced = self._links.get(link.key)
        if replaced is not None and replaced.status == "accepted":
            del self._owners[replaced.qid]
        self._links[link.key] = link
        self._by_entity.setdefault(link.entity, {})[link.qid] = link
        if link.status == "accepted":
            self._owners[link.qid] = link.entity

    def get(self, entity: str, qid: str) -> Link | None:
        return self._links.get((entity, qid))

    # -- reading and writing ------------------------------------------------------------------
    @classmethod
    def read(cls, path: Path, entities: set[str] | None = None) -> LinkTable:
        """Read and check a table; a missing file is an empty table."""
        if not path.is_file():
            return cls()
        with open(path, encoding="utf-8", newline="") as handle:
            return cls.parse(handle.read(), str(path), entities)

    @classmethod
    def parse(cls, text: str, display: str, entities: set[str] | None = None) -> LinkTable:
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in ("entity", "qid", "status") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{display}: header needs the columns {', '.join(missing)}")
        unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
        if unknown:
            raise DataError(f"{display}: unknown columns {', '.join(unknown)}")
        columns = [c for c in COLUMNS if c in reader.fieldnames]
        table = cls()
        for line, row in enumerate(reader, start=2):
            where = f"{display}:{line}"
            # a column the file leaves out keeps the Link default (``method`` is "review")
            values = {k: (row.get(k) or "").strip() for k in columns}
            link = Link(**values)
            _check(link, where, entities)
            if table.get(link.entity, link.qid) is not None:
                raise DataError(f"{where}: a second row for '{link.entity}' and {link.qid}")
            try:
                table.put(link)
            except DataError as err:
                raise DataError(f"{where}: {err}") from None
        return table

    def dumps(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for link in self:
            writer.writerow(asdict(link))
        return out.getvalue()

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.dumps(), encoding="utf-8")


def _check(link: Link, where: str, entities: set[str] | None) -> None:
    if not link.entity:
        raise DataError(f"{where}: the row names no entity")
    if entities is not None and link.entity not in entities:
        raise DataError(f"{where}: no entity '{link.entity}' in data/entities or the loaders")
    if link.status not in STATUSES:
        raise DataError(f"{where}: status {link.status!r} is not one of {', '.join(STATUSES)}")
    if link.status == "no-item":
        if link.qid:
            raise DataError(f"{where}: a no-item row names no QID (found {link.qid})")
    elif not QID.fullmatch(link.qid):
        raise DataError(f"{where}: {link.qid!r} is not a Wikidata item id (Q followed by digits)")
    if link.method not in METHODS:
        raise DataError(f"{where}: method {link.method!r} is not one of {', '.join(METHODS)}")
    if link.status == "accepted" and not link.justification:
        raise DataError(
            f"{where}: accepted link {link.entity} -> {link.qid} needs a justification "
            "(the source that states the id)"
        )
    if link.checked:  # written as an xsd:date
        if not DATE.fullmatch(link.checked):
            raise DataError(f"{where}: checked date {link.checked!r} is not YYYY-MM-DD")
        try:
            date.fromisoformat(link.checked)
        except ValueError as err:
            raise DataError(
                f"{where}: checked date {link.checked!r} is not a date ({err})"
            ) from None
    if link.score:  # written as an xsd:decimal
        if not DECIMAL.fullmatch(link.score):
            raise DataError(
                f"{where}: score {link.score!r} is not a number written as a decimal (0.85)"
            )
        if not 0 <= Decimal(link.score) <= 1:
            raise DataError(f"{where}: score {link.score} is not between 0 and 1")
