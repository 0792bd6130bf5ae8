"""The base of every input schema: errors that name the field in words a person reads.

marshmallow's own messages ("Missing data for required field.", "Length must
be between 1 and 500.", "Unknown field.") say neither which field nor what to
do. A schema built on :class:`Schema` rewords them, once, when loading fails:
pages, the JSON API and services all receive the same sentences, each naming
its field by a label ("Radius must be between 1 and 500 km.").

A field's label is ``metadata["label"]`` when given (the words a person would
use, e.g. ``"radius"`` for ``radius_km``), else its name in words with "the"
("the display name"); ``metadata["unit"]`` follows numbers ("km"), and
``metadata["choice"]`` says it is picked, not typed ("Choose ..."). Messages a
schema writes itself (``error=...``, ``error_messages=...``) are kept as they
are: only marshmallow's defaults are replaced.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime

import marshmallow
from flask_babel import gettext
from marshmallow import fields, validate
from marshmallow.exceptions import SCHEMA

__all__ = ["Schema", "field_label"]

#: An unknown key's message lists the known ones when there are this many or fewer.
MAX_LISTED = 8


class Schema(marshmallow.Schema):
    """A marshmallow schema whose load errors read as sentences naming their field."""

    #: What an unexpected key is not: "radius is not a known field: did you mean radius_km?"
    unknown_noun = "known field"

    def handle_error(self, error: marshmallow.ValidationError, data, *, many: bool, **kwargs):
        """Reword marshmallow's default messages in place, before the error is raised."""
        messages = error.messages
        if not isinstance(messages, dict):
            return
        if many:
            for row in messages.values():
                if isinstance(row, dict):
                    reword(self, row)
        else:
            reword(self, messages)


def field_label(name: str, field: fields.Field) -> str:
    """Return the words naming ``field`` in a sentence: its label, or "the" and its name."""
    label = field.metadata.get("label")
    if label:
        return gettext(label)
    words = name.replace("_", " ").strip()
    return gettext("the %(name)s", name=words)


def reword(schema: marshmallow.Schema, messages: dict) -> None:
    """Replace marshmallow's default messages in ``messages`` (one object's errors)."""
    by_key = {(f.data_key or name): (name, f) for name, f in schema.load_fields.items()}
    for key, value in list(messages.items()):
        if key == SCHEMA:
            messages[key] = [_schema_message(schema, m) for m in value] \
                if isinstance(value, list) else value
        elif key in by_key:
            name, field = by_key[key]
            messages[key] = _reword_field(field, field_label(name, field), value)
        elif value == [schema.error_messages["unknown"]] and _is_default_unknown(schema):
            messages[key] = [_unknown(schema, str(key), by_key)]


def _reword_field(field: fields.Field, label: str, value):
    if isinstance(value, list):
        known = _defaults(field, label)
        return [known.get(m, m) if isinstance(m, str) else m for m in value]
    if not isinstance(value, dict):
        return value
    if isinstance(field, fields.List):
        return {k: _reword_field(field.inner, label, v) if isinstance(k, int)
                else _reword_field(field, label, v) for k, v in value.items()}
    if isinstance(field, fields.Nested) and isinstance(field.schema, marshmallow.Schema):
        if field.many:
            for row in value.values():
                if isinstance(row, dict):
                    reword(field.schema, row)
        else:
            reword(field.schema, value)
        return value
    if isinstance(field, fields.Mapping):
        for entry in value.values():
            if isinstance(entry, dict):
                for part, inner in (("key", field.key_field), ("value", field.value_field)):
                    if inner is not None and part in entry:
                        entry[part] = _reword_field(inner, label, entry[part])
        return value
    return value


def _defaults(field: fields.Field, label: str) -> dict[str, str]:
    """Map each default message ``field`` can give to its reworded sentence."""
    words = {"label": label, "Label": label[:1].upper() + label[1:]}
    reworded: dict[str, str] = {}
    for key, message in field.error_messages.items():
        if message == _marshmallow_default(field, key):
            human = _field_message(field, key, words)
            if human:
                reworded[_render(message, field)] = human
    for validator in field.validators:
        reworded.update(_validator_messages(field, validator, words))
    return reworded


def _marshmallow_default(field: fields.Field, key: str) -> str | None:
    """Return marshmallow's own message for ``key``, as the field's classes define it."""
    for cls in type(field).__mro__:
        if cls.__module__.startswith("marshmallow") and key in cls.__dict__.get(
                "default_error_messages", {}):
            return cls.__dict__["default_error_messages"][key]
    return None


def _render(message: str, field: fields.Field) -> str:
    try:
        return message.format(obj_type=getattr(field, "OBJ_TYPE", ""), input="")
    except (KeyError, IndexError, ValueError):
        return message


def _is_choice(field: fields.Field) -> bool:
    inner = field.inner if isinstance(field, fields.List) else field
    return field.metadata.get("choice") or isinstance(field, fields.List | fields.Boolean) or any(
        isinstance(v, validate.OneOf) for v in inner.validators)


def _field_message(field: fields.Field, key: str, w: dict) -> str | None:
    if key in ("required", "null"):
        if isinstance(field, fields.Email):
            return gettext("Enter %(label)s, like name@example.org.", **w)
        if _is_choice(field):
            return gettext("Choose %(label)s.", **w)
        return gettext("Enter %(label)s.", **w)
    if key == "invalid":
        for kind, message in _INVALID:
            if isinstance(field, kind):
                return message(w)
        return gettext("%(Label)s is not in a form we can read.", **w)
    if key == "too_large":
        return gettext("%(Label)s is too large a number.", **w)
    if key == "special":
        return gettext("%(Label)s must be an ordinary number (not NaN or infinity).", **w)
    if key == "validator_failed":
        return gettext("%(Label)s is not an accepted value.", **w)
    if key == "type":
        return gettext("%(Label)s must be a set of fields (an object).", **w)
    return None


# What each kind of field holds, for its "not a valid ..." message (most specific first).
_INVALID = (
    (fields.Email, lambda w: gettext("Enter %(label)s, like name@example.org.", **w)),
    (fields.URL, lambda w: gettext(
        "%(Label)s must be a web address, like https://example.org.", **w)),
    (fields.Integer, lambda w: gettext("%(Label)s must be a whole number.", **w)),
    (fields.Number, lambda w: gettext("%(Label)s must be a number.", **w)),
    (fields.Boolean, lambda w: gettext("%(Label)s must be yes or no (true or false).", **w)),
    (fields.DateTime, lambda w: gettext(
        "%(Label)s must be a date and time, like 2026-03-31T14:00:00Z.", **w)),
    (fields.Date, lambda w: gettext("%(Label)s must be a date, like 2026-03-31.", **w)),
    (fields.Time, lambda w: gettext("%(Label)s must be a time of day, like 14:30.", **w)),
    (fields.List, lambda w: gettext("%(Label)s must be a list.", **w)),
    (fields.Mapping, lambda w: gettext(
        "%(Label)s must be a set of names and values (an object).", **w)),
    (fields.String, lambda w: gettext("%(Label)s must be text.", **w)),
)


def _validator_messages(field: fields.Field, validator, w: dict) -> dict[str, str]:
    """Map the default messages of one of ``field``'s validators to sentences."""
    counted = isinstance(field, fields.List | fields.Mapping)
    if isinstance(validator, validate.Length) and validator.error is None:
        n = {**w, "min": validator.min, "max": validator.max, "equal": validator.equal}
        if counted:
            human = {
                "message_min": gettext("%(Label)s: choose at least %(min)s.", **n),
                "message_max": gettext("%(Label)s: choose at most %(max)s.", **n),
                "message_all": gettext("%(Label)s: choose %(min)s to %(max)s.", **n),
                "message_equal": gettext("%(Label)s: choose exactly %(equal)s.", **n),
            }
        else:
            human = {
                "message_min": gettext("Enter %(label)s.", **n) if validator.min == 1
                else gettext("%(Label)s must be at least %(min)s characters long.", **n),
                "message_max": gettext("%(Label)s must be at most %(max)s characters long.",
                                       **n),
                "message_all": gettext("Enter %(label)s (up to %(max)s characters).", **n)
                if validator.min == 1
                else gettext("%(Label)s must be %(min)s to %(max)s characters long.", **n),
                "message_equal": gettext("%(Label)s must be exactly %(equal)s characters long.",
                                         **n),
            }
        return {validator._format_error(None, getattr(validator, attr)): message
                for attr, message in human.items()}
    if isinstance(validator, validate.Range) and validator.error is None:
        unit = field.metadata.get("unit")
        low, high = (_quantity(v, unit) for v in (validator.min, validator.max))
        n = {**w, "min": low, "max": high, "from": _quantity(validator.min, None)}
        above = (gettext("%(Label)s must be at least %(min)s.", **n) if validator.min_inclusive
                 else gettext("%(Label)s must be more than %(min)s.", **n))
        below = (gettext("%(Label)s must be at most %(max)s.", **n) if validator.max_inclusive
                 else gettext("%(Label)s must be less than %(max)s.", **n))
        return {
            validator._format_error(None, validator.message_min): above,
            validator._format_error(None, validator.message_max): below,
            validator._format_error(None, validator.message_all):
                gettext("%(Label)s must be between %(from)s and %(max)s.", **n),
        }
    if not isinstance(validator, validate.OneOf | validate.Email | validate.Regexp
                      | validate.URL | validate.NoneOf | validate.Equal):
        return {}  # a check of the schema's own, with its own words
    if getattr(validator, "error", None) != getattr(type(validator), "default_message", None):
        return {}  # written by the schema: it already reads well
    default = validator._format_error(None)
    if isinstance(validator, validate.ContainsOnly):
        human = gettext("%(Label)s: choose only from %(choices)s.", **w,
                        choices=validator.choices_text)
    elif isinstance(validator, validate.OneOf):
        human = gettext("%(Label)s must be one of: %(choices)s.", **w,
                        choices=validator.choices_text)
    elif isinstance(validator, validate.Email):
        human = gettext("Enter %(label)s, like name@example.org.", **w)
    elif isinstance(validator, validate.URL):
        human = gettext("%(Label)s must be a web address, like https://example.org.", **w)
    elif isinstance(validator, validate.Regexp):
        human = gettext("%(Label)s is not in the expected form.", **w)
    elif isinstance(validator, validate.Equal):
        human = gettext("%(Label)s must be %(other)s.", **w, other=validator.comparable)
    else:
        human = gettext("%(Label)s may not be this value.", **w)
    return {default: human}


def _quantity(value, unit: str | None) -> str:
    if isinstance(value, datetime):
        text = f"{value.day} {value:%B %Y %H:%M}"
    elif isinstance(value, date):
        text = f"{value.day} {value:%B %Y}"
    elif isinstance(value, float):
        text = f"{value:,g}"
    elif isinstance(value, int) and abs(value) >= 10**15:
        return gettext("any number")  # an id's bound: no one types it
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return f"{text} {unit}" if unit else text


def _is_default_unknown(schema: marshmallow.Schema) -> bool:
    return schema.error_messages["unknown"] == marshmallow.Schema._default_error_messages[
        "unknown"]


def _unknown(schema: Schema, key: str, by_key: dict) -> str:
    noun = gettext(getattr(schema, "unknown_noun", Schema.unknown_noun))
    names = sorted(str(k) for k in by_key)
    close = difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.6) or [
        n for n in names if n.startswith(key.lower()) and key]
    if close:
        return gettext("%(key)s is not a %(noun)s: did you mean %(name)s?",
                       key=key, noun=noun, name=close[0])
    if not names or len(names) > MAX_LISTED:
        return gettext("%(key)s is not a %(noun)s: leave it out.", key=key, noun=noun)
    return gettext("%(key)s is not a %(noun)s: use %(names)s.", key=key, noun=noun,
                   names=", ".join(names))


def _schema_message(schema: marshmallow.Schema, message):
    if message == marshmallow.Schema._default_error_messages["type"]:
        return gettext("Send the input as a set of named fields (a form or a JSON object).")
    return message
