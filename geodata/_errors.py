"""The exceptions geodata raises.

Each class also inherits the built-in exception whose meaning it carries, so a
caller that only knows Python (``except ValueError``, ``except LookupError``)
still handles them sensibly, while a caller that knows geodata can be precise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._location import Location

__all__ = [
    "AmbiguousPlace",
    "GeodataError",
    "InvalidQuery",
    "NotCoveredOffline",
    "OnlineLookupError",
    "PlaceNotFound",
]


class GeodataError(Exception):
    """Base class of every error geodata raises on purpose."""


class InvalidQuery(GeodataError, ValueError):
    """The text is malformed: it cannot be a postcode, ZIP code or place name.

    The message says what is wrong, e.g. ``'LS6 3Q' is not a complete
    postcode: did you mean the sector LS6 3?``.
    """


class PlaceNotFound(GeodataError, LookupError):
    """The text is well formed but names nothing geodata knows."""


class NotCoveredOffline(PlaceNotFound):
    """The place exists but the offline data cannot locate it.

    Raised for Northern Ireland (BT) postcodes, which Ordnance Survey
    Code-Point Open does not cover, for non-geographic postcodes and for
    military ZIP codes. An online lookup, when enabled, may still answer.
    """


class AmbiguousPlace(GeodataError, LookupError):
    """A place name matches several places and none clearly dominates.

    Attributes
    ----------
    candidates : list of Location
        The matches, most likely first (by population, then by country
        preference).
    """

    def __init__(self, message: str, candidates: Iterable[Location]) -> None:
        super().__init__(message)
        self.candidates: list[Location] = list(candidates)

    def __reduce__(self):
        # Keep the candidates when the error crosses a process boundary.
        return (type(self), (str(self), self.candidates))


class OnlineLookupError(GeodataError):
    """The online geocoder failed (timeout, refused, quota, bad answer)."""
