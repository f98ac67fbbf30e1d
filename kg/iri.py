"""Minting IRIs, deterministically, under a configurable base.

Every IRI is a pure function of its content, so two builds of the same input give byte-identical
exports and an entity keeps its IRI across builds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from rdflib import URIRef

from kg.facts import SOURCE_PREFIX


def digest(*parts: object) -> str:
    """A short stable hash of the parts (12 hex digits of SHA-1)."""
    joined = "\x1f".join(repr(p) for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Minter:
    """IRIs for every kind of node, under ``base`` (which ends with a slash)."""

    base: str

    def entity(self, entity_id: str) -> URIRef:
        if entity_id.startswith(SOURCE_PREFIX):
            return self.source(entity_id[len(SOURCE_PREFIX) :])
        return URIRef(f"{self.base}id/{entity_id}")

    def source(self, source_id: str) -> URIRef:
        return URIRef(f"{self.base}source/{source_id}")

    def graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/{name}")

    def claim(self, source_id: str, *parts: object) -> URIRef:
        return URIRef(f"{self.base}claim/{source_id}-{digest(source_id, *parts)}")

    def anchor(self, source_id: str, start: int, end: int) -> URIRef:
        return URIRef(f"{self.base}anchor/{source_id}/{start}-{end}")

    def quantity(self, *parts: object) -> URIRef:
        return URIRef(f"{self.base}quantity/{digest(*parts)}")

    def section(self, source_id: str, order: int) -> URIRef:
        return URIRef(f"{self.base}section/{source_id}/{order}")

    def sentence(self, source_id: str, order: int) -> URIRef:
        return URIRef(f"{self.base}sentence/{source_id}/{order}")


def normalise_base(base: str) -> str:
    """A base IRI ending with '/' or '#'."""
    return base if base.endswith(("/", "#")) else base + "/"
