"""Exceptions raised by :mod:`matching`.

Every error is a :class:`MatchingError`; bad input is also a :class:`ValueError`
so callers that only know the built-in meaning still catch it. Input errors name
the offending field so a form or API can point at it.
"""

from __future__ import annotations

__all__ = [
    "InvalidCandidate",
    "InvalidInput",
    "InvalidLock",
    "InvalidQuery",
    "InvalidWeights",
    "MatchingError",
]


class MatchingError(Exception):
    """Base class of every error raised by :mod:`matching`."""


class InvalidInput(MatchingError, ValueError):
    """A value given to :mod:`matching` is not acceptable.

    Parameters
    ----------
    field : str
        Name of the offending field, e.g. ``"radius_km"``.
    message : str
        What is wrong, in words a user can act on.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidWeights(InvalidInput):
    """A ranking weight is unknown, not a number, negative or out of range."""


class InvalidQuery(InvalidInput):
    """A search query has a bad field (position, radius, mode, needs...)."""


class InvalidCandidate(InvalidInput):
    """A supporter profile has a bad field; ``candidate_id`` says which one."""

    def __init__(self, field: str, message: str, *, candidate_id: object = None) -> None:
        if candidate_id is not None:
            message = f"{message} (candidate {candidate_id})"
        super().__init__(field, message)
        self.candidate_id = candidate_id


class InvalidLock(InvalidInput):
    """A locked (coach, supporter) pair cannot be honoured in an allocation."""
