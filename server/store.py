"""The served dataset: one on-disk Oxigraph store, written under a lock, read through snapshots.

Several processes may serve one store (``kg serve`` runs one per core). None of them keeps the
primary store open: a write takes the store's lock (a ``flock`` on ``write.lock``, so one writer at
a time across processes, plus a thread lock inside one), opens the primary, applies the write,
takes a snapshot (a RocksDB checkpoint: hard links, a few milliseconds) and closes it again.
Queries read the newest snapshot, named in ``snapshots/CURRENT``, opened read-only once per
process and version, so a query never reads a store that is being written and a runaway query can
be abandoned without harming the data. The store is built once from the build output or the given
files and reused on the next start while its fingerprint (the inputs) is unchanged.

Damage is found when the store is opened, and repaired with a warning: a snapshot pointer that is
garbage or names a missing or unreadable snapshot gets a new snapshot; a primary RocksDB reports
as corrupt (or that has lost its files) is set aside and loaded again from the inputs, with the
journal of writes replayed on it (``server.writes``), so no acknowledged write is lost.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

FINGERPRINT_FILE = "fingerprint.json"
LOCK_FILE = "write.lock"
CURRENT_FILE = "CURRENT"
# Snapshots kept: a process may still be reading an older one for a moment after a write.
KEEP_SNAPSHOTS = 5
OPEN_RETRY_SECONDS = 5.0

log = logging.getLogger(__name__)

RDF_FORMATS_BY_SUFFIX = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".n3": ox.RdfFormat.N3,
}


@dataclass(frozen=True)
class Snapshot:
    version: int
    path: str


def fingerprint_files(paths: Iterable[Path], extra: str = "") -> str:
    """A digest of file contents (and anything else that decides the store's content)."""
    sha = hashlib.sha256(extra.encode())
    for path in sorted(Path(p) for p in paths):
        sha.update(str(path).encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF format of a file, from its extension."""
    try:
        return RDF_FORMATS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(RDF_FORMATS_BY_SUFFIX))
        raise ValueError(f"{path}: unknown RDF file extension (known: {known})") from None


class SnapshotReaders:
    """``readers(path)``: the snapshot at ``path`` open read-only; the two last used stay open
    (snapshots change only with writes, and a query may still read the one before)."""

    def __init__(self) -> None:
        self._open: dict[str, ox.Store] = {}
        self._lock = threading.Lock()

    def __call__(self, path: str) -> ox.Store:
        store = self._open.get(path)
        if store is not None:
            return store
        with self._lock:
            store = self._open.get(path)
            if store is None:
                store = ox.Store.read_only(path)
                self._open = {**dict(list(self._open.items())[-1:]), path: store}
            return store

    def clear(self) -> None:
        with self._lock:
            self._open = {}


class GraphStore:
    """The store of a server: its primary (opened only to write), snapshots and write lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._current_path = str(directory / "snapshots" / CURRENT_FILE)
        self._current: tuple[tuple[int, int], Snapshot] | None = None  # (inode, mtime) -> it
        self._thread_lock = threading.RLock()
        self.reader_for = SnapshotReaders()  # the snapshot at a path, open read-only

    @property
    def primary_path(self) -> Path:
        return self.directory / "primary"

    @classmethod
    def open(
        cls,
        directory: Path,
        fingerprint: str,
        files: Iterable[Path],
        after_load: Callable[[ox.Store], None] | None = None,
    ) -> GraphStore:
        """Open the store in ``directory``, (re)loading ``files`` if the fingerprint changed.

        ``after_load`` runs on a freshly loaded store before its fingerprint is recorded (the
        writes journal is replayed there), so a crash during it means another reload. Every
        process serving the store calls this; the lock makes the first one load it.
        """
        directory.mkdir(parents=True, exist_ok=True)
        graph_store = cls(directory)
        with graph_store._locked():
            marker = directory / FINGERPRINT_FILE
            current = None
            if marker.is_file():
                try:
                    current = json.loads(marker.read_text()).get("fingerprint")
                except (ValueError, AttributeError):  # not JSON, or not an object
                    current = None
            primary_path = graph_store.primary_path
            damage = graph_store._primary_damage() if current == fingerprint else None
            if damage is not None:
                # The journal holds every acknowledged write: load the inputs again and replay it.
                log.warning(
                    "the store in %s is damaged (%s); reloading it and replaying the journal "
                    "(the damaged copy is kept in primary.damaged)",
                    directory,
                    damage,
                )
                aside = directory / "primary.damaged"
                shutil.rmtree(aside, ignore_errors=True)
                primary_path.rename(aside)
            if current != fingerprint or not primary_path.is_dir():
                marker.unlink(missing_ok=True)
                shutil.rmtree(primary_path, ignore_errors=True)
                shutil.rmtree(directory / "snapshots", ignore_errors=True)
                with graph_store._primary() as store:
                    for path in files:
                        store.bulk_load(path=str(path), format=rdf_format(Path(path)))
                    store.flush()
                    if after_load is not None:
                        after_load(store)
                        store.flush()
                    marker.write_text(json.dumps({"fingerprint": fingerprint}))
                    graph_store._take_snapshot(store)
            elif (problem := graph_store._snapshot_problem()) is not None:
                log.warning("%s; taking a new snapshot of the store", problem)
                with graph_store._primary() as store:
                    graph_store._take_snapshot(store)
        return graph_store

    @classmethod
    def attach(cls, directory: Path) -> GraphStore:
        """The store ``open`` has prepared, for a serving process: nothing is checked, loaded
        or repaired here. ``kg serve`` prepares the store once before its processes start; a
        process started later (one replacing a runaway) must not reload the store, or remove
        its snapshots, under the processes still serving it because a new build has landed."""
        if not (directory / FINGERPRINT_FILE).is_file():
            raise FileNotFoundError(f"{directory} holds no prepared store")
        return cls(directory)

    def _primary_damage(self) -> str | None:
        """Why the primary store cannot be opened (RocksDB reports corruption), or None."""
        if not self.primary_path.is_dir():
            return None  # nothing there yet: loaded below
        if not (self.primary_path / "CURRENT").is_file():  # RocksDB would make a new, empty one
            return f"{self.primary_path} holds no RocksDB database"
        try:
            with self._primary():
                return None
        except FileNotFoundError as err:  # files of the primary are gone (CURRENT, a table)
            return str(err)
        except RuntimeError as err:
            if "Corruption" in str(err):
                return str(err)
            raise

    def _snapshot_problem(self) -> str | None:
        """Why the snapshot ``snapshots/CURRENT`` names cannot be read, or None."""
        version = self._current_version()
        if version is None:
            return f"{self.directory}/snapshots/{CURRENT_FILE} names no snapshot"
        path = self.directory / "snapshots" / str(version)
        if not path.is_dir():
            return f"snapshot {path} is missing"
        try:
            ox.Store.read_only(str(path))
        except (OSError, RuntimeError) as err:
            return f"snapshot {path} cannot be opened ({err})"
        return None

    # -- writing --------------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[ox.Store]:
        """The primary store, for one write; a snapshot of it is taken when the block succeeds.

        Holds the write lock (threads and processes) for the whole block.
        """
        with self._locked(), self._primary() as primary:
            yield primary
            self._take_snapshot(primary)

    def publish(self) -> Snapshot:
        """Take a snapshot of the primary as it is now. After a crash, a write applied and
        journaled just before it, whose snapshot was never taken, is shown from then on."""
        with self._locked(), self._primary() as primary:
            return self._take_snapshot(primary)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock, open(self.directory / LOCK_FILE, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def _primary(self) -> Iterator[ox.Store]:
        """Open the primary; RocksDB's own lock may still be held for a moment by the last
        writer of this process (its store object not yet collected), so retry briefly."""
        deadline = time.monotonic() + OPEN_RETRY_SECONDS
        while True:
            try:
                store = ox.Store(str(self.primary_path))
                break
            except FileNotFoundError:
                raise  # a file of the store is gone: waiting will not bring it back
            except OSError:
                if time.monotonic() > deadline:
                    raise
                gc.collect()
                time.sleep(0.01)
        handle = _Handle(store)
        del store
        try:
            yield handle
        finally:
            handle.release()
            gc.collect()

    # -- snapshots ----------------------------------------------------------------------------
    def _current_version(self) -> int | None:
        try:
            text = (self.directory / "snapshots" / CURRENT_FILE).read_text()
        except OSError:
            return None
        return int(text) if text.strip().isdigit() else None  # never a path: digits only

    def snapshot(self) -> Snapshot:
        """The newest snapshot (what queries read now); one stat() when it has not changed."""
        info = os.stat(self._current_path)
        key = (info.st_ino, info.st_mtime_ns)
        known = self._current
        if known is not None and known[0] == key:
            return known[1]
        version = self._current_version()
        if version is None:
            raise OSError(f"the store in {self.directory} has no snapshot")
        snapshot = Snapshot(version, str(self.directory / "snapshots" / str(version)))
        self._current = (key, snapshot)
        return snapshot

    def _take_snapshot(self, primary) -> Snapshot:
        root = self.directory / "snapshots"
        root.mkdir(exist_ok=True)
        versions = sorted(int(p.name) for p in root.iterdir() if p.name.isdigit())
        version = (versions[-1] + 1) if versions else 1
        target = root / str(version)
        primary.flush()
        primary.backup(str(target))
        pointer = root / f"{CURRENT_FILE}.{os.getpid()}.tmp"
        pointer.write_text(str(version))
        os.replace(pointer, root / CURRENT_FILE)
        for old in versions[: max(0, len(versions) + 1 - KEEP_SNAPSHOTS)]:
            shutil.rmtree(root / str(old), ignore_errors=True)
        return Snapshot(version, str(target))

    # -- reading ------------------------------------------------------------------------------
    def reader(self) -> ox.Store:
        """The newest snapshot, open read-only (one per process and version)."""
        return self.reader_for(self.snapshot().path)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.reader().named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        return len(self.reader())

    def close(self) -> None:
        """Forget the open snapshots (the primary is only open during a write)."""
        self.reader_for.clear()


class _Handle:
    """The primary store for one write, released (and so closed) when the write ends.

    Objects made during a write (a delta, a validation graph, an exception's traceback) can keep
    a reference to the store after the write; RocksDB stays locked while any reference lives, and
    the next write, in this process or another, could not open it. They get this handle instead:
    ``release`` drops the only reference to the store itself, and the handle refuses later use.
    """

    __slots__ = ("_store",)

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    def _live(self) -> ox.Store:
        if self._store is None:
            raise RuntimeError("the primary store is used after its write ended")
        return self._store

    def __getattr__(self, name: str):
        return getattr(self._live(), name)

    def __iter__(self):
        return iter(self._live())

    def __len__(self) -> int:
        return len(self._live())

    def __contains__(self, quad) -> bool:
        return quad in self._live()

    def release(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.flush()
