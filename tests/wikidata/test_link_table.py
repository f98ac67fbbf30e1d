"""The link table: what a reviewer may write in it, and what the build refuses."""

from __future__ import annotations

import pytest

from kg.errors import DataError
from kg.wikidata.table import Link, LinkTable

HEADER = (
    "entity,qid,status,wikidata_label,wikidata_description,score,method,justification,checked\n"
)
ENTITIES = {"omsk", "perm", "japan"}
GOOD = "omsk,Q1,accepted,Omsk,city,,evidence,a data set that states it,2026-11-23\n"


def test_a_table_round_trips_through_csv():
    table = LinkTable.parse(
        HEADER + GOOD + "perm,Q2,unverified,Perm,,0.8,reconciler,,\n", "t", ENTITIES
    )
    again = LinkTable.parse(table.dumps(), "t", ENTITIES)
    assert [link.key for link in again] == [("omsk", "Q1"), ("perm", "Q2")]
    assert again.accepted("omsk").justification == "a data set that states it"
    assert again.accepted("perm") is None


@pytest.mark.parametrize(
    "row, message",
    [
        ("tomsk,Q1,accepted,,,,evidence,why,\n", "no entity 'tomsk'"),
        ("omsk,Q1,maybe,,,,evidence,why,\n", "status 'maybe'"),
        ("omsk,1020,accepted,,,,evidence,why,\n", "'1020' is not a Wikidata item id"),
        ("omsk,Q01,accepted,,,,evidence,why,\n", "'Q01' is not a Wikidata item id"),
        ("omsk,Q1,accepted,,,,evidence,,\n", "needs a justification"),
        ("omsk,Q1,unverified,,,1.5,reconciler,,\n", "not between 0 and 1"),
        ("omsk,Q1,unverified,,,high,reconciler,,\n", "'high' is not a number"),
        ("omsk,Q1,unverified,,,,guess,,\n", "method 'guess'"),
        ("omsk,Q1,unverified,,,,review,,23/11/2026\n", "not YYYY-MM-DD"),
        ("omsk,Q1,unverified,,,,review,,2026-02-30\n", "'2026-02-30' is not a date"),
        ("omsk,Q1,unverified,,,,review,,20261123\n", "not YYYY-MM-DD"),
        ("omsk,Q1,unverified,,,5e-1,reconciler,,\n", "'5e-1' is not a number"),
        ("omsk,Q1,unverified,,,nan,reconciler,,\n", "'nan' is not a number"),
        ("omsk,Q1,unverified,,,0x1,reconciler,,\n", "'0x1' is not a number"),
        ("omsk,Q1,no-item,,,,review,,\n", "a no-item row names no QID"),
        (GOOD.replace("Q1", "Q2"), "two accepted items: Q1 and Q2"),
        (GOOD.replace("omsk", "perm"), "Q1 is accepted for both 'omsk' and 'perm'"),
        (GOOD, "a second row for 'omsk' and Q1"),
    ],
)
def test_a_bad_row_is_refused_naming_its_line(row, message):
    with pytest.raises(DataError) as caught:
        LinkTable.parse(HEADER + GOOD + row, "data/links/wikidata.csv", ENTITIES)
    assert message in str(caught.value)
    assert "data/links/wikidata.csv" in str(caught.value)


def test_a_header_without_the_key_columns_is_refused():
    with pytest.raises(DataError, match="needs the columns qid, status"):
        LinkTable.parse("entity,label\nomsk,Omsk\n", "t")


def test_unverified_candidates_may_be_several_but_only_one_is_accepted():
    table = LinkTable([Link("omsk", "Q1", "unverified"), Link("omsk", "Q2", "unverified")])
    table.put(Link("omsk", "Q2", "accepted", justification="checked"))
    assert table.accepted("omsk").qid == "Q2"
    with pytest.raises(DataError, match="two accepted items"):
        table.put(Link("omsk", "Q1", "accepted", justification="checked"))


@pytest.mark.parametrize("score", ["0", "1", "0.85", ".5", "1.", "+0.500", "1.000"])
def test_a_score_is_any_xsd_decimal_from_0_to_1(score):
    row = f"omsk,Q1,unverified,,,{score},reconciler,,2026-02-28\n"
    assert LinkTable.parse(HEADER + row, "t", ENTITIES).get("omsk", "Q1").score == score


def test_optional_columns_may_be_left_out_and_keep_their_defaults():
    text = "entity,qid,status,justification\nomsk,Q1,accepted,a data set that states it\n"
    link = LinkTable.parse(text, "t", ENTITIES).accepted("omsk")
    assert link == Link("omsk", "Q1", "accepted", justification="a data set that states it")
    assert link.method == "review" and link.score == "" and link.checked == ""


def test_an_item_is_accepted_for_one_entity_only_when_a_row_is_put():
    table = LinkTable([Link("omsk", "Q1", "accepted", justification="checked")])
    with pytest.raises(DataError, match="Q1 is accepted for both 'omsk' and 'perm'"):
        table.put(Link("perm", "Q1", "accepted", justification="checked"))
    assert table.accepted("perm") is None and table.owner("Q1") == "omsk"
    table.put(Link("perm", "Q1", "unverified"))  # a candidate for both is fine
    table.put(Link("omsk", "Q1", "accepted", justification="checked again"))  # the same row
    table.put(Link("omsk", "Q1", "rejected"))  # frees the item
    assert table.owner("Q1") is None
    table.put(Link("perm", "Q1", "accepted", justification="checked"))
    assert table.owner("Q1") == "perm" and table.accepted("perm").qid == "Q1"
    again = LinkTable.parse(table.dumps(), "t", ENTITIES)  # what is put can be read back
    assert [link.key for link in again] == [("omsk", "Q1"), ("perm", "Q1")]


def test_an_item_accepted_for_two_entities_is_refused_whatever_the_order():
    rows = GOOD.replace("omsk", "perm") + GOOD  # perm first, on line 2
    with pytest.raises(DataError) as caught:
        LinkTable.parse(HEADER + rows, "data/links/wikidata.csv", ENTITIES)
    assert str(caught.value) == (
        "data/links/wikidata.csv:3: Q1 is accepted for both 'perm' and 'omsk'"
    )


def test_rows_of_an_entity_come_in_table_order():
    links = [
        Link("perm", "Q9", "unverified"),
        Link("omsk", "Q3", "unverified"),
        Link("omsk", "Q2", "rejected"),
        Link("omsk", "Q1", "accepted", justification="checked"),
        Link("omsk", "Q4", "unverified"),
    ]
    table = LinkTable(links)
    assert [x.qid for x in table.for_entity("omsk")] == ["Q1", "Q2", "Q3", "Q4"]
    assert [x.qid for x in table if x.entity == "omsk"] == ["Q1", "Q2", "Q3", "Q4"]
    assert table.for_entity("japan") == [] and table.accepted("japan") is None
    assert table.accepted("omsk").qid == "Q1"


def test_the_project_table_is_valid_and_every_accepted_link_says_why(project, built):
    from kg.build import LINK_TABLE

    entities = {s.rsplit("/", 1)[-1] for s in _entities(built.dataset, project.base)}
    table = LinkTable.read(project.links_dir / LINK_TABLE, entities)
    accepted = table.with_status("accepted")
    assert accepted, "the project has accepted links"
    for link in accepted:
        assert link.justification and link.method in ("evidence", "reconciler")
        assert link.checked


def _entities(dataset, base):
    return {
        str(s) for s, _, _ in dataset.triples((None, None, None)) if str(s).startswith(f"{base}id/")
    }
