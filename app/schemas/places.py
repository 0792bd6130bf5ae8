"""Place suggestions for autocomplete."""

from marshmallow import Schema, fields, validate


class PlacesArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100),
                      metadata={"description": "What has been typed so far", "example": "LS6"})
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=10))


class PlaceSchema(Schema):
    """A public place: never more precise than what was typed."""

    label = fields.String()
    precision = fields.String(metadata={"description": "postcode, sector, outward_code, zip "
                                                       "or place"})
    near = fields.String(attribute="outward_code", allow_none=True)
    country = fields.String(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
