"""The home page."""

from __future__ import annotations

from datetime import date

from flask import render_template

from app.extensions import db
from app.services import directory
from app.web import bp


@bp.get("/")
def index():
    """Show what the service does and how many supporters are ready to help."""
    roles = directory.supporters_by_role(db.session, date.today())
    total = directory.searchable_supporter_count(db.session, date.today())
    return render_template("home.html", roles=roles, total=total)
