"""Cohort allocation for programme admins."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.routing import MAX_ID
from app.schemas.accounts import FormArgs
from app.schemas.text import Line, Text

ID = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class AllocationArgs(FormArgs):
    list_fields = ("pool",)

    programme = Line(required=True, validate=validate.Length(min=1, max=80),
                              metadata={"description": "The cohort: coaches whose open plan "
                                                       "carries this programme label"})
    pool = fields.List(ID, load_default=None, allow_none=True,
                       validate=validate.Length(max=2000),
                       metadata={"description": "Supporter ids of the coach developers to "
                                                "allocate to (default: every eligible one "
                                                "with places left)"})
    most_per_supporter = fields.Integer(load_default=None, allow_none=True,
                                        validate=validate.Range(min=1, max=50),
                                        metadata={"description": "At most this many coaches "
                                                                 "of the cohort each"})
    radius_km = fields.Float(load_default=50.0, validate=validate.Range(min=1, max=1000),
                             metadata={"description": "How far in-person support may be"})
    mode = Line(load_default="either",
                         validate=validate.OneOf(("in_person", "online", "either")))
    objective = Line(load_default="coverage",
                              validate=validate.OneOf(("coverage", "score")),
                              metadata={"description": "coverage: as many coaches as possible, "
                                                       "then the best total score; score: the "
                                                       "best total score"})

    def tidy(self, data):
        for name in ("most_per_supporter", "radius_km"):
            if data.get(name) == "":
                data.pop(name)
        if data.get("pool") == []:
            data.pop("pool")
        return data


class LockArgs(Schema):
    coach_id = ID
    supporter_id = ID


class RerunArgs(FormArgs):
    locks = fields.List(fields.Nested(LockArgs), load_default=list,
                        validate=validate.Length(max=2000),
                        metadata={"description": "Pairs kept as they are; the rest is "
                                                 "allocated around them"})


class RerunFormArgs(RerunArgs):
    """The proposal page: per coach a chosen supporter and a lock box."""

    list_fields = ("lock",)

    def tidy(self, data):
        locked = data.pop("lock", [])
        locks = []
        for coach_id in locked:
            supporter = data.get(f"supporter-{coach_id}")
            if supporter:
                locks.append({"coach_id": coach_id, "supporter_id": supporter})
        for name in [n for n in data if n.startswith("supporter-")]:
            data.pop(name)
        data["locks"] = locks
        return data


class AllocationPartySchema(Schema):
    id = fields.Integer()
    name = Line()


class AllocationPairSchema(Schema):
    placement_id = fields.Integer()
    coach = fields.Nested(AllocationPartySchema)
    plan_id = fields.Integer(allow_none=True)
    supporter = fields.Nested(AllocationPartySchema)
    score = fields.Float()
    reasons = fields.List(Line())
    locked = fields.Boolean()
    engagement_id = fields.Integer(allow_none=True, metadata={"description": "Once published"})


class AllocationUnplacedSchema(Schema):
    placement_id = fields.Integer()
    coach = fields.Nested(AllocationPartySchema)
    reason = Text()


class AllocationPoolMemberSchema(Schema):
    id = fields.Integer()
    name = Line()
    proposed = fields.Integer(metadata={"description": "Coaches proposed to them"})
    places_left = fields.Integer(metadata={"description": "Places left today"})
    most = fields.Integer(allow_none=True)


class AllocationLeftOutSchema(Schema):
    coach = fields.Nested(AllocationPartySchema)
    reason = Text()


class AllocationSettingsSchema(Schema):
    pool = fields.List(fields.Integer())
    radius_km = fields.Float()
    mode = Line()
    objective = Line()
    most_per_supporter = fields.Integer(allow_none=True)


class AllocationRunSchema(Schema):
    id = fields.Integer()
    programme = Line()
    status = Line(metadata={"description": "proposed, published or discarded"})
    settings = fields.Nested(AllocationSettingsSchema)
    total_score = fields.Float()
    reruns = fields.Integer()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    pairs = fields.List(fields.Nested(AllocationPairSchema))
    unplaced = fields.List(fields.Nested(AllocationUnplacedSchema))
    pool = fields.List(fields.Nested(AllocationPoolMemberSchema))
    left_out = fields.List(fields.Nested(AllocationLeftOutSchema),
                           metadata={"description": "Coaches of the programme with a coach "
                                                    "developer already"})
    can = fields.List(Line())


class AllocationSummarySchema(Schema):
    id = fields.Integer()
    programme = Line()
    status = Line()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    coaches = fields.Integer()
    paired = fields.Integer()


class AllocationPoolSchema(Schema):
    id = fields.Integer()
    name = Line()
    near = Line(allow_none=True)
    place = Line(allow_none=True)
    online = fields.Boolean()
    places_left = fields.Integer()
    event_groups = fields.List(Line())
