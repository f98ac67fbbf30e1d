"""The known W3C failures (``known_failures.yaml``) and the table in docs/w3c-known-failures.md.

``python tests/w3c/w3c_known.py`` rewrites the generated part of the document from the YAML file
and the manifests; a test checks that the two agree.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
KNOWN_FILE = HERE / "known_failures.yaml"
DOC_FILE = HERE.parents[1] / "docs" / "w3c-known-failures.md"
BEGIN = "<!-- BEGIN GENERATED: python tests/w3c/w3c_known.py -->"
END = "<!-- END GENERATED -->"
CATEGORIES = {
    "engine": "Engine limitation (pyoxigraph 0.5.13)",
    "policy": "Server policy",
    "server": "Server fault (to fix)",
    "suite": "Test-suite quirk",
}


def load_known() -> dict[str, dict]:
    """Test IRI -> {"category": ..., "reason": ...}."""
    data = yaml.safe_load(KNOWN_FILE.read_text(encoding="utf-8")) or {}
    for iri, entry in data.items():
        if set(entry) != {"category", "reason"} or entry["category"] not in CATEGORIES:
            raise ValueError(f"{KNOWN_FILE.name}: {iri}: give a category of {list(CATEGORIES)}")
    return data


def render(tests, known: dict[str, dict]) -> str:
    """The generated part of the document: pass counts per suite, then every known failure."""
    totals = Counter(t.suite for t in tests)
    failing = Counter(t.suite for t in tests if t.iri in known)
    lines = [BEGIN, "", "| suite | passed | of |", "| --- | --- | --- |"]
    for suite in totals:
        lines.append(f"| {suite} | {totals[suite] - failing[suite]} | {totals[suite]} |")
    total, failed = sum(totals.values()), sum(failing.values())
    lines.append(f"| **all** | **{total - failed}** | **{total}** |")
    approved = [t for t in tests if t.approval == "Approved"]
    approved_failed = sum(1 for t in approved if t.iri in known)
    lines.append(f"| approved by the W3C | {len(approved) - approved_failed} | {len(approved)} |")
    by_iri = {t.iri: t for t in tests}
    for category, title in CATEGORIES.items():
        entries = sorted(
            (by_iri[iri].short, iri, entry["reason"])
            for iri, entry in known.items()
            if entry["category"] == category
        )
        if not entries:
            continue
        lines += ["", f"### {title} ({len(entries)})", "", "| test | reason |", "| --- | --- |"]
        for short, iri, reason in entries:
            lines.append(f"| [{short}]({iri}) | {reason} |")
    lines += ["", END]
    return "\n".join(lines)


def generated_part(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def write_doc(tests, known) -> None:
    text = DOC_FILE.read_text(encoding="utf-8")
    DOC_FILE.write_text(text.replace(generated_part(text), render(tests, known)), encoding="utf-8")


if __name__ == "__main__":
    from w3c_manifest import read_suites

    write_doc(read_suites(), load_known())
    sys.stdout.write(f"wrote {DOC_FILE}\n")
