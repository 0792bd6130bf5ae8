"""Plain-English reasons for a match, and distances for people."""

from __future__ import annotations

from collections.abc import Mapping

from ._types import Candidate, Labels, Query

__all__ = ["ReasonWriter", "format_km"]

_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

#: Share of requests answered from which responsiveness is worth a reason.
_GOOD_RESPONSE_RATE = 0.8


class ReasonWriter:
    """Write the reasons of matches for one query.

    Labels and orderings that depend only on the query are worked out once,
    so each match costs a few set look-ups. Reasons speak to the coach ("your
    needs", "above you") unless ``about_coach`` is set, for a reader choosing
    on the coach's behalf ("their needs", "above them").

    Examples
    --------
    >>> from matching import Candidate, Labels, Query
    >>> c = Candidate(1, 53.8, -1.5, roles={"mentor"}, event_groups={"jumps"}, level=3,
    ...               qualification="Level 3", needs={"periodisation"}, capacity_left=2)
    >>> q = Query(53.8, -1.6, roles={"mentor"}, event_groups={"jumps"}, level=1,
    ...           needs={"periodisation": 2, "strength": 1})
    >>> ReasonWriter(q, Labels(), {}).reasons(
    ...     c, distance_km=9.2, in_person=True, available=True, supervision=0.0,
    ...     days_since_active=float("nan"), text_terms=())
    ('9 km away', 'Jumps', 'covers 1 of your 2 needs: periodisation', 'Level 3, two levels above you', '2 places free')
    """  # noqa: E501

    def __init__(self, query: Query, labels: Labels,
                 related: Mapping[str, frozenset[str]], *, about_coach: bool = False) -> None:
        self.query = query
        self._their, self._them = ("their", "them") if about_coach else ("your", "you")
        self._groups = [(g, labels.event_group(g)) for g in sorted(query.event_groups)]
        self._related = {
            g: [(o, f"{labels.event_group(o)} (related to {label})")
                for o in sorted(related.get(g, frozenset()))]
            for g, label in self._groups
        }
        # Highest priority first, so the reason lists the needs that matter most;
        # a need of priority 0 does not count (it weighs nothing in the score).
        self._needs = sorted(((k, labels.need(k)) for k, p in query.needs.items() if p > 0),
                             key=lambda item: (-query.needs[item[0]], item[1]))
        self._total_needs = len(self._needs)
        self._offer_online = query.mode != "in_person"

    def reasons(self, candidate: Candidate, *, distance_km: float, in_person: bool,
                available: bool, supervision: float, days_since_active: float,
                text_terms: tuple[str, ...]) -> tuple[str, ...]:
        """Return the reasons for one match, most decisive first."""
        reasons = [format_km(distance_km, away=True) if in_person else "Online"]
        held = candidate.event_groups
        groups = [label for g, label in self._groups if g in held]
        for g, _ in self._groups:
            if g not in held:
                groups.extend(text for o, text in self._related[g] if o in held)
        if groups:
            reasons.append(", ".join(dict.fromkeys(groups)))
        covered = [label for k, label in self._needs if k in candidate.needs]
        if covered:
            reasons.append(_needs_text(covered, self._total_needs, self._their))
        reasons.append(_ladder_text(candidate, self.query, self._them))
        if supervision >= 1.0:
            reasons.append("same club: can supervise")
        elif supervision > 0.0:
            reasons.append("nearby: can supervise")
        if available:
            places = candidate.capacity_left
            reasons.append(f"{places} place{'s' if places != 1 else ''} free")
        else:
            reasons.append("Full: waitlist")
        if in_person and candidate.offers_online and self._offer_online:
            reasons.append("also online")
        rate = candidate.response_rate
        if rate is not None and rate >= _GOOD_RESPONSE_RATE:
            reasons.append(f"answers {round(rate * 100)}% of requests")
        if days_since_active <= 7:
            reasons.append("active this week")
        if text_terms:
            reasons.append("bio mentions " + ", ".join(text_terms))
        return tuple(reasons)


def format_km(km: float, *, away: bool = False) -> str:
    """Return a distance for people: ``"9 km"``, ``"under 1 km"``, ``"7.5 km"``.

    Examples
    --------
    >>> format_km(9.2, away=True), format_km(0.4), format_km(7.5), format_km(25.0)
    ('9 km away', 'under 1 km', '7.5 km', '25 km')
    """
    suffix = " away" if away else ""
    if km < 1:
        return f"under 1 km{suffix}"
    if away or km == int(km) or km >= 10:
        return f"{round(km):,} km{suffix}"
    return f"{km:.1f} km{suffix}"


def _needs_text(covered: list[str], total: int, your: str) -> str:
    names = ", ".join(covered)
    if total == 1:
        return f"covers {your} need: {names}"
    if len(covered) == total:
        return f"covers all {total} of {your} needs: {names}"
    return f"covers {len(covered)} of {your} {total} needs: {names}"


def _ladder_text(candidate: Candidate, query: Query, you: str) -> str:
    label = candidate.qualification or f"Rank {candidate.level}"
    other_ladder = (query.framework is not None and candidate.framework is not None
                    and candidate.framework != query.framework)
    if query.level is None or other_ladder:
        return label
    gap = candidate.level - query.level
    if gap == 0:
        return f"{label}, same level as {you}"
    levels = "level" if abs(gap) == 1 else "levels"
    side = "above" if gap > 0 else "below"
    return f"{label}, {_number(abs(gap))} {levels} {side} {you}"


def _number(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else f"{n:,}"
