"""Small text helpers for templates."""

from __future__ import annotations


def plural(noun: str, count: int) -> str:
    """Return ``noun`` in the plural unless ``count`` is one ("co-coach" -> "co-coaches")."""
    if count == 1:
        return noun
    if noun.endswith(("ch", "sh", "s", "x")):
        return noun + "es"
    return noun + "s"
