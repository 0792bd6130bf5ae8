"""Schemas for service health."""

from marshmallow import fields

from app.schemas.base import Schema
from app.schemas.text import Line


class SearchIndexHealthSchema(Schema):
    age_seconds = fields.Float(allow_none=True, metadata={
        "description": "Seconds since this worker's index last changed (a build or changed "
                       "supporters applied); null before it has one"})
    full_build_age_seconds = fields.Float(allow_none=True, metadata={
        "description": "Seconds since the whole index was read from the database"})
    supporters = fields.Integer(allow_none=True, metadata={
        "description": "Supporters the index can find"})
    data_version = fields.Integer(allow_none=True, metadata={
        "description": "The data version the index is at"})
    changes_applied = fields.Integer(allow_none=True, metadata={
        "description": "Changed supporters applied since the whole index was read"})


class OutboxHealthSchema(Schema):
    queued = fields.Integer(allow_none=True, metadata={
        "description": "Emails waiting to be sent (null when the database is unreachable)"})
    dead_letters = fields.Integer(allow_none=True, metadata={
        "description": "Emails given up after their retries, waiting for an admin"})


class HealthSchema(Schema):
    status = Line(metadata={"example": "ok"})
    database = Line(metadata={"example": "ok"})
    data_version = fields.Integer(allow_none=True)
    worker = fields.Integer(metadata={"description": "The answering worker's process id"})
    search_index = fields.Nested(SearchIndexHealthSchema)
    outbox = fields.Nested(OutboxHealthSchema)


class LivenessSchema(Schema):
    status = Line(metadata={"example": "ok"})
