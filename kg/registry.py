"""The entity registry: every named thing in the graph, with its class, label and aliases.

Read from ``data/entities/*.yaml`` (see ``data/README.md``) and extended by loader rules. Entries
with the same id are merged: classes and labels must agree, aliases are united. The registry also
answers "which entity does this surface form name?" for loaders and the gazetteer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg.errors import DataError
from kg.model import EntityDecl
from kg.yamlfile import load_yaml_list

# Classes whose labels name headings or groupings rather than things a sentence talks about.
NOT_MENTIONED = frozenset({"SubjectHeading", "HeadingScheme", "Side"})


class Registry:
    """Entities by id, with a surface-form index over labels and aliases."""

    def __init__(self) -> None:
        self._entities: dict[str, EntityDecl] = {}

    def __contains__(self, entity_id: str) -> bool:
        return entity_id in self._entities

    def __iter__(self):
        return iter(sorted(self._entities.values(), key=lambda e: e.id))

    def __len__(self) -> int:
        return len(self._entities)

    def get(self, entity_id: str) -> EntityDecl:
        return self._entities[entity_id]

    def add(self, decl: EntityDecl) -> None:
        """Add or merge an entity; a clash of class or label is a data error naming both origins."""
        old = self._entities.get(decl.id)
        if old is None:
            self._entities[decl.id] = decl
            return
        if old.cls != decl.cls:
            raise DataError(
                f"{decl.origin}: entity '{decl.id}' is a {decl.cls} here "
                f"but a {old.cls} at {old.origin}"
            )
        if old.label != decl.label:
            raise DataError(
                f"{decl.origin}: entity '{decl.id}' is labelled {decl.label!r} here "
                f"but {old.label!r} at {old.origin}"
            )
        aliases = tuple(dict.fromkeys(old.aliases + decl.aliases))
        demonyms = tuple(dict.fromkeys(old.demonyms + decl.demonyms))
        self._entities[decl.id] = EntityDecl(
            old.id, old.cls, old.label, aliases, demonyms, old.origin
        )

    def surface_forms(self) -> dict[str, str]:
        """Every label and alias of a nameable thing, mapped to the id it names (the gazetteer's
        input). Subject headings are left out: "Woodrow Wilson" the keyword must not take the
        mentions of Woodrow Wilson the person."""
        forms: dict[str, str] = {}
        for entity in self:
            if entity.cls in NOT_MENTIONED:
                continue
            for form in (entity.label, *entity.aliases):
                forms.setdefault(form, entity.id)
        return forms

    def resolve(self, surface: str) -> str | None:
        """The id of the entity whose label or alias is exactly ``surface``, if one is."""
        surface = surface.strip()
        for entity in self:
            if surface == entity.label or surface in entity.aliases:
                return entity.id
        return None

    def by_demonym(self, word: str) -> str | None:
        """The id of the entity whose demonym is ``word`` ("Japanese" names Japan's troops)."""
        for entity in self:
            if word in entity.demonyms:
                return entity.id
        return None


def _as_tuple(value, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DataError(f"{where}: '{key}' must be a string or a list of strings")


def read_registry(paths: Iterable[Path], classes: set[str], root: Path) -> Registry:
    """Read entity files into a registry, checking each entry's shape and class."""
    registry = Registry()
    for path in sorted(paths):
        for line, item in load_yaml_list(path):
            where = f"{_relative(path, root)}:{line}"
            if not isinstance(item, dict):
                raise DataError(f"{where}: an entity must be a mapping with id, class and label")
            unknown = set(item) - {"id", "class", "label", "aliases", "demonyms"}
            if unknown:
                raise DataError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
            for key in ("id", "class", "label"):
                if not isinstance(item.get(key), str) or not item[key].strip():
                    raise DataError(f"{where}: entity needs a non-empty '{key}'")
            entity_id = item["id"]
            if not _is_slug(entity_id):
                raise DataError(
                    f"{where}: entity id {entity_id!r} must be lower-case kebab-case (a-z, 0-9, -)"
                )
            if item["class"] not in classes:
                raise DataError(f"{where}: unknown class {item['class']!r} for '{entity_id}'")
            registry.add(
                EntityDecl(
                    id=entity_id,
                    cls=item["class"],
                    label=item["label"].strip(),
                    aliases=_as_tuple(item.get("aliases"), where, "aliases"),
                    demonyms=_as_tuple(item.get("demonyms"), where, "demonyms"),
                    origin=where,
                )
            )
    return registry


def _is_slug(text: str) -> bool:
    return (
        bool(text)
        and all(c.islower() or c.isdigit() or c == "-" for c in text)
        and (text[0] != "-" and text[-1] != "-")
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
