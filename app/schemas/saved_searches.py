"""Saved searches ("tell me when"): what to save (``*Args``) and how one reads (``*Schema``)."""

from __future__ import annotations

from marshmallow import fields, pre_load, validate

from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.search import SearchArgs
from app.schemas.text import Line

# How a page of results is shown, not what is looked for: never saved.
PAGE_ONLY = ("page", "limit", "sort")


class SavedSearchArgs(SearchArgs):
    """A search to be told about: where and what, as the search takes it."""

    class Meta:
        exclude = PAGE_ONLY


class SavedSearchFormArgs(SavedSearchArgs):
    """The page's form: the search as it was made, and the address of someone signed out."""

    email = fields.Email(validate=validate.Length(max=254), metadata={
        "description": "Where to send alerts (only when not signed in)"})

    @pre_load
    def drop_blanks(self, data, **kwargs):
        """Treat empty fields as not given; ignore the page's own fields (order, page...)."""
        data = super().drop_blanks(data, **kwargs)
        return {k: v for k, v in data.items()
                if k not in (*PAGE_ONLY, "filters", "csrf_token")}


class SavedSearchActiveArgs(FormArgs):
    active = fields.Boolean(required=True, metadata={
        "description": "false pauses the alerts of this search; true resumes them"})


class SavedSearchSchema(Schema):
    """A saved search as its owner sees it."""

    id = fields.Integer()
    place = Line(metadata={"description": "The place searched, as search named it"})
    summary = Line(metadata={"description": "The search in words, e.g. \"Mentor · Jumps · "
                                            "within 25 km of LS6 3QS · in person\""})
    search = fields.Dict(keys=Line(), metadata={
        "description": "The search's parameters, as GET /api/v1/search takes them"})
    active = fields.Boolean(metadata={"description": "false while paused"})
    created_at = fields.DateTime()
    last_alerted_at = fields.DateTime(allow_none=True, metadata={
        "description": "When an email last told you of new matches of it"})
    matched = fields.Integer(metadata={
        "description": "Supporters it has matched so far (found when saved, or emailed since)"})
    search_url = Line(metadata={"description": "The search page with this search"})
