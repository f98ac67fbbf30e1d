"""The build pipeline: texts, registry, loaders and annotations in; a validated dataset out.

Steps, each timed: read the ontology and registry; run each source's loader (passed in by the
caller, so ``kg`` does not depend on ``loaders``); read and anchor the curated annotations; check
every fact; write the graph with claims, sections, sentences and mentions; derive date bounds;
validate with SHACL; optionally infer; write the output directory with a manifest of its inputs so
that a second run with unchanged inputs reuses it. The manifest also records the SHA-256 of each
file written, so a truncated or edited ``graph.trig`` is found (``stale_reason``) and built again
rather than read.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Dataset, Graph

from kg import anchors
from kg.annotations import read_annotations
from kg.errors import DataError, UsageError, ValidationError
from kg.facts import check_statement
from kg.gazetteer import Gazetteer
from kg.graph import INFERRED_GRAPH, GraphWriter, SentenceValues
from kg.iri import Minter, normalise_base
from kg.model import LoadResult, SourceRecord, Statement
from kg.registry import Registry, read_registry
from kg.vocab import DEFAULT_BASE, Vocabulary, load_ontology, read_vocabulary
from kg.wikidata.enrich import Facts
from kg.wikidata.links import add_facts, add_links
from kg.wikidata.table import LinkTable

LINK_TABLE = "wikidata.csv"
FACTS_FILE = "wikidata-facts.json"

Loader = Callable[[SourceRecord, Registry], LoadResult]
Progress = Callable[[str], None]

GRAPH_FILE = "graph.trig"
INFERRED_FILE = "inferred.trig"
MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Project:
    """Where the project's inputs live and the base IRI entities are minted under."""

    root: Path
    base: str = DEFAULT_BASE

    @classmethod
    def discover(cls, root: Path | None = None, base: str | None = None) -> Project:
        """The project next to this package, or ``$KG_PROJECT_ROOT``; base from ``$KG_BASE_IRI``."""
        found = root or Path(os.environ.get("KG_PROJECT_ROOT", Path(__file__).resolve().parents[1]))
        chosen = base or os.environ.get("KG_BASE_IRI") or DEFAULT_BASE
        return cls(Path(found), normalise_base(chosen))

    @property
    def ontology_path(self) -> Path:
        return self.root / "ontology" / "sikg.ttl"

    @property
    def shapes_path(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def links_dir(self) -> Path:
        return self.data_dir / "links"

    @property
    def default_out(self) -> Path:
        return Path(os.environ.get("KG_BUILD_DIR", self.root / "build"))

    def source_records(self) -> list[SourceRecord]:
        """The catalogue records of ``data/sources/*.yaml`` with their texts, in id order."""
        records = []
        for path in sorted((self.data_dir / "sources").glob("*.yaml")):
            meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for key in ("id", "file", "loader"):
                if not meta.get(key):
                    raise DataError(f"{self._rel(path)}: catalogue record needs '{key}'")
            text_path = path.parent / meta["file"]
            with open(text_path, encoding="utf-8", newline="") as handle:
                text = handle.read()
            records.append(SourceRecord(meta["id"], meta["file"], meta["loader"], text, meta))
        return sorted(records, key=lambda r: r.id)

    def input_files(self) -> list[Path]:
        """Every file whose change must trigger a rebuild: data, ontology and the code."""
        files = []
        for folder in ("data", "ontology", "kg", "loaders"):
            files.extend(p for p in (self.root / folder).rglob("*") if p.is_file())
        return sorted(f for f in files if "__pycache__" not in f.parts)

    def inputs_digest(self) -> str:
        sha = hashlib.sha256(f"{FORMAT_VERSION}|{self.base}".encode())
        for path in self.input_files():
            sha.update(self._rel(path).encode())
            sha.update(path.read_bytes())
        return sha.hexdigest()

    def _rel(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


@dataclass
class BuildResult:
    """The built dataset, the inferred graph if asked for, counts and step timings."""

    dataset: Dataset
    inferred: Graph | None = None
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: int = 0


class _Timer:
    def __init__(self, progress: Progress | None) -> None:
        self.timings: dict[str, float] = {}
        self.progress = progress

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        if self.progress:
            self.progress(f"{name}...")
        began = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - began, 3)


def read_inputs(project: Project) -> tuple[Graph, Vocabulary, Registry, list[SourceRecord]]:
    """The ontology, its vocabulary, the curated registry and the source records."""
    ontology = load_ontology(project.ontology_path)
    vocab = read_vocabulary(ontology)
    registry = read_registry(
        (project.data_dir / "entities").glob("*.yaml"), set(vocab.classes), project.root
    )
    return ontology, vocab, registry, project.source_records()


def collect_statements(
    project: Project,
    vocab: Vocabulary,
    registry: Registry,
    records: list[SourceRecord],
    loaders: Mapping[str, Loader],
) -> tuple[dict[str, LoadResult], list[Statement]]:
    """Run the loaders (adding their entities), then read the curated annotations; all checked."""
    results = run_loaders(registry, records, loaders)
    statements: list[Statement] = [s for result in results.values() for s in result.statements]
    by_id = {r.id: r for r in records}
    for path in sorted((project.data_dir / "annotations").glob("*.yaml")):
        source = path.stem
        if source not in by_id:
            raise DataError(f"data/annotations/{path.name}: no source with id '{source}'")
        statements.extend(
            read_annotations(
                path,
                source=source,
                text=by_id[source].text,
                vocab=vocab,
                display=f"data/annotations/{path.name}",
            )
        )
    sources = set(by_id)
    for statement in statements:
        anchors.check(
            by_id[statement.source].text,
            statement.quote,
            statement.start,
            source=statement.source,
            where=statement.origin,
        )
        check_statement(statement, vocab, registry, sources)
    check_aliases(registry, records)
    return results, statements


def check_aliases(registry: Registry, records: list[SourceRecord]) -> None:
    """Every alias must be a surface form some text uses: the gazetteer depends on it."""
    for entity in registry:
        for alias in entity.aliases:
            if not any(alias in record.text for record in records):
                raise DataError(
                    f"{entity.origin}: alias {alias!r} of '{entity.id}' occurs in no source text"
                )


def run_loaders(
    registry: Registry, records: list[SourceRecord], loaders: Mapping[str, Loader]
) -> dict[str, LoadResult]:
    """Run each source's loader in turn, adding the entities it declares to ``registry``.

    Returns the results by source id; a source naming a loader that is not in ``loaders`` is a
    ``DataError`` naming its catalogue record.
    """
    results: dict[str, LoadResult] = {}
    for record in records:
        if record.loader not in loaders:
            raise DataError(f"data/sources/{record.id}.yaml: unknown loader {record.loader!r}")
        result = loaders[record.loader](record, registry)
        for decl in result.entities:
            registry.add(decl)
        results[record.id] = result
    return results


def add_loader_entities(
    registry: Registry, records: list[SourceRecord], loaders: Mapping[str, Loader]
) -> Registry:
    """The registry with the entities the loaders declare (as the build sees it)."""
    run_loaders(registry, records, loaders)
    return registry


def check_annotation_file(project: Project, path: Path, loaders: Mapping[str, Loader]) -> int:
    """Check one annotation file in the context of the whole project; returns its fact count."""
    _, vocab, registry, records = read_inputs(project)
    by_id = {r.id: r for r in records}
    if path.stem not in by_id:
        raise UsageError(f"{path}: file name must be a source id ({', '.join(sorted(by_id))})")
    add_loader_entities(registry, records, loaders)
    statements = read_annotations(
        path, source=path.stem, text=by_id[path.stem].text, vocab=vocab, display=str(path)
    )
    for statement in statements:
        check_statement(statement, vocab, registry, set(by_id))
    return sum(len(s.facts) for s in statements)


def build(
    project: Project,
    loaders: Mapping[str, Loader],
    *,
    sentence_values: SentenceValues | None = None,
    validate: bool = True,
    infer: str | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the dataset from the project's inputs; raises a KGError naming any bad input."""
    timer = _Timer(progress)
    with timer.step("read ontology and registry"):
        ontology, vocab, registry, records = read_inputs(project)
    with timer.step("load sources and annotations"):
        results, statements = collect_statements(project, vocab, registry, records, loaders)
    with timer.step("write graph"):
        writer = GraphWriter(Minter(project.base), vocab, {r.id: r for r in records})
        writer.add_ontology(ontology)
        writer.add_entities(registry)
        writer.add_source_documents()
        claims = sum(writer.add_statement(s) for s in statements)
        gazetteer = Gazetteer(registry.surface_forms())
        mentions = sum(
            writer.add_structure(source, result, gazetteer, sentence_values)
            for source, result in results.items()
        )
        dated = writer.add_derived_dates()
    with timer.step("add Wikidata links"):
        table = LinkTable.read(project.links_dir / LINK_TABLE, {e.id for e in registry})
        links = add_links(writer.dataset, writer.minter, table)
        enriched = add_facts(
            writer.dataset, writer.minter, Facts.read(project.links_dir / FACTS_FILE)
        )
    dataset = writer.dataset
    result = BuildResult(dataset)
    inferred = None
    if infer:
        from kg.infer import infer_in_background

        inferred = infer_in_background(dataset, ontology, profile=infer)
    if validate:
        with timer.step("validate" + (f" (with {infer} inference alongside)" if infer else "")):
            report = validate_dataset(project, dataset, ontology)
            result.warnings = report.warnings
            if not report.conforms:
                getattr(inferred, "cancel", lambda: None)()
                raise ValidationError(report.text())
    if inferred is not None:
        with timer.step(f"infer ({infer}), after validation"):
            result.inferred = inferred()
    result.counts = {
        "entities": len(registry),
        "statements": len(statements),
        "claims": claims,
        "mentions": mentions,
        "dated": dated,
        "links": links,
        "enriched": enriched,
        "quads": len(dataset),
    }
    result.timings = timer.timings
    return result


def validate_dataset(project: Project, dataset: Dataset, ontology: Graph):
    """Validate a dataset against the project's shapes and ontology (a ``kg.validate.Report``)."""
    from kg.validate import validate

    shapes = Graph().parse(project.shapes_path, format="turtle")
    return validate(dataset, shapes, ontology)


def write_output(project: Project, result: BuildResult, out: Path) -> None:
    """Write the dataset (and inferred graph) as TriG with a manifest of the inputs."""
    from kg.export import serialise

    out.mkdir(parents=True, exist_ok=True)
    (out / GRAPH_FILE).write_bytes(serialise(result.dataset, "trig", project.base))
    inferred_path = out / INFERRED_FILE
    if result.inferred is not None:
        inferred = Dataset()
        target = inferred.graph(Minter(project.base).graph(INFERRED_GRAPH))
        for triple in result.inferred:
            target.add(triple)
        inferred_path.write_bytes(serialise(inferred, "trig", project.base))
    elif inferred_path.exists():
        inferred_path.unlink()
    manifest = {
        "format": FORMAT_VERSION,
        "inputs": project.inputs_digest(),
        "base": project.base,
        "inferred": result.inferred is not None,
        "files": output_digests(out),
        "counts": result.counts,
        "timings": result.timings,
    }
    # Written last, and atomically: a crash mid-write leaves no manifest for half-written files.
    temporary = out / f"{MANIFEST_FILE}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, out / MANIFEST_FILE)


def output_files(out: Path, *, inferred: bool = True) -> list[Path]:
    """The RDF files of the build in ``out``: ``graph.trig``, then ``inferred.trig`` if present.

    ``graph.trig`` is listed even when missing (reading it then fails naming it); with
    ``inferred=False`` the inferred graph is left out.
    """
    files = [out / GRAPH_FILE]
    if inferred and (out / INFERRED_FILE).is_file():
        files.append(out / INFERRED_FILE)
    return files


def output_digests(out: Path) -> dict[str, str]:
    """The SHA-256 of each output file present (``graph.trig``, ``inferred.trig``)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in output_files(out)
        if path.is_file()
    }


def output_problem(out: Path, manifest: dict) -> str | None:
    """Why the output files in ``out`` are not the ones its manifest describes, or None.

    A truncated, edited or missing ``graph.trig`` (a crash, a full disk, a hand edit) keeps its
    manifest, so the inputs alone cannot tell; the digests the manifest records can.
    """
    recorded = manifest.get("files")
    if not isinstance(recorded, dict) or GRAPH_FILE not in recorded:
        return f"{out / MANIFEST_FILE} records no digest of its files (an older or edited build)"
    found = output_digests(out)
    for name in sorted(set(recorded) | set(found)):
        if name not in found:
            return f"{out / name} is missing"
        if recorded.get(name) != found[name]:
            return f"{out / name} does not match its manifest (truncated or edited)"
    return None


def is_current(project: Project, out: Path, *, inferred: bool = False) -> bool:
    """Whether ``out`` holds an intact build of exactly the current inputs."""
    return stale_reason(project, out, inferred=inferred) is None


def stale_reason(project: Project, out: Path, *, inferred: bool = False) -> str | None:
    """Why ``out`` must be built again (missing, out of date or corrupt), or None if it is not."""
    path = out / MANIFEST_FILE
    if not path.is_file():
        return f"{out} has no build yet"
    try:
        manifest = json.loads(path.read_text())
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as err:
        return f"{path} cannot be read ({err})"
    if (
        manifest.get("format") != FORMAT_VERSION
        or manifest.get("inputs") != project.inputs_digest()
    ):
        return f"{out} was built from other inputs"
    if inferred and not manifest.get("inferred"):
        return f"{out} has no inferred graph"
    return output_problem(out, manifest)


def read_output(out: Path, *, inferred: bool = False) -> Dataset:
    """Load a built dataset (with the inferred graph when asked and present)."""
    dataset = Dataset(default_union=True)
    for path in output_files(out, inferred=inferred):
        dataset.parse(path, format="trig")
    return dataset
