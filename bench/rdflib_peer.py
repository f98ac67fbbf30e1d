"""The rdflib-endpoint peer: one RDF file in an rdflib ``Dataset`` served by FastAPI on uvicorn.

Built the way rdflib-endpoint's own ``serve`` command builds it (``Dataset(default_union=True)``,
``SparqlEndpoint(graph=...)``, ``uvicorn.run``, one process), except that the route is ``/sparql``
like the other two endpoints, and the host is always 127.0.0.1.

    python -m bench.rdflib_peer --data FILE.nq --port 8002
"""

from __future__ import annotations

import argparse


def create_app(data: str):
    """Parse ``data`` (N-Quads) into a union-default-graph Dataset and wrap it in the endpoint."""
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)
    dataset.parse(data, format="nquads")
    return SparqlEndpoint(graph=dataset, path="/sparql", title="rdflib-endpoint (benchmark peer)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rdflib_peer", description=__doc__)
    parser.add_argument("--data", required=True, help="N-Quads file to serve")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    import uvicorn

    uvicorn.run(
        create_app(args.data),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
