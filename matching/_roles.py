"""Support roles as data: each role's key and its qualification-ladder rule.

An index is built with the roles it knows (:meth:`SupportIndex.build`,
``roles=``); supporters and queries may name only those. Without ``roles``,
an index knows :data:`DEFAULT_ROLES`, the four roles of the product.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np

from ._errors import InvalidInput

__all__ = ["DEFAULT_ROLES", "LADDER_RULES", "LadderRule", "Role", "known_roles"]


def _gap_range(value: object, name: str) -> tuple[int, int]:
    try:
        low, high = value
    except (TypeError, ValueError):
        raise InvalidInput(name, "a preferred gap must be a (low, high) pair") from None
    if not all(isinstance(v, Integral) and not isinstance(v, bool) for v in (low, high)) \
            or low > high:
        raise InvalidInput(name, "a preferred gap must be whole numbers, low <= high")
    return int(low), int(high)


@dataclass(frozen=True, slots=True)
class LadderRule:
    """Where a role's supporters stand on the qualification ladder, relative to the coach.

    The gap is the supporter's level less the coach's, on one framework's
    ladder. A supporter may hold the role for a coach when the gap is within
    ``lowest_gap .. highest_gap``; their ladder fit is 1 inside
    ``preferred_gap`` and halves with each rank outside it.

    Parameters
    ----------
    lowest_gap, highest_gap : int or float
        The gaps allowed, both included; ``math.inf`` for no upper limit.
    preferred_gap : (int, int)
        The gaps preferred, both included, within the allowed ones.

    Examples
    --------
    >>> import numpy as np
    >>> allowed, fit = LADDER_RULES["above"].fit(np.array([0, 1, 3, 5]))
    >>> allowed.tolist(), fit.tolist()
    ([False, True, True, True], [0.5, 1.0, 1.0, 0.25])
    """

    lowest_gap: float
    highest_gap: float
    preferred_gap: tuple[int, int]

    def __post_init__(self) -> None:
        for name in ("lowest_gap", "highest_gap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
                raise InvalidInput(f"ladder_rule.{name}", "must be a number")
        low, high = _gap_range(self.preferred_gap, "ladder_rule.preferred_gap")
        if not self.lowest_gap <= low <= high <= self.highest_gap:
            raise InvalidInput("ladder_rule.preferred_gap",
                               "must lie within lowest_gap and highest_gap")
        object.__setattr__(self, "preferred_gap", (low, high))

    def fit(self, gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (allowed, fit in [0, 1]) of supporters ``gap`` ranks above a coach."""
        pref_low, pref_high = self.preferred_gap
        allowed = (gap >= self.lowest_gap) & (gap <= self.highest_gap)
        outside = np.maximum(pref_low - gap, 0) + np.maximum(gap - pref_high, 0)
        return allowed, np.power(0.5, outside.astype(np.float64))

    def preferring(self, preferred_gap: tuple[int, int]) -> LadderRule:
        """Return the same rule with another preferred range."""
        return LadderRule(self.lowest_gap, self.highest_gap, preferred_gap)


#: The ladder rules by the name the taxonomy gives them (``support_roles.ladder_rule``).
#: "above": the supporter ranks above the coach, by any number of rungs; one to
#: three above fits best. "peer": about the coach's rank, one rung either side at
#: most; the same rung fits best.
LADDER_RULES = MappingProxyType({
    "above": LadderRule(1, math.inf, (1, 3)),
    "peer": LadderRule(-1, 1, (0, 0)),
})


@dataclass(frozen=True, slots=True)
class Role:
    """A support role and its ladder rule.

    Parameters
    ----------
    key : str
        The role's key, e.g. ``"mentor"``.
    ladder_rule : str, default "above"
        The name of its rule in :data:`LADDER_RULES`.
    preferred_gap : (int, int), optional
        The gaps this role prefers, when narrower (or other) than its rule's.

    Attributes
    ----------
    ladder : LadderRule
        The rule's parameters, with this role's preferred range.

    Examples
    --------
    >>> Role("strength_coach").ladder
    LadderRule(lowest_gap=1, highest_gap=inf, preferred_gap=(1, 3))
    >>> Role.from_taxonomy("mentor", "above").ladder.preferred_gap
    (1, 2)
    """

    key: str
    ladder_rule: str = "above"
    preferred_gap: tuple[int, int] | None = None
    ladder: LadderRule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise InvalidInput("roles", "a role's key must be non-empty text")
        rule = LADDER_RULES.get(self.ladder_rule) if isinstance(self.ladder_rule, str) else None
        if rule is None:
            raise InvalidInput("roles", f"unknown ladder rule {self.ladder_rule!r} of role "
                                        f"{self.key!r}: use one of {', '.join(LADDER_RULES)}")
        if self.preferred_gap is not None:
            preferred = _gap_range(self.preferred_gap, "roles")
            object.__setattr__(self, "preferred_gap", preferred)
            rule = rule.preferring(preferred)
        object.__setattr__(self, "ladder", rule)

    @classmethod
    def from_taxonomy(cls, key: str, ladder_rule: str) -> Role:
        """Return a role as a taxonomy states it: a key and the name of its ladder rule.

        A taxonomy names only the rule. One of :data:`DEFAULT_ROLES` named with
        its own rule keeps its own preferred range (a mentor's is narrower than
        the rule's); any other role gets its rule's.
        """
        default = _DEFAULT_BY_KEY.get(key)
        if default is not None and default.ladder_rule == ladder_rule:
            return default
        return cls(key, ladder_rule)


# The rule's name carries the allowed gaps and a preferred range; a role may
# prefer a narrower range. Only the mentor does: a mentor one or two rungs
# above relates best to the coach's practice, while a coach developer or a
# technical advisor may well be three above. A taxonomy row says just "above"
# or "peer", so these preferences are the documented defaults of these keys.
#: The four support roles of the product, with their ladder rules.
DEFAULT_ROLES = (
    Role("co_coach", "peer"),
    Role("coach_developer", "above"),
    Role("mentor", "above", preferred_gap=(1, 2)),
    Role("technical_advisor", "above"),
)
_DEFAULT_BY_KEY = {role.key: role for role in DEFAULT_ROLES}


def known_roles(roles: object) -> tuple[Role, ...]:
    """Return the roles an index is built with, checked, in key order.

    Key order is the order of ``Match.roles``, whatever order a taxonomy lists
    its roles in.
    """
    if roles is None:
        return DEFAULT_ROLES
    if isinstance(roles, (str, bytes, Role)) or not isinstance(roles, Iterable):
        raise InvalidInput("roles", "must be an iterable of Role")
    roles = tuple(roles)
    for role in roles:
        if not isinstance(role, Role):
            raise InvalidInput("roles", f"expected a Role, got {type(role).__name__}")
    keys = [role.key for role in roles]
    if len(set(keys)) != len(keys):
        twice = next(k for k in keys if keys.count(k) > 1)
        raise InvalidInput("roles", f"role {twice!r} is given more than once")
    return tuple(sorted(roles, key=lambda role: role.key))
