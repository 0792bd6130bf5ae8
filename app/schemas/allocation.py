"""Cohort allocation for programme admins."""

from __future__ import annotations

from marshmallow import fields, validate

from app.routing import MAX_ID
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
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


class RerunFormArgs(FormArgs):
    """The proposal page: per coach a typed coach developer (``supporter-<coach id>``) and a
    lock box; the service resolves what was typed against the run's pool."""

    list_fields = ("lock",)

    choices = fields.Dict(keys=fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
                          values=Line(validate=validate.Length(max=300)),
                          validate=validate.Length(max=2000), load_default=dict)
    lock = fields.List(ID, load_default=list, validate=validate.Length(max=2000))

    def tidy(self, data):
        choices = {}
        for name in [n for n in data if n.startswith("supporter-")]:
            value = data.pop(name)
            # A forged field name would fail the key check anyway; name it plainly.
            choices[name.removeprefix("supporter-")] = value
        data["choices"] = choices
        return data


CONFIRM_NEEDED = ("Confirm publication: it creates the engagements and emails every coach "
                  "and coach developer paired.")


class PublishAllocationArgs(FormArgs):
    confirm = fields.Boolean(
        required=True, validate=validate.Equal(True, error=CONFIRM_NEEDED),
        error_messages={"required": CONFIRM_NEEDED},
        metadata={"description": "Must be true: publishing creates the engagements and "
                                 "emails everyone paired (see GET .../publish first)"})


class AllocationPoolArgs(Schema):
    q = Line(load_default=None, validate=validate.Length(max=200),
             metadata={"description": "Name, place, postcode area, club or number (#412): "
                                      "every word must match, as the page resolves a choice"})


class AllocationPartySchema(Schema):
    id = fields.Integer()
    name = Line()


class AllocationSupporterSchema(AllocationPartySchema):
    label = Line(metadata={"description": "Name, place, places free and number: "
                                          "tells apart people who share a name"})


class AllocationPairSchema(Schema):
    placement_id = fields.Integer()
    coach = fields.Nested(AllocationPartySchema)
    plan_id = fields.Integer(allow_none=True)
    supporter = fields.Nested(AllocationSupporterSchema)
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
    label = Line(metadata={"description": "Name, place, places free and number"})
    near = Line(allow_none=True, metadata={"description": "Outward postcode area"})
    place = Line(allow_none=True)
    club = Line(allow_none=True)
    online = fields.Boolean()
    capacity = fields.Integer(metadata={"description": "Coaches they take at most"})
    proposed = fields.Integer(metadata={"description": "Coaches proposed to them"})
    places_left = fields.Integer(metadata={"description": "Places left today"})
    most = fields.Integer(allow_none=True)


class AllocationLeftOutSchema(Schema):
    coach = fields.Nested(AllocationPartySchema)
    supporter = fields.Nested(AllocationPartySchema,
                              metadata={"description": "Their coach developer"})
    reason = Text()


class AllocationSettingsSchema(Schema):
    pool = fields.List(fields.Integer())
    radius_km = fields.Float()
    mode = Line()
    objective = Line()
    most_per_supporter = fields.Integer(allow_none=True)


class AllocationCountsSchema(Schema):
    cohort = fields.Integer(metadata={"description": "The programme's coaches: paired + "
                                                    "unpaired + already_placed"})
    paired = fields.Integer()
    unpaired = fields.Integer()
    already_placed = fields.Integer(metadata={"description": "Had a coach developer already, "
                                                             "so not allocated"})


class AllocationChangesSchema(Schema):
    joined = fields.List(fields.Nested(AllocationPartySchema),
                         metadata={"description": "Joined the programme since: a new "
                                                  "proposal includes them"})
    placed = fields.List(fields.Nested(AllocationPartySchema),
                         metadata={"description": "Of this run, with a coach developer since"})
    left = fields.List(fields.Nested(AllocationPartySchema),
                       metadata={"description": "Of this run, no longer on the programme"})


class AllocationRunSchema(Schema):
    id = fields.Integer()
    programme = Line()
    status = Line(metadata={"description": "proposed, published or discarded"})
    settings = fields.Nested(AllocationSettingsSchema)
    total_score = fields.Float()
    reruns = fields.Integer()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    counts = fields.Nested(AllocationCountsSchema)
    summary = Line(metadata={"description": "The counts in words, as the page says them: "
                                            "\"9 of 12 coaches paired; 3 already placed\""})
    changes = fields.Nested(AllocationChangesSchema,
                            metadata={"description": "What changed in the programme since "
                                                     "this proposal (proposals only)"})
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
    coaches = fields.Integer(metadata={"description": "Coaches allocated in this run "
                                                     "(paired + unpaired)"})
    cohort = fields.Integer()
    paired = fields.Integer()
    unpaired = fields.Integer()
    already_placed = fields.Integer()
    summary = Line()


class AllocationPoolSchema(Schema):
    id = fields.Integer()
    name = Line()
    label = Line(metadata={"description": "Name, place, places free and number"})
    near = Line(allow_none=True)
    place = Line(allow_none=True)
    club = Line(allow_none=True)
    online = fields.Boolean()
    capacity = fields.Integer()
    places_left = fields.Integer()
    event_groups = fields.List(Line())


class ProgrammeCohortSchema(Schema):
    name = Line(metadata={"description": "The programme label"})
    coaches = fields.Integer(metadata={"description": "Coaches with an open plan on it"})
    already_placed = fields.Integer(metadata={"description": "Of them, with a coach "
                                                             "developer already"})
    waiting = fields.Integer(metadata={"description": "Of them, waiting to be allocated"})


class AllocationPublicationGroupSchema(Schema):
    supporter = fields.Nested(AllocationSupporterSchema)
    coaches = fields.List(fields.Nested(AllocationPartySchema))


class AllocationPublicationSchema(Schema):
    id = fields.Integer()
    programme = Line()
    engagements = fields.Integer(metadata={"description": "Pairings created"})
    coaches_emailed = fields.Integer()
    coach_developers_emailed = fields.Integer()
    unpaired_emailed = fields.Integer(metadata={"description": "Coaches not paired, told "
                                                               "that nobody was found yet"})
    emails = fields.Integer()
    sentence = Line(metadata={"description": "What publishing does, in words"})
    problems = fields.List(Text(), metadata={"description": "Why publishing would be "
                                                            "refused now"})
    can_publish = fields.Boolean()
    by_coach_developer = fields.List(fields.Nested(AllocationPublicationGroupSchema))
    unpaired = fields.List(fields.Nested(AllocationPartySchema))
    counts = fields.Nested(AllocationCountsSchema)
    summary = Line(metadata={"description": "The cohort's counts in words"})
