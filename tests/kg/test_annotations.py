"""Bad annotations stop the build with one line naming the file, the line and the problem."""

from pathlib import Path

import pytest

from kg.annotations import read_annotations
from kg.errors import DataError
from kg.facts import check_statement

INVALID = sorted((Path(__file__).parents[1] / "data" / "annotations" / "invalid").glob("*.yaml"))


def test_every_invalid_case_is_collected():
    assert len(INVALID) == 14


def _expectation(path: Path) -> tuple[int, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: line "), path
    line, message = first.removeprefix("# expect: line ").split(": ", 1)
    return int(line), message


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_bad_annotation_names_file_line_and_problem(path, inputs):
    _, vocab, registry, records = inputs
    text = next(r.text for r in records if r.id == "wikipedia")
    line, message = _expectation(path)
    with pytest.raises(DataError) as err:
        for statement in read_annotations(path, source="wikipedia", text=text, vocab=vocab):
            check_statement(statement, vocab, registry, {r.id for r in records})
    text_of_error = str(err.value)
    assert "\n" not in text_of_error
    assert text_of_error.startswith(f"{path}:{line}: "), text_of_error
    assert message in text_of_error
