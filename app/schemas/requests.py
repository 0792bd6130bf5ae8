"""Support requests: what a coach sends, what each side answers, and the views."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.routing import MAX_ID
from app.schemas.accounts import FormArgs


class RequestArgs(FormArgs):
    supporter_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    role = fields.String(required=True, validate=validate.Length(min=1, max=60),
                         metadata={"description": "The support role wanted (a key the "
                                                  "supporter offers)"})
    message = fields.String(load_default="", validate=validate.Length(max=4000),
                            metadata={"description": "What you would like help with"})
    share_plan = fields.Boolean(load_default=False,
                                metadata={"description": "Share your development plan's "
                                                         "needs and goals"})


class RequestFormArgs(RequestArgs):
    def tidy(self, data):
        data["share_plan"] = "share_plan" in data
        return data


class DeclineArgs(FormArgs):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "Why, kindly: the coach reads it"})


class QuestionArgs(FormArgs):
    question = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ReplyArgs(FormArgs):
    message = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class WithdrawArgs(FormArgs):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=500))


class RequestListArgs(Schema):
    box = fields.String(load_default="all", validate=validate.OneOf(("all", "received", "sent")))


class RoleKeySchema(Schema):
    key = fields.String()
    name = fields.String()


class CoachPartySchema(Schema):
    name = fields.String()


class SupporterPartySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    near = fields.String(allow_none=True)


class ContactSchema(Schema):
    name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)


class RequestSummarySchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "pending, accepted, declined, withdrawn "
                                                    "or expired"})
    status_reason = fields.String(allow_none=True)
    your_side = fields.String(metadata={"description": "coach or supporter"})
    role = fields.Nested(RoleKeySchema)
    coach = fields.Nested(CoachPartySchema)
    supporter = fields.Nested(SupporterPartySchema)
    message = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    contact = fields.Nested(ContactSchema, allow_none=True,
                            metadata={"description": "The other side's contact details: "
                                                     "only once the request is accepted, "
                                                     "and while the supporter's checks are "
                                                     "current"})
    contact_withheld = fields.String(allow_none=True, metadata={
        "description": "Why contact details of an accepted request are hidden"})


class RequestMessageSchema(Schema):
    sender = fields.String(data_key="from", attribute="from")
    body = fields.String()
    at = fields.DateTime()


class PlanNeedViewSchema(Schema):
    name = fields.String()
    priority = fields.Integer()


class PlanGoalViewSchema(Schema):
    title = fields.String()
    target_date = fields.Date(allow_none=True)


class SharedPlanSchema(Schema):
    title = fields.String()
    needs = fields.List(fields.Nested(PlanNeedViewSchema))
    goals = fields.List(fields.Nested(PlanGoalViewSchema))


class RequestDetailSchema(RequestSummarySchema):
    messages = fields.List(fields.Nested(RequestMessageSchema))
    plan = fields.Nested(SharedPlanSchema, allow_none=True)
    can = fields.List(fields.String(), metadata={"description": "What you may do now"})


class InboxSchema(Schema):
    received = fields.List(fields.Nested(RequestSummarySchema))
    sent = fields.List(fields.Nested(RequestSummarySchema))
