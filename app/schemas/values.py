"""Field values shared by several schemas: taxonomy keys and the dates a person may give."""

from __future__ import annotations

from datetime import date

from marshmallow import validate

from app.schemas.text import Line

#: A key of the taxonomy (a need, an event group, a role...), checked against it later.
KEY = Line(validate=validate.Length(min=1, max=60))
#: Any date a person types: wide enough for every plan and check, narrow enough to be real.
DATES = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))
