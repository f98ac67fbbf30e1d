"""Benchmark harness: synthetic graphs of the project's shape, three SPARQL endpoints, a report.

Run it with ``python -m bench run`` (see ``bench/README.md``). Importing this package does no work.
"""
