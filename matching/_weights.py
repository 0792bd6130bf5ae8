"""Ranking weights: how much each part of the score counts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from numbers import Integral, Real
from typing import Any

from ._errors import InvalidWeights

__all__ = ["MAX_AVAILABILITY", "PART_NAMES", "Weights"]

#: The largest availability weight: places free are a tie-breaker, never a reason
#: to rank someone above a supporter who is clearly nearer or a better fit.
MAX_AVAILABILITY = 0.25

#: Names of the score parts, in the order reasons and ``Match.parts`` use.
PART_NAMES = (
    "proximity",
    "event_group",
    "needs",
    "ladder",
    "availability",
    "responsiveness",
    "text",
    "supervision",
)

# Shape parameters are not multipliers: each has its own valid range.
_SHAPE_RANGES = {
    "proximity_half_km": (0.0, math.inf, False),  # (low, high, low inclusive)
    "online_proximity": (0.0, 1.0, True),
    # Places free only break near-ties: a larger weight would let spare places
    # outrank a clearly nearer or better-fitting supporter.
    "availability": (0.0, MAX_AVAILABILITY, True),
    "related_group": (0.0, 1.0, True),
    "recency_half_life_days": (0.0, math.inf, False),
}


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the score parts, plus the few numbers that shape them.

    Each score part is normalised to [0, 1] and multiplied by its weight; the
    score is the sum. Admins edit these, so every field is validated and a
    :class:`Weights` round-trips through a plain mapping.

    Parameters
    ----------
    proximity, event_group, needs, ladder, responsiveness, text, supervision : float
        Multipliers (>= 0) of the score parts of the same name.
    availability : float
        Multiplier of places free, 0 to :data:`MAX_AVAILABILITY`: a tie-breaker
        between supporters who are otherwise about equal.
    proximity_half_km : float
        Distance at which proximity falls to one half (> 0).
    online_proximity : float
        Proximity given to a pairing that would meet online, in cohort
        allocation (0 to 1). Search ranks online supporters in a section of
        their own, by fit alone, so this never gives them distance credit there.
    related_group : float
        Event-group fit of a related group (sprints for hurdles), 0 to 1.
    recency_half_life_days : float
        Days of inactivity after which recency falls to one half (> 0).
    version : int
        Which edit of the weights this is (>= 1); results carry it.

    Examples
    --------
    >>> w = Weights.from_mapping({"needs": 4, "version": 2})
    >>> w.needs, w.proximity, w.version
    (4.0, 3.0, 2)
    >>> Weights.from_mapping({"proximty": 1})
    Traceback (most recent call last):
    ...
    matching._errors.InvalidWeights: proximty: unknown weight
    """

    proximity: float = 3.0
    event_group: float = 2.0
    needs: float = 3.0
    ladder: float = 1.5
    availability: float = 0.05
    responsiveness: float = 1.0
    text: float = 1.0
    supervision: float = 2.0
    proximity_half_km: float = 10.0
    online_proximity: float = 0.5
    related_group: float = 0.5
    recency_half_life_days: float = 30.0
    version: int = 1

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "version":
                if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                    raise InvalidWeights("version", "must be a whole number of at least 1")
                object.__setattr__(self, "version", int(value))
                continue
            if isinstance(value, bool) or not isinstance(value, Real):
                raise InvalidWeights(f.name, f"must be a number, not {type(value).__name__}")
            value = float(value)
            if not math.isfinite(value):
                raise InvalidWeights(f.name, "must be a finite number")
            low, high, low_inclusive = _SHAPE_RANGES.get(f.name, (0.0, math.inf, True))
            if value < low or (value == low and not low_inclusive) or value > high:
                raise InvalidWeights(f.name, _range_text(low, high, low_inclusive))
            object.__setattr__(self, f.name, value)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Weights:
        """Build weights from a mapping; missing fields keep their defaults.

        Raises
        ------
        InvalidWeights
            When a key is unknown or a value is not acceptable; ``field`` names it.
        """
        if not isinstance(data, Mapping):
            raise InvalidWeights("weights", "must be a mapping of field names to numbers")
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise InvalidWeights(str(key), "unknown weight")
        return cls(**data)

    def to_mapping(self) -> dict[str, float | int]:
        """Return every field as a plain dict (the inverse of :meth:`from_mapping`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _range_text(low: float, high: float, low_inclusive: bool) -> str:
    if high == math.inf:
        return "must be at least 0" if low_inclusive else "must be greater than 0"
    return f"must be between {low:g} and {high:g}"
