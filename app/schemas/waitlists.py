"""Waitlists: what a coach sends to join one, and what each side sees of a line."""

from __future__ import annotations

from marshmallow import fields, validate

from app.routing import MAX_ID
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.text import Line, Text

STATUS_HELP = ("waiting (in line), offered (a place opened: send your request before "
               "hold_until), requested (you sent a request, so left the line), lapsed (the "
               "hold ran out without a request), left (you left), closed (the supporter "
               "left the directory)")


class WaitlistJoinArgs(FormArgs):
    supporter_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "A full supporter"})
    role = Line(required=True, validate=validate.Length(min=1, max=60),
                metadata={"description": "The support role wanted (a key the supporter "
                                         "offers)"})
    note = Text(load_default="", validate=validate.Length(max=500),
                metadata={"description": "A short note the supporter reads with your name"})


class WaitlistRoleSchema(Schema):
    key = Line()
    name = Line()


class WaitlistSupporterSchema(Schema):
    id = fields.Integer()
    name = Line()
    near = Line(allow_none=True)


class WaitlistPlaceSchema(Schema):
    """One of your places in a supporter's line."""

    id = fields.Integer()
    status = Line(metadata={"description": STATUS_HELP})
    supporter = fields.Nested(WaitlistSupporterSchema)
    role = fields.Nested(WaitlistRoleSchema)
    note = Text()
    position = fields.Integer(allow_none=True, metadata={
        "description": "Your number in the line (1 is next); null once you left it"})
    joined_at = fields.DateTime()
    offered_at = fields.DateTime(allow_none=True)
    hold_until = fields.DateTime(allow_none=True, metadata={
        "description": "While offered: the place is held for you until then"})
    ended_at = fields.DateTime(allow_none=True)


class WaitingCoachSchema(Schema):
    name = Line(metadata={"description": "The coach's name, as on a request: no email or "
                                         "phone until you accept a request from them"})


class WaitingPlaceSchema(Schema):
    """A coach in your line."""

    id = fields.Integer()
    position = fields.Integer()
    status = Line(metadata={"description": "waiting, or offered (told a place opened)"})
    coach = fields.Nested(WaitingCoachSchema)
    role = fields.Nested(WaitlistRoleSchema)
    note = Text()
    joined_at = fields.DateTime()
    waited_days = fields.Integer()
    waited = Line(metadata={"description": "How long they have waited, in words"})
    hold_until = fields.DateTime(allow_none=True)


class SupporterWaitlistSchema(Schema):
    places_free = fields.Integer()
    capacity = fields.Integer()
    coaches = fields.List(fields.Nested(WaitingPlaceSchema),
                          metadata={"description": "Oldest first: the order they are told"})
