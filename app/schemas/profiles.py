"""Supporter and coach profiles: input (``*Args``) and the owner's view (``*Schema``)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.plans import MAX_GOALS, GoalArgs, WeightedNeedArgs
from app.schemas.text import Line, Text
from app.schemas.values import DATES, KEY

SEARCH_AREAS = ("sector", "district")


def _blank_to_none(data: dict, *names: str) -> None:
    for name in names:
        if data.get(name) == "":
            data[name] = None


class SupporterProfileArgs(FormArgs):
    """A supporter's whole profile (PUT replaces it)."""

    list_fields = ("roles", "event_groups", "expertise")

    roles = fields.List(KEY, required=True, validate=validate.Length(min=1, max=10),
                        metadata={"description": "Support role keys you offer"})
    event_groups = fields.List(KEY, load_default=list, validate=validate.Length(max=20))
    expertise = fields.List(KEY, load_default=list, validate=validate.Length(max=40),
                            metadata={"description": "Need keys you can help with"})
    qualification = Line(allow_none=True, load_default=None,
                                  validate=validate.Length(max=60))
    years_coaching = fields.Integer(load_default=0, validate=validate.Range(min=0, max=80))
    club = Line(allow_none=True, load_default=None, validate=validate.Length(max=120))
    bio = Text(load_default="", validate=validate.Length(max=5000),
                        metadata={"description": "Plain text; any markup is removed"})
    location = Line(required=True, validate=validate.Length(min=1, max=100),
                             metadata={"description": "Your postcode, town or ZIP: kept "
                                                      "private, shown only as its area"})
    search_area = Line(
        load_default="sector", validate=validate.OneOf(SEARCH_AREAS),
        metadata={"description": "How precisely search places you: at the centre of your "
                                 "postcode sector (about 1 km, e.g. LS6 3) or of your "
                                 "district (LS6). Nobody sees or can work out more."})
    travel_km = fields.Float(load_default=15.0, validate=validate.Range(min=0, max=1000))
    offers_online = fields.Boolean(load_default=False)
    capacity = fields.Integer(load_default=2, validate=validate.Range(min=0, max=50),
                              metadata={"description": "How many coaches you can support "
                                                       "at once"})
    safeguarding_expires_on = fields.Date(required=True, validate=DATES)
    licence_expires_on = fields.Date(required=True, validate=DATES)
    visible = fields.Boolean(load_default=True,
                             metadata={"description": "Appear in search (once verified)"})

    def tidy(self, data):
        _blank_to_none(data, "qualification", "club")
        for name in ("years_coaching", "travel_km", "capacity"):
            if data.get(name) == "":
                data.pop(name)
        return data


class SupporterProfileFormArgs(SupporterProfileArgs):
    """The profile page: an unticked box sends nothing, which means no."""

    def tidy(self, data):
        data = super().tidy(data)
        for name in ("offers_online", "visible"):
            data[name] = name in data
        return data


class PauseArgs(FormArgs):
    reason = Line(load_default=None, allow_none=True,
                           validate=validate.Length(max=200),
                           metadata={"description": "Why, in a few words (shown to you only)"})


class SupporterProfileSchema(Schema):
    """The owner's own view: includes what only they may see."""

    id = fields.Integer()
    roles = fields.List(Line())
    event_groups = fields.List(Line())
    expertise = fields.List(Line())
    qualification = Line(allow_none=True)
    years_coaching = fields.Integer()
    club = Line(allow_none=True)
    bio = Text()
    location = Line(allow_none=True, metadata={"description": "Private"})
    near = Line(allow_none=True, metadata={"description": "Public area, e.g. LS6"})
    place = Line(allow_none=True, metadata={"description": "Public town"})
    search_area = Line(metadata={"description": "sector or district: where search "
                                                         "places you"})
    travel_km = fields.Float()
    offers_online = fields.Boolean()
    capacity = fields.Integer()
    places_left = fields.Integer()
    safeguarding_expires_on = fields.Date(allow_none=True)
    licence_expires_on = fields.Date(allow_none=True)
    visible = fields.Boolean()
    paused = fields.Boolean()
    paused_reason = Line(allow_none=True)
    verified = fields.Boolean()
    awaiting_verification = fields.Boolean()
    pending_change = fields.Nested(lambda: PendingChangeSchema(), allow_none=True, metadata={
        "description": "Your changes waiting for an admin (or for you, when an admin asked "
                       "for changes); coaches see the verified version until approved"})
    last_decision = fields.Nested(lambda: VerificationDecisionSchema(), allow_none=True, metadata={
        "description": "An admin's last word when they rejected or asked for changes"})
    searchable = fields.Boolean()
    notes = fields.List(Line(), metadata={"description": "Why you are or are not in "
                                                                  "search, in words"})


class CoachProfileArgs(FormArgs):
    """A coach's profile and their development plan's needs and goals."""

    list_fields = ("event_groups", "goal_id", "goal_title", "goal_target")

    qualification = Line(allow_none=True, load_default=None,
                                  validate=validate.Length(max=60))
    event_groups = fields.List(KEY, load_default=list, validate=validate.Length(max=20))
    club = Line(allow_none=True, load_default=None, validate=validate.Length(max=120))
    location = Line(allow_none=True, load_default=None,
                             validate=validate.Length(max=100),
                             metadata={"description": "Your postcode, town or ZIP: kept "
                                                      "private; prefills your searches"})
    needs = fields.List(fields.Nested(WeightedNeedArgs), load_default=list,
                        validate=validate.Length(max=40),
                        metadata={"description": "Your plan's needs with priorities"})
    goals = fields.List(fields.Nested(GoalArgs), load_default=list,
                        validate=validate.Length(max=MAX_GOALS))

    def tidy(self, data):
        _blank_to_none(data, "qualification", "club", "location")
        return data

    @validates_schema
    def needs_once(self, data, **kwargs):
        keys = [n["key"] for n in data.get("needs", [])]
        if len(keys) != len(set(keys)):
            raise ValidationError("List each need once.", "needs")


class CoachProfileFormArgs(CoachProfileArgs):
    """The coach page: a priority select per need, and rows of goals.

    The needs and goals are the plan's. The page shows their fields only while
    nobody shares the plan; without them, the plan is left as it is.
    """

    needs = fields.List(fields.Nested(WeightedNeedArgs), validate=validate.Length(max=40))
    goals = fields.List(fields.Nested(GoalArgs), validate=validate.Length(max=MAX_GOALS))

    def tidy(self, data):
        data = super().tidy(data)
        selects = [name for name in data if name.startswith("need-")]
        if selects:
            data["needs"] = [{"key": name.removeprefix("need-"), "priority": data[name]}
                             for name in selects if data[name] not in ("", None, "0")]
        for name in selects:
            data.pop(name)
        ids, titles, targets = (data.pop(n, None) for n in ("goal_id", "goal_title",
                                                            "goal_target"))
        if titles is not None:
            ids, targets = ids or [], targets or []
            data["goals"] = [{"id": (ids[i] if i < len(ids) else "") or None,
                              "title": title.strip(),
                              "target_date": (targets[i] if i < len(targets) else "") or None}
                             for i, title in enumerate(titles) if (title or "").strip()]
        data.setdefault("event_groups", [])
        return data


class PlanNeedSchema(Schema):
    key = Line()
    name = Line()
    priority = fields.Integer()


class GoalSchema(Schema):
    id = fields.Integer()
    title = Line()
    target_date = fields.Date(allow_none=True)


class CoachProfileSchema(Schema):
    qualification = Line(allow_none=True)
    event_groups = fields.List(Line())
    club = Line(allow_none=True)
    location = Line(allow_none=True, metadata={"description": "Private"})
    near = Line(allow_none=True)
    needs = fields.List(fields.Nested(PlanNeedSchema))
    goals = fields.List(fields.Nested(GoalSchema))
    plan_id = fields.Integer(allow_none=True)
    plan_shared_with = fields.List(Line(), metadata={
        "description": "Supporters working on the plan with you: while there are any, its "
                       "needs and goals change by proposal on the plan, not here"})


class SearchDefaultsSchema(Schema):
    where = Line()
    event_groups = fields.List(Line())
    needs = fields.List(Line(), metadata={
        "description": "Most important first, each with its priority as search takes it: "
                       "training_planning:5"})
    qualification = Line()
    club = Line()
    goals = Text()


class PendingChangeSchema(Schema):
    status = Line(metadata={"description": "pending (with an admin) or changes_requested "
                                           "(with you)"})
    new = fields.Boolean(metadata={"description": "The profile's first verification"})
    submitted_at = fields.DateTime()
    fields_ = fields.List(Line(), data_key="fields", attribute="fields")
    proposed = fields.Dict(keys=Line(), values=fields.Raw())


class VerificationDecisionSchema(Schema):
    status = Line(metadata={"description": "rejected, changes_requested or approved"})
    message = Text()
    decided_at = fields.DateTime(allow_none=True)


class FieldChangeSchema(Schema):
    field = Line()
    label = Line()
    before = fields.Raw(allow_none=True, metadata={
        "description": "The verified value: keys, text or an ISO date (null when new)"})
    after = fields.Raw(allow_none=True, metadata={"description": "The proposed value"})
    before_text = Text()
    after_text = Text()
    added = fields.List(Line())
    removed = fields.List(Line())


class QueuedProfileSchema(Schema):
    """One change waiting for an admin, field by field against the verified version."""

    id = fields.Integer(metadata={"description": "The supporter profile's id"})
    change_id = fields.Integer()
    name = Line()
    email_verified = fields.Boolean()
    new = fields.Boolean(metadata={"description": "A new profile: everything it says is new"})
    near = Line(attribute="profile.outward_code", allow_none=True)
    submitted_at = fields.DateTime()
    changes = fields.List(fields.Nested(FieldChangeSchema))
    earlier = fields.List(fields.Nested(VerificationDecisionSchema), metadata={
        "description": "The last decisions on this profile, newest first"})


class VerificationOutcomeSchema(Schema):
    id = fields.Integer()
    verified = fields.Boolean()
    status = Line(metadata={"description": "approved, rejected or changes_requested"})


class VerificationDecisionArgs(FormArgs):
    """An admin's decision on a waiting change."""

    decision = Line(load_default="approve", validate=validate.OneOf(
        ("approve", "reject", "request_changes")))
    message = Text(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "Required to reject (the reason) or to ask for changes (what to change)"})
