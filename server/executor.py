"""A pool of query worker processes with a hard time limit per query.

Oxigraph evaluates a query in Rust and cannot be interrupted from Python, so each query runs in a
worker process; when the time limit passes the worker is killed and replaced, the client gets an
error naming the limit, and every other request goes on being answered by the other workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading

from server import worker

log = logging.getLogger(__name__)


class _Worker:
    def __init__(self, context) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=worker.serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class QueryPool:
    """``size`` worker processes; ``run(job)`` answers within ``timeout`` s or says why not."""

    def __init__(self, size: int, timeout: float) -> None:
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(max(1, size)):
            self._add()

    def _add(self) -> None:
        fresh = _Worker(self._context)
        with self._lock:
            self._all.add(fresh)
        self._idle.put(fresh)

    def _discard(self, dead: _Worker) -> None:
        with self._lock:
            self._all.discard(dead)
        dead.kill()

    def run(self, job: dict) -> tuple:
        """("ok", media type, body) or ("error", status, message)."""
        try:
            chosen = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            return ("error", 503, f"all query workers are busy; try again (limit {self.timeout} s)")
        try:
            chosen.connection.send(job)
            if chosen.connection.poll(self.timeout):
                answer = chosen.connection.recv()
                self._idle.put(chosen)
                return answer
        except (EOFError, OSError) as err:
            log.error("query worker failed: %s", err)
            self._discard(chosen)
            self._add()
            return ("error", 500, "internal error: the query worker stopped")
        self._discard(chosen)
        self._add()
        return (
            "error",
            503,
            f"the query exceeded the time limit of {self.timeout:g} s (query_timeout) and was "
            "stopped",
        )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for each in workers:
            each.kill()
