"""Fixtures for the Wikidata links: a local stand-in for Wikidata and clients pointed at it."""

from __future__ import annotations

from pathlib import Path

import pytest
from standin import WikidataStandIn

from kg.vocab import load_ontology
from kg.wikidata.client import ClientConfig, WikidataClient
from kg.wikidata.reconcile import read_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def wikidata():
    """The stand-in on 127.0.0.1, stopped after the test."""
    with WikidataStandIn() as standin:
        yield standin


@pytest.fixture
def make_client(wikidata, tmp_path):
    """Clients of the stand-in with a fast pace, a short timeout and a cache under tmp_path."""

    def make(**overrides) -> WikidataClient:
        settings = dict(
            cache_dir=tmp_path / "cache",
            api_url=wikidata.api_url,
            sparql_url=wikidata.sparql_url,
            min_interval=0.0,
            timeout=0.5,
            retries=2,
            backoff=0.01,
        )
        settings.update(overrides)
        return WikidataClient(ClientConfig(**settings))

    return make


@pytest.fixture(scope="session")
def rules():
    ontology = load_ontology(ROOT / "ontology" / "sikg.ttl")
    return read_rules(ROOT / "data" / "links" / "types.yaml", ontology)
