"""Checking a statement's facts against the ontology and the entity registry.

Loader rules and curated annotations both pass through here, so one set of rules decides what a
well-formed fact is: a known subject, a sourced property, an object of the right kind.
"""

from __future__ import annotations

from kg.dates import parse_date
from kg.errors import DataError
from kg.model import Fact, Quantity, Ref, Statement
from kg.registry import Registry
from kg.vocab import DATE_PROPERTIES, QUANTITY_PROPERTIES, Vocabulary

SOURCE_PREFIX = "source-"


def is_known(entity_id: str, registry: Registry, sources: set[str]) -> bool:
    """Whether an id names a registry entity or a source document (``source-<id>``)."""
    if entity_id.startswith(SOURCE_PREFIX):
        return entity_id[len(SOURCE_PREFIX) :] in sources
    return entity_id in registry


def check_statement(
    statement: Statement, vocab: Vocabulary, registry: Registry, sources: set[str]
) -> None:
    """Raise DataError, naming the statement's origin, on the first malformed fact."""
    if statement.method not in vocab.methods:
        raise DataError(f"{statement.origin}: unknown method {statement.method!r}")
    for fact in statement.facts:
        _check_fact(fact, fact.origin or statement.origin, vocab, registry, sources)


def _check_fact(
    fact: Fact, where: str, vocab: Vocabulary, registry: Registry, sources: set[str]
) -> None:
    def known(entity_id: str, role: str) -> None:
        if not is_known(entity_id, registry, sources):
            raise DataError(f"{where}: unknown entity {entity_id!r} as {role} of {fact.predicate}")

    known(fact.subject, "subject")
    prop = fact.predicate
    obj = fact.object
    if prop not in vocab.sourced_properties and prop not in vocab.object_properties | (
        vocab.datatype_properties
    ):
        raise DataError(f"{where}: unknown property {prop!r}")
    if prop in QUANTITY_PROPERTIES:
        if not isinstance(obj, Quantity):
            raise DataError(f"{where}: {prop} needs a quantity, got {obj!r}")
        if obj.of is not None:
            known(obj.of, "'of'")
        if obj.count is not None and obj.count < 0:
            raise DataError(f"{where}: negative count {obj.count}")
        if obj.qualifier not in vocab.qualifiers:
            raise DataError(f"{where}: unknown qualifier {obj.qualifier!r}")
        if obj.date is not None:
            _date(obj.date, where)
    elif vocab.is_object_property(prop):
        if not isinstance(obj, Ref):
            raise DataError(f"{where}: {prop} needs an entity, got the literal {obj!r}")
        known(obj.id, "object")
    elif prop in DATE_PROPERTIES:
        _date(obj, where)
    elif prop == "count":
        if not isinstance(obj, int) or isinstance(obj, bool) or obj < 0:
            raise DataError(f"{where}: malformed count {obj!r}")
    elif isinstance(obj, Ref | Quantity):
        raise DataError(f"{where}: {prop} needs a literal, got {obj!r}")
    elif not str(obj).strip():
        raise DataError(f"{where}: empty value for {prop}")


def _date(value: object, where: str) -> None:
    try:
        parse_date(value)
    except DataError as err:
        raise DataError(f"{where}: {err}") from None
