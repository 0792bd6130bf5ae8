"""Schemas for service health."""

from marshmallow import Schema, fields


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"example": "ok"})
    data_version = fields.Integer(allow_none=True)


class LivenessSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
