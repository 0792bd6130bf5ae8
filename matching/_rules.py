"""Role bits and the qualification-ladder rules of each support role."""

from __future__ import annotations

import math

import numpy as np

from ._types import SUPPORT_ROLES

__all__ = ["ALL_ROLES", "LADDER", "ROLE_BIT", "ladder_fit", "role_mask", "roles_of_mask"]

ROLE_BIT = {role: 1 << i for i, role in enumerate(SUPPORT_ROLES)}
ALL_ROLES = (1 << len(SUPPORT_ROLES)) - 1

#: For each role: (lowest allowed gap, highest allowed gap, preferred gap range),
#: where gap = supporter level - coach level on the common scale. Mentors,
#: technical advisors and coach developers must be above the coach; co-coaches
#: are peers within one rank. Inside the preferred range the ladder fit is 1 and
#: it halves with each rank outside it.
LADDER = {
    "coach_developer": (1, math.inf, (1, 3)),
    "co_coach": (-1, 1, (0, 0)),
    "mentor": (1, math.inf, (1, 2)),
    "technical_advisor": (1, math.inf, (1, 3)),
}


def role_mask(roles) -> int:
    """Return the bit mask of a set of roles."""
    return sum(ROLE_BIT[r] for r in roles)


def roles_of_mask(mask: int) -> tuple[str, ...]:
    """Return the roles of a bit mask, in canonical order."""
    return _ROLES_OF_MASK[mask]


_ROLES_OF_MASK = [tuple(r for r in SUPPORT_ROLES if m & ROLE_BIT[r]) for m in range(ALL_ROLES + 1)]


def ladder_fit(role: str, gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (allowed, fit in [0, 1]) of supporters ``gap`` ranks above a coach."""
    low, high, (pref_low, pref_high) = LADDER[role]
    allowed = (gap >= low) & (gap <= high)
    outside = np.maximum(pref_low - gap, 0) + np.maximum(gap - pref_high, 0)
    return allowed, np.power(0.5, outside.astype(np.float64))
