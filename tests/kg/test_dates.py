import datetime as dt

import pytest
from rdflib.namespace import XSD

from kg.dates import parse_date
from kg.errors import DataError


@pytest.mark.parametrize(
    ("value", "datatype", "earliest", "latest"),
    [
        ("1918-08-03", XSD.date, dt.date(1918, 8, 3), dt.date(1918, 8, 3)),
        ("1918-08", XSD.gYearMonth, dt.date(1918, 8, 1), dt.date(1918, 8, 31)),
        ("1920-02", XSD.gYearMonth, dt.date(1920, 2, 1), dt.date(1920, 2, 29)),
        ("1922", XSD.gYear, dt.date(1922, 1, 1), dt.date(1922, 12, 31)),
        (dt.date(1920, 2, 7), XSD.date, dt.date(1920, 2, 7), dt.date(1920, 2, 7)),
        (1918, XSD.gYear, dt.date(1918, 1, 1), dt.date(1918, 12, 31)),
    ],
)
def test_a_date_keeps_its_precision_and_gets_bounds(value, datatype, earliest, latest):
    parsed = parse_date(value)
    assert parsed.literal().datatype == datatype
    assert (parsed.earliest, parsed.latest) == (earliest, latest)


def test_a_month_is_not_padded_to_a_day():
    assert str(parse_date("1918-08").literal()) == "1918-08"


@pytest.mark.parametrize(
    "value", ["1918-13", "1918-02-30", "18-08", "August 1918", "", None, "1918-8"]
)
def test_malformed_dates_are_refused_with_the_value(value):
    with pytest.raises(DataError, match="malformed date"):
        parse_date(value)
