"""Support requests: what a coach sends, what each side answers, and the views."""

from __future__ import annotations

from marshmallow import fields, validate

from app.routing import MAX_ID
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.text import Line, Text
from app.schemas.unanswered_reports import CoachReportSchema


class RequestArgs(FormArgs):
    supporter_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID),
                                  metadata={"label": "the supporter"})
    role = Line(required=True, validate=validate.Length(min=1, max=60),
                         metadata={"description": "The support role wanted (a key the "
                                                  "supporter offers)",
                                   "label": "the support you would like", "choice": True})
    message = Text(load_default="", validate=validate.Length(max=4000),
                            metadata={"description": "What you would like help with",
                                      "label": "your message"})
    share_plan = fields.Boolean(load_default=False,
                                metadata={"description": "Share your development plan's "
                                                         "needs and goals"})
    withdraw_others_on_accept = fields.Boolean(load_default=False, metadata={
        "description": "Withdraw this request (thanking the supporter) if another supporter "
                       "accepts you for the same role first"})


class RequestFormArgs(RequestArgs):
    def tidy(self, data):
        data["share_plan"] = "share_plan" in data
        data["withdraw_others_on_accept"] = "withdraw_others_on_accept" in data
        return data


class DeclineArgs(FormArgs):
    reason = Text(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "Why, kindly: the coach reads it",
                                     "label": "the reason"})


class QuestionArgs(FormArgs):
    question = Text(required=True, validate=validate.Length(min=1, max=4000),
                    metadata={"label": "your question"})


class ReplyArgs(FormArgs):
    message = Text(required=True, validate=validate.Length(min=1, max=4000),
                   metadata={"label": "your answer"})


class WithdrawArgs(FormArgs):
    reason = Text(load_default=None, allow_none=True,
                           validate=validate.Length(max=500))


class RequestListArgs(Schema):
    box = Line(load_default="all", validate=validate.OneOf(("all", "received", "sent")))


class RoleKeySchema(Schema):
    key = Line()
    name = Line()


class CoachPartySchema(Schema):
    name = Line()


class SupporterPartySchema(Schema):
    id = fields.Integer()
    name = Line()
    near = Line(allow_none=True)


class ContactSchema(Schema):
    name = Line()
    email = Line()
    phone = Line(allow_none=True)


class PlanNeedViewSchema(Schema):
    name = Line()
    priority = fields.Integer()


class CoachContextSchema(Schema):
    near = Line(allow_none=True, metadata={
        "description": "The coach's postcode area (outward code, e.g. LS6); never more"})
    place = Line(allow_none=True, metadata={"description": "The town of that area"})
    distance_km = fields.Float(allow_none=True, metadata={
        "description": "From your area to the coach's, to the whole km as search shows it"})
    qualification = Line(allow_none=True, metadata={"description": "The coach's level"})
    event_groups = fields.List(fields.Nested(RoleKeySchema), metadata={
        "description": "The coach's event groups"})
    needs = fields.List(fields.Nested(PlanNeedViewSchema), metadata={
        "description": "Needs of the plan shared with the request, most important first; "
                       "empty when no plan is shared"})


class RequestSummarySchema(Schema):
    id = fields.Integer()
    status = Line(metadata={"description": "pending, accepted, declined, withdrawn "
                                                    "or expired"})
    status_reason = Line(allow_none=True)
    your_side = Line(metadata={"description": "coach or supporter"})
    role = fields.Nested(RoleKeySchema)
    coach = fields.Nested(CoachPartySchema)
    supporter = fields.Nested(SupporterPartySchema)
    message = Text()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    contact = fields.Nested(ContactSchema, allow_none=True,
                            metadata={"description": "The other side's contact details: "
                                                     "only once the request is accepted, "
                                                     "and while the supporter's checks are "
                                                     "current"})
    contact_withheld = Line(allow_none=True, metadata={
        "description": "Why contact details of an accepted request are hidden"})
    coach_context = fields.Nested(CoachContextSchema, allow_none=True, metadata={
        "description": "(Supporter) where the coach is and what they coach and need, to "
                       "judge whether meeting in person is practical; null for the coach"})


class RequestMessageSchema(Schema):
    sender = Line(data_key="from", attribute="from")
    body = Text()
    at = fields.DateTime()


class PlanGoalViewSchema(Schema):
    title = Line()
    target_date = fields.Date(allow_none=True)


class SharedPlanSchema(Schema):
    title = Line()
    needs = fields.List(fields.Nested(PlanNeedViewSchema))
    goals = fields.List(fields.Nested(PlanGoalViewSchema))


class RequestDetailSchema(RequestSummarySchema):
    messages = fields.List(fields.Nested(RequestMessageSchema))
    plan = fields.Nested(SharedPlanSchema, allow_none=True)
    can = fields.List(Line(), metadata={"description": "What you may do now"})
    unanswered_report = fields.Nested(CoachReportSchema, allow_none=True, metadata={
        "description": "(Coach) your report that the supporter never answered, or whether "
                       "you may make one; null when there is nothing to report"})


class InboxSchema(Schema):
    received = fields.List(fields.Nested(RequestSummarySchema))
    sent = fields.List(fields.Nested(RequestSummarySchema))
