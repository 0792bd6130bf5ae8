"""Output schemas for the taxonomy, for clients building their forms."""

from marshmallow import Schema, fields


class SupportRoleSchema(Schema):
    key = fields.String()
    name = fields.String()
    description = fields.String()


class EventGroupSchema(Schema):
    key = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "event_group or specialism"})
    description = fields.String()
    related = fields.Method("related_keys", metadata={"description": "Keys of related groups"})

    def related_keys(self, group) -> list[str]:
        return [g.key for g in group.related]


class NeedSchema(Schema):
    key = fields.String()
    name = fields.String()
    category = fields.String()
    description = fields.String()


class QualificationSchema(Schema):
    key = fields.String()
    name = fields.String()
    rank = fields.Integer(metadata={"description": "Position on its own ladder, from 0"})
    level = fields.Integer(metadata={"description": "Position on the common scale"})
    description = fields.String()
    supporter_only = fields.Boolean()


class LadderSchema(Schema):
    key = fields.String()
    name = fields.String()
    country = fields.String()
    qualifications = fields.List(fields.Nested(QualificationSchema))


class TaxonomySchema(Schema):
    support_roles = fields.List(fields.Nested(SupportRoleSchema))
    event_groups = fields.List(fields.Nested(EventGroupSchema))
    needs = fields.List(fields.Nested(NeedSchema))
    ladders = fields.List(fields.Nested(LadderSchema))
