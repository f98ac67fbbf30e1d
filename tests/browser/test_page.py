"""The query page in a real browser: Debian's Chromium driven by Playwright, against the real app.

The app serves the session build on 127.0.0.1 (werkzeug's server in a thread). Each test records
every request the page makes, every console error (a CSP violation is one) and every uncaught
exception, and fails if a request left 127.0.0.1. Chromium is never downloaded: the tests use
/usr/bin/chromium (``apt-get install chromium``; ``.ci/run`` does it) and skip without it.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from server.app import create_app
from server.settings import ServerConfig

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(tempfile.gettempdir())
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]

PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sikg: <https://w3id.org/sikg/ontology#>
PREFIX res: <https://w3id.org/sikg/id/>
"""
COMMANDERS = (
    PREFIXES
    + """SELECT ?commander ?name WHERE {
  res:aef-siberia sikg:commander ?commander .
  ?commander rdfs:label ?name .
}"""
)
EVENTS = (
    PREFIXES
    + """SELECT ?event ?label ?date WHERE {
  ?event sikg:date ?date ; sikg:earliest ?earliest ; rdfs:label ?label .
} ORDER BY ?earliest"""
)
PLACES = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX res: <https://w3id.org/sikg/id/>
SELECT ?place ?label ?wkt WHERE {
  VALUES (?place ?label ?wkt) {
    (res:vladivostok "Vladivostok" "POINT(131.886 43.115)"^^geo:wktLiteral)
    (res:irkutsk "Irkutsk"
     "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(104.28 52.29)"^^geo:wktLiteral)
    (res:omsk "Omsk" "POINT(73.37 54.99)"^^geo:wktLiteral)
  }
}"""


@pytest.fixture(scope="module")
def base_url(build_dir, tmp_path_factory):
    """The real app on a free port of 127.0.0.1, stopped after the module."""
    config = ServerConfig(
        store_dir=str(tmp_path_factory.mktemp("browser-store")),
        build_dir=str(build_dir),
        query_workers=2,
        query_timeout=10.0,
    )
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["kg"].close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Recorder:
    """What a page did: requests, console errors, uncaught exceptions."""

    def __init__(self, page) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def external(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob")
            and urlsplit(url).hostname != "127.0.0.1"
        ]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    recorder = Recorder(tab)
    yield tab, recorder
    context.close()
    assert recorder.external() == [], "requests left 127.0.0.1"
    assert recorder.errors == [], "console errors (CSP violations show here)"


def open_editor(page, base_url):
    response = page.goto(base_url + "/")
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    page.wait_for_selector(".yasqe .CodeMirror")
    page.wait_for_function("() => window.kgYasgui && window.kgYasgui.getTab().getYasqe()")


def run(page, query: str | None = None):
    if query is not None:
        page.evaluate("q => { window.kgYasgui.getTab().setQuery(q); }", query)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr .dataTable tbody tr")


def test_run_a_query_open_an_entity_and_read_its_quotes(page, base_url):
    tab, recorder = page
    open_editor(tab, base_url)

    # the example questions are one click away, and load into the editor
    buttons = tab.locator("button.load-query")
    assert buttons.count() == len(list((ROOT / "queries").glob("*.rq")))
    buttons.first.click()
    tab.wait_for_function("() => window.kgYasgui.getTab().getQuery().includes('res:aef-siberia')")
    run(tab)
    table = tab.locator(".yasr .dataTable tbody")
    assert "William S. Graves" in table.inner_text()
    tab.screenshot(path=str(SCREENSHOTS / "kg-browser-query.png"), full_page=True)

    # a query whose rows are entities: their links go to this server's pages
    run(tab, COMMANDERS)
    assert "William S. Graves" in table.inner_text()
    link = tab.locator('.yasr .dataTable a[href="/id/william-s-graves"]')
    assert link.count() == 1
    link.click()
    tab.wait_for_url(base_url + "/id/william-s-graves")
    assert tab.locator("h1").inner_text() == "William S. Graves"
    quotes = tab.locator("blockquote.quote")
    assert quotes.count() > 0
    first = quotes.first
    assert first.locator("strong.exact").inner_text().strip()
    assert first.locator(".context").count() >= 1  # the quote is shown in its context
    assert any("Graves" in text for text in quotes.locator("strong.exact").all_inner_texts())
    tab.screenshot(path=str(SCREENSHOTS / "kg-browser-entity.png"), full_page=True)
    assert any(url.endswith("/sparql") for url in recorder.requests)


def test_dated_results_show_a_timeline_and_no_map(page, base_url):
    tab, _ = page
    open_editor(tab, base_url)
    run(tab, EVENTS)
    assert tab.locator(".yasr .select_timeline").is_visible()
    assert not tab.locator(".yasr .select_map").is_visible()
    tab.click(".yasr .select_timeline")
    tab.wait_for_selector(".kg-timeline")
    assert tab.locator(".kg-timeline .kg-tl-bar, .kg-timeline .kg-tl-point").count() > 20
    ticks = tab.locator(".kg-tl-axis .kg-tl-tick").all_inner_texts()
    assert "1918" in ticks and "1920" in ticks
    tab.screenshot(path=str(SCREENSHOTS / "kg-browser-timeline.png"), full_page=True)


def test_points_show_on_a_map_without_tiles(page, base_url):
    tab, recorder = page
    open_editor(tab, base_url)
    run(tab, COMMANDERS)
    assert not tab.locator(".yasr .select_map").is_visible()  # no coordinates: no map
    run(tab, PLACES)
    assert tab.locator(".yasr .select_map").is_visible()
    tab.click(".yasr .select_map")
    tab.wait_for_selector(".kg-map path.leaflet-interactive")
    assert tab.locator(".kg-map path.leaflet-interactive").count() == 3
    tab.wait_for_selector(".kg-map path:not(.leaflet-interactive)")  # the land outline
    tab.screenshot(path=str(SCREENSHOTS / "kg-browser-map.png"))
    assert any(url.endswith("/land-110m.geojson") for url in recorder.requests)
