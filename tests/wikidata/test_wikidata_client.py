"""The HTTP client as Wikimedia asks clients to behave: identified, paced, retrying, cached."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from kg.wikidata.client import NotCachedError, WikidataError


def test_search_answers_with_the_items_and_identifies_the_client(make_client, wikidata):
    hits = make_client().search("William S. Graves")
    assert [h["id"] for h in hits] == ["Q900001"]
    agent = wikidata.requests[-1]["headers"]["User-Agent"]
    assert agent.startswith("SiberianInterventionKG/") and "https://" in agent


def test_a_second_run_answers_from_the_cache_without_requests(make_client, wikidata):
    first = make_client()
    first.search("Perm")
    first.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    sent = len(wikidata.requests)
    second = make_client()
    assert [h["id"] for h in second.search("Perm")] == ["Q900021", "Q900022"]
    assert second.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert len(wikidata.requests) == sent and second.requests == 0 and second.cache_hits == 2


def test_offline_reads_the_cache_and_names_what_it_could_not_check(make_client, wikidata):
    make_client().search("Perm")
    offline = make_client(offline=True)
    assert offline.search("Perm")
    with pytest.raises(NotCachedError, match="search for 'Omsk': offline, and not in the cache"):
        offline.search("Omsk")
    assert len(wikidata.requests) == 1


def test_a_server_error_is_retried_with_backoff(make_client, wikidata):
    waits = []
    client = make_client(backoff=0.5)
    client._sleep = waits.append
    assert [h["id"] for h in client.search("Omsk")] == ["Q900041"]  # 503 first, then an answer
    assert client.requests == 2 and waits == [0.5]


def test_too_many_requests_waits_as_long_as_the_server_says(make_client):
    waits = []
    client = make_client(backoff=0.5)
    client._sleep = waits.append
    assert client.search("Tomsk") == []  # 429 with Retry-After: 3, then an answer
    assert waits == [3.0]


def test_a_lasting_server_error_fails_after_the_retries(make_client):
    waits = []
    client = make_client(retries=3, backoff=1.0)
    client._sleep = waits.append
    with pytest.raises(
        WikidataError, match="search for 'Kultuk': failed after 4 attempt.*HTTP 500"
    ):
        client.search("Kultuk")
    assert waits == [1.0, 2.0, 4.0]  # doubled each time


def test_a_slow_answer_times_out(make_client):
    with pytest.raises(WikidataError, match="search for 'Chita'.*timed out"):
        make_client(retries=0, timeout=0.3).search("Chita")


def test_requests_are_paced(make_client):
    waits = []
    now = [100.0]
    client = make_client(min_interval=1.0)
    client._sleep = waits.append
    client._clock = lambda: now[0]
    client.search("Perm")
    client.search("Omsk")  # 503 then answered: two more requests, each paced
    assert waits.count(1.0) >= 2


def test_an_unreachable_service_fails_fast_and_is_not_retried(make_client, tmp_path):
    client = make_client(api_url="http://127.0.0.1:9/w/api.php", retries=3)
    with pytest.raises(WikidataError, match="failed after 1 attempt"):
        client.search("Perm")
    with pytest.raises(WikidataError, match="not sent, Wikidata was unreachable"):
        client.search("Omsk")
    assert client.requests == 1


def test_a_corrupt_cache_entry_is_fetched_again(make_client, wikidata):
    client = make_client()
    client.search("Perm")
    (path,) = (client.config.cache_dir).rglob("*.json")
    path.write_text("{ not json")
    again = make_client()
    assert [h["id"] for h in again.search("Perm")] == ["Q900021", "Q900022"]
    assert again.requests == 1


MAXLAG = {
    "error": {
        "code": "maxlag",
        "info": "Waiting for a database server: 7 seconds lagged.",
        "lag": 7,
    },
    "servedby": "mw1234",
}


def test_an_error_sent_with_http_200_is_not_cached(make_client, wikidata):
    # Wikidata answers maxlag as JSON with HTTP 200: cached, it would be the answer for good
    wikidata.answer_next("/w/api.php", MAXLAG)
    client = make_client()
    with pytest.raises(WikidataError, match="7 seconds lagged"):
        client.search("Perm")
    assert not list(client.config.cache_dir.rglob("*.json"))
    assert [h["id"] for h in client.search("Perm")] == ["Q900021", "Q900022"]
    assert client.requests == 2 and client.cache_hits == 0
    again = make_client(offline=True)
    assert [h["id"] for h in again.search("Perm")] == ["Q900021", "Q900022"]  # now cached


def test_a_query_answer_without_bindings_is_not_cached(make_client, wikidata):
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    wikidata.answer_next("/sparql", {"head": {"vars": ["s", "p", "o"]}})
    client = make_client()
    with pytest.raises(WikidataError, match="did not answer with SPARQL JSON results"):
        client.select(query)
    assert not list(client.config.cache_dir.rglob("*.json"))
    assert len(client.select(query)) == 1 and client.requests == 2
    assert len(make_client(offline=True).select(query)) == 1


def test_an_error_cached_by_an_older_version_is_fetched_again(make_client, wikidata):
    client = make_client()
    url = (
        client.config.api_url
        + "?"
        + urllib.parse.urlencode(
            {
                "action": "wbsearchentities",
                "search": "Perm",
                "language": "en",
                "uselang": "en",
                "type": "item",
                "limit": "10",
                "format": "json",
            }
        )
    )
    path = client.cache_path(url)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"url": url, "retrieved": "2026-01-01T00:00:00Z", "body": MAXLAG}))
    assert [h["id"] for h in client.search("Perm")] == ["Q900021", "Q900022"]
    assert client.requests == 1 and client.cache_hits == 0
    assert json.loads(path.read_text())["body"]["search"]  # the entry is replaced
