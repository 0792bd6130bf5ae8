"""URL converters, and the access check of the ids a URL names."""

from werkzeug.routing import IntegerConverter

# Ids are 64-bit signed integers in both databases; a larger number in a URL
# is simply not an id (404), not an overflow error.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """A positive database id: ``/supporters/<id:supporter_id>``."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def register_converters(app) -> None:
    app.url_map.converters["id"] = IdConverter


def id_parameter_schema(converter: IdConverter) -> dict:
    """How OpenAPI describes an ``<id:...>`` path parameter."""
    return {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_ids_before_reading_the_body() -> None:
    """A change about something the user may not see is 404 before any 422."""
    from flask import request
    from flask_login import current_user

    if (request.method not in _WRITES or not request.view_args
            or not current_user.is_authenticated):
        return  # nothing named, or not signed in: the view answers 401 first
    from app.extensions import db
    from app.services.visibility import check_visible

    check_visible(db.session, current_user, request.view_args)


def register_access_checks(app) -> None:
    app.before_request(check_ids_before_reading_the_body)
