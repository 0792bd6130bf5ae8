"""The one handler that turns every error into the API's JSON shape or a page.

Views never build error responses themselves. API paths (and clients that
prefer JSON) get the API's single error shape ``{code, status, message,
errors}``, where ``errors`` maps each offending field to its messages; everyone
else gets an HTML page.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from app.errors import DATABASE_AWAY, DomainError, flatten_errors

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again.
DATABASE_RETRY_AFTER = 30


def wants_json() -> bool:
    """Return True when the response should use the API's JSON error shape."""
    if request.path.startswith("/api/") or request.blueprint in {"widget_api"}:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def error_response(code: int, message: str, errors=None, headers=None):
    """Render an error as JSON or HTML, depending on the request."""
    status = HTTPStatus(code).phrase
    if wants_json():
        payload = {"code": code, "status": status, "message": message}
        if errors:
            payload["errors"] = flatten_errors(errors)
        response = jsonify(payload)
    else:
        response = render_template(
            "error.html", code=code, status=status, message=message,
            errors=flatten_errors(errors) if errors else {},
        )
    return response, code, headers or {}


def handle_http_exception(error: HTTPException):
    """Turn any HTTP error (abort, routing, webargs validation) into a response."""
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if error.code == 405 and getattr(error, "valid_methods", None):
        # flask-smorest's handler drops it; RFC 9110 requires it.
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if error.code == 429 and "Retry-After" not in headers:
        retry = getattr(error, "retry_after", None)
        headers["Retry-After"] = str(retry or 60)
    if error.code >= 500:
        _rollback()
    errors = data.get("errors") or data.get("messages")
    message = data.get("message") or _default_message(error)
    if errors and error.code == 422 and "message" not in data:
        message = "Some of the input is not valid: see errors for each field."
    return error_response(error.code, message, errors, headers)


def handle_domain_error(error: DomainError):
    """Turn a refused use case into a response with the service's message.

    A refused use case may have flushed part of its work: undo it, so an
    error changes nothing.
    """
    _rollback()
    return error_response(error.status_code, error.message, error.errors or None)


def handle_unexpected(error: Exception):
    """Log an unexpected failure, undo the half-done transaction, answer 500."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("Unhandled error on %s %s", request.method, request.path)
    _rollback()
    return handle_http_exception(InternalServerError())


def handle_database_unavailable(error: Exception):
    """The database is away (refused, restarting, a connection cut): 503, Retry-After.

    Nothing half-done is kept, and the page or JSON is the app's usual shape;
    search, place suggestions and public profiles answer from the worker's own
    index meanwhile (see ``app.services.search_index``).
    """
    log.warning("Database unavailable on %s %s: %s", request.method, request.path,
                str(error).splitlines()[0] if str(error) else type(error).__name__)
    _rollback()
    as_anonymous_for_now()  # the page must not ask the database who is signed in
    return error_response(
        503, "The service is briefly unavailable: please try again in a minute. "
             "Nothing was changed.", headers={"Retry-After": str(DATABASE_RETRY_AFTER)})


def as_anonymous_for_now() -> None:
    """Serve this request as to a visitor, without signing anyone out."""
    from flask import g

    from app.extensions import login_manager

    g._login_user = login_manager.anonymous_user()


def _default_message(error: HTTPException) -> str:
    messages = {
        404: "Nothing was found at this address.",
        405: f"{request.method} is not allowed here.",
        429: "Too many requests: please wait a moment and try again.",
        500: "Something went wrong on our side. Nothing was changed; please try again.",
    }
    return messages.get(error.code, error.description or HTTPStatus(error.code).phrase)


def _rollback() -> None:
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed
        log.exception("Rollback failed")


def handle_csrf_error(error):
    """A form or API call without a valid CSRF token: 400, changing nothing."""
    return error_response(
        400, "This form has expired or did not come from this site: reload the page and "
             "try again. API clients send the X-CSRFToken header from GET /api/v1/session.",
        {"csrf_token": [error.description]})


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    for database_away in DATABASE_AWAY:
        app.register_error_handler(database_away, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
