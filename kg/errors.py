"""The errors a user can cause, each naming the thing that is wrong.

The CLI prints these as one line and exits non-zero; anything else is a bug and keeps its traceback.
"""


class KGError(Exception):
    """Root of every error the user can fix."""


class DataError(KGError):
    """An input file is wrong: a bad entity, annotation, date or count (message names file:line)."""


class QuoteError(DataError):
    """A quote is not found verbatim at its position in its source (message names both)."""


class ValidationError(KGError):
    """The graph does not conform to the SHACL shapes."""


class UsageError(KGError):
    """A command was called wrongly: a bad path, query or format."""
