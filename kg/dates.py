"""Dates kept at the precision a text gives, with derived sortable bounds.

"August 1918" stays ``"1918-08"^^xsd:gYearMonth``; for filtering and sorting the build adds the
earliest and latest day it can mean (1918-08-01, 1918-08-31) as ``xsd:date`` beside it. rdflib
mishandles gYearMonth in ``YEAR()``, comparisons and ORDER BY (see MODELLING.md), which is why the
bounds exist.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from rdflib import Literal
from rdflib.namespace import XSD

from kg.errors import DataError

_FORMS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
)
_DATATYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}
PRECISION_RANK = {"day": 3, "month": 2, "year": 1}


@dataclass(frozen=True)
class PartialDate:
    """A date at day, month or year precision with the range of days it covers."""

    lexical: str
    precision: str
    earliest: dt.date
    latest: dt.date

    def literal(self) -> Literal:
        return Literal(self.lexical, datatype=_DATATYPES[self.precision])


def parse_date(value: object) -> PartialDate:
    """Read ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (or a YAML date / int) strictly.

    Raises DataError naming the value for anything else, including impossible days ("1918-02-30")
    and months ("1918-13"), which pySHACL alone would accept.
    """
    if isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:04d}"
    if not isinstance(value, str):
        raise DataError(f"malformed date {value!r}: expected YYYY-MM-DD, YYYY-MM or YYYY")
    text = value.strip()
    for pattern, precision in _FORMS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        try:
            if precision == "year":
                return PartialDate(text, precision, dt.date(year, 1, 1), dt.date(year, 12, 31))
            month = int(match.group(2))
            if precision == "month":
                last = calendar.monthrange(year, month)[1]
                return PartialDate(
                    text, precision, dt.date(year, month, 1), dt.date(year, month, last)
                )
            day = dt.date(year, month, int(match.group(3)))
            return PartialDate(text, precision, day, day)
        except (ValueError, calendar.IllegalMonthError):
            break
    raise DataError(f"malformed date {value!r}: expected YYYY-MM-DD, YYYY-MM or YYYY")


def from_literal(literal: Literal) -> PartialDate:
    """The partial date a typed literal of the graph holds."""
    return parse_date(str(literal))
