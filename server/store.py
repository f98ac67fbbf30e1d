"""The served dataset: one on-disk Oxigraph store with one writer, and read-only snapshots.

The web process owns the primary store and is its only writer. After loading and after each write
it takes a snapshot (a RocksDB checkpoint: hard links, a fraction of a second) that query worker
processes open read-only, so a query never reads a store that is being written and a runaway
query can be killed without harming the data. The store is built once from the build output or
the given files and reused on the next start while its fingerprint (the inputs) is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

FINGERPRINT_FILE = "fingerprint.json"
KEEP_SNAPSHOTS = 3

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


class GraphStore:
    """The primary store of a server, its snapshots and its write lock."""

    def __init__(self, directory: Path, store: ox.Store) -> None:
        self.directory = directory
        self.store = store
        self.write_lock = threading.Lock()
        self._snapshot: Snapshot | None = None

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
        writes journal is replayed there), so a crash during it means another reload.
        """
        directory.mkdir(parents=True, exist_ok=True)
        marker = directory / FINGERPRINT_FILE
        primary = directory / "primary"
        current = None
        if marker.is_file():
            try:
                current = json.loads(marker.read_text()).get("fingerprint")
            except ValueError:
                current = None
        if current != fingerprint or not primary.is_dir():
            marker.unlink(missing_ok=True)
            shutil.rmtree(primary, ignore_errors=True)
            shutil.rmtree(directory / "snapshots", ignore_errors=True)
            store = ox.Store(str(primary))
            for path in files:
                store.bulk_load(path=str(path), format=rdf_format(Path(path)))
            store.flush()
            if after_load is not None:
                after_load(store)
                store.flush()
            marker.write_text(json.dumps({"fingerprint": fingerprint}))
        else:
            store = ox.Store(str(primary))
        graph_store = cls(directory, store)
        graph_store.take_snapshot()
        return graph_store

    # -- snapshots ----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        assert self._snapshot is not None
        return self._snapshot

    def take_snapshot(self) -> Snapshot:
        """Checkpoint the primary store for the query workers (call with the write lock held)."""
        root = self.directory / "snapshots"
        root.mkdir(exist_ok=True)
        versions = sorted(int(p.name) for p in root.iterdir() if p.name.isdigit())
        version = (versions[-1] + 1) if versions else 1
        target = root / str(version)
        self.store.flush()
        self.store.backup(str(target))
        self._snapshot = Snapshot(version, str(target))
        for old in versions[: max(0, len(versions) + 1 - KEEP_SNAPSHOTS)]:
            shutil.rmtree(root / str(old), ignore_errors=True)
        return self._snapshot

    # -- reading ------------------------------------------------------------------------------
    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        return len(self.store)

    def close(self) -> None:
        """Flush and release the primary store (and RocksDB's lock on its directory)."""
        with self.write_lock:
            if self.store is not None:
                self.store.flush()
                self.store = None
