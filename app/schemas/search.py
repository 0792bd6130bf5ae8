"""Search input (``*Args``) and the public view of a supporter (``*Schema``).

The public view is the privacy boundary: it has no field for an exact
location, a full postcode, an email or a phone number, so none can leak.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from app.schemas.base import Schema
from app.schemas.text import Line, Text

MODES = ("in_person", "online", "either")
SORTS = ("fit", "distance")
# A need key, optionally with its plan priority: "periodisation" or "periodisation:4".
NEED_WITH_PRIORITY = r"^[A-Za-z0-9_-]{1,60}(:[0-5])?$"
MAX_PAGE = 1000


class CommaList(fields.List):
    """A list given as repeated parameters or as one comma-separated value."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part for part in (p.strip() for p in value.split(",")) if part]
        elif isinstance(value, list):
            value = [part.strip() for item in value for part in str(item).split(",")
                     if part.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


def _keys(description: str) -> CommaList:
    return CommaList(
        Line(validate=validate.Length(min=1, max=60)),
        load_default=list, validate=validate.Length(max=30),
        metadata={"description": description})


class SearchArgs(Schema):
    """Where and what to search for."""

    unknown_noun = "search option"

    where = Line(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "A postcode (LS6 3QS), outward code (LS6), town or US ZIP",
                  "example": "LS6 3QS", "label": "a postcode, town or ZIP code"})
    lat = fields.Float(validate=validate.Range(min=-90, max=90),
                       metadata={"description": "Latitude, with lon, instead of where"})
    lon = fields.Float(validate=validate.Range(min=-180, max=180),
                       metadata={"description": "Longitude, with lat, instead of where"})
    radius_km = fields.Float(
        load_default=25.0, validate=validate.Range(min=1, max=500),
        metadata={"description": "How far to look for in-person support, 1 to 500 km",
                  "label": "radius", "unit": "km"})
    roles = _keys("Support roles wanted (keys from /api/v1/taxonomy); none means any")
    event_groups = _keys("Your event groups")
    needs = CommaList(
        Line(validate=validate.Regexp(
            NEED_WITH_PRIORITY,
            error="Give a need's key, optionally with its priority 0 to 5: "
                  "periodisation or periodisation:4.")),
        load_default=list, validate=validate.Length(max=30),
        metadata={"description": "Needs from your development plan, each optionally with "
                                 "its priority 0 (not counted) to 5 (essential): "
                                 "`training_planning:5,strength_power:2`. Without "
                                 "priorities, needs listed first matter most."})
    qualification = Line(
        validate=validate.Length(max=60),
        metadata={"description": "Your qualification key, for the ladder rules"})
    club = Line(validate=validate.Length(max=120),
                         metadata={"description": "Your club, to find supervisors there"})
    goals = Text(validate=validate.Length(max=2000),
                          metadata={"description": "Your plan's goals in your own words"})
    mode = Line(load_default="either", validate=validate.OneOf(MODES),
                         metadata={"description": "in_person, online or either. With "
                                                  "either, supporters who can meet you in "
                                                  "person are `results` and online ones "
                                                  "come apart in `online`"})
    other_countries = fields.Boolean(
        load_default=False,
        metadata={"description": "Also offer supporters in other countries than the "
                                 "place's (a GB place offers GB supporters, a US ZIP US ones)"})
    sort = Line(load_default="fit", validate=validate.OneOf(SORTS),
                         metadata={"description": "fit (best fit first) or distance (nearest "
                                                  "first); online supporters are always by fit"})
    name = Line(validate=validate.Length(min=1, max=100),
                         metadata={"description": "Only supporters whose name or club holds "
                                                  "these words"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50),
                           metadata={"label": "the number of results a page"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"label": "the page number",
                                    "description": "Pages cover every result; a page past "
                                                   "the end has no results"})

    @pre_load
    def drop_blanks(self, data, **kwargs):
        """Treat empty form fields as not given."""
        lists = {name for name, f in self.fields.items() if isinstance(f, fields.List)}
        if hasattr(data, "getlist"):  # a query string or form: repeated keys
            data = {k: data.getlist(k) if k in lists else data.get(k) for k in data}
        else:
            data = dict(data)
        return {k: v for k, v in data.items() if v not in ("", None, [], [""])}

    @validates_schema
    def needs_a_place(self, data, **kwargs):
        has_point = "lat" in data or "lon" in data
        if has_point and not ("lat" in data and "lon" in data):
            missing = "lon" if "lat" in data else "lat"
            raise ValidationError("Give both lat and lon, or a place in where.", missing)
        if not has_point and not data.get("where"):
            raise ValidationError(
                "Enter a postcode, town or ZIP code, or use your location.", "where")


class NamedSchema(Schema):
    key = Line()
    name = Line()


class AvailabilitySchema(Schema):
    status = Line(metadata={"description": "available or waitlist"})
    places_free = fields.Integer()


class PublicSupporterSchema(Schema):
    """What anyone may see of a supporter."""

    id = fields.Integer()
    name = Line()
    roles = fields.List(fields.Nested(NamedSchema))
    event_groups = fields.List(fields.Nested(NamedSchema))
    expertise = fields.List(fields.Nested(NamedSchema))
    qualification = Line(allow_none=True)
    years_coaching = fields.Integer()
    club = Line(allow_none=True)
    bio = Text()
    near = Line(allow_none=True,
                         metadata={"description": "Outward postcode area or ZIP area, e.g. LS6"})
    place = Line(allow_none=True, metadata={"description": "Town, e.g. Leeds"})
    area_lat = fields.Float(allow_none=True,
                            metadata={"description": "Centre of the supporter's postcode "
                                                     "sector (or district, or ZIP code): where "
                                                     "search measures from, never their own "
                                                     "position"})
    area_lon = fields.Float(allow_none=True)
    online = fields.Boolean()
    travel_km = fields.Float()
    availability = fields.Nested(AvailabilitySchema)
    replies_within_days = fields.Integer(allow_none=True, metadata={
        "description": "Usually replies within this many days (rounded up): the median time "
                       "to a first answer over the last 12 months' requests, counting those "
                       "let expire as unanswered. Null until at least 3 requests were answered "
                       "or let expire, and when half or more went unanswered"})
    active_this_month = fields.Boolean(metadata={
        "description": "Answered a request or updated their profile in the last 30 days"})


class SearchResultSchema(PublicSupporterSchema):
    distance_km = fields.Float(allow_none=True,
                               metadata={"description": "Rounded to the nearest km"})
    score = fields.Float()
    reasons = fields.List(Line())
    summary = Line()
    waitlist = fields.Boolean()


class OriginSchema(Schema):
    label = Line()
    precision = Line()
    near = Line(allow_none=True)
    alternatives = fields.List(Line(),
                               metadata={"description": "Other places with the same name"})
    country = Line(allow_none=True,
                            metadata={"description": "The place's country, e.g. GB or US"})


class CountsSchema(Schema):
    in_person = fields.Integer(metadata={"description": "Supporters who can meet you in "
                                                       "person, within the radius"})
    in_person_available = fields.Integer(metadata={"description": "Of those, with places free"})
    online = fields.Integer(allow_none=True, metadata={
        "description": "Supporters matched online only; for mode=in_person, those offered "
                       "online when few are near (null when not looked for)"})
    online_available = fields.Integer(allow_none=True)


class WidenSchema(Schema):
    radius_km = fields.Float(metadata={"description": "The smallest radius that finds "
                                                     "someone in person"})
    found = fields.Integer(metadata={"description": "Supporters with places free within it"})


class DiagnosticsSchema(Schema):
    considered = fields.Integer()
    passed = fields.Integer()
    removed = fields.Dict(keys=Line(), values=fields.Integer(),
                          metadata={"description": "How many each rule removed, in order"})
    explanation = Line(allow_none=True)


class SearchResponseSchema(Schema):
    origin = fields.Nested(OriginSchema)
    mode = Line()
    sort = Line()
    radius_km = fields.Float()
    other_countries = fields.Boolean(metadata={"description": "Whether supporters in other "
                                                              "countries were offered"})
    counts = fields.Nested(CountsSchema)
    total = fields.Integer(metadata={"description": "How many are in `results` over all "
                                                    "pages"})
    page = fields.Integer()
    pages = fields.Integer()
    results = fields.List(fields.Nested(SearchResultSchema), metadata={
        "description": "In person within the radius (online supporters for mode=online), "
                       "best fit or nearest first; full supporters last, as waitlist"})
    online = fields.List(fields.Nested(SearchResultSchema), metadata={
        "description": "mode=either: the best online-only supporters (page 1); "
                       "mode=in_person with few results: online supporters, if you would "
                       "meet online"})
    beyond_radius = fields.List(fields.Nested(SearchResultSchema), metadata={
        "description": "When few or none are near: the nearest in person beyond the radius"})
    widen = fields.Nested(WidenSchema, allow_none=True, metadata={
        "description": "When few or none are near: a radius that finds someone"})
    diagnostics = fields.Nested(DiagnosticsSchema)
