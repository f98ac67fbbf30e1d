"""A polite client for Wikidata's search API and query service, with a disk cache.

Wikimedia asks API users for a descriptive User-Agent, a modest request rate and backing off
when told to (https://meta.wikimedia.org/wiki/User-Agent_policy). Every usable answer (not an
error sent as JSON, such as ``maxlag``) is cached on disk under a hash of its request, so a second
run makes no requests; offline, only the cache is read and a request that is not in it fails with
``NotCached``, which callers report rather than hide.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KGError

API_URL = "https://www.wikidata.org/w/api.php"
SPARQL_URL = "https://query.wikidata.org/sparql"
USER_AGENT = (
    "SiberianInterventionKG/0.1 (https://w3id.org/sikg/; reconciler for a history graph) "
    "python-urllib"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class WikidataError(KGError):
    """A request to Wikidata failed for good (after retries): the message says which and why."""


class NotCachedError(WikidataError):
    """Offline, and the answer to this request is not in the cache."""


@dataclass(frozen=True)
class ClientConfig:
    """Where Wikidata is, how to reach it, and where answers are cached."""

    cache_dir: Path
    api_url: str = API_URL
    sparql_url: str = SPARQL_URL
    offline: bool = False
    user_agent: str = USER_AGENT
    min_interval: float = 1.0  # seconds between two requests (Wikimedia asks for no bursts)
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0  # first wait after a failure; doubled each retry


class WikidataClient:
    """``search`` (wbsearchentities) and ``select`` (the query service), cached and rate-limited."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        self.requests = 0  # requests actually sent (not answered from the cache)
        self.cache_hits = 0
        self.unreachable: str | None = None  # set when the network failed: stop trying
        self._retry_after: float | None = None

    # -- the two services ----------------------------------------------------------------------
    def search(self, text: str, *, language: str = "en", limit: int = 10) -> list[dict]:
        """Items whose label or alias matches ``text`` (wbsearchentities), best first."""
        params = {
            "action": "wbsearchentities",
            "search": text,
            "language": language,
            "uselang": language,
            "type": "item",
            "limit": str(limit),
            "format": "json",
        }
        url = f"{self.config.api_url}?{urllib.parse.urlencode(params)}"
        answer = self._get_json(url, "application/json", f"search for {text!r}", _is_search)
        if not _is_search(answer):
            error = answer.get("error") if isinstance(answer, dict) else None
            error = error if isinstance(error, dict) else {}
            info = error.get("info") or error.get("code") or "an error"
            raise WikidataError(f"Wikidata search for {text!r} answered {info}")
        return list(answer.get("search") or [])

    def select(self, query: str) -> list[dict]:
        """The bindings of a SELECT query on the query service."""
        url = f"{self.config.sparql_url}?{urllib.parse.urlencode({'query': query})}"
        answer = self._get_json(
            url,
            "application/sparql-results+json",
            f"query to {self.config.sparql_url}",
            _is_results,
        )
        if not _is_results(answer):
            raise WikidataError(f"{self.config.sparql_url} did not answer with SPARQL JSON results")
        return list(answer["results"]["bindings"])

    # -- cache, politeness, retries ------------------------------------------------------------
    def cache_path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.config.cache_dir / key[:2] / f"{key}.json"

    def _get_json(self, url: str, accept: str, what: str, usable: Callable[[object], bool]):
        """The JSON answer to ``url``, from the cache or the network.

        Only an answer ``usable`` accepts is cached (and read from the cache): Wikidata sends some
        transient failures, such as ``maxlag``, as JSON with HTTP 200, and one of those cached
        would be the answer for good. An unusable answer is returned for the caller to report.
        """
        path = self.cache_path(url)
        cached = _read_cached(path)
        if cached is not None and usable(cached):
            self.cache_hits += 1
            return cached
        if self.config.offline:
            raise NotCachedError(f"{what}: offline, and not in the cache")
        if self.unreachable:
            raise WikidataError(f"{what}: not sent, Wikidata was unreachable ({self.unreachable})")
        body = self._fetch(url, accept, what)
        try:
            answer = json.loads(body)
        except ValueError:
            raise WikidataError(f"{what}: the answer is not JSON") from None
        if usable(answer):
            _write_atomically(path, {"url": url, "retrieved": _now(), "body": answer})
        return answer

    def _fetch(self, url: str, accept: str, what: str) -> bytes:
        last_error = "no answer"
        network_failed = False
        for attempt in range(self.config.retries + 1):
            if attempt:
                self._sleep(self._wait(attempt))
            self._pace()
            request = urllib.request.Request(
                url, headers={"User-Agent": self.config.user_agent, "Accept": accept}
            )
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as err:
                last_error = f"HTTP {err.code}"
                network_failed = False
                self._retry_after = _retry_after(err)
                if err.code not in RETRY_STATUSES:
                    break
            except (urllib.error.URLError, TimeoutError, OSError) as err:
                reason = getattr(err, "reason", err)
                last_error = f"no answer ({reason})"
                network_failed = not isinstance(reason, TimeoutError) and "timed out" not in str(
                    reason
                )
                self._retry_after = None
                if isinstance(reason, (socket.gaierror, ConnectionRefusedError)):
                    break  # no such host, or nothing listening: waiting will not help
        if network_failed:
            self.unreachable = last_error
        raise WikidataError(f"{what}: failed after {attempt + 1} attempt(s): {last_error}")

    def _wait(self, attempt: int) -> float:
        if self._retry_after is not None:
            return min(self._retry_after, 120.0)
        return self.config.backoff * (2 ** (attempt - 1))

    def _pace(self) -> None:
        now = self._clock()
        if self._last_request is not None:
            wait = self.config.min_interval - (now - self._last_request)
            if wait > 0:
                self._sleep(wait)
        self._last_request = self._clock()


def _is_search(answer: object) -> bool:
    """A wbsearchentities answer that is not an error (those come with HTTP 200)."""
    return isinstance(answer, dict) and "error" not in answer


def _is_results(answer: object) -> bool:
    """SPARQL JSON results of a SELECT: ``results.bindings`` is there."""
    results = answer.get("results") if isinstance(answer, dict) else None
    return isinstance(results, dict) and isinstance(results.get("bindings"), list)


def _read_cached(path: Path) -> dict | None:
    """The cached answer, or None when there is none or it is unreadable (it is fetched again)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["body"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _retry_after(err: urllib.error.HTTPError) -> float | None:
    value = err.headers.get("Retry-After") if err.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _write_atomically(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)
