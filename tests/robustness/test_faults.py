"""Faults: ``kg serve`` killed mid-write, a corrupt or stale build, a damaged store directory.

* SIGKILL of the whole process group of ``kg serve`` while writers stream writes, then a restart
  on the same store, ``KG_FAULT_KILLS`` times (2; 20 for the long run). Holds: every acknowledged
  write (204) is there; no write is there in part (each is one INSERT DATA of 8 triples: all or
  none); every journaled write is served; nothing is there that was never sent; the dataset still
  conforms to the shapes.
* A build whose ``graph.trig`` was truncated or whose ``manifest.json`` was edited is detected:
  ``kg query`` (and ``kg serve``: the same ``build_if_stale``) says so and rebuilds; the server
  itself refuses to load it, naming the file.
* A store directory with a garbage or dangling snapshot pointer, a damaged snapshot or a damaged
  primary is detected when the store is opened and recovered (from the build and the journal),
  with a warning; the writes made before are all there. The last restart of the SIGKILL test
  is on such a store, over ``kg serve``.

Figures go to ``$KG_ROBUSTNESS_FIGURES/faults-*.json``.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import threading
import time
from pathlib import Path

import pytest
from kg_process import (
    CLAIM_TRIPLES,
    KgServe,
    conforms,
    env_int,
    record_figures,
    sourced_write,
)

from kg.build import GRAPH_FILE, MANIFEST_FILE, output_problem, stale_reason
from server.app import create_app
from server.service import BuildError, prepare
from server.settings import ServerConfig
from server.store import GraphStore
from server.writes import Writer

TOKEN = "fault-test-token"
KILLS = env_int("KG_FAULT_KILLS", 2)
WRITERS = env_int("KG_FAULT_WRITERS", 4)
CLAIM = "https://w3id.org/sikg/claim/"


# -- SIGKILL in the middle of a stream of writes -------------------------------------------------
class Stream:
    """Writers sending one claim after another until the server stops answering."""

    def __init__(self, server: KgServe, round_: int) -> None:
        self.server = server
        self.round = round_
        self.sent: set[str] = set()
        self.acknowledged: set[str] = set()
        self.refused: list[str] = []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._write, args=(w,), daemon=True) for w in range(WRITERS)
        ]

    def _write(self, writer: int) -> None:
        for number in range(10_000):
            claim = f"{CLAIM}fault-{self.round}-{writer}-{number}"
            with self.lock:
                self.sent.add(claim)
            try:
                answer = self.server.update(sourced_write(f"<{claim}>"), timeout=30)
            except OSError:
                return  # killed: this write's fate is unknown to its client
            if answer.status == 204:
                with self.lock:
                    self.acknowledged.add(claim)
            else:
                with self.lock:
                    self.refused.append(f"{answer.status} {answer.text[:200]}")
                return

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in self.threads), "a writer hung after the kill"


def journaled(store: Path) -> set[str]:
    found = set()
    for line in (store / "journal.jsonl").read_text().splitlines():
        update = json.loads(line)["update"]
        found.update(
            part.split(">", 1)[0] for part in update.split(f"<{CLAIM}")[1:] if "fault-" in part
        )
    return {CLAIM + name for name in found}


def test_sigkill_mid_writes_loses_no_acknowledged_write(build_dir, tmp_path_factory):
    store = tmp_path_factory.mktemp("fault-store")
    server = KgServe(build_dir, store, tmp_path_factory.mktemp("fault-logs"), token=TOKEN)
    rng = random.Random(1918)
    sent: set[str] = set()
    acknowledged: set[str] = set()
    refused: list[str] = []
    in_flight_kills = 0
    try:
        for round_ in range(KILLS):
            server.start()
            stream = Stream(server, round_)
            stream.start()
            deadline = time.monotonic() + 30
            target = rng.randint(3, 12)  # acknowledged writes before the kill, at random
            while len(stream.acknowledged) < target and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.2))  # land anywhere inside the next writes
            in_flight = len(stream.sent) - len(stream.acknowledged)
            in_flight_kills += in_flight > 0
            server.kill()
            stream.join()
            sent |= stream.sent
            acknowledged |= stream.acknowledged
            refused += stream.refused
        # While it is down after the last kill, the store is damaged too: the snapshot it served
        # is deleted and the primary's RocksDB pointer is garbage. The restart must say so, load
        # the build again and replay the journal.
        shutil.rmtree(_current_snapshot(store))
        (store / "primary" / "CURRENT").write_text("garbage\n")
        server.start()
        recovered = "is damaged" in server.stderr() and "replaying the journal" in server.stderr()
        sizes = server.claim_sizes("fault-")
        nquads = server.dataset_nquads()
        after = server.update(sourced_write(f"<{CLAIM}fault-after>"))
        resumed = after.status == 204 and server.claim_sizes("fault-after") == {
            f"{CLAIM}fault-after": CLAIM_TRIPLES
        }
    finally:
        server.stop()
    in_journal = journaled(store)
    lost = sorted(c for c in acknowledged if sizes.get(c) != CLAIM_TRIPLES)
    partial = sorted(c for c, n in sizes.items() if n != CLAIM_TRIPLES)
    phantom = sorted(set(sizes) - sent - {f"{CLAIM}fault-after"})
    hidden = sorted(c for c in in_journal - {f"{CLAIM}fault-after"} if c not in sizes)
    valid, violations, report = conforms(nquads)
    record_figures(
        "faults-sigkill",
        {
            "kills_injected": KILLS,
            "kills_with_writes_in_flight": in_flight_kills,
            "writers": WRITERS,
            "writes_sent": len(sent),
            "writes_acknowledged": len(acknowledged),
            "writes_lost": len(lost),
            "writes_partial": len(partial),
            "unacknowledged_but_present": len(set(sizes) & (sent - acknowledged)),
            "journaled_but_not_served": len(hidden),
            "store_damage_recovered": recovered,
            "conforms": valid,
        },
    )
    assert refused == [], refused[:5]
    assert len(acknowledged) >= 3 * KILLS
    assert lost == [], lost[:10]
    assert partial == [], partial[:10]
    assert phantom == [] and hidden == []
    assert resumed, after.text
    assert recovered, "the restart did not report the damaged store"
    assert valid and violations == 0, report[:3000]


# -- a corrupt or stale build ---------------------------------------------------------------------
@pytest.fixture
def build_copy(build_dir, tmp_path) -> Path:
    copy = tmp_path / "build"
    shutil.copytree(build_dir, copy)
    return copy


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) // 2) + 1  # at a line end: still parses, half missing
    path.write_bytes(data[:cut])


def test_a_truncated_build_is_detected_and_rebuilt_by_kg_query(build_copy, run_kg):
    original = sorted((build_copy / GRAPH_FILE).read_text().splitlines())
    _truncate(build_copy / GRAPH_FILE)
    status, out, err = run_kg(
        "query", "--out", str(build_copy), "--format", "csv", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    )
    assert status == 0, err
    assert "does not match its manifest" in err and "rebuilding" in err
    assert output_problem(build_copy, json.loads((build_copy / MANIFEST_FILE).read_text())) is None
    # rebuilt whole: the same lines (the order of the graphs may vary between runs)
    assert sorted((build_copy / GRAPH_FILE).read_text().splitlines()) == original
    record_figures("faults-build-truncated", {"detected": 1, "rebuilt": 1, "served_corrupt": 0})


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", "does not match its manifest"),
        ("edit digest", "does not match its manifest"),
        ("drop digests", "records no digest"),
        ("garbage manifest", "cannot be read"),
        ("delete graph", "is missing"),
    ],
)
def test_the_server_refuses_a_corrupt_build(build_copy, tmp_path, damage, message):
    manifest_path = build_copy / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    if damage == "truncate":
        _truncate(build_copy / GRAPH_FILE)
    elif damage == "edit digest":
        manifest["files"][GRAPH_FILE] = "0" * 64
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "drop digests":
        del manifest["files"]
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "garbage manifest":
        manifest_path.write_text('{"inputs": ')
    else:
        (build_copy / GRAPH_FILE).unlink()
    config = ServerConfig(store_dir=str(tmp_path / "store"), build_dir=str(build_copy))
    with pytest.raises(BuildError, match=message):
        prepare(config)
    assert not (tmp_path / "store" / "primary").exists()  # nothing of it was loaded


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        ({"inputs": "0" * 64}, "was built from other inputs"),
        ({"format": 0}, "was built from other inputs"),
        ({"files": {GRAPH_FILE: "0" * 64}}, "does not match its manifest"),
        ({"files": {}}, "records no digest"),
    ],
)
def test_an_edited_manifest_makes_the_build_stale(project, build_copy, edit, reason):
    assert stale_reason(project, build_copy) is None
    manifest_path = build_copy / MANIFEST_FILE
    manifest_path.write_text(json.dumps({**json.loads(manifest_path.read_text()), **edit}))
    assert reason in stale_reason(project, build_copy)


# -- a damaged store directory -------------------------------------------------------------------
def _app(store: Path, build_dir: Path):
    return create_app(
        ServerConfig(
            store_dir=str(store),
            build_dir=str(build_dir),
            executor="inline",
            update_token=TOKEN,
        )
    )


def _claim_triples(app, claim: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{claim}> ?p ?o }} }}"
    response = app.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.data
    return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])


def _close(app) -> None:
    import gc

    app.extensions["kg"].close()
    gc.collect()


def _current_snapshot(store: Path) -> Path:
    return store / "snapshots" / (store / "snapshots" / "CURRENT").read_text().strip()


DAMAGES = {
    "garbage snapshot pointer": lambda s: (s / "snapshots" / "CURRENT").write_text("garbage\n"),
    "snapshot pointer out of the store": lambda s: (s / "snapshots" / "CURRENT").write_text(
        "../../../etc"
    ),
    "empty snapshot pointer": lambda s: (s / "snapshots" / "CURRENT").write_text(""),
    "deleted snapshot pointer": lambda s: (s / "snapshots" / "CURRENT").unlink(),
    "deleted snapshot": lambda s: shutil.rmtree(_current_snapshot(s)),
    "snapshot missing a table": lambda s: [p.unlink() for p in _current_snapshot(s).glob("*.sst")],
    "garbage primary CURRENT": lambda s: (s / "primary" / "CURRENT").write_text("garbage\n"),
    "primary emptied": lambda s: [p.unlink() for p in (s / "primary").iterdir()],
    "primary missing a table": lambda s: [p.unlink() for p in (s / "primary").glob("*.sst")],
    "garbage fingerprint": lambda s: (s / "fingerprint.json").write_text("[1, 2"),
    "fingerprint not an object": lambda s: (s / "fingerprint.json").write_text("[]"),
}
# What server.store warns of when it opens each damaged store (server.store.GraphStore.open): a
# snapshot it replaces, or a primary it sets aside before the reload and the journal's replay. A
# lost fingerprint is a plain reload: nothing to warn of.
SNAPSHOT_REPLACED = "taking a new snapshot of the store"
PRIMARY_RELOADED = "is damaged"
DAMAGE_WARNINGS = {
    "garbage snapshot pointer": SNAPSHOT_REPLACED,
    "snapshot pointer out of the store": SNAPSHOT_REPLACED,
    "empty snapshot pointer": SNAPSHOT_REPLACED,
    "deleted snapshot pointer": SNAPSHOT_REPLACED,
    "deleted snapshot": SNAPSHOT_REPLACED,
    "snapshot missing a table": SNAPSHOT_REPLACED,
    "garbage primary CURRENT": PRIMARY_RELOADED,
    "primary emptied": PRIMARY_RELOADED,
    "primary missing a table": PRIMARY_RELOADED,
    "garbage fingerprint": None,
    "fingerprint not an object": None,
}


@pytest.fixture(scope="module")
def written_store(build_dir, tmp_path_factory) -> Path:
    """A store of the session build with one acknowledged write (copied by each damage case)."""
    store = tmp_path_factory.mktemp("written") / "store"
    app = _app(store, build_dir)
    try:
        response = app.test_client().post(
            "/sparql",
            data=sourced_write(f"<{CLAIM}fault-store>"),
            content_type="application/sparql-update",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 204, response.data
    finally:
        _close(app)
    return store


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_store_is_detected_and_recovered(
    build_dir, written_store, tmp_path, caplog, damage
):
    store = tmp_path / "store"
    shutil.copytree(written_store, store)
    DAMAGES[damage](store)
    caplog.set_level(logging.WARNING)
    app = _app(store, build_dir)
    try:
        assert _claim_triples(app, f"{CLAIM}fault-store") == CLAIM_TRIPLES  # the write is back
        response = app.test_client().post(
            "/sparql",
            data=sourced_write(f"<{CLAIM}fault-store-after>"),
            content_type="application/sparql-update",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 204, response.data  # and writes go on
        assert _claim_triples(app, f"{CLAIM}fault-store-after") == CLAIM_TRIPLES
    finally:
        _close(app)
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "server.store" and r.levelno >= logging.WARNING
    ]
    expected = DAMAGE_WARNINGS[damage]
    if expected is not None:
        assert any(expected in message for message in warnings), f"recovered silently: {warnings}"
    record_figures(
        f"faults-store-{damage.replace(' ', '-')}",
        {"damage": damage, "detected": 1, "recovered": 1, "writes_lost": 0},
    )


def test_a_write_journaled_just_before_a_crash_is_served_after_the_restart(build_dir, tmp_path):
    """A crash after the write was applied and journaled but before its snapshot was taken:
    the restart (``prepare``, as ``kg serve`` runs it) publishes what the primary holds."""
    store = tmp_path / "store"
    config = ServerConfig(
        store_dir=str(store), build_dir=str(build_dir), executor="inline", update_token=TOKEN
    )
    prepare(config)
    claim = f"{CLAIM}fault-unpublished"
    graph_store = GraphStore(store)
    writer = Writer(config)
    with graph_store._locked(), graph_store._primary() as primary:  # a write, then the crash
        primary.update(sourced_write(f"<{claim}>"))
        writer.commit(primary, "SPARQL update", sourced_write(f"<{claim}>"))
    prepare(config)
    app = create_app(config)
    try:
        assert _claim_triples(app, claim) == CLAIM_TRIPLES
    finally:
        _close(app)
