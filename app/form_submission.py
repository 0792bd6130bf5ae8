"""Submitting a page's form: validate, run one use case, commit or change nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import request
from marshmallow import Schema, ValidationError

from app.errors import DomainError, NotFound, flatten_errors
from app.extensions import db

FORM_ERROR = "_form"


@dataclass
class Submission:
    ok: bool
    value: object = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200


def submit(schema: Schema, use_case: Callable[[dict], object], data=None) -> Submission:
    """Load ``data`` (the posted form) with ``schema``, then run ``use_case`` and commit.

    Invalid input or a refused use case rolls back and returns the errors by
    field (``_form`` for the form as a whole). A NotFound naming no field
    propagates: the page then answers 404 like any other unknown thing.
    """
    try:
        args = schema.load(request.form if data is None else data)
    except ValidationError as err:
        return Submission(False, errors=by_field(flatten_errors(err.messages)), status=422)
    try:
        value = use_case(args)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        if isinstance(err, NotFound) and not err.errors:
            raise  # an unknown or someone else's thing: the 404 page
        errors = by_field(dict(err.errors or {}))
        if not errors or err.status_code != 422:
            errors.setdefault(FORM_ERROR, [err.message])
        return Submission(False, errors=errors, status=err.status_code)
    return Submission(True, value=value)


def by_field(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Put "goals.1.target_date" beside the form's "goals" field, naming the row."""
    merged: dict[str, list[str]] = {}
    for name, messages in errors.items():
        top, _, rest = name.partition(".")
        detail = rest.split(".")
        prefix = f"Row {int(detail[0]) + 1}: " if rest and detail[0].isdigit() else ""
        merged.setdefault(top, []).extend(prefix + m for m in messages)
    return merged
