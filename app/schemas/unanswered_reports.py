"""Reports that a supporter never answered: what a coach and an admin send, and the views."""

from __future__ import annotations

from marshmallow import fields, validate

from app.models.unanswered_reports import NOTE_MAX
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.text import Line, Text


class ReportArgs(FormArgs):
    note = Text(load_default="", validate=validate.Length(max=NOTE_MAX), metadata={
        "description": "Anything the programme team should know (optional); the supporter "
                       "never sees it"})


class PauseSupporterArgs(FormArgs):
    reason = Line(load_default=None, allow_none=True, validate=validate.Length(max=200),
                  metadata={"description": "What the supporter reads on their profile and in "
                                           "the email (a kind default otherwise); never name "
                                           "a coach"})


class CoachReportSchema(Schema):
    """The report as the request's coach sees it (null for the supporter)."""

    reported = fields.Boolean()
    reported_at = fields.DateTime(allow_none=True)
    note = Text(allow_none=True)
    can_report = fields.Boolean(metadata={"description": "Whether you may report it now"})
    reportable_from = fields.DateTime(allow_none=True, metadata={
        "description": "When a request still waiting may be reported"})


class AnswerHistorySchema(Schema):
    answered = fields.Integer(metadata={"description": "Requests answered (last 12 months)"})
    unanswered = fields.Integer(metadata={"description": "Requests let expire (last 12 "
                                                         "months)"})
    replies_within_days = fields.Integer(allow_none=True, metadata={
        "description": "What cards say: usually replies within this many days"})


class ReportRowSchema(Schema):
    id = fields.Integer()
    request_id = fields.Integer()
    coach = Line(metadata={"description": "Who reported (admins only)"})
    role = Line()
    sent_at = fields.DateTime()
    request_status = Line()
    reported_at = fields.DateTime()
    note = Text()


class ReportedSupporterSchema(Schema):
    id = fields.Integer()
    name = Line()
    email = Line()
    in_search = fields.Boolean()
    paused = fields.Boolean()
    paused_reason = Line(allow_none=True)
    last_active_at = fields.DateTime(allow_none=True)
    missed_in_a_row = fields.Integer(metadata={"description": "Requests let expire since "
                                                             "their last answer"})
    waiting_requests = fields.Integer(metadata={"description": "Requests waiting for them now"})
    history = fields.Nested(AnswerHistorySchema)
    report_count = fields.Integer(metadata={"description": "Open reports about them"})
    reports = fields.List(fields.Nested(ReportRowSchema))


class OpenReportsSchema(Schema):
    report_count = fields.Integer(metadata={"description": "Open reports in all"})
    supporter_count = fields.Integer(metadata={"description": "Supporters they are about"})
    supporters = fields.List(fields.Nested(ReportedSupporterSchema), metadata={
        "description": "Most reported first"})
    window_days = fields.Integer(metadata={"description": "The answer history's window"})


class ReportDecisionSchema(Schema):
    id = fields.Integer()
    status = Line(metadata={"description": "open, dismissed or supporter_paused"})
    decided_at = fields.DateTime(allow_none=True)


class PausedSupporterSchema(Schema):
    id = fields.Integer()
    paused = fields.Boolean()
    paused_reason = Line(allow_none=True)
