"""The web pages (query page, entity, source and quantity pages, /ontology) via the test client."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from server import pages

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "server" / "static"
RES = Namespace("https://w3id.org/sikg/id/")
SIKG = Namespace("https://w3id.org/sikg/ontology#")
TOKEN = "test-token"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of inline <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script" and "src" not in dict(attrs)

    def handle_data(self, data):
        if self._in_script:
            self.inline_scripts.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def parse(html: bytes) -> Tags:
    tags = Tags()
    tags.feed(html.decode("utf-8"))
    return tags


def csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# ---------------------------------------------------------------------------------------------
# The query page


def test_query_page_has_a_strict_csp_and_no_inline_or_external_code(client):
    response = client.get("/", headers=HTML)
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert all(v == "'self'" or v.startswith("'sha256-") for v in policy["style-src"])
    assert not any("http" in value for values in policy.values() for value in values)
    tags = parse(response.data)
    assert tags.inline_scripts == []
    scripts = [a["src"] for t, a in tags.tags if t == "script"]
    sheets = [a["href"] for t, a in tags.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert "/static/vendor/yasgui/yasgui.min.js" in scripts
    assert "/static/vendor/leaflet/leaflet.js" in scripts
    assert "/static/vendor/yasgui/yasgui.min.css" in sheets
    for url in scripts + sheets:
        assert url.startswith("/static/"), url
        with client.get(url) as served:
            assert served.status_code == 200, url
    assert not any(a.get("style") for _, a in tags.tags)  # no inline style attributes either
    assert not any(name.startswith("on") for _, a in tags.tags for name in a)


def test_the_query_page_declares_the_project_prefixes_and_the_endpoint(client, app):
    tags = parse(client.get("/", headers=HTML).data)
    root = next(a for t, a in tags.tags if a.get("id") == "yasgui")
    assert root["data-endpoint"] == "/sparql"
    declared = json.loads(root["data-prefixes"])
    assert declared["res"] == "https://w3id.org/sikg/id/"
    assert declared["sikg"] == "https://w3id.org/sikg/ontology#"
    assert {"src", "claim", "quantity", "rdfs", "skos", "oa"} <= set(declared)
    with client.get(root["data-world"]) as world:
        assert world.status_code == 200


def test_the_vendored_editor_is_served_from_the_package(client):
    for path, kind, least in (
        ("/static/vendor/yasgui/yasgui.min.js", "javascript", 500_000),
        ("/static/vendor/yasgui/yasgui.min.css", "text/css", 10_000),
        ("/static/vendor/leaflet/leaflet.js", "javascript", 100_000),
        ("/static/vendor/leaflet/leaflet.css", "text/css", 5_000),
        ("/static/vendor/world/land-110m.geojson", "", 20_000),
        ("/static/js/query.js", "javascript", 1_000),
        ("/static/js/timeline.js", "javascript", 1_000),
        ("/static/js/map.js", "javascript", 1_000),
    ):
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert kind in response.content_type, (path, response.content_type)
            assert len(response.data) >= least, path


def test_the_vendored_files_name_no_source_map_and_no_font_or_cdn_urls():
    for path in (STATIC / "vendor").rglob("*"):
        if path.suffix not in (".js", ".css"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "sourceMappingURL" not in text, path
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), path
        assert not re.search(r"(cdn\.|unpkg\.com|jsdelivr|fonts\.googleapis)", text), path
    # our own code calls nothing but this origin
    for path in (STATIC / "js").glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"fetch\(\s*['\"]https?:", text), path


def test_the_csp_hashes_match_the_styles_the_vendored_table_injects():
    js = (STATIC / "vendor" / "yasgui" / "yasgui.min.js").read_text(encoding="utf-8")
    grips = re.search(r"createStyle\(a,`( \.grip-resizable\{.*?)`\)", js).group(1)
    assert "`*{cursor:`+n.opt.dragCursor+`!important}`" in js
    for css in (grips, "*{cursor:col-resize!important}"):
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in pages.YASR_STYLE_HASHES


def test_the_example_queries_are_all_listed_and_served(client):
    files = sorted((ROOT / "queries").glob("*.rq"))
    assert files
    listed = json.loads(client.get("/queries.json").data)
    assert [q["name"] for q in listed] == [f.stem for f in files]
    page = client.get("/", headers=HTML).data.decode()
    for path, entry in zip(files, listed, strict=True):
        assert f'data-name="{path.stem}"' in page
        question = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
        assert entry["question"] in question
        served = client.get(entry["url"])
        assert served.status_code == 200
        assert served.mimetype == "application/sparql-query"
        assert served.data.decode("utf-8") == path.read_text(encoding="utf-8")
    assert client.get("/queries/no-such-query.rq").status_code == 404


def test_the_queries_folder_can_be_configured(make_app, tmp_path):
    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "cq99-test.rq").write_text("# Q99. Is this configurable?\nASK {}\n", encoding="utf-8")
    client = make_app(extra={"queries_dir": str(folder)}).test_client()
    listed = json.loads(client.get("/queries.json").data)
    assert listed == [
        {
            "name": "cq99-test",
            "label": "Q99",
            "question": "Is this configurable?",
            "url": "/queries/cq99-test.rq",
            "query": "# Q99. Is this configurable?\nASK {}\n",
        }
    ]


# ---------------------------------------------------------------------------------------------
# Entity pages


def graves_quote(client) -> dict:
    """One quote that states a fact about William S. Graves, read through /sparql."""
    query = """
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    PREFIX oa: <http://www.w3.org/ns/oa#>
    PREFIX sikg: <https://w3id.org/sikg/ontology#>
    SELECT ?exact ?prefix ?suffix WHERE {
      ?c rdf:subject <https://w3id.org/sikg/id/william-s-graves> ;
         rdf:predicate sikg:nationality ; sikg:evidence ?a .
      ?a oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
    } LIMIT 1"""
    response = client.get("/sparql", query_string={"query": query})
    row = json.loads(response.data)["results"]["bindings"][0]
    return {k: v["value"] for k, v in row.items()}


def test_an_entity_page_shows_label_class_statements_and_quotes_in_context(client):
    response = client.get("/id/william-s-graves", headers=HTML)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Content-Security-Policy" in response.headers
    assert response.headers["Vary"] == "Accept"
    html = response.data.decode("utf-8")
    assert "<h1>William S. Graves</h1>" in html
    assert "General Graves" in html  # an alt label
    assert 'href="/ontology#Person"' in html and ">person</a>" in html  # class, with its label
    assert 'href="/id/united-states"' in html  # a statement's object, linked to its page
    assert 'href="/id/aef-siberia"' in html  # an incoming link: AEF Siberia's commander
    assert 'href="/source/wikipedia"' in html  # the source that states it
    quote = graves_quote(client)
    in_context = (
        f'<span class="context">…{escape(quote["prefix"])}</span>'
        f'<strong class="exact">{escape(quote["exact"])}</strong>'
        f'<span class="context">{escape(quote["suffix"])}…</span>'
    )
    assert in_context in html


def test_a_quantity_is_rendered_as_count_qualifier_and_party(client):
    html = client.get("/id/japanese-landing-vladivostok-1918", headers=HTML).data.decode()
    assert "18,000 Japanese troops" in html
    assert 'href="/id/japan"' in html
    quantity_link = re.search(r'href="(/quantity/[0-9a-f]+)"', html).group(1)
    page = client.get(quantity_link, headers=HTML)
    assert page.status_code == 200
    assert "<h1>18,000 Japanese troops</h1>" in page.data.decode()
    # a qualifier other than "exactly" is spelled out (Japan: more than 70,000)
    japan = client.get("/id/japan", headers=HTML).data.decode()
    assert "more than 70,000" in japan


@pytest.mark.parametrize(
    ("headers", "query", "media", "fmt"),
    [
        ({"Accept": "text/turtle"}, {}, "text/turtle", "turtle"),
        ({"Accept": "application/ld+json"}, {}, "application/ld+json", "json-ld"),
        ({"Accept": "text/html"}, {"format": "turtle"}, "text/turtle", "turtle"),
        (HTML, {"format": "jsonld"}, "application/ld+json", "json-ld"),
        ({"Accept": "application/n-triples"}, {}, "application/n-triples", "nt"),
    ],
)
def test_an_entity_is_rdf_by_content_negotiation(client, headers, query, media, fmt):
    response = client.get("/id/william-s-graves", headers=headers, query_string=query)
    assert response.status_code == 200
    assert response.mimetype == media
    graph = Graph().parse(data=response.data.decode("utf-8"), format=fmt)
    graves = RES["william-s-graves"]
    assert (graves, RDFS.label, Literal("William S. Graves", lang="en")) in graph
    assert (graves, RDF.type, SIKG.Person) in graph
    assert (RES["aef-siberia"], SIKG.commander, graves) in graph
    claims = set(graph.subjects(RDF.subject, graves))
    assert claims and all((c, SIKG.statedIn, None) in graph for c in claims)
    quotes = {
        graph.value(a, URIRef("http://www.w3.org/ns/oa#exact"))
        for a in graph.objects(None, SIKG.evidence)
    }
    assert any(q and "Graves" in q for q in quotes)


def test_turtle_uses_the_project_prefixes(client):
    text = client.get("/id/william-s-graves?format=turtle").data.decode()
    assert "@prefix res: <https://w3id.org/sikg/id/> ." in text
    assert "res:william-s-graves" in text


def test_unknown_ids_are_404_with_a_clear_message(client):
    page = client.get("/id/no-such-entity", headers=HTML)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert (
        "There is no entity &lt;https://w3id.org/sikg/id/no-such-entity&gt;" in page.data.decode()
    )
    assert "Content-Security-Policy" in page.headers
    turtle = client.get("/id/no-such-entity", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 404 and b"no-such-entity" in turtle.data
    assert client.get('/id/bad"><script>', headers=HTML).status_code == 404
    assert client.get("/source/nowhere", headers=HTML).status_code == 404
    assert client.get("/id/x", query_string={"format": "pdf"}).status_code == 400
    assert client.get("/id/william-s-graves", headers={"Accept": "image/png"}).status_code == 406


def test_a_source_page_lists_what_it_states(client):
    response = client.get("/source/dunscomb", headers=HTML)
    assert response.status_code == 200
    html = response.data.decode()
    assert "<h1>Siberian Intervention 1918-1922</h1>" in html
    assert "claims" in html and 'href="/id/japan"' in html
    assert 'href="https://doi.org/10.15463/ie1418.11306"' in html


def test_labels_are_escaped_so_no_script_can_be_injected(make_app):
    # shapes off: the point is what a page does with a hostile label, not whether it is well sourced
    app = make_app(update_token=TOKEN, validate_writes=False)
    client = app.test_client()
    evil = "<script>alert('label')</script>"
    update = f"""
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX sikg: <https://w3id.org/sikg/ontology#>
    PREFIX res: <https://w3id.org/sikg/id/>
    INSERT DATA {{
      res:evil a sikg:Person ; rdfs:label "{evil}"@en ;
               skos:altLabel "<img src=x onerror=alert(1)>" ;
               sikg:nationality res:other ;
               skos:exactMatch <http://www.wikidata.org/entity/Q42> .
      res:other rdfs:label "</a><script>alert(2)</script>"@en .
    }}"""
    response = client.post(
        "/sparql", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code in (200, 204), response.data
    page = client.get("/id/evil", headers=HTML)
    assert page.status_code == 200
    html = page.data.decode()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;/a&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert parse(page.data).inline_scripts == []
    assert 'href="https://www.wikidata.org/wiki/Q42"' in html  # a Wikidata match is linked
    other = client.get("/id/other", headers=HTML).data.decode()
    assert "<script>" not in other and "&lt;/a&gt;&lt;script&gt;" in other


def test_pages_are_also_served_at_the_base_path(make_app):
    app = make_app(base="http://example.org/kg/", update_token=TOKEN, validate_writes=False)
    client = app.test_client()
    update = (
        "INSERT DATA { <http://example.org/kg/id/thing> "
        '<http://www.w3.org/2000/01/rdf-schema#label> "A thing" }'
    )
    written = client.post(
        "/sparql", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert written.status_code in (200, 204), written.data
    for path in ("/id/thing", "/kg/id/thing"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert "<h1>A thing</h1>" in page.data.decode()


# ---------------------------------------------------------------------------------------------
# The ontology


def test_the_ontology_page_lists_classes_and_properties_with_definitions(client):
    response = client.get("/ontology", headers=HTML)
    assert response.status_code == 200 and "Content-Security-Policy" in response.headers
    html = response.data.decode()
    assert 'id="Person"' in html and "An individual human being named in a text." in html
    assert 'id="commander"' in html
    assert "A person who commanded a force, a side or an event" in html
    assert "Object properties" in html and "Datatype properties" in html
    assert client.get("/ontology/").status_code == 301


@pytest.mark.parametrize(
    ("accept", "fmt"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld")]
)
def test_the_ontology_is_rdf_by_content_negotiation(client, accept, fmt):
    response = client.get("/ontology", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    graph = Graph().parse(data=response.data.decode("utf-8"), format=fmt)
    assert (SIKG.Person, RDF.type, OWL.Class) in graph
    assert (SIKG.commander, RDFS.label, Literal("commander", lang="en")) in graph
    assert (URIRef("https://w3id.org/sikg/ontology"), RDF.type, OWL.Ontology) in graph


def test_an_entity_page_tells_exact_matches_from_candidates_and_shows_cached_facts(
    make_app, tmp_path
):
    data = tmp_path / "linked.trig"
    data.write_text(
        """
@prefix res: <https://w3id.org/sikg/id/> .
@prefix sikg: <https://w3id.org/sikg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
<https://w3id.org/sikg/graph/links> {
  res:omsk rdfs:label "Omsk"@en ; skos:exactMatch wd:Q900041 ; sikg:candidateMatch wd:Q900042 .
}
<https://w3id.org/sikg/graph/wikidata> {
  wd:Q900041 rdfs:label "Омск"@ru , "Omsk"@en ; wdt:P625 "Point(73.37 54.98)"^^geo:wktLiteral .
}
"""
    )
    client = make_app(data_files=(str(data),)).test_client()
    html = client.get("/id/omsk", headers=HTML).data.decode()
    exact, candidates = html.split('class="wikidata candidates"', 1)
    assert 'href="https://www.wikidata.org/wiki/Q900041"' in exact
    assert "Q900042" not in exact
    assert "Unverified Wikidata candidate" in candidates and "Q900042" in candidates
    assert "name (ru)</dt><dd>Омск" in html
    assert "coordinates</dt><dd>Point(73.37 54.98)" in html
