"""Reading YAML lists while keeping the line of every item, so errors can name file:line."""

from __future__ import annotations

from pathlib import Path

import yaml

from kg.errors import DataError


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records the 1-based line of each mapping and sequence it builds."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    return _Lined(mapping, node.start_mark.line + 1)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> list:
    return _LinedList(
        yaml.SafeLoader.construct_sequence(loader, node, deep=True), node.start_mark.line + 1
    )


class _Lined(dict):
    def __init__(self, mapping: dict, line: int) -> None:
        super().__init__(mapping)
        self.line = line


class _LinedList(list):
    def __init__(self, items: list, line: int) -> None:
        super().__init__(items)
        self.line = line


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def line_of(value, default: int) -> int:
    """The line a mapping or list was read from, or ``default`` for scalars."""
    return getattr(value, "line", default)


def load_yaml_list(path: Path) -> list[tuple[int, object]]:
    """The items of a YAML list file, each with its line; an empty file is an empty list."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror})") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(err, "problem", None) or str(err)
        raise DataError(f"{where}: not valid YAML ({problem})") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise DataError(f"{path}:1: expected a YAML list of entries")
    return [(line_of(item, data.line), item) for item in data]
