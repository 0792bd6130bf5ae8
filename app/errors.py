"""The errors use cases raise, and what the database going away looks like.

Services raise ``DomainError`` subclasses with a message safe to show and,
for invalid input, the messages of each field; ``app.error_handlers`` turns
them (and every other error) into the API's JSON shape or a page.
"""

from __future__ import annotations

from sqlalchemy import exc as sql_errors

#: What the database going away looks like: refused or cut connections, a pool
#: that cannot hand one out. (Not integrity errors: those are the app's own.)
DATABASE_AWAY = (sql_errors.OperationalError, sql_errors.InterfaceError,
                 sql_errors.DisconnectionError, sql_errors.TimeoutError)


class DomainError(Exception):
    """A use case refused; the message is safe to show to the user."""

    status_code = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError, LookupError):
    """The thing does not exist, or the acting user may not know it does."""

    status_code = 404


class InvalidInput(DomainError, ValueError):
    """Input is well-formed but not acceptable; ``errors`` names the fields."""

    status_code = 422


class Conflict(DomainError):
    """The request clashes with the current state (e.g. no capacity left)."""

    status_code = 409


def flatten_errors(errors) -> dict[str, list[str]]:
    """Flatten webargs' ``{location: {field: [msg]}}`` into ``{field: [msg]}``."""
    if not isinstance(errors, dict):
        return {"_schema": [str(errors)]}
    locations = {"json", "query", "form", "path", "view_args", "headers", "files", "cookies"}
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        if key in locations and isinstance(value, dict):
            flat.update(flatten_errors(value))
        elif isinstance(value, dict):
            # Nested schema: name the field as "outer.inner".
            for inner, messages in flatten_errors(value).items():
                flat[f"{key}.{inner}"] = messages
        elif isinstance(value, list):
            flat[str(key)] = [str(m) for m in value]
        else:
            flat[str(key)] = [str(value)]
    return flat
