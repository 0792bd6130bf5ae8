"""Text fields that refuse control characters, as every input of the app does.

A line break in a name ends up in an email's Subject header; a NUL byte is
refused by PostgreSQL but stored by SQLite. Neither is anything a person
types, so both are turned away at the door with a message naming the field,
the same on both databases.
"""

from __future__ import annotations

import re

from marshmallow import fields

__all__ = ["Line", "Text"]

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same, less the line breaks and tab a paragraph of text may hold.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


class Line(fields.String):
    """One line of text: a name, a title, a place. No line breaks or control characters."""

    default_error_messages = {
        "control": "Write this on one line, without line breaks, tabs or other control "
                   "characters.",
    }
    _forbidden = _ANY_CONTROL

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self._forbidden.search(text):
            raise self.make_error("control")
        return text


class Text(Line):
    """Text of several lines (a bio, a message): line breaks and tabs, no other controls."""

    default_error_messages = {
        "control": "This text holds a control character (such as a NUL byte) that is not "
                   "part of any writing: remove it and try again.",
    }
    _forbidden = _CONTROL_IN_TEXT
