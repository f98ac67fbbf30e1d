"""Finding entity mentions in running text with a gazetteer of labels and aliases.

No model can be downloaded here, so no statistical NER: a case-sensitive matcher over every label
and alias of the registry, longest form first and bounded by non-word characters, so "Czech Legion"
wins over "Czech" and "Graves" does not match inside another word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Mention:
    entity: str
    start: int
    end: int
    surface: str


class Gazetteer:
    """A compiled matcher from surface forms to entity ids."""

    def __init__(self, forms: dict[str, str]) -> None:
        self._forms = dict(forms)
        ordered = sorted(self._forms, key=lambda f: (-len(f), f))
        alternation = "|".join(re.escape(form) for form in ordered)
        self._pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)") if ordered else None

    def mentions(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """Non-overlapping mentions in ``text[start:end]``, leftmost-longest, in text order."""
        if self._pattern is None:
            return []
        stop = len(text) if end is None else end
        return [
            Mention(self._forms[m.group(0)], m.start(), m.end(), m.group(0))
            for m in self._pattern.finditer(text, start, stop)
        ]
