"""Helpers shared by the loader tests: pick facts out of a LoadResult."""

from __future__ import annotations


def facts(result, predicate=None, subject=None):
    """(statement, fact) pairs of a load result, optionally of one predicate and subject."""
    return [
        (statement, fact)
        for statement in result.statements
        for fact in statement.facts
        if (predicate is None or fact.predicate == predicate)
        and (subject is None or fact.subject == subject)
    ]


def objects(result, predicate, subject=None):
    """The objects of the facts of one predicate (and subject)."""
    return [fact.object for _, fact in facts(result, predicate, subject)]
