"""(Admins) editing the taxonomy: input (``*Args``) and the admin's view (``*Schema``).

Formats are checked here (a key is a lowercase slug, a name a sane line, a
level a whole number from 0); what needs the database (a key already taken,
a rank already used on the ladder, a related group that does not exist) is
checked by ``app.services.taxonomy_editor``.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

import matching
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.text import Line, Text

GROUP_KINDS = ("event_group", "specialism")
DIRECTIONS = ("up", "down")
#: Highest level on the common scale and highest rank on a ladder an admin may set.
MAX_LEVEL = 20
MAX_RANK = 100


def _key(length: int) -> Line:
    message = (f"Give a key of 2 to {length} lowercase letters, digits and underscores, "
               "starting with a letter (e.g. hill_running). It never changes once made.")
    return Line(required=True, validate=validate.Regexp(rf"^[a-z][a-z0-9_]{{1,{length - 1}}}$",
                                                         error=message),
                error_messages={"required": message},
                metadata={"description": "Lowercase slug; in URLs and saved searches, so it "
                                         "never changes"})


def _name(length: int, **kwargs) -> Line:
    message = f"Give a name of 1 to {length} characters."
    return Line(validate=validate.Length(min=1, max=length, error=message),
                error_messages={"required": message},
                metadata={"description": "What people see"}, **kwargs)


DESCRIPTION = Text(validate=validate.Length(max=1000),
                   metadata={"description": "A sentence or two, up to 1,000 characters"})
LADDER_RULE = Line(validate=validate.OneOf(tuple(matching.LADDER_RULES)),
                   metadata={"description": "Where the role's supporters stand on the "
                                            "qualification ladder: "
                                            + ", ".join(matching.LADDER_RULES)})
GROUP_KIND = Line(validate=validate.OneOf(GROUP_KINDS),
                  metadata={"description": "event_group for a discipline, specialism for a "
                                           "cross-cutting one (para, youth...)"})
RELATED = fields.List(Line(validate=validate.Length(min=1, max=40)),
                      validate=validate.Length(max=20),
                      metadata={"description": "Keys of related event groups (both ways: "
                                               "each lists the other)"})
CATEGORY = Line(validate=validate.Length(min=1, max=60,
                                         error="Give a category of 1 to 60 characters."),
                metadata={"description": "The heading the need is listed under"})


def _level(**kwargs) -> fields.Integer:
    message = f"Give a level from 0 to {MAX_LEVEL} (0 = assistant level)."
    return fields.Integer(
        validate=validate.Range(min=0, max=MAX_LEVEL, error=message),
        error_messages={"required": message, "invalid": message},
        metadata={"description": "Position on the common scale (0 = assistant level), "
                                 "compared across frameworks"}, **kwargs)


SUPPORTER_ONLY = fields.Boolean(
    metadata={"description": "A credential held by supporters only (e.g. Instructor)"})


class _Tidy(FormArgs):
    """Names and categories lose surrounding spaces; blank optional numbers count as not given."""

    optional_numbers: tuple[str, ...] = ()

    def tidy(self, data):
        for name in ("name", "category", "key"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        for name in self.optional_numbers:
            if data.get(name) == "":
                data.pop(name)
        return data


# --- creating --------------------------------------------------------------------------


class TaxonomyRoleCreateArgs(_Tidy):
    key = _key(40)
    name = _name(80, required=True)
    description = DESCRIPTION
    ladder_rule = LADDER_RULE


class TaxonomyEventGroupCreateArgs(_Tidy):
    list_fields = ("related",)

    key = _key(40)
    name = _name(80, required=True)
    description = DESCRIPTION
    kind = GROUP_KIND
    related = RELATED


class TaxonomyNeedCreateArgs(_Tidy):
    key = _key(60)
    name = _name(120, required=True)
    description = DESCRIPTION
    category = CATEGORY


class TaxonomyQualificationCreateArgs(_Tidy):
    optional_numbers = ("level", "rank")

    key = _key(60)
    framework = Line(required=True, validate=validate.Length(min=1, max=40),
                     error_messages={"required": "Choose the ladder the rung is on."},
                     metadata={"description": "Key of the ladder (qualification framework)"})
    name = _name(120, required=True)
    description = DESCRIPTION
    level = _level(required=True)
    rank = fields.Integer(validate=validate.Range(min=0, max=MAX_RANK),
                          metadata={"description": "Position on its own ladder from 0 (lowest); "
                                                   "unused on that ladder. Default: the top"})
    supporter_only = SUPPORTER_ONLY


# --- changing (only the fields given change) -------------------------------------------


class TaxonomyRoleUpdateArgs(_Tidy):
    name = _name(80)
    description = DESCRIPTION
    ladder_rule = LADDER_RULE


class TaxonomyEventGroupUpdateArgs(_Tidy):
    list_fields = ("related",)

    name = _name(80)
    description = DESCRIPTION
    kind = GROUP_KIND
    related = RELATED


class TaxonomyNeedUpdateArgs(_Tidy):
    name = _name(120)
    description = DESCRIPTION
    category = CATEGORY


class TaxonomyQualificationUpdateArgs(_Tidy):
    optional_numbers = ("level",)

    name = _name(120)
    description = DESCRIPTION
    level = _level()
    supporter_only = SUPPORTER_ONLY


class TaxonomyEventGroupFormArgs(TaxonomyEventGroupUpdateArgs):
    """The edit page: no related group ticked means none."""

    def tidy(self, data):
        data = super().tidy(data)
        data.setdefault("related", [])
        return data


class TaxonomyQualificationFormArgs(TaxonomyQualificationUpdateArgs):
    """The edit page: an unticked box means not supporter-only."""

    def tidy(self, data):
        data = super().tidy(data)
        data.setdefault("supporter_only", False)
        return data


class TaxonomyMoveArgs(FormArgs):
    """Move one place up or down, or to a position (1 = first)."""

    direction = Line(validate=validate.OneOf(DIRECTIONS),
                     metadata={"description": "up (earlier) or down (later)"})
    position = fields.Integer(validate=validate.Range(min=1, max=10_000),
                              metadata={"description": "The place to move to, 1 = first"})

    def tidy(self, data):
        if data.get("position") == "":
            data.pop("position")
        return data

    @validates_schema
    def one_way(self, data, **kwargs):
        if ("direction" in data) == ("position" in data):
            raise ValidationError("Give either a direction (up or down) or a position.",
                                  field_name="position")


# --- the admin's view ------------------------------------------------------------------


class _ItemSchema(Schema):
    key = Line()
    name = Line()
    description = Line()
    position = fields.Integer(metadata={"description": "Place in its list, 1 = first"})
    retired_at = fields.DateTime(allow_none=True,
                                 metadata={"description": "When it was retired; null if "
                                                          "offered"})
    in_use = fields.Integer(metadata={"description": "Profiles and plans holding it"})


class AdminSupportRoleSchema(_ItemSchema):
    ladder_rule = Line()
    ladder_rule_meaning = Line(metadata={"description": "The ladder rule in words"})


class AdminEventGroupSchema(_ItemSchema):
    kind = Line()
    related = fields.List(Line(), metadata={"description": "Keys of related groups"})


class AdminNeedSchema(_ItemSchema):
    category = Line()


class AdminQualificationSchema(_ItemSchema):
    framework = Line(metadata={"description": "Key of its ladder"})
    rank = fields.Integer()
    level = fields.Integer()
    supporter_only = fields.Boolean()


class AdminLadderSchema(Schema):
    key = Line()
    name = Line()
    country = Line()
    qualifications = fields.List(fields.Nested(AdminQualificationSchema))


class LadderRuleSchema(Schema):
    key = Line()
    meaning = Line()


class AdminTaxonomySchema(Schema):
    support_roles = fields.List(fields.Nested(AdminSupportRoleSchema))
    event_groups = fields.List(fields.Nested(AdminEventGroupSchema))
    needs = fields.List(fields.Nested(AdminNeedSchema))
    ladders = fields.List(fields.Nested(AdminLadderSchema))
    ladder_rules = fields.List(fields.Nested(LadderRuleSchema),
                               metadata={"description": "The ladder rules search knows"})
