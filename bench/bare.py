"""The bare peer: Flask + pyoxigraph under gunicorn, the least an Oxigraph endpoint can be.

It is the yardstick for our server's own overhead (protocol, negotiation, safety, the executor):
what is left when all of that is taken away. The file is bulk-loaded once into an on-disk store
by the starting process; then gunicorn forks sync workers (2 by default, as PERFORMANCE.md
measured), each opening the store read-only after the fork. ``GET /sparql?query=`` runs the query
over the union of the named graphs and answers SPARQL JSON (SELECT, ASK) or N-Triples (CONSTRUCT,
DESCRIBE). Nothing else: no limits, no content negotiation, no update.

    python -m bench.bare --data FILE.nq --store DIR --port 8001 --workers 2
"""

from __future__ import annotations

import argparse
import gc


def load(data: str, store_dir: str) -> int:
    """Bulk-load ``data`` (N-Quads) into a fresh on-disk store; the number of quads."""
    import pyoxigraph

    store = pyoxigraph.Store(store_dir)
    store.bulk_load(path=data, format=pyoxigraph.RdfFormat.N_QUADS)
    store.flush()
    count = len(store)
    del store
    gc.collect()  # close RocksDB before the workers open it read-only
    return count


def create_app(store_dir: str):
    """The Flask app over a read-only view of the store (opened in the worker, after the fork)."""
    import pyoxigraph
    from flask import Flask, Response, request

    store = pyoxigraph.Store.read_only(store_dir)
    app = Flask("bench.bare")

    @app.get("/sparql")
    def sparql():
        query = request.args.get("query")
        if not query:
            return Response("missing query\n", 400, mimetype="text/plain")
        try:
            result = store.query(query, use_default_graph_as_union=True)
        except SyntaxError as error:
            return Response(f"{error}\n", 400, mimetype="text/plain")
        if isinstance(result, pyoxigraph.QueryTriples):
            body = result.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES)
            return Response(body, mimetype="application/n-triples")
        body = result.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
        return Response(body, mimetype="application/sparql-results+json")

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--data", required=True, help="N-Quads file to serve")
    parser.add_argument("--store", required=True, help="empty directory for the on-disk store")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from gunicorn.app.base import BaseApplication

    load(args.data, args.store)

    class Gunicorn(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"127.0.0.1:{args.port}",
                "workers": args.workers,
                "worker_class": "sync",
                "timeout": 300,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return create_app(args.store)

    Gunicorn().run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
