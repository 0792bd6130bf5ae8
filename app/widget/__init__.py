"""The embeddable search widget: its scripts, the iframe page and its JSON API.

Two blueprints: ``widget`` serves ``/widget.js``, ``/embed.js`` and the iframe
page ``/embed``; ``widget_api`` is the JSON API under ``/widget/api/v1``
(which the error handler answers in the API's JSON error shape). Neither sets
a cookie, and both are read-only GETs, so neither needs CSRF protection.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("widget", __name__)
api_bp = Blueprint("widget_api", __name__, url_prefix="/widget/api/v1")

from app.widget import api, pages  # noqa: E402,F401


def without_cookies_or_csrf(app: Flask) -> None:
    """Exempt the widget's blueprints from CSRF and cookies (register them after this)."""
    from app.extensions import csrf
    from app.widget.cookies import WithoutCookiesOn

    csrf.exempt(bp)
    csrf.exempt(api_bp)
    app.session_interface = WithoutCookiesOn(app.session_interface, {bp.name, api_bp.name})
