"""Place suggestions for autocomplete."""

from marshmallow import fields, validate

from app.schemas.base import Schema
from app.schemas.text import Line


class PlacesArgs(Schema):
    q = Line(required=True, validate=validate.Length(min=1, max=100),
                      metadata={"description": "What has been typed so far", "example": "LS6"})
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=10))


class PlaceSchema(Schema):
    """A public place: never more precise than what was typed."""

    label = Line()
    precision = Line(metadata={"description": "postcode, sector, outward_code, zip "
                                                       "or place"})
    near = Line(attribute="outward_code", allow_none=True)
    country = Line(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
