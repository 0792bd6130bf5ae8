"""The flask-smorest Api, routed through the application's one error handler."""

from __future__ import annotations

import flask_smorest

from app.error_handlers import handle_http_exception


class Api(flask_smorest.Api):
    """flask-smorest's Api whose HTTP errors use the app-wide handler."""

    def handle_http_exception(self, error):
        return handle_http_exception(error)
