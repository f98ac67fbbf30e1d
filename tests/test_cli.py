"""The ``kg`` command as a user meets it, including every way of calling it wrongly."""

from __future__ import annotations

import json

import pytest
from rdflib import Dataset, Graph

from kg.cli import main


@pytest.fixture
def kg(build_dir, monkeypatch, run_kg):
    """Run ``kg ARGS`` in-process against the session build; returns (status, out, err)."""
    monkeypatch.setenv("KG_BUILD_DIR", str(build_dir))
    return run_kg


def test_query_prints_a_table_with_prefixed_names(kg):
    status, out, _ = kg("query", "SELECT ?c WHERE { res:aef-siberia sikg:commander ?c }")
    assert status == 0
    assert "res:william-s-graves" in out and "(1 row)" in out


def test_query_reads_an_rq_file_and_prints_csv(kg, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?n WHERE { res:william-s-graves rdfs:label ?n }")
    status, out, _ = kg("query", str(query), "--format", "csv")
    assert status == 0
    assert out.splitlines() == ["n", "William S. Graves"]


def test_query_json_is_sparql_results_json(kg):
    status, out, _ = kg("query", "ASK { res:aef-siberia a sikg:MilitaryForce }", "--format", "json")
    assert status == 0 and json.loads(out)["boolean"] is True


def test_a_broken_query_gets_one_line_with_its_position(kg):
    status, out, err = kg("query", "SELECT ?x WHERE { ?x ?y }")
    assert status == 1 and out == ""
    assert err.startswith("kg: error: SPARQL syntax error at line 1, column")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_missing_query_file_is_named(kg):
    status, _, err = kg("query", "nowhere.rq")
    assert status == 1 and "no such query file: nowhere.rq" in err


def test_an_unknown_export_format_is_refused(kg):
    status, _, err = kg("export", "--format", "yaml")
    assert status == 2 and "invalid choice: 'yaml'" in err


def test_export_to_a_missing_directory_is_one_line(kg, tmp_path):
    status, _, err = kg("export", "--format", "turtle", "-o", str(tmp_path / "no" / "x.ttl"))
    assert status == 1 and "no such directory" in err and "Traceback" not in err


def test_export_writes_trig_with_a_graph_per_source(kg, tmp_path):
    target = tmp_path / "kg.trig"
    status, _, _ = kg("export", "--format", "trig", "-o", str(target))
    assert status == 0
    data = Dataset()
    data.parse(target, format="trig")
    names = {str(g.identifier).rsplit("/", 1)[-1] for g in data.graphs() if len(g)}
    assert {"blog", "wikipedia", "dunscomb", "registry"} <= names


def test_export_turtle_to_stdout(kg):
    status, out, _ = kg("export", "--format", "turtle")
    assert status == 0
    assert len(Graph().parse(data=out, format="turtle")) > 1000


def test_stats_counts_entities_per_class_and_claims_per_source(kg):
    status, out, _ = kg("stats", "--json")
    stats = json.loads(out)
    assert status == 0
    assert stats["entities_per_class"]["Person"] > 30
    assert set(stats["claims_per_source"]) == {"blog", "dunscomb", "wikipedia"}


def test_build_reuses_an_up_to_date_output(kg):
    status, out, _ = kg("build")
    assert status == 0 and "up to date" in out


def test_validate_conforms(kg):
    status, out, _ = kg("validate")
    assert status == 0 and "conforms" in out


def test_a_bad_annotation_stops_the_build_naming_file_and_line(project_copy, monkeypatch, capsys):
    path = project_copy.root / "data" / "annotations" / "blog.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + '\n- quote: "seized the port of Vladivostok"\n  facts:\n'
        + "    - [czechoslovak-legion, commander, nobody-at-all]\n",
        encoding="utf-8",
    )
    line = len(path.read_text(encoding="utf-8").splitlines())
    monkeypatch.setenv("KG_PROJECT_ROOT", str(project_copy.root))
    monkeypatch.setenv("KG_BUILD_DIR", str(project_copy.root / "out"))
    assert main(["build", "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"kg: error: data/annotations/blog.yaml:{line}: unknown entity 'nobody-at-all' "
        "as object of commander"
    )


def test_a_changed_source_text_fails_the_build_naming_source_and_quote(
    project_copy, monkeypatch, capsys
):
    text_path = project_copy.root / "data" / "sources" / "wikipedia-siberian-intervention.txt"
    text = text_path.read_text(encoding="utf-8")
    text_path.write_text(text.replace("Composed of 4,192 soldiers", "Composed of 4,193 soldiers"))
    monkeypatch.setenv("KG_PROJECT_ROOT", str(project_copy.root))
    monkeypatch.setenv("KG_BUILD_DIR", str(project_copy.root / "out"))
    assert main(["build", "-q"]) == 1
    err = capsys.readouterr().err
    assert "source 'wikipedia'" in err and "4,192" in err and "not found verbatim" in err


@pytest.mark.parametrize(
    "command", [("build", "-q"), ("check", "data/annotations/wikipedia.yaml"), ("link", "--report")]
)
def test_an_unknown_loader_is_one_line_naming_the_source(
    project_copy, monkeypatch, run_kg, command
):
    path = project_copy.root / "data" / "sources" / "blog.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("loader: blog", "loader: nonesuch"))
    monkeypatch.setenv("KG_PROJECT_ROOT", str(project_copy.root))
    monkeypatch.setenv("KG_BUILD_DIR", str(project_copy.root / "out"))
    monkeypatch.chdir(project_copy.root)
    status, _, err = run_kg(*command)
    assert status == 1
    assert err.strip() == "kg: error: data/sources/blog.yaml: unknown loader 'nonesuch'"


def test_push_builds_a_stale_build_without_reading_it_with_rdflib(
    project, built, tmp_path, monkeypatch, run_kg
):
    from kg import build as pipeline
    from kg import push as push_module

    out = tmp_path / "build"
    calls = []
    monkeypatch.setattr(pipeline, "build", lambda *args, **kwargs: calls.append("build") or built)

    def no_rdflib(*args, **kwargs):
        raise AssertionError("kg push read the build with rdflib")

    monkeypatch.setattr(pipeline, "read_output", no_rdflib)

    def pushed(to, endpoint, **kwargs):
        calls.append(("push", to, endpoint))
        return push_module.PushReport(endpoint, "SPARQL Update")

    monkeypatch.setattr(push_module, "push", pushed)
    args = ("push", "--to", "http://127.0.0.1:9/sparql", "--out", str(out), "-q")
    status, out_text, err = run_kg(*args)
    assert status == 0, err
    assert calls == ["build", ("push", out, "http://127.0.0.1:9/sparql")]
    assert pipeline.is_current(project, out)
    calls.clear()
    status, _, err = run_kg(*args)  # current now: neither built nor read
    assert status == 0, err
    assert calls == [("push", out, "http://127.0.0.1:9/sparql")]
