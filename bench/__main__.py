"""``python -m bench``: run the benchmark, or only generate its graphs.

python -m bench run --sizes 10k,100k,1m --out bench/results
python -m bench run --quick                 # 10k only, short: about a minute
python -m bench generate --sizes 10k,100k   # write bench/data/*.nq and stop
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
from dataclasses import fields
from pathlib import Path

from bench import endpoints, generate
from bench.run import BENCH, Settings


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(generate.parse_size(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in endpoints.NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown endpoint {', '.join(unknown)}; choose from {', '.join(endpoints.NAMES)}"
        )
    return names


def parser() -> argparse.ArgumentParser:
    defaults = {f.name: f.default for f in fields(Settings)}
    top = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = commands.add_parser("run", help="generate, serve, measure and report")
    r.add_argument(
        "--sizes",
        type=_sizes,
        help="comma-separated sizes in quads (default 10k,100k,1m; --quick: 10k)",
    )
    r.add_argument(
        "--out",
        type=Path,
        help="report directory (default bench/results; --quick: bench/results/quick)",
    )
    r.add_argument(
        "--quick",
        action="store_true",
        help="10k only, 5 requests per query, 3 s of load, no project build",
    )
    r.add_argument(
        "--endpoints",
        type=_names,
        help=f"comma-separated subset of {','.join(endpoints.NAMES)} (default: all three)",
    )
    r.add_argument("--seed", type=int, help=f"generator seed (default {generate.DEFAULT_SEED})")
    r.add_argument(
        "--reps", type=int, help=f"timed requests per query (default {defaults['reps']})"
    )
    r.add_argument(
        "--budget",
        type=float,
        help=f"seconds of repeated requests per query (default {defaults['budget']:g})",
    )
    r.add_argument(
        "--cap",
        type=float,
        help="seconds a request may take before the query is "
        f"skipped (default {defaults['cap']:g})",
    )
    r.add_argument(
        "--load-seconds",
        type=int,
        help=f"seconds of wrk load per query and endpoint (default {defaults['load_seconds']})",
    )
    r.add_argument(
        "--connections", type=int, help=f"wrk connections (default {defaults['connections']})"
    )
    r.add_argument(
        "--no-project", action="store_true", help="do not build the project nor time kg serve on it"
    )
    r.add_argument(
        "--data-dir", type=Path, help="where generated graphs are cached (default bench/data)"
    )

    w = commands.add_parser(
        "report", help="write report.md and the plot again from a run's report.json"
    )
    w.add_argument("results", type=Path, help="a report.json written by a run")
    w.add_argument("--out", type=Path, help="directory to write to (default: beside the json)")

    g = commands.add_parser("generate", help="only write the synthetic graphs")
    g.add_argument("--sizes", type=_sizes, default=(10_000, 100_000, 1_000_000))
    g.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    g.add_argument("--data-dir", type=Path, default=BENCH / "data")
    return top


def settings_from(args: argparse.Namespace, argv: list[str]) -> Settings:
    chosen = {
        "sizes": args.sizes,
        "out": args.out,
        "endpoints": args.endpoints,
        "seed": args.seed,
        "reps": args.reps,
        "budget": args.budget,
        "cap": args.cap,
        "load_seconds": args.load_seconds,
        "connections": args.connections,
        "data_dir": args.data_dir,
    }
    chosen = {k: v for k, v in chosen.items() if v is not None}
    if args.no_project:
        chosen["project"] = False
    chosen["command"] = "python -m bench " + shlex.join(argv)
    if args.quick:
        return Settings.quick_defaults(**chosen)
    return Settings(**chosen)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.command == "generate":
        for size in args.sizes:
            made = generate.ensure(size, args.data_dir, args.seed)
            print(
                f"{made.path}: {made.quads} quads, {made.entities} entities, "
                f"{made.sources} sources, {made.claims} claims"
            )
        return 0

    if args.command == "report":
        from bench import goals, report

        results = json.loads(args.results.read_text())
        results["goals"] = [g.as_dict() for g in goals.evaluate(results)]
        paths = report.write(results, args.out or args.results.parent)
        print("wrote " + ", ".join(str(p) for p in paths.values()))
        return 0

    from bench.run import run

    # SIGTERM becomes SystemExit, so the endpoints are stopped by the run's finally blocks
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = run(settings_from(args, argv))
    for goal in results["goals"]:
        status = {True: "met", False: "MISSED", None: "not measured"}[goal["met"]]
        print(
            f"{status:>12}  {goal['goal']}: {goal['value']} (target {goal['target']}); "
            f"{goal['detail']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
