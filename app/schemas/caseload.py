"""The caseload dashboard and closing an engagement."""

from __future__ import annotations

from marshmallow import EXCLUDE, fields, pre_load, validate

from app.routing import MAX_ID
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.text import Line, Text
from app.services.caseload import SHOW, SORTS


class CaseloadArgs(Schema):
    """Sorting and filters, as query parameters (so the page works without JavaScript)."""

    sort = Line(load_default="overdue", validate=validate.OneOf(SORTS),
                         metadata={"description": "overdue (first), next_review, last_log "
                                                  "(longest without an entry first) or coach"})
    overdue_only = fields.Boolean(load_default=False)
    role = Line(load_default=None, allow_none=True, validate=validate.Length(max=60),
                         metadata={"description": "Only engagements in this support role"})
    show = Line(load_default="active", validate=validate.OneOf(SHOW),
                         metadata={"description": "active, closed or all engagements"})
    supporter_id = fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "(Admins) whose caseload"})


class CaseloadFormArgs(CaseloadArgs):
    """The page's filter form: empty selects mean no filter."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data, **kwargs):
        return {k: v for k, v in data.items() if v != ""}


class CloseEngagementArgs(FormArgs):
    outcome = Text(required=True, validate=validate.Length(min=1, max=2000),
                            metadata={"description": "How it ended, e.g. assessed: passed"})
    complete_plan = fields.Boolean(load_default=False,
                                   metadata={"description": "Also mark the plan completed, "
                                                            "with this outcome"})


class CloseEngagementFormArgs(CloseEngagementArgs):
    def tidy(self, data):
        data["complete_plan"] = "complete_plan" in data
        return data


class CaseloadRoleSchema(Schema):
    key = Line()
    name = Line()


class CaseloadCoachSchema(Schema):
    id = fields.Integer()
    name = Line()


class CaseloadPlanSchema(Schema):
    id = fields.Integer()
    title = Line()
    status = Line()
    programme = Line(allow_none=True)


class CaseloadGoalSchema(Schema):
    id = fields.Integer()
    title = Line()
    status = Line()


class CaseloadGoalCountsSchema(Schema):
    not_started = fields.Integer()
    in_progress = fields.Integer()
    achieved = fields.Integer()
    total = fields.Integer()


class CaseloadRowSchema(Schema):
    engagement_id = fields.Integer()
    status = Line(metadata={"description": "active or closed"})
    role = fields.Nested(CaseloadRoleSchema)
    coach = fields.Nested(CaseloadCoachSchema)
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    outcome = Text(allow_none=True)
    plan = fields.Nested(CaseloadPlanSchema, allow_none=True)
    goals = fields.List(fields.Nested(CaseloadGoalSchema))
    goal_counts = fields.Nested(CaseloadGoalCountsSchema)
    last_log_on = fields.Date(allow_none=True)
    next_review_on = fields.Date(allow_none=True)
    log_overdue_since = fields.Date(allow_none=True, metadata={
        "description": "When the log became overdue (no entry for LOG_OVERDUE_WEEKS weeks)"})
    overdue_reviews = fields.List(fields.Date(), metadata={"description": "Due dates passed "
                                                                          "without a review"})
    overdue = fields.Boolean()


class CaseloadCapacitySchema(Schema):
    active = fields.Integer()
    of = fields.Integer()
    text = Text(metadata={"description": "e.g. 2 of 2"})
    places_left = fields.Integer()


class CaseloadSupporterSchema(Schema):
    id = fields.Integer()
    name = Line()
    yours = fields.Boolean()


class CaseloadFiltersSchema(Schema):
    sort = Line()
    show = Line()
    overdue_only = fields.Boolean()
    role = Line(allow_none=True)


class CaseloadSchema(Schema):
    supporter = fields.Nested(CaseloadSupporterSchema)
    capacity = fields.Nested(CaseloadCapacitySchema)
    log_overdue_weeks = fields.Integer()
    today = fields.Date()
    filters = fields.Nested(CaseloadFiltersSchema)
    roles = fields.List(fields.Nested(CaseloadRoleSchema),
                        metadata={"description": "Roles to filter by"})
    overdue_count = fields.Integer()
    rows = fields.List(fields.Nested(CaseloadRowSchema))


class EngagementSchema(Schema):
    id = fields.Integer()
    status = Line()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    outcome = Text(allow_none=True)
