"""(Admins) ranking weights: proposing, saving, restoring, previewing; sample searches."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema
from werkzeug.datastructures import MultiDict

from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.search import SearchArgs
from app.schemas.text import Line, Text
from app.services.ranking_weights import MEANINGS, NAMES, field_errors

#: What of a search a sample keeps (not which page, how many, or a supporter's name).
SAMPLE_FIELDS = ("where", "radius_km", "mode", "roles", "event_groups", "needs",
                 "qualification", "club", "goals", "other_countries", "sort")

_NUMBER = {"invalid": "Enter a number, such as 2 or 0.5.",
           "special": "Enter a number, such as 2 or 0.5."}


def _weight_fields() -> dict:
    return {m.name: fields.Float(error_messages=_NUMBER, metadata={
        "description": f"{m.label} ({m.allowed()}{', in ' + m.unit if m.unit else ''}). "
                       f"{m.help} {m.zero}".strip()}) for m in MEANINGS}


class _WeightsNote(FormArgs):
    note = Text(load_default="", validate=validate.Length(max=500),
                metadata={"description": "Why the weights change; shown in the history"})
    based_on = fields.Integer(validate=validate.Range(min=0), metadata={
        "description": "The version these changes start from (0: the built-in defaults). "
                       "If another was saved since, nothing is saved (409)"})

    def tidy(self, data):
        if data.get("based_on") == "":
            data.pop("based_on")
        return data

    @validates_schema(skip_on_field_errors=False)
    def in_range(self, data, **kwargs):
        """Each weight within its range, as ``matching.Weights`` rules, beside each field."""
        errors = field_errors({name: data[name] for name in NAMES if name in data})
        if errors:
            raise ValidationError(errors)


#: New weights (any of them: one left out keeps the value in force) and a note saying why.
WeightsArgs = type("WeightsArgs", (_WeightsNote,), {
    **_weight_fields(), "__doc__": "New weights (any of them) and a note saying why."})


class WeightsFormArgs(WeightsArgs):
    """The page's form: its Save button also sends the preview's cohort choice."""

    def tidy(self, data):
        data.pop("programme", None)
        return super().tidy(data)


class PreviewArgs(WeightsArgs):
    """Proposed weights, and optionally a programme whose cohort to allocate both ways."""

    programme = Line(load_default=None, allow_none=True, validate=validate.Length(max=80),
                     metadata={"description": "A programme label (e.g. Advanced Coach pilot): "
                                              "compare its cohort's allocation too"})

    def tidy(self, data):
        data = super().tidy(data)
        if data.get("programme") == "":
            data.pop("programme")
        return data


class RestoreArgs(FormArgs):
    note = Text(load_default="", validate=validate.Length(max=500),
                metadata={"description": "Why; the history shows \"Restored version N: ...\""})


class SampleSearchArgs(SearchArgs):
    """A search to keep as a sample, as the search page takes it, with a name.

    ``address``: the address of a search page (``https://.../search?where=LS6&...``);
    what it says wins over the fields, which fill in the rest.
    """

    class Meta:
        exclude = ("lat", "lon", "page", "limit")

    name = Line(required=True, validate=validate.Length(min=1, max=80),
                metadata={"description": "What to call it, e.g. Leeds jumps mentors"})
    address = Line(load_only=True, validate=validate.Length(max=2000), metadata={
        "description": "The address of a search page: its search wins over the fields"})

    @pre_load
    def drop_blanks(self, data, **kwargs):
        """Take a pasted search address apart; then treat empty fields as not given."""
        return super().drop_blanks(_with_address(data), **kwargs)


def _with_address(data):
    if hasattr(data, "getlist"):
        items = MultiDict(data.items(multi=True))
    elif isinstance(data, Mapping):
        items = MultiDict()
        for key, value in data.items():
            for item in value if isinstance(value, list) else [value]:
                items.add(key, item)
    else:
        return data  # marshmallow reports the wrong type
    items.poplist("csrf_token")
    address = items.pop("address", "")
    if isinstance(address, str) and address.strip():
        text = address.strip()
        found = MultiDict(parse_qsl(urlsplit(text).query if "?" in text else text))
        for key in SAMPLE_FIELDS:
            if key in found:
                items.setlist(key, found.getlist(key))
    return items


# --- answers ---------------------------------------------------------------------------


class WeightFieldSchema(Schema):
    name = Line()
    kind = Line(metadata={"description": "part: how much a score part counts; shape: how a "
                                         "part is measured"})
    label = Line(metadata={"description": "What it does, in words"})
    help = Text()
    zero = Text(metadata={"description": "What 0 does (empty where 0 is not allowed)"})
    unit = Line()
    value = fields.Float(metadata={"description": "In force now"})
    shown = Line(metadata={"description": "The value in force with its unit, e.g. 10 km"})
    default = fields.Float(metadata={"description": "The built-in default"})
    min = fields.Float()
    max = fields.Float(allow_none=True, metadata={"description": "null: no upper limit"})
    min_allowed = fields.Boolean(metadata={"description": "Whether min itself is allowed"})
    allowed = Line(metadata={"description": "The allowed values in words"})


class VersionSummarySchema(Schema):
    id = fields.Integer(metadata={"description": "The version number (0: the built-in "
                                                 "defaults, nobody saved any)"})
    created_at = fields.DateTime(allow_none=True)
    created_by = Line(allow_none=True)
    note = Text()


_VALUES = fields.Dict(keys=Line(), values=fields.Float())


class WeightsSchema(Schema):
    version = fields.Nested(VersionSummarySchema, metadata={"description": "The one in force"})
    weights = _VALUES
    fields_ = fields.List(fields.Nested(WeightFieldSchema), data_key="fields",
                          attribute="fields")


class ChangeSchema(Schema):
    name = Line()
    label = Line()
    before = fields.Float()
    after = fields.Float()
    text = Line(metadata={"description": "e.g. How much being near counts: 3 → 2"})


class VersionSchema(VersionSummarySchema):
    weights = _VALUES
    changes = fields.List(fields.Nested(ChangeSchema),
                          metadata={"description": "What it changed from the version before "
                                                   "(the first: from the built-in defaults)"})
    current = fields.Boolean(metadata={"description": "In force now"})
    restorable = fields.Boolean()


class SampleSearchSchema(Schema):
    id = fields.Integer()
    name = Line()
    params = fields.Dict(keys=Line(), values=fields.Raw(),
                         metadata={"description": "The search, as GET /api/v1/search takes it"})
    description = Line()
    created_by = Line(allow_none=True)
    created_at = fields.DateTime()


class PopularSearchSchema(Schema):
    params = fields.Dict(keys=Line(), values=fields.Raw(), metadata={
        "description": "The search, coarsely: the place is an outward code, ZIP or town"})
    searches = fields.Integer(metadata={"description": "How many were made"})
    description = Line()
    saved = fields.Boolean(metadata={"description": "Kept as a sample search already"})


class SampleSearchesSchema(Schema):
    saved = fields.List(fields.Nested(SampleSearchSchema))
    popular = fields.List(fields.Nested(PopularSearchSchema),
                          metadata={"description": "The most made searches lately"})
    popular_days = fields.Integer(metadata={"description": "Over how many days"})


class RankBeforeSchema(Schema):
    id = fields.Integer()
    name = Line()
    rank = fields.Integer()
    now = fields.Integer(allow_none=True, metadata={"description": "Rank with the proposed "
                                                                   "weights (null: leaves)"})
    status = Line(metadata={"description": "stays, moves or leaves"})


class RankAfterSchema(Schema):
    id = fields.Integer()
    name = Line()
    rank = fields.Integer()
    was = fields.Integer(allow_none=True, metadata={"description": "Rank now (null: enters)"})
    change = fields.Integer(allow_none=True,
                            metadata={"description": "Places risen (negative: fallen)"})
    status = Line(metadata={"description": "enters, up, down or same"})


class RankingComparisonSchema(Schema):
    title = Line(metadata={"description": "In person or Online"})
    before = fields.List(fields.Nested(RankBeforeSchema))
    after = fields.List(fields.Nested(RankAfterSchema))
    entered = fields.List(fields.Nested(RankAfterSchema))
    left = fields.List(fields.Nested(RankBeforeSchema))
    moved = fields.List(fields.Nested(RankAfterSchema))
    changed = fields.Boolean()


class SamplePreviewSchema(Schema):
    kind = Line(metadata={"description": "saved or popular"})
    id = fields.Integer(allow_none=True, metadata={"description": "A saved sample's id"})
    name = Line()
    description = Line()
    params = fields.Dict(keys=Line(), values=fields.Raw())
    searches = fields.Integer(allow_none=True, metadata={"description": "popular: how many"})
    problem = Text(allow_none=True, metadata={"description": "Why it could not be searched"})
    lists = fields.List(fields.Nested(RankingComparisonSchema))
    changed = fields.Boolean()


class PreviewSummarySchema(Schema):
    searches = fields.Integer()
    changed = fields.Integer(metadata={"description": "Searches whose top 10 changes"})
    entered = fields.Integer()
    left = fields.Integer()
    moved = fields.Integer()


class AllocationMeasuresSchema(Schema):
    placed = fields.Integer()
    mean_score = fields.Float(allow_none=True)
    lowest_score = fields.Float(allow_none=True,
                                metadata={"description": "The worst-off placed coach's score"})


class AllocationMoveSchema(Schema):
    coach = Line()
    before = Line(allow_none=True, metadata={"description": "Coach developer now (null: none)"})
    after = Line(allow_none=True)


class CohortComparisonSchema(Schema):
    programme = Line()
    coaches = fields.Integer()
    current = fields.Nested(AllocationMeasuresSchema)
    proposed = fields.Nested(AllocationMeasuresSchema)
    moves = fields.List(fields.Nested(AllocationMoveSchema))


class PreviewSchema(Schema):
    version = fields.Integer(metadata={"description": "The version in force"})
    current = _VALUES
    proposed = _VALUES
    changes = fields.List(fields.Nested(ChangeSchema))
    samples = fields.List(fields.Nested(SamplePreviewSchema))
    summary = fields.Nested(PreviewSummarySchema)
    cohort = fields.Nested(CohortComparisonSchema, allow_none=True)
