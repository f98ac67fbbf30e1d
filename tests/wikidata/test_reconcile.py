"""The reconciler against the stand-in: it proposes, scores and accepts only clear matches."""

from __future__ import annotations

import pytest

from kg.model import EntityDecl
from kg.wikidata.reconcile import Reconciler, name_score
from kg.wikidata.table import Link, LinkTable

GRAVES = EntityDecl("william-s-graves", "Person", "William S. Graves")
WARD = EntityDecl("john-ward", "Person", "John Ward")
KALMYKOV = EntityDecl("ivan-kalmykov", "Person", "Ivan Kalmykov")
PERM = EntityDecl("perm", "Place", "Perm")


@pytest.fixture
def reconcile(make_client, rules):
    """Reconcile entities into a fresh table; returns (outcomes by entity, table)."""

    def run(*entities, accept_above=0.8, table=None, client=None):
        table = table if table is not None else LinkTable()
        reconciler = Reconciler(client or make_client(), rules, accept_above=accept_above)
        outcomes = {o.entity: o for o in reconciler.run(entities, table)}
        return outcomes, table

    return run


def test_a_clear_match_is_accepted_with_what_it_was_matched_on(reconcile):
    outcomes, table = reconcile(GRAVES)
    assert outcomes["william-s-graves"].result == "accepted"
    link = table.accepted("william-s-graves")
    assert link.qid == "Q900001" and link.method == "reconciler"
    assert link.wikidata_label == "William S. Graves"
    assert link.wikidata_description == "United States Army general (1865-1940)"
    assert float(link.score) == 1.0 and "name 1.00, type 1.00, time 1.00" in link.justification


def test_without_a_threshold_every_candidate_is_only_proposed(reconcile):
    outcomes, table = reconcile(GRAVES, accept_above=None)
    assert outcomes["william-s-graves"].result == "proposed"
    assert [(x.qid, x.status) for x in table] == [("Q900001", "unverified")]


def test_a_namesake_from_another_century_loses_on_time(reconcile):
    outcomes, table = reconcile(WARD)
    scores = {c.qid: c.score for c in outcomes["john-ward"].candidates}
    assert table.accepted("john-ward").qid == "Q900011"  # 1866-1934, alive in 1918-1922
    assert "Q900012" not in scores and "Q900013" not in scores  # born 1770 / 1951: capped


def test_two_plausible_namesakes_are_left_for_review(reconcile):
    outcomes, table = reconcile(KALMYKOV)
    assert outcomes["ivan-kalmykov"].result == "ambiguous"
    assert "Q900031" in outcomes["ivan-kalmykov"].detail
    assert table.accepted("ivan-kalmykov") is None
    assert {x.qid for x in table.with_status("unverified")} == {"Q900031", "Q900032"}


def test_a_battle_is_not_a_place_of_the_same_name(reconcile):
    outcomes, table = reconcile(PERM)
    assert table.accepted("perm").qid == "Q900021"  # the city, not the battle
    assert [c.qid for c in outcomes["perm"].candidates] == ["Q900021"]


def test_the_same_name_as_a_battle_finds_the_battle(reconcile):
    battle = EntityDecl("perm-battle", "Battle", "Perm")
    _, table = reconcile(battle)
    assert table.accepted("perm-battle").qid == "Q900022"


def test_no_match_errors_and_slow_answers_are_reported_not_hidden(reconcile):
    entities = [
        EntityDecl("kraevesk", "Place", "Kraevesk"),
        EntityDecl("kultuk", "Place", "Kultuk"),
        EntityDecl("chita", "Place", "Chita"),
    ]
    outcomes, table = reconcile(*entities)
    assert outcomes["kraevesk"].result == "no candidate"
    assert outcomes["kultuk"].result == "not checked" and "HTTP 500" in outcomes["kultuk"].detail
    assert outcomes["chita"].result == "not checked" and "timed out" in outcomes["chita"].detail
    assert len(table) == 0


def test_a_rejected_item_is_not_proposed_again(reconcile):
    table = LinkTable([Link("william-s-graves", "Q900001", "rejected", method="review")])
    outcomes, table = reconcile(GRAVES, table=table)
    assert outcomes["william-s-graves"].result == "no candidate"
    assert table.accepted("william-s-graves") is None


def test_linked_and_no_item_entities_are_not_searched_again(reconcile, wikidata):
    table = LinkTable(
        [
            Link("william-s-graves", "Q900001", "accepted", justification="reviewed"),
            Link("perm", "", "no-item"),
        ]
    )
    outcomes, _ = reconcile(GRAVES, PERM, table=table)
    assert outcomes == {} and wikidata.requests == []


def test_classes_without_items_are_not_searched(reconcile, wikidata):
    outcomes, _ = reconcile(EntityDecl("a-decision", "Decision", "Perm"))
    assert outcomes == {} and wikidata.requests == []


@pytest.mark.parametrize(
    "ours, theirs, expected",
    [
        (["Sükhbaatar"], ["Sukhbaatar"], 1.0),
        (["William S. Graves"], ["william s graves"], 1.0),
        (["Nikolayevsk-on-Amur"], ["Nikolayevsk on Amur"], 1.0),
    ],
)
def test_names_match_ignoring_case_accents_and_punctuation(ours, theirs, expected):
    assert name_score(ours, theirs) == expected


def test_different_names_score_below_an_exact_match():
    assert name_score(["Omsk"], ["Tomsk"]) < 0.9


def test_an_item_already_accepted_for_another_entity_is_only_proposed(reconcile):
    # two entries for one man: accepting the item for both would write a table that cannot be
    # read back (and merge them for every joined query)
    twin = EntityDecl("graves-twin", "Person", "William S. Graves")
    outcomes, table = reconcile(GRAVES, twin)
    assert outcomes["william-s-graves"].result == "accepted"
    assert outcomes["graves-twin"].result == "proposed"
    assert "Q900001" in outcomes["graves-twin"].detail
    assert "already accepted for 'william-s-graves'" in outcomes["graves-twin"].detail
    assert table.accepted("graves-twin") is None
    assert table.get("graves-twin", "Q900001").status == "unverified"
    again = LinkTable.parse(table.dumps(), "t", {"william-s-graves", "graves-twin"})
    assert again.owner("Q900001") == "william-s-graves"


def test_an_item_accepted_in_the_table_before_is_only_proposed(reconcile):
    table = LinkTable([Link("graves-twin", "Q900001", "accepted", justification="reviewed")])
    outcomes, table = reconcile(GRAVES, table=table)
    assert outcomes["william-s-graves"].result == "proposed"
    assert "already accepted for 'graves-twin'" in outcomes["william-s-graves"].detail
    assert table.get("william-s-graves", "Q900001").status == "unverified"
