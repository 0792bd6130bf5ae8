"""The impact report: its filters (query arguments) and its figures."""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from app.schemas.base import Schema
from app.schemas.text import Line
from app.services.impact_report import FIGURES, PRESETS

EARLIEST = date(2000, 1, 1)


class ImpactArgs(Schema):
    """A period (dates, or a preset; the last 12 months by default) and a programme.

    Blank values count as not given, so the page's GET form and the API read alike.
    """

    from_ = fields.Date(data_key="from", load_default=None,
                        validate=validate.Range(min=EARLIEST, error="Choose a day from 2000."),
                        metadata={"description": "First day of the period (YYYY-MM-DD); "
                                                 "12 months before `to` by default"})
    to = fields.Date(load_default=None,
                     validate=validate.Range(min=EARLIEST, error="Choose a day from 2000."),
                     metadata={"description": "Last day of the period, at most today; "
                                              "today by default"})
    period = Line(load_default=None, validate=validate.OneOf(list(PRESETS)), metadata={
        "description": "A named period instead of dates: " + ", ".join(PRESETS)})
    programme = Line(load_default=None, validate=validate.Length(max=80), metadata={
        "description": "Only the coaches published allocations placed in this programme "
                       "(e.g. Advanced Coach pilot); every coach by default"})

    @pre_load
    def drop_blanks(self, data, **kwargs):
        if hasattr(data, "getlist"):
            data = {k: data.get(k) for k in data}
        if not isinstance(data, dict):
            return data
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}

    @validates_schema
    def one_period(self, data, **kwargs):
        starts_on, ends_on = data.get("from_"), data.get("to")
        if data.get("period") and (starts_on or ends_on):
            raise ValidationError("Choose a named period or dates, not both.", "period")
        if starts_on and ends_on and starts_on > ends_on:
            raise ValidationError(f"Choose a day on or after the start "
                                  f"({starts_on:%-d %B %Y}).", "to")


class ImpactPeriodSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    preset = Line(allow_none=True, metadata={"description": "The named period, if one was "
                                                            "asked for"})
    label = Line()
    months = fields.Integer(metadata={"description": "Calendar months the period touches"})


def _figures() -> dict:
    found = {}
    for name, description in FIGURES.items():
        if name == "median_hours_to_first_answer":
            found[name] = fields.Float(allow_none=True, metadata={
                "description": description + "; null when none was answered"})
        else:
            found[name] = fields.Integer(metadata={"description": description})
    return found


ImpactFiguresSchema = Schema.from_dict({
    "month": Line(metadata={"description": "YYYY-MM, or `total` for the whole period"}),
    "from": fields.Date(metadata={"description": "First day counted (a month's first day, "
                                                 "or the period's)"}),
    "to": fields.Date(metadata={"description": "Last day counted"}),
    **_figures(),
}, name="ImpactFigures")


class ImpactOutcomeSchema(Schema):
    outcome = Line(metadata={"description": "The outcome as written (a wording fewer than "
                                            "3 engagements share is counted under "
                                            "“Other outcomes”)"})
    count = fields.Integer()


class ImpactReportSchema(Schema):
    """The figures of a period, in total and by month; counts only, nobody named."""

    scope = Line(metadata={"description": "`admin` (every coach, or a programme's) or "
                                          "`caseload` (a coach developer's own)"})
    period = fields.Nested(ImpactPeriodSchema)
    programme = Line(allow_none=True)
    programmes = fields.List(Line(), metadata={"description": "The programmes one may "
                                                              "choose"})
    generated_on = fields.Date()
    totals = fields.Nested(ImpactFiguresSchema)
    outcomes = fields.List(fields.Nested(ImpactOutcomeSchema), metadata={
        "description": "Engagements closed in the period, by outcome"})
    months = fields.List(fields.Nested(ImpactFiguresSchema))
