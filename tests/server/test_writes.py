"""SPARQL 1.1 Update at /sparql: authorisation, SHACL validation before commit, durability."""

from __future__ import annotations

import gc
import json
import shutil

import pyoxigraph as ox
import pytest
from rdflib import RDF, SH, Graph

from server.app import create_app
from server.delta import Evaluator, parse_update
from server.settings import ServerConfig
from server.shapes_check import SHAPES_FILE, VALUE_PROPERTIES

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
PREFIXES = """\
PREFIX res: <https://w3id.org/sikg/id/>
PREFIX sikg: <https://w3id.org/sikg/ontology#>
PREFIX claim: <https://w3id.org/sikg/claim/>
PREFIX src: <https://w3id.org/sikg/source/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
WIKIPEDIA = "<https://w3id.org/sikg/graph/wikipedia>"
ANCHOR = "<https://w3id.org/sikg/anchor/wikipedia/637-654>"  # quotes "William S. Graves"
UNSOURCED_LEADER = (
    f"{PREFIXES} INSERT DATA {{ GRAPH {WIKIPEDIA} {{\n"
    "  res:aef-siberia sikg:leader res:alfred-knox } }"
)


def sourced(subject: str, obj: str, claim: str) -> str:
    """The direct triple ``subject sikg:commander obj`` and a complete claim stating it."""
    return f"""{PREFIXES}
INSERT DATA {{ GRAPH {WIKIPEDIA} {{
  {subject} sikg:commander {obj} .
  {claim} a sikg:Claim ; rdf:subject {subject} ; rdf:predicate sikg:commander ;
    rdf:object {obj} ; sikg:statedIn src:wikipedia ; sikg:evidence {ANCHOR} ;
    sikg:method sikg:CuratedAnnotation .
}} }}"""


def update(client, text: str, headers=None, **kwargs):
    return client.post(
        "/sparql", data=text, content_type=UPDATE, headers={**AUTH, **(headers or {})}, **kwargs
    )


def ask(client, pattern: str) -> bool:
    query = f"{PREFIXES} ASK {{ GRAPH ?g {{ {pattern} }} }}"
    response = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.data
    return json.loads(response.data)["boolean"]


def quads(app) -> int:
    return len(app.extensions["kg"].store)


# -- authorisation ------------------------------------------------------------------------------


def test_writes_are_off_without_a_configured_token(make_app):
    client = make_app().test_client()  # empty dataset, no update_token
    response = update(client, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert response.status_code == 403
    assert b"no update token is configured" in response.data


def test_a_write_without_a_token_is_401_and_a_wrong_one_403(client):
    text = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    missing = client.post("/sparql", data=text, content_type=UPDATE)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    wrong = update(client, text, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and b"wrong" in wrong.data
    form = client.post("/sparql", data={"update": text}, headers={"Authorization": "Basic x"})
    assert form.status_code == 403


def test_a_token_in_the_query_string_does_not_authorise(client):
    text = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    for name in ("token", "access_token", "update_token"):
        response = client.post(
            f"/sparql?{name}={TOKEN}", data=text, content_type=UPDATE, headers={}
        )
        assert response.status_code == 401


# -- validation ---------------------------------------------------------------------------------


def test_a_sourced_fact_with_its_claim_is_accepted_and_queryable(app, client):
    text = sourced("res:aef-siberia", "res:alfred-knox", "claim:test-sourced-1")
    response = update(client, text)
    assert response.status_code == 204, response.data
    assert ask(client, "res:aef-siberia sikg:commander res:alfred-knox")
    assert ask(client, "claim:test-sourced-1 rdf:object res:alfred-knox")


def test_an_unsourced_fact_is_refused_whole_with_the_report(app, client):
    before = quads(app)
    text = f"""{PREFIXES}
INSERT DATA {{ GRAPH {WIKIPEDIA} {{
  res:aef-siberia sikg:commander res:grigory-semenov .
  res:aef-siberia <http://www.w3.org/2000/01/rdf-schema#comment> "harmless on its own" .
}} }}"""
    response = update(client, text)
    assert response.status_code == 422
    assert response.mimetype == "text/plain"
    body = response.data.decode()
    assert "sikgsh:BackedByClaimShape" in body
    assert "https://w3id.org/sikg/id/aef-siberia" in body
    assert "nothing of it was applied" in body
    assert quads(app) == before
    assert not ask(
        client, '?s <http://www.w3.org/2000/01/rdf-schema#comment> "harmless on its own"'
    )


def test_the_report_is_json_with_the_results_when_asked(client):
    response = update(client, UNSOURCED_LEADER, headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.mimetype == "application/json"
    report = json.loads(response.data)
    assert report["status"] == 422 and report["conforms"] is False and report["violations"] == 1
    (result,) = report["results"]
    assert result["focusNode"] == "https://w3id.org/sikg/id/aef-siberia"
    assert result["sourceShape"] == "sikgsh:BackedByClaimShape"
    assert result["resultPath"] == "sikg:leader" and result["severity"] == "Violation"


def test_a_bad_date_lexical_form_is_refused(app, client):
    before = quads(app)
    claim = "claim:test-bad-date"
    text = f"""{PREFIXES}
INSERT DATA {{ GRAPH {WIKIPEDIA} {{
  res:aef-siberia sikg:date "1918-13"^^xsd:gYearMonth .
  {claim} a sikg:Claim ; rdf:subject res:aef-siberia ; rdf:predicate sikg:date ;
    rdf:object "1918-13"^^xsd:gYearMonth ; sikg:statedIn src:wikipedia ;
    sikg:evidence {ANCHOR} ; sikg:method sikg:CuratedAnnotation .
}} }}"""
    response = update(client, text)
    assert response.status_code == 422
    assert b"sikgsh:Date-date" in response.data and b'"1918-13"' in response.data
    assert quads(app) == before


def test_removing_a_type_refuses_for_the_nodes_pointing_at_it(app, client):
    text = f"{PREFIXES} DELETE WHERE {{ GRAPH ?g {{ res:william-s-graves a sikg:Person }} }}"
    response = update(client, text)
    assert response.status_code == 422
    assert b"sikgsh:Fact-commander" in response.data  # res:aef-siberia sikg:commander Graves
    assert ask(client, "res:william-s-graves a sikg:Person")


def test_operations_see_the_earlier_ones_of_the_same_request(app, client):
    # The claim is inserted, then deleted by a WHERE that only matches it once it is there:
    # the direct triple is left unsourced, so the whole request is refused.
    text = (
        sourced("res:aef-siberia", "res:ivan-kalmykov", "claim:test-chained")
        + """ ;
DELETE { GRAPH ?g { ?c ?p ?o } }
WHERE { GRAPH ?g { ?c rdf:object res:ivan-kalmykov ; rdf:subject res:aef-siberia ; ?p ?o } }"""
    )
    before = quads(app)
    response = update(client, text)
    assert response.status_code == 422 and b"BackedByClaimShape" in response.data
    assert quads(app) == before
    assert (
        update(client, sourced("res:aef-siberia", "res:ivan-kalmykov", "claim:test-c2")).status_code
        == 204
    )


def test_a_syntax_error_is_400_with_its_position(client):
    response = update(client, "INSERT DATA { <urn:a> <urn:b> }")
    assert response.status_code == 400
    assert b"SPARQL syntax error" in response.data and b"1:" in response.data


# -- updates Oxigraph could not stop once started -------------------------------------------------
MARK = "<http://example.org/where-check/mark>"


def test_an_update_whose_where_clause_passes_the_time_limit_is_refused_unapplied(
    make_app, build_dir
):
    app = make_app(build_dir=str(build_dir), update_token=TOKEN, query_timeout=1.0)
    client = app.test_client()
    before = quads(app)
    runaway = (
        f"INSERT {{ GRAPH {MARK} {{ {MARK} {MARK} ?c }} }} "
        "WHERE { GRAPH ?g { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } }"
    )
    response = update(client, runaway)
    assert response.status_code == 503, response.data
    message = response.data.decode()
    assert "WHERE clause of the update" in message and "nothing was applied" in message
    assert quads(app) == before
    # the next write goes through: the lock was never taken
    response = update(client, f"INSERT DATA {{ GRAPH {MARK} {{ {MARK} {MARK} 1 }} }}")
    assert response.status_code == 204, response.data
    assert quads(app) == before + 1


def test_an_update_matching_too_many_solutions_is_refused_naming_the_operation(make_app, build_dir):
    app = make_app(build_dir=str(build_dir), update_token=TOKEN, max_update_solutions=100)
    client = app.test_client()
    before = quads(app)
    text = (
        f"INSERT DATA {{ GRAPH {MARK} {{ {MARK} {MARK} 2 }} }} ;\n"
        f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    response = update(client, text)
    assert response.status_code == 413, response.data
    message = response.data.decode()
    assert "WHERE clause of operation 2 matches" in message and "max_update_solutions" in message
    assert quads(app) == before  # neither operation was applied
    small = f"DELETE {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {MARK} }} ?s ?p ?o }}"
    assert update(client, small).status_code == 204


def test_writes_to_other_data_are_not_held_to_the_shapes(app, client):
    text = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <urn:p> 1 } }"
    assert update(client, text).status_code == 204


def test_using_graph_uri_sets_the_dataset_of_the_where_clause(client):
    data = """INSERT DATA {
      GRAPH <http://example.org/using/a> { <http://example.org/x> <http://example.org/p> "a" }
      GRAPH <http://example.org/using/b> { <http://example.org/y> <http://example.org/p> "b" } }"""
    assert update(client, data).status_code == 204
    copy = "INSERT { GRAPH <http://example.org/using/c> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    response = client.post(
        "/sparql?using-graph-uri=http://example.org/using/a",
        data=copy,
        content_type=UPDATE,
        headers=AUTH,
    )
    assert response.status_code == 204, response.data
    assert ask(client, '<http://example.org/x> <http://example.org/p> "a"')
    query = "ASK { GRAPH <http://example.org/using/c> { ?s ?p ?o } }"
    found = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    assert json.loads(found.data)["boolean"] is True
    query = 'ASK { GRAPH <http://example.org/using/c> { ?s ?p "b" } }'
    found = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    assert json.loads(found.data)["boolean"] is False
    both = client.post(
        "/sparql",
        data={
            "update": copy.replace("WHERE", "USING <http://example.org/using/b> WHERE"),
            "using-graph-uri": "http://example.org/using/a",
        },
        headers=AUTH,
    )
    assert both.status_code == 400 and b"USING" in both.data


def test_the_shapes_read_no_further_than_the_write_check_looks():
    """A sequence path reads properties of other nodes: the check must copy them (rule 3)."""
    shapes = Graph().parse(SHAPES_FILE)
    for path in set(shapes.objects(None, SH.path)):
        if (path, RDF.first, None) in shapes:
            for step in list(shapes.items(path))[1:]:
                assert ox.NamedNode(str(step)) in VALUE_PROPERTIES, step


LINKS = "<https://w3id.org/sikg/graph/links>"
EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
JUDGEMENT = """
  <https://w3id.org/sikg/link/test-1> a sikg:LinkJudgement ;
    sikg:linkedEntity res:alfred-knox ; sikg:linkedItem wd:Q900002 ;
    sikg:linkRelation skos:exactMatch ; sikg:linkStatus "accepted" ; sikg:linkMethod "review" ;
    sikg:justification "a test fixture" ."""
LINK_PREFIXES = (
    PREFIXES
    + "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    + "PREFIX wd: <http://www.wikidata.org/entity/>\n"
)


def test_a_wikidata_link_written_without_its_judgement_is_refused(client):
    link = "res:alfred-knox skos:exactMatch wd:Q900002"
    text = f"{LINK_PREFIXES} INSERT DATA {{ GRAPH {LINKS} {{ {link} }} }}"
    response = update(client, text)
    assert response.status_code == 422
    assert "sikgsh:WikidataMatchShape" in response.data.decode()
    assert not ask(client, f"res:alfred-knox <{EXACT}> ?item")


def test_a_judged_link_is_accepted_and_its_link_cannot_be_removed_alone(client):
    text = (
        f"{LINK_PREFIXES} INSERT DATA {{ GRAPH {LINKS} {{"
        f" res:alfred-knox skos:exactMatch wd:Q900002 . {JUDGEMENT} }} }}"
    )
    assert update(client, text).status_code == 204
    assert ask(client, f"res:alfred-knox <{EXACT}> <http://www.wikidata.org/entity/Q900002>")
    removal = (
        f"{LINK_PREFIXES} DELETE DATA {{ GRAPH {LINKS} {{"
        " res:alfred-knox skos:exactMatch wd:Q900002 } }"
    )
    response = update(client, removal)
    assert response.status_code == 422
    assert "The judged link is missing" in response.data.decode()
    both = (
        f"{LINK_PREFIXES} DELETE DATA {{ GRAPH {LINKS} {{"
        f" res:alfred-knox skos:exactMatch wd:Q900002 . {JUDGEMENT} }} }}"
    )
    assert update(client, both).status_code == 204
    assert not ask(client, f"res:alfred-knox <{EXACT}> ?item")


# -- durability ---------------------------------------------------------------------------------


def _config(store_dir, build_dir) -> ServerConfig:
    return ServerConfig(
        store_dir=str(store_dir), build_dir=str(build_dir), query_workers=1, update_token=TOKEN
    )


def _close(app) -> None:
    app.extensions["kg"].close()
    gc.collect()


def test_an_acknowledged_write_survives_a_restart(tmp_path, build_dir):
    store_dir = tmp_path / "store"
    first = create_app(_config(store_dir, build_dir))
    try:
        text = sourced("res:aef-siberia", "res:alfred-knox", "claim:test-restart")
        assert update(first.test_client(), text).status_code == 204
    finally:
        _close(first)
    journal = [json.loads(line) for line in (store_dir / "journal.jsonl").read_text().splitlines()]
    assert [entry["seq"] for entry in journal] == [1] and "claim:test-restart" in journal[0][
        "update"
    ]
    second = create_app(_config(store_dir, build_dir))
    try:
        assert second.extensions["kg"].writer.replayed == 0  # same inputs: no reload, no replay
        assert ask(second.test_client(), "claim:test-restart rdf:subject res:aef-siberia")
    finally:
        _close(second)


def test_the_journal_is_replayed_when_the_inputs_change(tmp_path, build_dir):
    build = tmp_path / "build"
    shutil.copytree(build_dir, build)
    store_dir = tmp_path / "store"
    first = create_app(_config(store_dir, build))
    try:
        text = sourced("res:aef-siberia", "res:alfred-knox", "claim:test-replay")
        assert update(first.test_client(), text).status_code == 204
    finally:
        _close(first)
    # An entry that does not validate (written behind the server's back) is reported, not lost.
    unsourced = UNSOURCED_LEADER
    with open(store_dir / "journal.jsonl", "a", encoding="utf-8") as journal:
        journal.write(json.dumps({"seq": 2, "operation": "test", "update": unsourced}) + "\n")
        journal.write('{"seq": 3, "torn')  # a crash mid-append
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["inputs"] = "changed"
    (build / "manifest.json").write_text(json.dumps(manifest))
    second = create_app(_config(store_dir, build))
    try:
        writer = second.extensions["kg"].writer
        assert writer.replayed == 1 and [r["seq"] for r in writer.rejected] == [2]
        client = second.test_client()
        assert ask(client, "claim:test-replay rdf:subject res:aef-siberia")
        assert not ask(client, "res:aef-siberia sikg:leader res:alfred-knox")
        kept = (store_dir / "journal.jsonl").read_text().splitlines()
        assert [json.loads(line)["seq"] for line in kept] == [1]
        rejected = json.loads((store_dir / "journal-rejected.jsonl").read_text())
        assert rejected["seq"] == 2 and "BackedByClaimShape" in rejected["report"]
        # and new writes continue the sequence
        assert (
            update(client, sourced("res:aef-siberia", "res:ivan-kalmykov", "claim:t")).status_code
            == 204
        )
        last = json.loads((store_dir / "journal.jsonl").read_text().splitlines()[-1])
        assert last["seq"] == 2
    finally:
        _close(second)


# -- the delta of an update, against Oxigraph's own result --------------------------------------

DATA = """PREFIX ex: <http://example.org/>
INSERT DATA { ex:a ex:p 1 . ex:a ex:q ex:b . ex:b ex:p 2 . _:x ex:p 3 .
  GRAPH ex:g1 { ex:a ex:p 1 . ex:c ex:p 5 . _:y ex:r ex:a }
  GRAPH ex:g2 { ex:d ex:p 6 } }"""
EX = "PREFIX ex: <http://example.org/> "


@pytest.mark.parametrize(
    "text",
    [
        EX + 'INSERT DATA { ex:n ex:p "x" }',
        EX + "DELETE DATA { ex:a ex:p 1 } ; INSERT DATA { GRAPH ex:g1 { ex:a ex:p 1 } }",
        EX + "DELETE { ?s ex:p ?o } INSERT { ?s ex:p2 ?o } WHERE { ?s ex:p ?o }",
        EX + "DELETE WHERE { GRAPH ?g { ?s ex:p ?o } }",
        EX + "WITH ex:g1 DELETE { ?s ?p ?o } INSERT { ?s ?p [ ex:copy ?o ] } WHERE { ?s ?p ?o }",
        EX + "INSERT { GRAPH ex:g3 { ?s ?p ?o } } USING ex:g1 USING ex:g2 WHERE { ?s ?p ?o }",
        EX
        + "INSERT { GRAPH ?g { ?s ex:seen 1 } } USING NAMED ex:g1 WHERE { GRAPH ?g { ?s ?p ?o } }",
        "CLEAR NAMED",
        "DROP ALL",
        "COPY <http://example.org/g1> TO <http://example.org/g2>",
        "MOVE DEFAULT TO GRAPH <http://example.org/g2>",
        EX
        + "INSERT DATA { ex:z ex:p 9 } ; DELETE { ?s ex:p ?o } WHERE { ?s ex:p ?o FILTER(?o > 4) }",
        EX
        + 'INSERT { ?s ex:l ?l } WHERE { ?s ex:p ?o BIND(CONCAT("n;{", STR(?o)) AS ?l) } ; # ; {\n'
        "INSERT { ?s ex:z ?z } WHERE { ?s ex:p ?o }",
        'BASE <http://example.org/> PREFIX e: <> INSERT { <r> e:q "a;b{c}" } WHERE { FILTER(1<2) }',
        EX + "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isBlank(?s)) }",
    ],
)
def test_the_predicted_delta_is_what_oxigraph_does(tmp_path, text):
    store = ox.Store(str(tmp_path / "primary"))
    store.update(DATA)
    before = set(store)
    delta = Evaluator(store, tmp_path / "scratch").update_delta(parse_update(text))
    store.update(text)
    after = set(store)

    def shape(found):  # blank nodes are fresh on each run: compare them as "some blank node"
        return sorted(
            tuple(
                "_" if isinstance(t, ox.BlankNode) else str(t)
                for t in (q.subject, q.predicate, q.object, q.graph_name)
            )
            for q in found
        )

    assert shape(delta.added) == shape(after - before)
    assert delta.removed == before - after
