"""The admin home and its lists: query arguments and answers."""

from __future__ import annotations

from marshmallow import fields, validate

from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.text import Line
from app.schemas.unanswered_reports import OpenReportsSchema


class ExpiringArgs(FormArgs):
    within_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365),
                                 metadata={"description": "Certificates ending within this "
                                                          "many days (and every expired one)"})


class UnansweredArgs(FormArgs):
    older_than_days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=60),
                                     metadata={"description": "Waiting longer than this; "
                                                              "the UNANSWERED_REQUEST_DAYS "
                                                              "setting by default"})


class AuditArgs(FormArgs):
    action = Line(load_default=None, validate=validate.Length(max=60), metadata={
        "description": "One action (profile.verified) or a family (profile)"})
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**63 - 1),
                            metadata={"description": "Only events older than this id"})


class ExpiringRowSchema(Schema):
    supporter_id = fields.Integer()
    user_id = fields.Integer()
    name = Line()
    email = fields.Email()
    what = Line(metadata={"description": "Safeguarding check or Licence"})
    ends_on = fields.Date()
    days = fields.Integer(metadata={"description": "Days left (negative: days since)"})


class ExpiringSchema(Schema):
    within_days = fields.Integer()
    soon = fields.List(fields.Nested(ExpiringRowSchema))
    expired = fields.List(fields.Nested(ExpiringRowSchema))


class UnansweredRowSchema(Schema):
    id = fields.Integer()
    coach = Line()
    supporter = Line()
    supporter_id = fields.Integer()
    role = Line()
    sent_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    waiting_days = fields.Integer()


class UnansweredSchema(Schema):
    older_than_days = fields.Integer()
    requests = fields.List(fields.Nested(UnansweredRowSchema))


class OverdueLogSchema(Schema):
    plan_id = fields.Integer()
    coach = Line()
    supporters = fields.List(Line())
    last_entry_on = fields.Date(allow_none=True)
    overdue_since = fields.Date()


class OverdueReviewSchema(Schema):
    plan_id = fields.Integer()
    coach = Line()
    supporters = fields.List(Line())
    due_on = fields.Date()
    days_late = fields.Integer()


class OverdueSchema(Schema):
    logs = fields.List(fields.Nested(OverdueLogSchema))
    reviews = fields.List(fields.Nested(OverdueReviewSchema))


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = Line()
    actor = Line()
    actor_id = fields.Integer(allow_none=True)
    subject_type = Line(allow_none=True)
    subject_id = fields.Integer(allow_none=True)
    details = fields.Dict(keys=Line(), values=fields.Raw())


class AuditPageSchema(Schema):
    events = fields.List(fields.Nested(AuditEventSchema))
    older_than = fields.Integer(allow_none=True, metadata={
        "description": "Pass as before= for the next page; null on the last page"})


class VerificationSummarySchema(Schema):
    waiting = fields.Integer()
    oldest = fields.DateTime(allow_none=True)


class ExpiringSummarySchema(Schema):
    soon = fields.List(fields.Nested(ExpiringRowSchema))
    soon_count = fields.Integer()
    expired = fields.List(fields.Nested(ExpiringRowSchema))
    expired_count = fields.Integer()
    within_days = fields.Integer()


class UnansweredSummarySchema(Schema):
    requests = fields.List(fields.Nested(UnansweredRowSchema))
    count = fields.Integer()
    older_than_days = fields.Integer()


class OverdueSummarySchema(Schema):
    logs = fields.List(fields.Nested(OverdueLogSchema))
    log_count = fields.Integer()
    reviews = fields.List(fields.Nested(OverdueReviewSchema))
    review_count = fields.Integer()


class OverviewSchema(Schema):
    """Everything waiting for an admin: counts, and the first rows of each list."""

    verification = fields.Nested(VerificationSummarySchema)
    expiring = fields.Nested(ExpiringSummarySchema)
    unanswered = fields.Nested(UnansweredSummarySchema)
    overdue = fields.Nested(OverdueSummarySchema)
    unanswered_reports = fields.Nested(OpenReportsSchema, metadata={
        "description": "Coaches' reports of no answer: counts, and the most reported "
                       "supporters"})
    dead_letters = fields.Integer()
    audit = fields.List(fields.Nested(AuditEventSchema))
