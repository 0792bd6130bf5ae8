"""Choosing the language of the pages."""

from __future__ import annotations

from flask import abort, redirect, request, session, url_for

from app.auth.sessions import safe_next
from app.i18n import LANGUAGES
from app.web import bp


@bp.get("/language/<lang>")
def choose_language(lang: str):
    """Remember the visitor's language for their visit and go back where they were.

    A plain link, so it works without JavaScript; choosing a language changes
    nothing but how pages read, so it needs no form.
    """
    if lang not in LANGUAGES:
        abort(404)
    session["lang"] = lang
    return redirect(safe_next(request.args.get("next"), url_for("web.index")))
