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
