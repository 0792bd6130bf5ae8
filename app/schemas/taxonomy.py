"""The public taxonomy, for clients building their forms: what to list (``TaxonomyArgs``)
and the lists (``*Schema``)."""

from marshmallow import fields

from app.schemas.base import Schema
from app.schemas.text import Line

RETIRED_AT = fields.DateTime(
    allow_none=True, metadata={"description": "When it was retired (no longer offered as a "
                                              "new choice, still named on old records); "
                                              "null while offered"})


class TaxonomyArgs(Schema):
    include_retired = fields.Boolean(
        load_default=False,
        metadata={"description": "Also list retired items (to name what old records hold)"})


class SupportRoleSchema(Schema):
    key = Line()
    name = Line()
    description = Line()
    retired_at = RETIRED_AT


class EventGroupSchema(Schema):
    key = Line()
    name = Line()
    kind = Line(metadata={"description": "event_group or specialism"})
    description = Line()
    related = fields.Method("related_keys", metadata={"description": "Keys of related groups"})
    retired_at = RETIRED_AT

    def related_keys(self, group) -> list[str]:
        return [g.key for g in group.related]


class NeedSchema(Schema):
    key = Line()
    name = Line()
    category = Line()
    description = Line()
    retired_at = RETIRED_AT


class QualificationSchema(Schema):
    key = Line()
    name = Line()
    rank = fields.Integer(metadata={"description": "Position on its own ladder, from 0"})
    level = fields.Integer(metadata={"description": "Position on the common scale"})
    description = Line()
    supporter_only = fields.Boolean()
    retired_at = RETIRED_AT


class LadderSchema(Schema):
    key = Line()
    name = Line()
    country = Line()
    qualifications = fields.List(fields.Nested(QualificationSchema))


class TaxonomySchema(Schema):
    support_roles = fields.List(fields.Nested(SupportRoleSchema))
    event_groups = fields.List(fields.Nested(EventGroupSchema))
    needs = fields.List(fields.Nested(NeedSchema))
    ladders = fields.List(fields.Nested(LadderSchema))
