"""rdflib's SPARQL grammar as it ships, and a parse shown as comparable text.

``server.security`` rewrites three recursive list rules of rdflib's grammar as loops (keeping the
shipped rule as ``sikg_recursive``); the loops must accept exactly what the recursive rules accept
and give the same parse. ``tests/server/test_security_parsing.py`` compares edge cases and
``tests/w3c/test_rdflib_grammar.py`` every text of the W3C suites, both with these helpers.

Not a test module: importable as ``rdflib_grammar`` from every test, as ``tests/`` (the folder of
the top conftest.py) is on ``sys.path`` under pytest.
"""

from __future__ import annotations

import contextlib
import re

from rdflib.plugins.sparql import parser as grammar

import server.security  # noqa: F401 - installs the looped rules (and keeps the recursive ones)

LOOPED = ("TriplesBlock", "ConstructTriples", "Update")
_BNODE = re.compile(r"BNode\('[^']*'\)")


@contextlib.contextmanager
def recursive_grammar():
    """rdflib's grammar as it ships (recursive list rules), for the length of the block."""
    loops = {name: getattr(grammar, name).expr for name in LOOPED}
    try:
        for name in LOOPED:
            rule = getattr(grammar, name)
            rule.expr = rule.sikg_recursive
        yield
    finally:
        for name, loop in loops.items():
            getattr(grammar, name).expr = loop


def outcome(parse, text: str) -> str:
    """The parse as text, with blank nodes numbered (rdflib names them at random)."""
    try:
        shown = repr(parse(text))
    except Exception as err:  # noqa: BLE001 - the kind of failure is what is compared
        return f"fails: {type(err).__name__}"
    numbers: dict[str, str] = {}
    return _BNODE.sub(lambda m: numbers.setdefault(m.group(0), f"_:b{len(numbers)}"), shown)
