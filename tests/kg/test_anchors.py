import pytest

from kg.anchors import check, context, locate
from kg.errors import QuoteError

TEXT = "Japan dispatched 72,000 troops. They dispatched 72,000 troops to Irkutsk."


def test_a_unique_quote_is_located():
    assert locate(TEXT, "to Irkutsk", None, source="s", where="f:1") == TEXT.index("to Irkutsk")


def test_an_ambiguous_quote_needs_a_start_and_the_error_lists_the_offsets():
    with pytest.raises(QuoteError, match=r"occurs 2 times .*at 17, 48"):
        locate(TEXT, "72,000 troops", None, source="s", where="f:1")
    assert locate(TEXT, "72,000 troops", 48, source="s", where="f:1") == 48


def test_a_quote_at_the_wrong_position_names_source_quote_and_what_is_there():
    with pytest.raises(QuoteError) as err:
        check(TEXT, "72,000 troops", 10, source="dunscomb", where="f:3")
    message = str(err.value)
    assert "f:3" in message and "'dunscomb'" in message and "'72,000 troops'" in message


def test_a_changed_quote_is_not_found():
    with pytest.raises(QuoteError, match="not found verbatim"):
        locate(TEXT, "70,000 troops", None, source="s", where="f:1")


def test_offsets_count_code_points_not_bytes():
    text = "Shiōden Nobutaka and Kyūshū"
    start = locate(text, "Kyūshū", None, source="s", where="f")
    assert start == 21 and text[start : start + 6] == "Kyūshū"


def test_context_gives_prefix_and_suffix():
    start = TEXT.index("to Irkutsk")
    prefix, suffix = context(TEXT, start, start + 2)
    assert prefix.endswith("troops ") and suffix == " Irkutsk."
