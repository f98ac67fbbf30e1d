"""``kg link`` as a user meets it: report, reconcile (online, or offline from the cache), enrich."""

from __future__ import annotations

import json

import pytest

from kg.build import FACTS_FILE, LINK_TABLE
from kg.wikidata.table import LinkTable


@pytest.fixture
def kg(project_copy, monkeypatch, tmp_path, run_kg):
    """Run ``kg ARGS`` on a writable copy of the project; returns (status, out, err)."""
    monkeypatch.setenv("KG_PROJECT_ROOT", str(project_copy.root))
    monkeypatch.setenv("KG_WIKIDATA_CACHE", str(tmp_path / "cache"))
    return run_kg


@pytest.fixture
def stand_in_args(wikidata):
    return (
        "--api-url",
        wikidata.api_url,
        "--sparql-url",
        wikidata.sparql_url,
        "--min-interval",
        "0",
    )


def test_report_prints_links_per_class_and_the_unverified_list(kg):
    status, out, _ = kg("link", "--report")
    assert status == 0
    assert "Wikidata links accepted per class" in out
    assert "Person" in out and "Place" in out
    assert "Unverified candidates" in out


def test_report_as_json_counts_add_up(kg):
    status, out, _ = kg("link", "--report", "--json")
    report = json.loads(out)
    assert status == 0
    assert report["accepted"] == sum(c["accepted"] for c in report["classes"].values())
    assert report["linkable"] == sum(c["linkable"] for c in report["classes"].values())
    assert all(c["accepted"] <= c["linkable"] for c in report["classes"].values())


def test_reconciling_writes_proposals_and_a_second_run_sends_nothing(
    kg, project_copy, stand_in_args, wikidata
):
    table_path = project_copy.links_dir / LINK_TABLE
    table_path.write_text(table_path.read_text().splitlines()[0] + "\n")  # no links yet
    status, out, _ = kg(
        "link", "--entity", "ivan-kalmykov", "--accept-above", "0.8", *stand_in_args
    )
    assert status == 0, out
    assert "1 ambiguous" in out and "Q900031" in out
    table = LinkTable.read(table_path)
    assert {(x.qid, x.status) for x in table} == {
        ("Q900031", "unverified"),
        ("Q900032", "unverified"),
    }
    sent = len(wikidata.requests)
    status, out, _ = kg("link", "--entity", "ivan-kalmykov", *stand_in_args)
    assert status == 0 and "0 requests sent" in out and len(wikidata.requests) == sent


def test_offline_without_a_cache_says_what_it_could_not_check(kg, project_copy):
    table_path = project_copy.links_dir / LINK_TABLE
    table_path.write_text(table_path.read_text().splitlines()[0] + "\n")  # no links yet
    before = table_path.read_text()
    status, out, _ = kg("link", "--offline", "--entity", "perm", "--entity", "kraevesk")
    assert status == 0
    assert "could not check" in out and "offline, and not in the cache" in out
    assert "perm" in out and "kraevesk" in out
    assert table_path.read_text() == before  # nothing invented


def test_an_unknown_entity_is_one_line(kg):
    status, _, err = kg("link", "--entity", "atlantis", "--offline")
    assert status == 1 and err.strip() == "kg: error: no such entity: atlantis"


def test_a_score_outside_zero_to_one_is_refused(kg):
    status, _, err = kg("link", "--accept-above", "2")
    assert status == 2 and "not between 0 and 1" in err


def test_enrich_caches_facts_that_the_next_build_serves(kg, project_copy, stand_in_args):
    table_path = project_copy.links_dir / LINK_TABLE
    table_path.write_text(
        table_path.read_text().splitlines()[0]
        + "\nomsk,Q900041,accepted,Omsk,,,review,test fixture,2026-11-23\n"
    )
    status, out, _ = kg("link", "--enrich", *stand_in_args)
    assert status == 0 and "1 with coordinates" in out
    facts = json.loads((project_copy.links_dir / FACTS_FILE).read_text())
    assert facts["items"]["Q900041"]["coordinates"] == "Point(73.37 54.98)"
    assert facts["retrieved"] and facts["endpoint"].endswith("/sparql")
    status, out, err = kg("build", "--out", str(project_copy.root / "build"), "-q")
    assert status == 0, err
    trig = (project_copy.root / "build" / "graph.trig").read_text()
    assert "Point(73.37 54.98)" in trig


def test_enrich_offline_without_a_cache_changes_nothing(kg, project_copy):
    table_path = project_copy.links_dir / LINK_TABLE
    table_path.write_text(
        table_path.read_text().splitlines()[0]
        + "\nomsk,Q900041,accepted,Omsk,,,review,test fixture,2026-11-23\n"
    )
    status, _, err = kg("link", "--enrich", "--offline")
    assert status == 1 and "cannot enrich the links" in err and "is unchanged" in err
    assert not (project_copy.links_dir / FACTS_FILE).exists()


def test_accepting_never_gives_one_item_to_two_entities(kg, project_copy, stand_in_args):
    # john-ward already holds the item the search finds best for william-s-graves
    table_path = project_copy.links_dir / LINK_TABLE
    table_path.write_text(
        table_path.read_text().splitlines()[0]
        + "\njohn-ward,Q900001,accepted,,,,review,test fixture,2026-11-23\n"
    )
    status, out, err = kg(
        "link", "--entity", "william-s-graves", "--accept-above", "0.8", *stand_in_args
    )
    assert status == 0, err
    assert "william-s-graves not accepted: Q900001" in out
    assert "already accepted for 'john-ward'" in out
    table = LinkTable.read(table_path)  # what was written reads back
    assert table.get("william-s-graves", "Q900001").status == "unverified"
    assert table.owner("Q900001") == "john-ward"
    status, out, err = kg("link", "--report")
    assert status == 0, err
