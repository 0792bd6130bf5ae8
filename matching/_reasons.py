"""Plain-language reasons for a match, and distances for people.

Reasons are written in English unless a ``translations`` object is given
(anything with ``gettext``, ``ngettext`` and ``pgettext``, as the standard
library's :mod:`gettext` and Babel make): the English sentences are the
message ids of the service's catalogue.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping

from ._types import Candidate, Labels, Query

__all__ = ["ReasonWriter", "format_km"]

_ENGLISH = gettext.NullTranslations()

#: Share of requests answered from which responsiveness is worth a reason.
_GOOD_RESPONSE_RATE = 0.8


class ReasonWriter:
    """Write the reasons of matches for one query.

    Labels and orderings that depend only on the query are worked out once,
    so each match costs a few set look-ups. Reasons speak to the coach ("your
    needs", "above you") unless ``about_coach`` is set, for a reader choosing
    on the coach's behalf ("their needs", "above them"). ``translations``
    writes them in another language (see the module's docstring).

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
                 related: Mapping[str, frozenset[str]], *, about_coach: bool = False,
                 translations=None) -> None:
        self.query = query
        self.translations = t = translations or _ENGLISH
        self._labels, self._related_groups = labels, related
        self._about_coach = about_coach
        self._groups = [(g, labels.event_group(g)) for g in sorted(query.event_groups)]
        self._related = {
            g: [(o, t.gettext("{group} (related to {asked})").format(
                group=labels.event_group(o), asked=label))
                for o in sorted(related.get(g, frozenset()))]
            for g, label in self._groups
        }
        # Highest priority first, so the reason lists the needs that matter most;
        # a need of priority 0 does not count (it weighs nothing in the score).
        self._needs = sorted(((k, labels.need(k)) for k, p in query.needs.items() if p > 0),
                             key=lambda item: (-query.needs[item[0]], item[1]))
        self._total_needs = len(self._needs)
        self._offer_online = query.mode != "in_person"

    def for_query(self, query: Query) -> ReasonWriter:
        """Return a writer for another query, in the same voice and language."""
        return ReasonWriter(query, self._labels, self._related_groups,
                            about_coach=self._about_coach, translations=self.translations)

    def travel_note(self, travel_km: float) -> str:
        """Say how far a supporter beyond the radius travels."""
        return self.translations.gettext("travels up to {distance}").format(
            distance=format_km(travel_km, translations=self.translations))

    def reasons(self, candidate: Candidate, *, distance_km: float, in_person: bool,
                available: bool, supervision: float, days_since_active: float,
                text_terms: tuple[str, ...]) -> tuple[str, ...]:
        """Return the reasons for one match, most decisive first."""
        t = self.translations
        reasons = [format_km(distance_km, away=True, translations=t) if in_person
                   else t.gettext("Online")]
        held = candidate.event_groups
        groups = [label for g, label in self._groups if g in held]
        for g, _ in self._groups:
            if g not in held:
                groups.extend(text for o, text in self._related[g] if o in held)
        if groups:
            reasons.append(", ".join(dict.fromkeys(groups)))
        covered = [label for k, label in self._needs if k in candidate.needs]
        if covered:
            reasons.append(_needs_text(t, covered, self._total_needs, self._about_coach))
        reasons.append(_ladder_text(t, candidate, self.query, self._about_coach))
        if supervision >= 1.0:
            reasons.append(t.gettext("same club: can supervise"))
        elif supervision > 0.0:
            reasons.append(t.gettext("nearby: can supervise"))
        if available:
            places = candidate.capacity_left
            reasons.append(t.ngettext("{n} place free", "{n} places free", places).format(
                n=places))
        else:
            reasons.append(t.gettext("Full: waitlist"))
        if in_person and candidate.offers_online and self._offer_online:
            reasons.append(t.gettext("also online"))
        rate = candidate.response_rate
        if rate is not None and rate >= _GOOD_RESPONSE_RATE:
            reasons.append(t.gettext("answers {percent}% of requests").format(
                percent=round(rate * 100)))
        if days_since_active <= 7:
            reasons.append(t.gettext("active this week"))
        if text_terms:
            reasons.append(t.gettext("bio mentions {terms}").format(terms=", ".join(text_terms)))
        return tuple(reasons)


def format_km(km: float, *, away: bool = False, translations=None) -> str:
    """Return a distance for people: ``"9 km"``, ``"under 1 km"``, ``"7.5 km"``.

    Examples
    --------
    >>> format_km(9.2, away=True), format_km(0.4), format_km(7.5), format_km(25.0)
    ('9 km away', 'under 1 km', '7.5 km', '25 km')
    """
    t = translations or _ENGLISH
    if km < 1:
        return t.gettext("under 1 km away") if away else t.gettext("under 1 km")
    if away or km == int(km) or km >= 10:
        number = f"{round(km):,}"
    else:
        number = f"{km:.1f}"
    return (t.gettext("{km} km away") if away else t.gettext("{km} km")).format(km=number)


def _needs_text(t, covered: list[str], total: int, about_coach: bool) -> str:
    names = ", ".join(covered)
    if total == 1:
        text = (t.gettext("covers their need: {needs}") if about_coach
                else t.gettext("covers your need: {needs}"))
    elif len(covered) == total:
        text = (t.gettext("covers all {total} of their needs: {needs}") if about_coach
                else t.gettext("covers all {total} of your needs: {needs}"))
    else:
        text = (t.gettext("covers {count} of their {total} needs: {needs}") if about_coach
                else t.gettext("covers {count} of your {total} needs: {needs}"))
    return text.format(needs=names, total=total, count=len(covered))


def _ladder_text(t, candidate: Candidate, query: Query, about_coach: bool) -> str:
    label = candidate.qualification or t.gettext("Rank {level}").format(level=candidate.level)
    other_ladder = (query.framework is not None and candidate.framework is not None
                    and candidate.framework != query.framework)
    if query.level is None or other_ladder:
        return label
    gap = candidate.level - query.level
    if gap == 0:
        text = (t.gettext("{qualification}, same level as them") if about_coach
                else t.gettext("{qualification}, same level as you"))
    elif gap > 0:
        text = (t.ngettext("{qualification}, {count} level above them",
                           "{qualification}, {count} levels above them", gap) if about_coach
                else t.ngettext("{qualification}, {count} level above you",
                                "{qualification}, {count} levels above you", gap))
    else:
        text = (t.ngettext("{qualification}, {count} level below them",
                           "{qualification}, {count} levels below them", -gap) if about_coach
                else t.ngettext("{qualification}, {count} level below you",
                                "{qualification}, {count} levels below you", -gap))
    return text.format(qualification=label, count=_number(t, abs(gap)))


def _number(t, n: int) -> str:
    """Spell small counts of levels out ("two levels above you"), as people write them."""
    return _NUMBER_WORDS[n](t) if 0 <= n < len(_NUMBER_WORDS) else f"{n:,}"


# One lookup per reason rather than eleven: each word is translated when used.
_NUMBER_WORDS = (
    lambda t: t.pgettext("levels", "zero"), lambda t: t.pgettext("levels", "one"),
    lambda t: t.pgettext("levels", "two"), lambda t: t.pgettext("levels", "three"),
    lambda t: t.pgettext("levels", "four"), lambda t: t.pgettext("levels", "five"),
    lambda t: t.pgettext("levels", "six"), lambda t: t.pgettext("levels", "seven"),
    lambda t: t.pgettext("levels", "eight"), lambda t: t.pgettext("levels", "nine"),
    lambda t: t.pgettext("levels", "ten"),
)
