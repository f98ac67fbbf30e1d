"""Memory of a served endpoint: every process it consists of, read from /proc.

An endpoint is a tree (gunicorn master, its workers, any query processes they start), so its
memory is the sum over the tree. RSS is what the goal counts; PSS (each shared page divided among
the processes sharing it) is reported beside it because forked workers share pages and a plain
RSS sum counts those pages once per process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Memory:
    rss: int  # bytes, summed over the processes
    pss: int | None  # bytes, summed; None where smaps_rollup cannot be read
    processes: int

    def as_dict(self) -> dict:
        return {"rss_bytes": self.rss, "pss_bytes": self.pss, "processes": self.processes}


def processes(root: int) -> list[int]:
    """``root`` and every process below it, or in its process group (a reparented child)."""
    parents: dict[int, int] = {}
    groups: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: split after the last ')'
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        groups[pid] = int(fields[2])
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    group = groups.get(root)
    if group is not None and group == root:  # a session leader we started: its whole group
        found.update(pid for pid, g in groups.items() if g == group)
    return sorted(pid for pid in found if pid in parents)


def measure(root: int) -> Memory:
    """Summed RSS (and PSS) of the process tree under ``root``."""
    rss, pss, count, pss_ok = 0, 0, 0, True
    for pid in processes(root):
        value = _proc_kb(pid, "status", "VmRSS")
        if value is None:
            continue
        rss += value * 1024
        count += 1
        proportional = _proc_kb(pid, "smaps_rollup", "Pss")
        if proportional is None:
            pss_ok = False
        else:
            pss += proportional * 1024
    return Memory(rss, pss if pss_ok else None, count)


def _proc_kb(pid: int, file: str, key: str) -> int | None:
    """The kB figure of ``key`` in ``/proc/<pid>/<file>`` (``status``, ``smaps_rollup``)."""
    try:
        for line in (PROC / str(pid) / file).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def alive(pids: list[int]) -> list[int]:
    """The pids of the list that still exist (zombies count as gone)."""
    living = []
    for pid in pids:
        try:
            state = (PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        if state[state.rindex(")") + 2] != "Z":
            living.append(pid)
    return living


def group_members(pgid: int) -> list[int]:
    """Every live process whose process group is ``pgid``."""
    members = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    members.append(int(entry.name))
            except OSError:
                continue
    return alive(members)
