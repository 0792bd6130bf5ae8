"""Server-rendered pages."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from app.web import home, language, saved_search_views, search  # noqa: E402,F401
