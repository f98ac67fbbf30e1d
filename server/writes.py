"""Writes: SPARQL 1.1 Update and the Graph Store Protocol, validated, atomic and durable.

Writes are off unless ``update_token`` is set (403 saying so); then a write needs
``Authorization: Bearer <token>`` (401 without, 403 with a wrong one; a token in the query string
does not count). One write, under the store's write lock:

1. An update is parsed first: a syntax error is a 400 with Oxigraph's message and position
   (``Service.check_update`` has already refused LOAD and SERVICE calls off the allow-list).
   Before the write lock is taken, each WHERE clause is counted as a query, under the query time
   limit and ``max_update_solutions`` (``check_where_clauses``): Oxigraph cannot stop an update.
2. What it would change is worked out without changing anything (``server.delta``) and, with
   ``validate_writes`` on, the part of the graph it touches is validated against the SHACL shapes
   (``server.shapes_check`` says exactly which part). A violation refuses the whole write: 422 with
   the validation report, as JSON (with the results) or text, whichever the client accepts, and
   nothing of it is applied.
3. The update runs on the primary store as one Oxigraph transaction (all of it or nothing), and the
   store is flushed to disk.
4. The operation is appended to the journal and fsync'ed; only then is the write acknowledged
   (204, or 201 when a Graph Store request created a graph), after a new snapshot is taken for the
   query workers, so the next query sees it.

The journal (``journal.jsonl`` in the store directory) is append-only JSON lines, one per
acknowledged write: ``seq``, ``time``, ``operation`` and the SPARQL ``update`` exactly as applied
(a Graph Store request is journaled as the equivalent update: ``CLEAR``/``CREATE``/``INSERT DATA``
for PUT, ``INSERT DATA`` for POST, ``DROP`` for DELETE). The primary store is on disk, so a
restart keeps every write; the journal is for the restart after which the store is rebuilt because
its inputs changed (a new build): the writes are replayed, in order, on the new load, each
validated again, and a write that no longer applies or validates is moved to
``journal-rejected.jsonl`` with the reason and the report, and logged, instead of being dropped
silently. A crash before the journal line is written loses only a write that was never
acknowledged; a torn last line (a crash mid-append) is cut off on the next start.

Limits: the WHERE clause of an update is evaluated three times (counted, then to work out the
delta, then when the update is applied), so functions that give a new value on each evaluation
(RAND, UUID, STRUUID, NOW, BNODE) and SERVICE calls can give the applied write other values than
the validated one (the shapes do not look at such values, so this matters only for a write built
to exploit it). The journal grows with every write (no compaction yet).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from flask import Response, request

from kg.validate import Report
from kg.vocab import prefixes
from server import shapes_check
from server.delta import (
    Delta,
    Evaluator,
    NotUnderstoodError,
    UnionView,
    Update,
    parse_update,
)
from server.errors import APIError

log = logging.getLogger(__name__)

JOURNAL_FILE = "journal.jsonl"
REJECTED_FILE = "journal-rejected.jsonl"
SCRATCH_DIR = "scratch"
_APPLY_ERRORS = (OSError, RuntimeError, ValueError)


class WriteRefusedError(APIError):
    """A write that would break the shapes: 422 with the validation report."""

    def __init__(self, report: Report) -> None:
        super().__init__(
            422,
            f"the write was refused: it would break {report.violations} SHACL constraint"
            f"{'' if report.violations == 1 else 's'} (nothing of it was applied)",
        )
        self.report = report


# -- authorisation ------------------------------------------------------------------------------


def authorise(service) -> None:
    """Raise unless the request carries the configured write token (in the header, only)."""
    token = service.config.update_token
    if not token:
        raise APIError(
            403,
            "writes are disabled on this server: no update token is configured "
            "(set KG_UPDATE_TOKEN or --update-token)",
        )
    header = request.headers.get("Authorization", "")
    if not header:
        raise APIError(
            401, "writes need 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"}
        )
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        raise APIError(403, "the write token is wrong")


# -- the journal --------------------------------------------------------------------------------


class Journal:
    """Acknowledged writes, one JSON line each, appended and fsync'ed before the 2xx."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / JOURNAL_FILE
        self.rejected_path = directory / REJECTED_FILE

    def entries(self) -> list[dict]:
        """The journaled writes, oldest first (a torn last line is cut off)."""
        if not self.path.is_file():
            return []
        self._cut_torn_line()
        with open(self.path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def _cut_torn_line(self) -> bytes:
        """Cut off a last line without its newline (a crash mid-append); return the last line."""
        with open(self.path, "r+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            end, block = size, 1 << 16
            tail = b""
            while end > 0:  # read backwards to the last two newlines: lines can be megabytes
                start = max(0, end - block)
                handle.seek(start)
                tail = handle.read(end - start) + tail
                end = start
                if tail.count(b"\n") >= 2 or (end == 0 and tail):
                    break
            complete = tail[: tail.rfind(b"\n") + 1]
            if len(complete) != len(tail):
                log.warning(
                    "journal %s: cutting off a torn last line (never acknowledged)", self.path
                )
                handle.truncate(size - (len(tail) - len(complete)))
                handle.flush()
                os.fsync(handle.fileno())
        lines = complete.rstrip(b"\n").rsplit(b"\n", 1)
        return lines[-1] if complete else b""

    def append(self, operation: str, update: str) -> dict:
        """Append one write (call under the store's write lock: other processes append too)."""
        last = self._cut_torn_line() if self.path.is_file() else b""
        entry = {
            "seq": (json.loads(last)["seq"] + 1) if last else 1,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "operation": operation,
            "update": update,
        }
        _append_line(self.path, entry)
        return entry

    def rewrite(self, entries: list[dict]) -> None:
        """Replace the journal with ``entries`` (atomically: a new file renamed over it)."""
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            for entry in entries:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        _fsync_directory(self.path.parent)

    def reject(self, entry: dict, reason: str, report: str | None) -> None:
        record = dict(entry, rejected=datetime.now(UTC).isoformat(timespec="seconds"))
        record["reason"] = reason
        if report:
            record["report"] = report
        _append_line(self.rejected_path, record)


def _append_line(path: Path, record: dict) -> None:
    new = not path.exists()
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    if new:
        _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- the writer ---------------------------------------------------------------------------------


class Writer:
    """Validates, applies, journals and replays the writes of one service."""

    def __init__(self, config) -> None:
        self.config = config
        self.directory = Path(config.store_dir)
        self.journal = Journal(self.directory)
        self.leave_out = [ox.NamedNode(config.inferred_graph)]
        self.prefixes = prefixes(config.base)
        self.replayed = 0
        self.rejected: list[dict] = []  # writes the last replay could not apply again
        self._scratch_cleared = False
        self.scratch = self.directory / SCRATCH_DIR / str(os.getpid())

    @property
    def checker(self) -> shapes_check.ShapesCheck | None:
        return shapes_check.load() if self.config.validate_writes else None

    def evaluator(self, primary: ox.Store) -> Evaluator:
        if not self._scratch_cleared:  # copies an earlier process of this pid left behind
            shutil.rmtree(self.scratch, ignore_errors=True)
            self._scratch_cleared = True
        return Evaluator(primary, self.scratch)

    # -- one write (call with the write lock held) ----------------------------------------------
    def update(
        self, primary: ox.Store, text: str, using: list[str] = (), using_named: list[str] = ()
    ) -> str:
        """Validate and apply a SPARQL update; return the text applied (for the journal)."""
        check_syntax(text)
        try:
            plan: Update | None = parse_update(text)
        except NotUnderstoodError:
            log.warning("the write path could not split an update; using a store copy instead")
            plan = None
        if using or using_named:
            if plan is None:
                raise APIError(400, "using-graph-uri cannot be applied to this update")
            if any(op.has_dataset_clause for op in plan.operations):
                raise APIError(
                    400,
                    "the update has its own USING or WITH clause: leave out using-graph-uri "
                    "and using-named-graph-uri (SPARQL 1.1 Protocol 2.2.3)",
                )
            text = plan.with_protocol_dataset(list(using), list(using_named))
        checker = self.checker
        if checker is not None:
            evaluator = self.evaluator(primary)
            try:
                if plan is not None:
                    delta = evaluator.update_delta(plan, using, using_named)
                else:
                    delta = evaluator.update_delta_by_copy(text)
            except NotUnderstoodError:
                delta = evaluator.update_delta_by_copy(text)
            except SyntaxError as err:
                raise APIError(400, f"SPARQL syntax error: {err}") from None
            except _APPLY_ERRORS as err:
                raise APIError(400, f"the update failed: {err}") from None
            self._validate(checker, primary, delta)
        try:
            primary.update(text)
        except SyntaxError as err:
            raise APIError(400, f"SPARQL syntax error: {err}") from None
        except _APPLY_ERRORS as err:
            raise APIError(400, f"the update failed: {err}") from None
        return text

    def apply(self, primary: ox.Store, delta: Delta, text: str) -> None:
        """Validate a Graph Store change (``delta``) and apply it as the update ``text``."""
        checker = self.checker
        if checker is not None:
            self._validate(checker, primary, delta)
        try:
            primary.update(text)
        except (SyntaxError, *_APPLY_ERRORS) as err:
            raise APIError(400, f"the write failed: {err}") from None

    def _validate(self, checker, primary: ox.Store, delta: Delta) -> None:
        report = checker.check(UnionView(primary, delta, self.leave_out), self.prefixes)
        if report is not None and not report.conforms:
            raise WriteRefusedError(report)

    def commit(self, primary: ox.Store, operation: str, text: str) -> None:
        """Make an applied write durable and journal it (call inside ``GraphStore.writing``,
        which then takes the snapshot that shows it to queries)."""
        primary.flush()
        self.journal.append(operation, text)

    # -- after a reload from changed inputs ----------------------------------------------------
    def replay(self, primary: ox.Store) -> None:
        """Apply the journaled writes again, in order, on a store just loaded from new inputs."""
        entries = self.journal.entries()
        if not entries:
            return
        kept, rejected = [], []
        for entry in entries:
            try:
                self.update(primary, entry["update"])
            except WriteRefusedError as refused:
                rejected.append((entry, "it no longer validates", refused.report.text()))
            except APIError as err:
                rejected.append((entry, err.message, None))
            else:
                kept.append(entry)
        primary.flush()
        for entry, reason, report in rejected:
            log.warning(
                "journaled write %s (%s) was not replayed: %s",
                entry.get("seq"),
                entry.get("operation"),
                reason,
            )
            self.journal.reject(entry, reason, report)
        if rejected:
            self.journal.rewrite(kept)
        self.replayed = len(kept)
        self.rejected = [dict(entry, reason=reason) for entry, reason, _ in rejected]
        log.info("replayed %d journaled writes, %d rejected", len(kept), len(rejected))


def check_syntax(text: str) -> None:
    """Raise 400 unless Oxigraph can parse the update (run on an empty in-memory store)."""
    try:
        ox.Store().update(text)
    except SyntaxError as err:
        raise APIError(400, f"SPARQL syntax error: {err}") from None
    except _APPLY_ERRORS:
        pass  # e.g. CLEAR of a graph the empty store does not have: not a syntax error


# -- the SPARQL 1.1 Update route ----------------------------------------------------------------


def sparql_update(service, update: str, params) -> Response:
    authorise(service)
    update = service.check_update(update)  # refuses LOAD and SERVICE calls off the allow-list
    using = params.getlist("using-graph-uri")
    using_named = params.getlist("using-named-graph-uri")
    check_where_clauses(service, update, using, using_named)
    writer = service.writer
    with service.store.writing() as primary:
        try:
            applied = writer.update(primary, update, using, using_named)
        except WriteRefusedError as refused:
            return refusal(refused)
        writer.commit(primary, "SPARQL update", applied)
    return Response(status=204)


WHERE_COUNT = "sikg_where_solutions"


def check_where_clauses(service, text: str, using=(), using_named=()) -> None:
    """Refuse an update whose WHERE clause passes the time limit or matches too many solutions.

    Oxigraph cannot stop an update once it runs, and the write path holds the write lock while
    it works the delta out (keeping every solution in memory) and applies it. So before the lock
    is taken each WHERE clause is counted as a query, where queries run, under ``query_timeout``
    (503 past it; under ``kg serve`` the process that ran it is then replaced) and
    ``max_update_solutions`` (413). Each clause is counted against the data as it is before the
    update, so a later operation that matches what an earlier one inserts is bounded only as far
    as that data allows.
    """
    try:
        plan = parse_update(text)
    except (NotUnderstoodError, SyntaxError, ValueError):
        return  # the write path reports it, or works the delta out on a copy
    limit = service.config.max_update_solutions
    for number, op in enumerate(plan.operations, start=1):
        if not op.reads_store:
            continue
        try:
            query, default_graph = op.where_query(
                text, using, using_named, projection=f"(COUNT(*) AS ?{WHERE_COUNT})"
            )
        except (SyntaxError, ValueError, IndexError):
            return
        status, *rest = service.run_query(
            query,
            default_graphs=[g.value for g in default_graph] if default_graph else [""],
            named_graphs=None,
            result_formats=["text/csv"],
            graph_formats=[],
            query_dataset=bool(op.using or using or using_named),
        )
        which = (
            f"the WHERE clause of operation {number}"
            if len(plan.operations) > 1
            else ("the WHERE clause of the update")
        )
        if status == "error" and rest[0] == 503:
            raise APIError(
                503,
                f"{which} passed the time limit of {service.config.query_timeout:g} s "
                "(query_timeout) while its solutions were counted; nothing was applied",
            )
        if status != "ok":
            continue  # not countable as a query: the write path reports what is wrong
        lines = rest[1].decode("utf-8").split()
        count = int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0
        if count > limit:
            raise APIError(
                413,
                f"{which} matches {count:,} solutions, more than the {limit:,} one update "
                "operation may work on (max_update_solutions); nothing was applied",
            )


def refusal(refused: WriteRefusedError) -> Response:
    """422 with the report: JSON with the results, or the text report."""
    accept = request.accept_mimetypes
    best = accept.best_match(["text/plain", "application/json"], default="text/plain")
    if best == "application/json" and accept.quality("application/json") > accept.quality(
        "text/plain"
    ):
        body = {"error": refused.message, "status": 422}
        body.update(shapes_check.report_json(refused.report))
        return Response(json.dumps(body, ensure_ascii=False), 422, mimetype="application/json")
    text = f"{refused.message}\n\n{refused.report.text()}"
    return Response(text, 422, mimetype="text/plain")
