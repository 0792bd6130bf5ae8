"""What the JSON API accepts as a request body: a JSON object, or nothing.

webargs reads JSON bodies only; anything else (XML, a form, plain text) was
ignored, so an update sent as XML answered 200 having changed nothing. And a
deeply nested body made the JSON parser recurse until it failed with a 500.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body too deeply nested to parse is bad input, not a crash."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as err:
            # A ValueError is what Flask turns into 400 Bad Request.
            raise ValueError("the JSON is nested too deeply") from err


def accepts_upload(view):
    """Mark an API view (a MethodView) that takes a file as multipart/form-data, not JSON."""
    view.accepts_upload = True
    return view


def _takes_upload() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return getattr(getattr(view, "view_class", view), "accepts_upload", False)


def check_api_body() -> None:
    """Refuse an API write whose body is not a JSON object (an empty body is fine)."""
    if request.method not in _WRITES or not request.path.startswith("/api/"):
        return
    if request.routing_exception is not None:
        return  # no such operation (404, 405), whatever the body
    if request.mimetype == "multipart/form-data" and _takes_upload():
        return  # a file upload, which its view reads (and checks) itself
    data = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH (413 beyond)
    if not data and not request.form and not request.files:
        return  # (a form's body was read already, for its CSRF token)
    if not request.is_json:
        raise UnsupportedMediaType(
            "Send the body as JSON (Content-Type: application/json); "
            f"{request.mimetype or 'a body without a type'} is not understood here.")
    body = request.get_json(silent=True)
    if body is None and data.strip() != b"null":
        request.get_json()  # not JSON at all: Flask's own 400 says why
    if not isinstance(body, dict):
        raise BadRequest('The body must be a JSON object, such as {"message": "..."}.')


def register(app: Flask) -> None:
    app.json = JSONProvider(app)
    app.before_request(check_api_body)
