"""Development plans, their proposals and versions, and the reflective log.

Input (``*Args``) from the JSON API, and ``*FormArgs`` variants reading the
pages' forms; output (``*Schema``) for the API.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from app.routing import MAX_ID
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.text import Line, Text
from app.schemas.values import DATES, KEY

ID = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
MAX_GOALS = 20
MAX_REVIEWS = 12
GOAL_STATUS = validate.OneOf(("not_started", "in_progress", "achieved"))


class WeightedNeedArgs(Schema):
    key = KEY
    priority = fields.Integer(load_default=3, validate=validate.Range(min=1, max=5),
                              metadata={"description": "1 (nice to have) to 5 (essential)"})


class GoalArgs(Schema):
    """A goal as the coach profile gives it: its title and target date."""

    id = fields.Integer(load_default=None, allow_none=True,
                        validate=validate.Range(min=1, max=MAX_ID),
                        metadata={"description": "An existing goal's id; none for a new goal"})
    title = Line(required=True, validate=validate.Length(min=1, max=200))
    target_date = fields.Date(load_default=None, allow_none=True, validate=DATES)


class PlanGoalArgs(GoalArgs):
    """A goal as the plan holds it, with how its success is judged."""

    success_measure = Text(load_default="", validate=validate.Length(max=2000),
                           metadata={"description": "How you will know it is achieved"})


class PlanContentArgs(FormArgs):
    """A plan's whole content: a change replaces all of it."""

    title = Line(load_default="My development plan",
                          validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(load_default=None, allow_none=True, validate=DATES)
    ends_on = fields.Date(load_default=None, allow_none=True, validate=DATES)
    needs = fields.List(fields.Nested(WeightedNeedArgs), load_default=list,
                        validate=validate.Length(max=40),
                        metadata={"description": "Priority needs from the taxonomy, weighted"})
    goals = fields.List(fields.Nested(PlanGoalArgs), load_default=list,
                        validate=validate.Length(max=MAX_GOALS),
                        metadata={"description": "Goals kept by id, new ones without; a goal "
                                                 "left out is removed (unless it has log "
                                                 "entries or is achieved)"})
    review_dates = fields.List(fields.Date(validate=DATES), load_default=list,
                               validate=validate.Length(max=MAX_REVIEWS),
                               metadata={"description": "Review points, e.g. at 3, 6 and 9 "
                                                        "months; held reviews always stay"})

    @validates_schema
    def consistent(self, data, **kwargs):
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends <= starts:
            raise ValidationError("The plan must end after it starts.", "ends_on")
        keys = [n["key"] for n in data.get("needs", [])]
        if len(keys) != len(set(keys)):
            raise ValidationError("List each need once.", "needs")
        ids = [g["id"] for g in data.get("goals", []) if g.get("id") is not None]
        if len(ids) != len(set(ids)):
            raise ValidationError("List each goal once.", "goals")
        outside = [d for d in data.get("review_dates", [])
                   if (starts and d < starts) or (ends and d > ends)]
        if outside:
            raise ValidationError("Review dates fall between the plan's start and end.",
                                  "review_dates")


class PlanCreateArgs(PlanContentArgs):
    coach_id = fields.Integer(load_default=None, allow_none=True,
                              validate=validate.Range(min=1, max=MAX_ID),
                              metadata={"description": "(Supporters) the coach you work with; "
                                                       "coaches leave it out"})


class ProposalArgs(PlanContentArgs):
    note = Text(load_default="", validate=validate.Length(max=2000),
                         metadata={"description": "Why, for the other side"})


class PlanFormMixin:
    """Read the plan form: a priority select per need, rows of goals, review dates."""

    list_fields = ("goal_id", "goal_title", "goal_measure", "goal_target", "review_date")

    def tidy(self, data):
        data = super().tidy(data)
        data["needs"] = [{"key": name.removeprefix("need-"), "priority": value}
                         for name, value in list(data.items())
                         if name.startswith("need-") and value not in ("", None, "0")]
        for name in [n for n in data if n.startswith("need-")]:
            data.pop(name)
        ids, titles, measures, targets = (data.pop(n, []) for n in (
            "goal_id", "goal_title", "goal_measure", "goal_target"))
        goals = []
        for i, title in enumerate(titles):
            if not (title or "").strip():
                continue
            goals.append({"id": _at(ids, i) or None, "title": title.strip(),
                          "success_measure": (_at(measures, i) or "").strip(),
                          "target_date": _at(targets, i) or None})
        data["goals"] = goals
        data["review_dates"] = [d for d in data.pop("review_date", []) if d]
        for name in ("starts_on", "ends_on", "coach_id"):
            if data.get(name) == "":
                data[name] = None
        return data


def _at(values: list, i: int):
    return values[i] if i < len(values) else None


class PlanFormArgs(PlanFormMixin, PlanCreateArgs):
    pass


class ProposalFormArgs(PlanFormMixin, ProposalArgs):
    pass


class DecisionArgs(FormArgs):
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                         metadata={"description": "A word for the proposer (optional)"})


class ProgrammeArgs(FormArgs):
    """(Admins) put coaches on a programme by email, or take them off (empty programme)."""

    emails = fields.List(fields.Email(validate=validate.Length(max=254)), required=True,
                         validate=validate.Length(min=1, max=500))
    programme = Line(load_default=None, allow_none=True,
                              validate=validate.Length(max=80),
                              metadata={"description": "e.g. Advanced Coach pilot; empty "
                                                       "takes them off"})


class ProgrammeFormArgs(ProgrammeArgs):
    def tidy(self, data):
        text = data.get("emails") or ""
        data["emails"] = [e for e in text.replace(",", "\n").split() if e] \
            if isinstance(text, str) else text
        return data


# --- the reflective log ----------------------------------------------------------------


class LogEntryArgs(FormArgs):
    list_fields = ("goal_ids",)

    occurred_on = fields.Date(required=True, validate=DATES)
    what_happened = Text(required=True, validate=validate.Length(min=1, max=8000))
    reflection = Text(load_default="", validate=validate.Length(max=8000))
    next_steps = Text(load_default="", validate=validate.Length(max=8000))
    minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1440),
                             metadata={"description": "Minutes spent (counts toward "
                                                      "relicensing)"})
    goal_ids = fields.List(ID, load_default=list, validate=validate.Length(max=MAX_GOALS),
                           metadata={"description": "The goals it is about (at least one "
                                                    "when the plan has goals)"})

    def tidy(self, data):
        if data.get("minutes") == "":
            data.pop("minutes")
        return data


class CommentArgs(FormArgs):
    body = Text(required=True, validate=validate.Length(min=1, max=4000))


class ProgressArgs(FormArgs):
    status = Line(required=True, validate=GOAL_STATUS,
                           metadata={"description": "not_started, in_progress or achieved"})
    evidence_entry_id = fields.Integer(load_default=None, allow_none=True,
                                       validate=validate.Range(min=1, max=MAX_ID),
                                       metadata={"description": "A log entry linked to the "
                                                                "goal (needed unless "
                                                                "not_started)"})
    note = Text(load_default="", validate=validate.Length(max=2000))

    def tidy(self, data):
        if data.get("evidence_entry_id") == "":
            data["evidence_entry_id"] = None
        return data


class ReviewArgs(FormArgs):
    review_id = fields.Integer(load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=MAX_ID),
                               metadata={"description": "The review point held; none for a "
                                                        "review in between"})
    held_on = fields.Date(required=True, validate=DATES)
    notes = Text(required=True, validate=validate.Length(min=1, max=8000))

    def tidy(self, data):
        if data.get("review_id") == "":
            data["review_id"] = None
        return data


# --- output ----------------------------------------------------------------------------


class PlanRoleSchema(Schema):
    key = Line()
    name = Line()


class WeightedNeedSchema(PlanRoleSchema):
    priority = fields.Integer()


class ProgressEvidenceSchema(Schema):
    id = fields.Integer()
    occurred_on = fields.Date()


class GoalProgressSchema(Schema):
    status = Line()
    status_name = Line()
    recorded_on = fields.Date()
    note = Text()
    by = Line()
    evidence = fields.Nested(ProgressEvidenceSchema, allow_none=True)


class PlanGoalSchema(Schema):
    id = fields.Integer()
    title = Line()
    success_measure = Text()
    target_date = fields.Date(allow_none=True)
    status = Line(metadata={"description": "not_started, in_progress or achieved"})
    status_name = Line()
    entries = fields.Integer(metadata={"description": "Log entries linked to the goal"})
    progress = fields.List(fields.Nested(GoalProgressSchema), metadata={"description": "Newest "
                                                                                   "first"})


class PlanReviewSchema(Schema):
    id = fields.Integer()
    due_on = fields.Date()
    held_on = fields.Date(allow_none=True)
    notes = Text()
    reviewer = Line(allow_none=True)
    overdue = fields.Boolean()


class PlanCoachSchema(Schema):
    id = fields.Integer()
    name = Line()
    email = Line(allow_none=True, metadata={"description": "To supporters only"})
    phone = Line(allow_none=True)


class PlanSupporterSchema(Schema):
    engagement_id = fields.Integer()
    name = Line()
    role = fields.Nested(PlanRoleSchema)
    status = Line(metadata={"description": "active or closed"})
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    outcome = Text(allow_none=True)
    email = Line(allow_none=True, metadata={"description": "While active, to the "
                                                                    "coach and supporters"})
    phone = Line(allow_none=True)


class PlanContentNeedSchema(Schema):
    key = Line()
    priority = fields.Integer()


class PlanContentGoalSchema(Schema):
    id = fields.Integer(allow_none=True)
    title = Line()
    success_measure = Text()
    target_date = Line(allow_none=True, metadata={"description": "ISO date"})


class PlanContentSchema(Schema):
    title = Line()
    starts_on = Line(allow_none=True, metadata={"description": "ISO date"})
    ends_on = Line(allow_none=True, metadata={"description": "ISO date"})
    needs = fields.List(fields.Nested(PlanContentNeedSchema))
    goals = fields.List(fields.Nested(PlanContentGoalSchema))
    review_dates = fields.List(Line(), metadata={"description": "ISO dates"})


class PlanProposalSchema(Schema):
    id = fields.Integer()
    status = Line(metadata={"description": "proposed, accepted, rejected or "
                                                    "withdrawn"})
    proposer_side = Line(metadata={"description": "coach or supporter"})
    proposed_by = Line()
    note = Text()
    created_at = fields.DateTime()
    summary = fields.List(Line(), metadata={"description": "What it would change"})
    out_of_date = fields.Boolean(metadata={"description": "The plan changed since: it can "
                                                          "only be rejected"})
    can = fields.List(Line(), metadata={"description": "accept, reject or withdraw"})
    content = fields.Nested(PlanContentSchema)


class PlanChangeSchema(Schema):
    id = fields.Integer()
    status = Line()
    proposer_side = Line()
    proposed_by = Line()
    note = Text()
    created_at = fields.DateTime()
    base_version = fields.Integer()
    decided_by = Line(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = Text(allow_none=True)
    content = fields.Nested(PlanContentSchema)


class PlanVersionSchema(Schema):
    number = fields.Integer()
    at = fields.DateTime()
    author = Line()
    summary = fields.List(Line())
    proposal_id = fields.Integer(allow_none=True)


class PlanSchema(Schema):
    id = fields.Integer()
    title = Line()
    status = Line(metadata={"description": "draft, active, completed or withdrawn"})
    programme = Line(allow_none=True)
    outcome = Text(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    version = fields.Integer()
    your_side = Line(metadata={"description": "coach, supporter or admin"})
    can = fields.List(Line(), metadata={"description": "What you may do now: edit, "
                                                                "propose, log, comment, "
                                                                "progress, review"})
    coach = fields.Nested(PlanCoachSchema)
    supporters = fields.List(fields.Nested(PlanSupporterSchema))
    needs = fields.List(fields.Nested(WeightedNeedSchema))
    goals = fields.List(fields.Nested(PlanGoalSchema))
    reviews = fields.List(fields.Nested(PlanReviewSchema))
    proposal = fields.Nested(PlanProposalSchema, allow_none=True,
                             metadata={"description": "The proposed change waiting for an "
                                                      "answer"})
    versions = fields.List(fields.Nested(PlanVersionSchema), metadata={"description": "Newest "
                                                                                  "first"})
    content = fields.Nested(PlanContentSchema)


class PlanCoachRefSchema(Schema):
    id = fields.Integer()
    name = Line(attribute="display_name")


class PlanSummarySchema(Schema):
    id = fields.Integer()
    title = Line()
    status = Line()
    programme = Line(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    coach = fields.Nested(PlanCoachRefSchema)


class LogGoalRefSchema(Schema):
    id = fields.Integer()
    title = Line()


class LogCommentSchema(Schema):
    id = fields.Integer()
    body = Text()
    at = fields.DateTime()
    author = Line()
    by_you = fields.Boolean()


class LogEntrySchema(Schema):
    id = fields.Integer()
    occurred_on = fields.Date()
    what_happened = Text()
    reflection = Text()
    next_steps = Text()
    minutes = fields.Integer()
    goals = fields.List(fields.Nested(LogGoalRefSchema))
    comments = fields.List(fields.Nested(LogCommentSchema))


class LogPlanSchema(Schema):
    id = fields.Integer()
    title = Line()
    status = Line()
    coach = Line()
    goals = fields.List(fields.Nested(LogGoalRefSchema))


class ReflectiveLogSchema(Schema):
    plan = fields.Nested(LogPlanSchema)
    your_side = Line()
    can = fields.List(Line(), metadata={"description": "add, edit, delete, comment"})
    total_minutes = fields.Integer()
    entries = fields.List(fields.Nested(LogEntrySchema), metadata={"description": "Newest "
                                                                                  "first"})


class ProgrammeSchema(Schema):
    name = Line()
    coaches = fields.Integer()
