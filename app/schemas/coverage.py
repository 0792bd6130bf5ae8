"""(Admins) coverage of demand: the filters, and the answer by area."""

from __future__ import annotations

from datetime import date

from marshmallow import fields, validate

from app.models.demand import DEMAND_SOURCES
from app.routing import MAX_ID
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.text import Line
from app.services.coverage import PRESETS, TRAFFIC

#: A date far from any count is a mistake (and 0001-01-01 less a year is no date).
DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31),
                       error="Give a date between 2000-01-01 and 2099-12-31.")
_HIDDEN = ("Counts from 1 to `min_count` - 1 are never given: the count is null and "
           "`{name}_between` gives the range it lies in (also when a count beside it "
           "would give it away).")


class CoverageArgs(FormArgs):
    preset = Line(load_default=None, validate=validate.OneOf(tuple(PRESETS)), metadata={
        "description": "The last 30 days, 90 days or 12 months (the default) up to `to`; "
                       "`from` wins over it"})
    date_from = fields.Date(data_key="from", load_default=None, validate=DATES, metadata={
        "description": "First day counted (YYYY-MM-DD). Before the last 90 days counts are "
                       "kept by month, so a start within such a month counts all of it "
                       "(`range.counted_from` says so)"})
    date_to = fields.Date(data_key="to", load_default=None, validate=DATES,
                          metadata={"description": "Last day counted (default: today)"})
    role = Line(load_default=None, validate=validate.Length(max=60), metadata={
        "description": "Only searches asking for this support role (a key from "
                       "/api/v1/taxonomy); supply and whom to ask count only its supporters"})
    event_group = Line(load_default=None, validate=validate.Length(max=60), metadata={
        "description": "Only searches asking for this event group; supply and whom to ask "
                       "likewise"})
    traffic = Line(load_default="person", validate=validate.OneOf(TRAFFIC), metadata={
        "description": "person (default): searches taken for people's; limited: from "
                       "clients a rate limit refused lately; bot: crawlers; all. What is "
                       "not shown is counted in `other`"})
    source = Line(load_default=None, validate=validate.OneOf(DEMAND_SOURCES),
                  metadata={"description": "Only searches made on the site, the API or "
                                           "a club's widget"})
    widget_key = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "Only searches from this widget "
                                                         "key's club widget (its id)"})
    country = Line(load_default=None, validate=validate.OneOf(("GB", "US")),
                   metadata={"description": "Only areas in GB or the US"})

    def tidy(self, data):
        return {k: v for k, v in data.items() if v not in ("", None)}


class CountSchema(Schema):
    value = fields.Integer(allow_none=True)
    between = fields.List(fields.Integer(), allow_none=True)


def _count(name: str, description: str) -> dict:
    return {
        name: fields.Integer(allow_none=True, metadata={"description": description}),
        f"{name}_between": fields.List(fields.Integer(), allow_none=True, metadata={
            "description": _HIDDEN.format(name=name)}),
    }


CoverageAreaSchema = Schema.from_dict({
    "country": Line(metadata={"description": "GB or US"}),
    "area": Line(metadata={"description": "Postcode district (LS6) or ZIP3 area (100)"}),
    "label": Line(metadata={"description": "LS6, or 100xx, NY"}),
    "lat": fields.Float(allow_none=True, metadata={"description": "The area's centre"}),
    "lon": fields.Float(allow_none=True),
    **_count("searches", "Searches made from the area (online-only ones are in `other`)"),
    **_count("found_in_person", "Of them, those that found someone in person with a place "
                                "free"),
    **_count("unmet", "Of them, those that found nobody in person with a place free"),
    **_count("found_online", "Of them, those that found someone online with a place free"),
    **_count("requests", "Requests sent from their results"),
    "share_found_in_person": fields.Float(allow_none=True),
    "band": fields.Integer(allow_none=True, metadata={
        "description": "Band of the share found in person (see `bands`); null when too "
                       "few to say"}),
    "supporters": fields.Integer(metadata={"description": "Searchable supporters based "
                                                          "in the area"}),
    "supporters_with_places": fields.Integer(),
    "places_free": fields.Integer(),
}, name="CoverageArea")


class CoverageBandSchema(Schema):
    band = fields.Integer()
    from_ = fields.Float(data_key="from", attribute="from")
    to = fields.Float()
    label = Line()
    colour = Line()


class WhomToAskSupporterSchema(Schema):
    supporter_id = fields.Integer()
    user_id = fields.Integer()
    name = Line()
    email = fields.Email()
    near = Line(allow_none=True, metadata={"description": "Their public area"})
    distance_km = fields.Integer(metadata={"description": "From the area's centre"})
    status = Line(metadata={"description": "full, paused, or paused and full"})
    paused = fields.Boolean()
    full = fields.Boolean()
    capacity = fields.Integer()
    coaches = fields.Integer(metadata={"description": "Active engagements now"})


class WhomToAskSchema(Schema):
    country = Line()
    area = Line()
    label = Line()
    supporters = fields.List(fields.Nested(WhomToAskSupporterSchema))


class CoverageRangeSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    preset = Line(allow_none=True)
    counted_from = fields.Date(metadata={"description": "The first day counted: earlier "
                                                        "than `from` when a month is kept "
                                                        "whole"})


class CoverageTotalsSchema(Schema):
    areas = fields.Integer(metadata={"description": "Areas with enough searches to show"})
    few_areas = fields.Integer(metadata={"description": "Areas with fewer than `min_count` "
                                                        "searches, left out of the totals"})
    searches = fields.Integer()
    found_in_person = fields.Integer(metadata={"description": "Adds up the counts shown"})
    unmet = fields.Integer(metadata={"description": "Adds up the counts shown"})
    requests = fields.Integer(metadata={"description": "Adds up the counts shown"})


class CoverageOtherSchema(Schema):
    online_only = fields.Nested(CountSchema, metadata={
        "description": "Searches for online support only (all areas)"})
    person = fields.Nested(CountSchema, metadata={
        "description": "Searches taken for people's, when not shown"})
    limited = fields.Nested(CountSchema, metadata={
        "description": "From clients a rate limit refused lately, when not shown"})
    bot = fields.Nested(CountSchema, metadata={"description": "From crawlers, when not shown"})


class CoverageFiltersSchema(Schema):
    role = Line(allow_none=True)
    event_group = Line(allow_none=True)
    traffic = Line()
    source = Line(allow_none=True)
    widget_key = fields.Integer(allow_none=True, attribute="widget_key_id")
    country = Line(allow_none=True)


class CoverageSchema(Schema):
    range = fields.Nested(CoverageRangeSchema)
    filters = fields.Nested(CoverageFiltersSchema)
    min_count = fields.Integer(metadata={"description": "The smallest count shown "
                                                        "(COVERAGE_MIN_COUNT)"})
    bands = fields.List(fields.Nested(CoverageBandSchema))
    totals = fields.Nested(CoverageTotalsSchema)
    other = fields.Nested(CoverageOtherSchema)
    areas = fields.List(fields.Nested(CoverageAreaSchema), metadata={
        "description": "Every area searched from, most unmet first: the table (the page "
                       "shows the first rows, the CSV all of them)"})
    whom_to_ask = fields.List(fields.Nested(WhomToAskSchema), metadata={
        "description": "For the most unmet areas, the nearest supporters who are full or "
                       "paused (but otherwise could be found), nearest first"})
