"""The ``kg`` command: build, validate, query, export and describe the knowledge graph.

The only module that wires ``kg`` to the loaders. A user's mistake (bad path, bad query, unknown
format, bad annotation) prints one line and exits non-zero; tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from kg import build as pipeline
from kg.errors import KGError, UsageError, ValidationError
from kg.export import EXTENSIONS, FORMATS, serialise
from kg.graph import INFERRED_GRAPH
from kg.iri import Minter
from kg.push import DEFAULT_BATCH, DEFAULT_TIMEOUT
from kg.query import RESULT_FORMATS, read_query, render, run_query


def _progress(quiet: bool):
    if quiet:
        return None
    return lambda message: print(f"kg: {message}", file=sys.stderr, flush=True)


def _project(args) -> pipeline.Project:
    return pipeline.Project.discover(base=getattr(args, "base", None))


def _out(args, project: pipeline.Project) -> Path:
    return Path(args.out) if args.out else project.default_out


def _loaders():
    from loaders import default_loaders, sentence_values

    return default_loaders(), sentence_values()


def build_if_stale(args, project: pipeline.Project, *, inferred: bool = False) -> Path:
    """The build directory ``--out``, built first when missing, out of date or corrupt."""
    out = _out(args, project)
    reason = pipeline.stale_reason(project, out, inferred=inferred)
    if reason is not None:
        if (out / pipeline.MANIFEST_FILE).is_file():  # a build is there, but not usable: say so
            print(f"kg: {reason}; rebuilding {out}", file=sys.stderr, flush=True)
        loaders, values = _loaders()
        result = pipeline.build(
            project,
            loaders,
            sentence_values=values,
            infer="owlrl" if inferred else None,
            progress=_progress(args.quiet),
        )
        pipeline.write_output(project, result, out)
    return out


def ensure_built(args, project: pipeline.Project, *, inferred: bool = False):
    """The built dataset in ``--out`` (read with rdflib), building it first if need be."""
    return pipeline.read_output(build_if_stale(args, project, inferred=inferred), inferred=inferred)


# -- commands -------------------------------------------------------------------------------
def cmd_build(args) -> int:
    project = _project(args)
    out = _out(args, project)
    if not args.force and pipeline.is_current(project, out, inferred=bool(args.infer)):
        print(f"kg: {out} is up to date (inputs unchanged); use --force to rebuild")
        return 0
    loaders, values = _loaders()
    result = pipeline.build(
        project,
        loaders,
        sentence_values=values,
        infer=args.infer,
        progress=_progress(args.quiet),
    )
    pipeline.write_output(project, result, out)
    counts = result.counts
    print(
        f"kg: built {counts['quads']} quads: {counts['entities']} entities, "
        f"{counts['claims']} claims from {counts['statements']} quotes, "
        f"{counts['mentions']} mentions"
        + (f", {len(result.inferred)} inferred triples" if result.inferred is not None else "")
        + f" -> {out}"
    )
    if result.warnings:
        print(f"kg: {result.warnings} shape warnings (run kg validate to see them)")
    if args.profile:
        total = sum(result.timings.values())
        for step, seconds in result.timings.items():
            print(f"  {step:<32} {seconds:7.3f} s")
        print(f"  {'total':<32} {total:7.3f} s")
    return 0


def cmd_validate(args) -> int:
    from rdflib import Dataset

    from kg.quotes import check_quotes
    from kg.vocab import load_ontology

    project = _project(args)
    if args.files:
        dataset = Dataset(default_union=True)
        for name in args.files:
            dataset.parse(_existing(name), format=_guess_format(name))
    else:
        dataset = ensure_built(args, project)
    ontology = load_ontology(project.ontology_path)
    report = pipeline.validate_dataset(project, dataset, ontology)
    problems = check_quotes(dataset, project.source_records(), project.base)
    print(report.text())
    for problem in problems:
        print(f"Violation  quote  {problem}")
    if report.conforms and not problems:
        print(f"kg: conforms ({report.warnings} warnings)")
        return 0
    return 1


def cmd_query(args) -> int:
    project = _project(args)
    query = read_query(args.query)
    dataset = ensure_built(args, project, inferred=args.inferred)
    base = _built_base(args, project)
    sys.stdout.write(render(run_query(dataset, query, base), args.format, base))
    return 0


def cmd_export(args) -> int:
    project = _project(args)
    path = Path(args.output) if args.output and args.output != "-" else None
    if path is not None and not path.parent.is_dir():
        raise UsageError(f"cannot write {args.output}: no such directory {path.parent}")
    dataset = ensure_built(args, project, inferred=args.inferred)
    base = _built_base(args, project)
    exclude = set() if args.inferred else {Minter(base).graph(INFERRED_GRAPH)}
    data = serialise(dataset, args.format, base, exclude)
    if path is not None:
        path.write_bytes(data)
        print(f"kg: wrote {len(data)} bytes of {args.format} to {path}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_stats(args) -> int:
    from kg.stats import compute_stats, render_stats

    project = _project(args)
    dataset = ensure_built(args, project)
    stats = compute_stats(dataset, _built_base(args, project))
    print(json.dumps(stats, indent=2) if args.json else render_stats(stats))
    return 0


def cmd_serve(args) -> int:
    from server.run import PrepareError, serve
    from server.settings import from_environment

    project = _project(args)
    remote = args.store if _is_url(args.store) else None
    if not (args.store or args.data):
        remote = os.environ.get("KG_REMOTE_ENDPOINT") or None
    if remote:
        return _serve_remote(args, project, remote)
    if args.data:
        files = [str(_existing(name)) for name in args.data]
        build_dir = None
        store_dir = args.store or str(project.default_out / "store-files")
    else:
        files = []
        out = build_if_stale(args, project, inferred=not args.no_infer)
        build_dir = str(out)
        store_dir = args.store or str(out / "store")
    config = from_environment(
        store_dir=store_dir,
        data_files=tuple(files),
        build_dir=build_dir,
        base=_built_base(args, project),
        query_timeout=args.timeout,
        query_workers=args.workers,
        remote_endpoint="",  # a local store was asked for: not $KG_REMOTE_ENDPOINT
    )
    with _store_lock(Path(store_dir)):
        print(f"kg: serving on http://{args.host}:{args.port}/sparql", file=sys.stderr)
        try:
            serve(config, args.host, args.port)
        except PrepareError as err:
            raise UsageError(str(err)) from None
    return 0


def _is_url(text: str | None) -> bool:
    return bool(text) and text.lower().startswith(("http://", "https://"))


def _serve_remote(args, project: pipeline.Project, endpoint: str) -> int:
    """``kg serve --store URL``: the same app in front of a remote SPARQL store (no local store)."""
    from server.remote import serve
    from server.settings import from_environment

    if args.data:
        raise UsageError("--data serves files from a local store; leave it out with --store URL")
    config = from_environment(
        store_dir="",
        remote_endpoint=endpoint,
        base=_built_base(args, project),
        query_timeout=args.timeout,
        query_workers=args.workers,
    )
    print(f"kg: serving {endpoint} on http://{args.host}:{args.port}/sparql", file=sys.stderr)
    serve(config, args.host, args.port)
    return 0


def cmd_push(args) -> int:
    from kg.push import push

    project = _project(args)
    out = build_if_stale(args, project)  # the store reads the files: no rdflib here
    user = args.user or os.environ.get("KG_REMOTE_USER") or None
    password = args.password if args.password is not None else os.environ.get("KG_REMOTE_PASSWORD")
    report = push(
        out,
        args.to,
        gsp=args.gsp,
        user=user,
        password=password,
        replace=args.replace,
        batch=args.batch,
        timeout=args.timeout,
        progress=_progress(args.quiet),
    )
    print(
        f"kg: pushed {report.sent} triples in {len(report.graphs)} graphs to {args.to} by "
        f"{report.how} in {report.seconds:.2f} s"
    )
    problems = report.problems(args.replace)
    for problem in problems:
        print(f"kg: error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("kg: the remote holds the same number of triples in every graph")
    return 0


@contextmanager
def _store_lock(store_dir: Path):
    """Hold the store's lock while serving: a second ``kg serve`` on it gets one clear line."""
    import fcntl

    store_dir.mkdir(parents=True, exist_ok=True)
    with open(store_dir / "serve.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(
                f"the store {store_dir} is in use by another kg serve; stop it or pass --store DIR"
            ) from None
        yield


def cmd_check(args) -> int:
    project = _project(args)
    loaders, _ = _loaders()
    for name in args.files:
        count = pipeline.check_annotation_file(project, _existing(name), loaders)
        print(f"{name}: ok, {count} facts")
    return 0


def cmd_link(args) -> int:
    from kg.wikidata.command import LinkOptions, run

    options = LinkOptions(
        report=args.report,
        json=args.json,
        enrich=args.enrich,
        accept_above=args.accept_above,
        offline=args.offline,
        entities=tuple(args.entity or ()),
        cache_dir=args.cache,
        api_url=args.api_url,
        sparql_url=args.sparql_url,
        min_interval=args.min_interval,
    )
    loaders, _ = _loaders()
    return run(_project(args), loaders, options)


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


# -- helpers --------------------------------------------------------------------------------
def _existing(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        raise UsageError(f"no such file: {name}")
    return path


def _guess_format(name: str) -> str:
    from rdflib.util import guess_format

    fmt = guess_format(name)
    if fmt is None:
        raise UsageError(f"cannot tell the RDF format of {name} from its extension")
    return fmt


def _built_base(args, project: pipeline.Project) -> str:
    try:
        manifest = json.loads((_out(args, project) / pipeline.MANIFEST_FILE).read_text())
        return manifest.get("base") or project.base
    except (OSError, ValueError):
        return project.base


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="kg", description="The Siberian Intervention Knowledge Graph."
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, func) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        sub.add_argument(
            "--out",
            metavar="DIR",
            help="build directory (default: build/ in the project, or $KG_BUILD_DIR)",
        )
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
        return sub

    b = command("build", "Build, validate and write the graph from the texts.", cmd_build)
    b.add_argument(
        "--infer",
        nargs="?",
        const="owlrl",
        choices=("rdfs", "owlrl"),
        help="also materialise entailments into their own named graph (default profile: owlrl)",
    )
    b.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
    b.add_argument("--profile", action="store_true", help="print the time of each step")
    b.add_argument("--base", metavar="IRI", help="base IRI for entities (or $KG_BASE_IRI)")

    v = command("validate", "Validate the graph against the SHACL shapes and quotes.", cmd_validate)
    v.add_argument("files", nargs="*", metavar="FILE", help="RDF files to validate instead")

    q = command("query", "Run a SPARQL query (a string or a .rq file).", cmd_query)
    q.add_argument("query", metavar="QUERY")
    q.add_argument("--format", default="table", choices=RESULT_FORMATS)
    q.add_argument("--inferred", action="store_true", help="include inferred triples")

    e = command("export", "Export the graph in an RDF format.", cmd_export)
    e.add_argument("--format", required=True, choices=sorted(FORMATS))
    e.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    e.add_argument("--inferred", action="store_true", help="include the inferred graph")
    e.epilog = "extensions: " + ", ".join(f"{k} {v}" for k, v in EXTENSIONS.items())

    s = command("stats", "Count triples per source and entities per class.", cmd_stats)
    s.add_argument("--json", action="store_true", help="print JSON")

    sv = command("serve", "Serve the graph over the SPARQL 1.1 protocol.", cmd_serve)
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sv.add_argument(
        "--data", nargs="+", metavar="FILE", help="serve these RDF files instead of the build"
    )
    sv.add_argument(
        "--store",
        metavar="DIR|URL",
        help="where the served store lives; an http(s) URL serves that remote SPARQL 1.1 "
        "endpoint instead (load it with kg push; also $KG_REMOTE_ENDPOINT)",
    )
    sv.add_argument("--timeout", type=float, help="query time limit in seconds (default 10)")
    sv.add_argument("--workers", type=int, help="query processes (default: one per core)")
    sv.add_argument(
        "--no-infer",
        action="store_true",
        help="serve the build as it is, without building the owlrl entailments first "
        "(without an inferred graph, requests for inference=owlrl are refused)",
    )

    pu = command(
        "push",
        "Load the build into a remote SPARQL 1.1 store, graph by graph.",
        cmd_push,
    )
    pu.add_argument(
        "--to", required=True, metavar="URL", help="the store's SPARQL endpoint (query and update)"
    )
    pu.add_argument(
        "--gsp",
        metavar="URL",
        help="the store's Graph Store Protocol address: one PUT (or POST) per graph instead of "
        "SPARQL Update",
    )
    pu.add_argument(
        "--user", help="user name, for Basic or Digest authentication (default: $KG_REMOTE_USER)"
    )
    pu.add_argument("--password", help="password (default: $KG_REMOTE_PASSWORD)")
    pu.add_argument(
        "--replace",
        action="store_true",
        help="replace each graph on the remote (default: add to what it holds)",
    )
    pu.add_argument(
        "--batch",
        type=int,
        default=DEFAULT_BATCH,
        metavar="N",
        help=f"triples per INSERT DATA request (default {DEFAULT_BATCH})",
    )
    pu.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit of one request (default {DEFAULT_TIMEOUT:g})",
    )

    lk = command(
        "link",
        "Propose Wikidata links for entities (data/links/wikidata.csv), report on them or "
        "cache facts of the linked items.",
        cmd_link,
    )
    how = lk.add_mutually_exclusive_group()
    how.add_argument("--report", action="store_true", help="print links per class; no requests")
    how.add_argument(
        "--enrich", action="store_true", help="cache facts of accepted items (labels, places...)"
    )
    lk.add_argument("--json", action="store_true", help="with --report: print JSON")
    lk.add_argument(
        "--accept-above",
        type=_score,
        metavar="SCORE",
        help="accept a clear best candidate scoring at least SCORE (0-1); others stay unverified",
    )
    lk.add_argument("--offline", action="store_true", help="answer from the cache only")
    lk.add_argument("--entity", action="append", metavar="ID", help="only this entity (repeatable)")
    lk.add_argument("--cache", metavar="DIR", help="response cache (default .cache/wikidata)")
    lk.add_argument("--api-url", metavar="URL", help="Wikidata API (or $KG_WIKIDATA_API)")
    lk.add_argument(
        "--sparql-url", metavar="URL", help="Wikidata query service (or $KG_WIKIDATA_SPARQL)"
    )
    lk.add_argument(
        "--min-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="least time between two requests (default 1)",
    )

    c = command("check", "Check curated annotation files.", cmd_check)
    c.add_argument("files", nargs="+", metavar="FILE")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as err:
        print(f"kg: the graph does not conform to the shapes:\n{err}", file=sys.stderr)
        return 1
    except KGError as err:
        print(f"kg: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
