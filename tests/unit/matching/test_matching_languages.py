"""Reasons are written in the language of the translations the caller gives."""

from __future__ import annotations


class Catalogue:
    """A gettext-style catalogue over a dict, choosing plural forms as Welsh does."""

    def __init__(self, messages: dict) -> None:
        self.messages = messages

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.messages.get(singular)
        if forms is None:
            return singular if n == 1 else plural
        return forms[min(n, len(forms) - 1)]

    def pgettext(self, context: str, message: str) -> str:
        return self.messages.get(f"{context}|{message}", message)


WELSH = Catalogue({
    "{km} km away": "{km} km i ffwrdd",
    "Online": "Ar-lein",
    "{n} place free": ["{n} lle", "{n} lle ar gael", "{n} le ar gael", "{n} lle ar gael"],
    "{qualification}, {count} level above you": ["-", "{qualification}, {count} lefel yn uwch",
                                                 "{qualification}, {count} lefel yn uwch"],
    "levels|two": "dwy",
    "travels up to {distance}": "yn teithio hyd at {distance}",
    "{km} km": "{km} km",
})


def test_reasons_follow_the_translations_given(build, make_candidate, make_query):
    index = build([make_candidate(1, km=3, capacity_left=2, offers_online=True),
                   make_candidate(2, km=40, travel_km=60, capacity_left=1)])
    query = make_query(roles={"mentor"}, level=1, mode="either")

    english = index.rank(query)
    welsh = index.rank(query, translations=WELSH)

    assert english.matches[0].reasons[:2] == ("3 km away", "Level 3, two levels above you")
    assert welsh.matches[0].reasons[0] == "3 km i ffwrdd"
    assert welsh.matches[0].reasons[1] == "Level 3, dwy lefel yn uwch"
    assert "2 le ar gael" in welsh.matches[0].reasons
    # Only the words change: same people, same order, same number of reasons.
    assert welsh.ids == english.ids
    assert [len(m.reasons) for m in welsh.matches] == [len(m.reasons) for m in english.matches]


def test_fallbacks_beyond_the_radius_and_online_speak_the_same_language(
        build, make_candidate, make_query):
    index = build([make_candidate(1, km=40, travel_km=30, capacity_left=1),
                   make_candidate(2, km=200, offers_online=True, capacity_left=1)])
    result = index.rank(make_query(radius_km=10, mode="in_person"), translations=WELSH)

    beyond = result.fallbacks.beyond_radius
    assert beyond and beyond[0].reasons[:2] == ("40 km i ffwrdd", "yn teithio hyd at 30 km")
    online = result.fallbacks.online
    assert online and online[0].reasons[0] == "Ar-lein"
