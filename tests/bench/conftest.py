"""``bench/`` is not an installed package: make the project root importable for these tests
(``python -m pytest`` from the root already does; a bare ``pytest`` does not)."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
