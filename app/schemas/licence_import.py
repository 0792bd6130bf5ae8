"""The licence-list import: one row of the file, the upload, and what a dry run says."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from app.schemas.base import Schema
from app.schemas.text import Line
from app.schemas.values import DATES

#: Support roles and event groups in one cell: "mentor; coach developer" or "jumps|throws".
LIST_SEPARATORS = re.compile(r"[;|]")
MEMBERSHIP_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9 ./-]*")
KINDS = ("coach", "supporter")
OUTCOMES = ("create", "update", "unchanged", "error")


class Day(fields.Field):
    """A date as a governing body's file writes it: 31/03/2027 or 2027-03-31."""

    default_error_messages = {
        "invalid": "Not a date: write it as DD/MM/YYYY (31/03/2027) or YYYY-MM-DD "
                   "(2027-03-31).",
    }
    _DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
    _ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
    # A spreadsheet may add a time of day to a date ("2027-03-31 00:00:00").
    _TIME = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if isinstance(value, date):
            return value.date() if isinstance(value, datetime) else value
        if not isinstance(value, str):
            raise self.make_error("invalid")
        text = value.strip()
        for pattern, order in ((self._DAY_FIRST, (2, 1, 0)), (self._ISO, (0, 1, 2))):
            match = re.fullmatch(pattern.pattern + self._TIME.pattern, text)
            if match:
                year, month, day = (int(match.group(i + 1)) for i in order)
                try:
                    return date(year, month, day)
                except ValueError as err:
                    raise ValidationError(f"{text} is not a day of the calendar.") from err
        raise self.make_error("invalid")

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if value is not None else None


class KeyList(fields.Field):
    """Taxonomy keys or names in one cell, separated by ``;`` or ``|``."""

    default_error_messages = {
        "invalid": "Write the choices as text, separated by ; or |.",
        "too_many": "At most 20 choices.",
        "control": "Write this on one line, without line breaks, tabs or other control "
                   "characters.",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        if isinstance(value, list):
            items = value
        elif isinstance(value, str):
            items = LIST_SEPARATORS.split(value)
        else:
            raise self.make_error("invalid")
        cleaned = []
        for item in items:
            if not isinstance(item, str):
                raise self.make_error("invalid")
            if Line._forbidden.search(item):
                raise self.make_error("control")
            text = " ".join(item.split())
            if text:
                cleaned.append(text[:120])
        if len(cleaned) > 20:
            raise self.make_error("too_many")
        return list(dict.fromkeys(cleaned))


class LicenceRowArgs(Schema):
    """One row of a licence list, cell by cell (a blank cell is not given)."""

    name = Line(required=True, validate=validate.Length(min=1, max=120))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    membership_number = Line(required=True, validate=[
        validate.Length(min=1, max=40),
        validate.Regexp(MEMBERSHIP_NUMBER, error="Use letters and digits (with - / . or "
                                                "spaces between), as the membership "
                                                "system writes it.")])
    qualification = Line(load_default=None, validate=validate.Length(max=120))
    framework = Line(load_default=None, validate=validate.Length(max=120))
    licence_expires_on = Day(load_default=None, validate=DATES)
    safeguarding_checked_on = Day(load_default=None, validate=DATES)
    safeguarding_expires_on = Day(load_default=None, validate=DATES)
    safeguarding_scheme = Line(load_default=None, validate=validate.Length(max=40))
    postcode = Line(load_default=None, validate=validate.Length(max=60))
    roles = KeyList(load_default=list)
    kind = Line(load_default=None, validate=validate.OneOf(
        KINDS, error="Write coach or supporter (or leave it empty: a row with support "
                     "roles is a supporter)."))
    event_groups = KeyList(load_default=list)
    capacity = fields.Integer(load_default=None, validate=validate.Range(
        min=0, max=50, error="Between 0 and 50 coaches at a time."))

    @pre_load
    def tidy(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if v not in (None, "")}
        if isinstance(data.get("membership_number"), str):
            data["membership_number"] = data["membership_number"].strip().upper()
        if isinstance(data.get("kind"), str):
            data["kind"] = data["kind"].strip().lower()
        if isinstance(data.get("email"), str):
            data["email"] = data["email"].strip()
        if isinstance(data.get("name"), str):
            data["name"] = re.sub(" {2,}", " ", data["name"].strip())
        return data

    @validates_schema
    def check_dates(self, data, **kwargs):
        checked, expires = data.get("safeguarding_checked_on"), data.get(
            "safeguarding_expires_on")
        if checked and expires and expires < checked:
            raise ValidationError("The safeguarding check cannot expire before it was done.",
                                  "safeguarding_expires_on")


# --- the API -------------------------------------------------------------------------


class LicenceFileArgs(Schema):
    file = Upload(required=True, error_messages={
        "required": "Choose the licence list (a CSV file) to upload."}, metadata={
        "description": "The licence list as a CSV file (UTF-8, a header row first; at most "
                       "10 MB and 50,000 rows)"})


class LicenceImportQueryArgs(Schema):
    apply = fields.Boolean(load_default=False, metadata={
        "description": "Apply the file at once, all or nothing (default: a dry run only)"})


class LicenceRowChangeSchema(Schema):
    field = fields.String(metadata={"description": "The field that changes"})
    before = fields.String(allow_none=True)
    after = fields.String(allow_none=True)


class LicenceRowSchema(Schema):
    row = fields.Integer(metadata={"description": "The row in the file (the header is row 1)"})
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    membership_number = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    kind = fields.String(allow_none=True, validate=validate.OneOf(KINDS))
    changes = fields.List(fields.Nested(LicenceRowChangeSchema))
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages by field, for a row in error"})
    notes = fields.List(fields.String(), metadata={
        "description": "What the row means beyond its changes (e.g. not searchable: its "
                       "licence has expired)"})


class LicenceCountsSchema(Schema):
    create = fields.Integer()
    update = fields.Integer()
    unchanged = fields.Integer()
    error = fields.Integer()
    total = fields.Integer()


class LicenceImportSchema(Schema):
    token = fields.String(metadata={"description": "Names this upload: apply it, or download "
                                                   "its failed rows"})
    status = fields.String(validate=validate.OneOf(("previewed", "applied")))
    filename = fields.String()
    created_at = fields.DateTime()
    applied_at = fields.DateTime(allow_none=True)
    counts = fields.Nested(LicenceCountsSchema)
    columns = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Each field read, and the column of the file it was read from"})
    ignored_columns = fields.List(fields.String())
    notes = fields.List(fields.String(), metadata={
        "description": "What to know about the file as a whole"})
    rows = fields.List(fields.Nested(LicenceRowSchema))


class CsvExportSchema(Schema):
    kind = fields.String(validate=validate.OneOf(("supporters", "engagements", "requests")))
    title = fields.String()
    description = fields.String()
    url = fields.String(metadata={"description": "Where to download it (CSV)"})
