"""Schemas for service health."""

from marshmallow import fields

from app.schemas.base import Schema
from app.schemas.text import Line


class HealthSchema(Schema):
    status = Line(metadata={"example": "ok"})
    database = Line(metadata={"example": "ok"})
    data_version = fields.Integer(allow_none=True)


class LivenessSchema(Schema):
    status = Line(metadata={"example": "ok"})
