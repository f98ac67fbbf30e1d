"""Where queries run, with a hard time limit per query: two ways.

Oxigraph evaluates a query in Rust and cannot be interrupted from Python, so a query past the
limit can only be abandoned with the process running it:

* ``QueryPool``: worker processes fed through pipes by the web process; a runaway worker is
  killed and replaced while the others go on. Used by an app created on its own (tests, a WSGI
  server of the user's choice), where the web process must never be lost.
* ``InlineRunner``: the query runs in a thread of the web process itself (Oxigraph releases the
  GIL while it evaluates), with no hop between processes; a runaway query gets its 503 and
  ``on_runaway`` asks the server to replace the whole process once its answers are sent. Used by
  ``kg serve``, which runs one such process per core under gunicorn, so throughput is that of the
  web processes themselves.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable

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
        return ("error", 503, TIMEOUT_MESSAGE.format(timeout=self.timeout))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for each in workers:
            each.kill()


TIMEOUT_MESSAGE = (
    "the query exceeded the time limit of {timeout:g} s (query_timeout) and was stopped"
)


class InlineRunner:
    """Queries in threads of this process; ``run(job)`` answers within ``timeout`` s.

    The threads are kept (handing a job to a waiting thread costs microseconds; starting one
    costs more than a lookup query). A thread stuck in a runaway query is replaced at once, and
    the process is asked to go (``on_runaway``).
    """

    def __init__(
        self, timeout: float, open_store, on_runaway: Callable[[], None], threads: int = 4
    ) -> None:
        self.timeout = timeout
        self._open_store = open_store
        self._on_runaway = on_runaway
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        for _ in range(threads):
            self._start_thread()

    def _start_thread(self) -> None:
        with self._lock:
            self._threads += 1
        threading.Thread(target=self._loop, name="query", daemon=True).start()

    def _loop(self) -> None:
        while True:
            job, done, box = self._jobs.get()
            if job is None:
                return
            try:
                box.append(worker.run_job(job, self._open_store))
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as err:  # noqa: BLE001 - answered as a 500, logged here
                # BaseException: a panic in Oxigraph's Rust code reaches Python as pyo3's
                # PanicException, which is no Exception; missed, it left the client waiting for
                # the time limit and then blamed the query with a 503.
                log.exception("query failed")
                box.append(
                    ("error", 500, f"internal error running the query: {type(err).__name__}")
                )
            done.set()

    def run(self, job: dict) -> tuple:
        """("ok", media type, body) or ("error", status, message)."""
        done, box = threading.Event(), []
        self._jobs.put((job, done, box))
        if done.wait(self.timeout):
            return box[0]
        log.warning("a query passed the time limit of %g s; replacing this process", self.timeout)
        self._start_thread()  # the stuck thread's replacement, until the process goes
        self._on_runaway()
        return ("error", 503, TIMEOUT_MESSAGE.format(timeout=self.timeout))

    def close(self) -> None:
        with self._lock:
            count, self._threads = self._threads, 0
        for _ in range(count):
            self._jobs.put((None, None, None))
