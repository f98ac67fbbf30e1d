"""``kg link``: reconcile, report on and enrich the Wikidata links of the project.

Kept apart from ``kg.cli`` so the CLI only parses arguments: this module wires the project's
registry, the link table, the rules and the client together.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kg.build import FACTS_FILE, LINK_TABLE, Project, add_loader_entities, read_inputs
from kg.errors import UsageError
from kg.registry import Registry
from kg.wikidata.client import API_URL, SPARQL_URL, ClientConfig, WikidataClient, WikidataError
from kg.wikidata.enrich import Facts, enrich
from kg.wikidata.reconcile import Reconciler, read_rules
from kg.wikidata.report import coverage, render
from kg.wikidata.table import LinkTable

RULES_FILE = "types.yaml"


@dataclass(frozen=True)
class LinkOptions:
    report: bool = False
    json: bool = False
    enrich: bool = False
    accept_above: float | None = None
    offline: bool = False
    entities: tuple[str, ...] = ()
    cache_dir: str | None = None
    api_url: str | None = None
    sparql_url: str | None = None
    min_interval: float = 1.0
    timeout: float = 30.0


def client_config(project: Project, options: LinkOptions) -> ClientConfig:
    """Addresses and cache from the options, then ``$KG_WIKIDATA_*``, then the defaults."""
    cache = (
        options.cache_dir
        or os.environ.get("KG_WIKIDATA_CACHE")
        or project.root / ".cache" / "wikidata"
    )
    return ClientConfig(
        cache_dir=Path(cache),
        api_url=options.api_url or os.environ.get("KG_WIKIDATA_API", API_URL),
        sparql_url=options.sparql_url or os.environ.get("KG_WIKIDATA_SPARQL", SPARQL_URL),
        offline=options.offline,
        min_interval=options.min_interval,
        timeout=options.timeout,
    )


def full_registry(project: Project, loaders) -> tuple:
    """The ontology and the registry with the entities the loaders add (as the build sees it)."""
    ontology, _, registry, records = read_inputs(project)
    return ontology, add_loader_entities(registry, records, loaders)


def run(project: Project, loaders, options: LinkOptions, out=None, err=None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    ontology, registry = full_registry(project, loaders)
    rules = read_rules(project.links_dir / RULES_FILE, ontology)
    table_path = project.links_dir / LINK_TABLE
    table = LinkTable.read(table_path, {e.id for e in registry})
    if options.report:
        result = coverage(registry, table, rules.linkable)
        print(json.dumps(result.as_dict(), indent=2) if options.json else render(result), file=out)
        return 0
    client = WikidataClient(client_config(project, options))
    if options.enrich:
        return _enrich(project, client, table, out)
    return _reconcile(registry, table, table_path, rules, client, options, out, err)


def _reconcile(registry: Registry, table, table_path, rules, client, options, out, err) -> int:
    entities = list(registry)
    if options.entities:
        unknown = [e for e in options.entities if e not in registry]
        if unknown:
            raise UsageError(f"no such entity: {', '.join(unknown)}")
        entities = [registry.get(e) for e in options.entities]
    reconciler = Reconciler(client, rules, accept_above=options.accept_above)
    wanted = reconciler.wanted(entities, table)
    outcomes = []
    for number, entity in enumerate(wanted, start=1):
        outcome = reconciler.reconcile(entity, table)
        outcomes.append(outcome)
        print(f"kg link: [{number}/{len(wanted)}] {entity.id}: {outcome.result}", file=err)
    table.write(table_path)
    counts = Counter(o.result for o in outcomes)
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to do"
    print(
        f"kg link: {len(wanted)} entities without an accepted link: {summary}; "
        f"{client.requests} requests sent, {client.cache_hits} answered from the cache "
        f"({client.config.cache_dir})",
        file=out,
    )
    unchecked = [o for o in outcomes if o.result == "not checked"]
    if unchecked:
        print(f"kg link: could not check {len(unchecked)} entities:", file=out)
        for outcome in unchecked:
            print(f"  {outcome.entity}: {outcome.detail}", file=out)
    for outcome in outcomes:
        if outcome.result == "ambiguous":
            print(f"kg link: {outcome.entity} is ambiguous: {outcome.detail}", file=out)
        elif outcome.result == "proposed" and outcome.detail:
            print(f"kg link: {outcome.entity} not accepted: {outcome.detail}", file=out)
    return 0


def _enrich(project: Project, client: WikidataClient, table: LinkTable, out) -> int:
    path = project.links_dir / FACTS_FILE
    if not table.with_status("accepted"):
        print(f"kg link: no accepted links to enrich; {path} is unchanged", file=out)
        return 0
    retrieved = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        facts = enrich(client, table, retrieved)
    except WikidataError as error:
        raise UsageError(f"cannot enrich the links: {error}; {path} is unchanged") from None
    if not facts.items and Facts.read(path).items:
        raise UsageError(f"Wikidata returned no facts; {path} is unchanged")
    facts.write(path)
    located = sum(1 for item in facts.items.values() if item.coordinates)
    print(
        f"kg link: facts of {len(facts.items)} linked items ({located} with coordinates) "
        f"written to {path}; {client.requests} requests sent, {client.cache_hits} from the cache",
        file=out,
    )
    return 0
