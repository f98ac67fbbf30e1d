"""A minimal timed SPARQL-over-HTTP client (SPARQL 1.1 Protocol, query via GET).

Stdlib only, one persistent connection per endpoint (reopened when a server closes it, as
gunicorn's sync workers do after every response), timed from sending the request to the last
byte of the body, so every endpoint is timed the same way.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

HOST = "127.0.0.1"
SELECT_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    seconds: float
    content_type: str

    def rows(self) -> int | None:
        """Result rows: bindings of a SELECT, 1 for an ASK, triples of N-Triples; else None."""
        if self.status != 200:
            return None
        if "json" in self.content_type:
            try:
                data = json.loads(self.body)
            except ValueError:
                return None
            if "boolean" in data:
                return 1
            return len(data.get("results", {}).get("bindings", []))
        if "n-triples" in self.content_type:
            return sum(1 for line in self.body.splitlines() if line.strip())
        return None


class NoAnswerError(Exception):
    """No complete answer within the client's time limit."""


class Client:
    """Sends queries to ``http://127.0.0.1:<port>/sparql`` and times them."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def path(self, query: str) -> str:
        return "/sparql?" + urlencode({"query": query})

    def get(self, query: str, accept: str = SELECT_JSON) -> Answer:
        """One timed GET; raises ``NoAnswerError`` or ``OSError`` (connection refused, reset, or
        an answer cut short or garbled: ``ConnectionError``)."""
        for attempt in (1, 2):
            connection = self._connect()
            began = time.perf_counter()
            try:
                connection.request("GET", self.path(query), headers={"Accept": accept})
                response = connection.getresponse()
                body = response.read()
            except TimeoutError:
                self.close()
                raise NoAnswerError(f"no answer within {self.timeout:g} s") from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # a kept-alive connection the server had closed: once more
                if attempt == 2:
                    raise
                continue
            except http.client.HTTPException as e:  # a truncated or garbled answer
                self.close()
                raise ConnectionError(f"{type(e).__name__}: {e}") from e
            seconds = time.perf_counter() - began
            if response.will_close:
                self.close()
            return Answer(response.status, body, seconds, response.getheader("Content-Type", ""))
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
