"""Saved searches on the site: save from the results, confirm, unsubscribe, list and manage."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from app.errors import DomainError, flatten_errors
from app.extensions import csrf, db, limiter
from app.form_submission import submit
from app.schemas.accounts import ConfirmArgs
from app.schemas.saved_searches import SavedSearchActiveArgs, SavedSearchFormArgs
from app.services import saved_searches
from app.web import bp

# Saving without an account emails a stranger's address: limited per visitor.
# Coaches signed in save to their own account, capped there instead.
save_limit = limiter.limit(lambda: current_app.config["SAVED_SEARCH_RATE_LIMIT"],
                           methods=["POST"], exempt_when=lambda: current_user.is_authenticated)


@bp.get("/search/alerts/new")
def new_saved_search():
    """Show the search to be saved and ask where to send its alerts."""
    search = _search_fields(request.args)
    summary, errors = _summary(search)
    return render_template("saved_searches/new.html", search=search, summary=summary,
                           errors=errors, email=""), 422 if errors else 200


@bp.post("/search/alerts")
@save_limit
def save_search():
    """Save a search: to the account of a coach signed in, or for a confirmed address."""
    if current_user.is_authenticated:
        outcome = submit(SavedSearchFormArgs(), lambda args: saved_searches.save(
            db.session, current_user, _search_of(args)))
        if outcome.ok:
            flash("Search saved: we will email you when someone new matches it, at most "
                  "once a day.", "success")
            return redirect(url_for("web.saved_searches"))
    else:
        outcome = submit(SavedSearchFormArgs(), lambda args: saved_searches.save_for_address(
            db.session, args.get("email"), _search_of(args)))
        if outcome.ok:
            return render_template("saved_searches/check_email.html")
    search = _search_fields(request.form)
    summary, _ = _summary(search)
    return render_template("saved_searches/new.html", search=search, summary=summary,
                           errors=outcome.errors,
                           email=request.form.get("email", "")), outcome.status


def _search_of(args: dict) -> dict:
    return {k: v for k, v in args.items() if k != "email"}


def _search_fields(values) -> MultiDict:
    """Return the search in a query string or form, without the address or the form's token."""
    return MultiDict([(k, v) for k, v in values.items(multi=True)
                      if k not in ("email", "csrf_token")])


def _summary(search: MultiDict) -> tuple[str | None, dict]:
    """Return the search in words, or the errors that keep it from being saved."""
    try:
        return saved_searches.describe(db.session, SavedSearchFormArgs().load(search)), {}
    except ValidationError as err:
        return None, flatten_errors(err.messages)


# An emailed link opens a page with a button, and only the button acts: mail
# scanners that follow every link in a message confirm and stop nothing.

@bp.route("/search/alerts/confirm", methods=["GET", "POST"])
def confirm_saved_search():
    """Start the alerts of a search saved without an account, from the emailed link."""
    if request.method == "GET":
        return render_template(
            "saved_searches/follow_link.html", title="Start your search alert",
            text="Confirm this address to get an email when someone new matches your "
                 "saved search, at most once a day.", button="Start my search alert",
            token=request.args.get("token", ""))
    try:
        saved = saved_searches.confirm(db.session, request.form.get("token", ""))
        summary = saved_searches.describe(db.session, saved)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return render_template("saved_searches/link_problem.html", message=err.message), 400
    return render_template("saved_searches/confirmed.html", summary=summary,
                           search_url=url_for("web.search",
                                              **saved_searches.search_query(saved.params)))


@bp.route("/search/alerts/unsubscribe", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail programs POST it with one click
def unsubscribe_search_alerts():
    """Stop every search alert, in one click from an alert email, without signing in."""
    token = request.values.get("token", "")
    if request.method == "GET":
        return render_template(
            "saved_searches/follow_link.html", title="Stop search alerts",
            text="Stop every search alert sent to this address.", button="Stop my alerts",
            token=token)
    try:
        outcome = saved_searches.unsubscribe(db.session, token)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return render_template("saved_searches/link_problem.html", message=err.message), 400
    return render_template("saved_searches/unsubscribed.html", outcome=outcome)


@bp.get("/account/alerts", endpoint="saved_searches")
@login_required
def saved_searches_page():
    """List the signed-in person's saved searches, to pause, resume or delete."""
    return _list()


def _list(errors=None, status: int = 200):
    count, most = saved_searches.limit_left(db.session, current_user)
    return render_template("saved_searches/list.html",
                           searches=saved_searches.saved_by(db.session, current_user),
                           count=count, most=most, errors=errors or {}), status


@bp.post("/account/alerts/<id:saved_search_id>/active")
@login_required
def set_saved_search_active(saved_search_id: int):
    """Pause or resume the alerts of one saved search."""
    saved_searches.own(db.session, current_user, saved_search_id)  # 404 before the form
    outcome = submit(SavedSearchActiveArgs(), lambda args: saved_searches.set_active(
        db.session, current_user, saved_search_id, args["active"]))
    if outcome.ok:
        flash("Alerts resumed for that search." if outcome.value.active
              else "Alerts paused for that search: resume them whenever you like.", "success")
        return redirect(url_for("web.saved_searches"))
    return _list(outcome.errors, outcome.status)


@bp.post("/account/alerts/<id:saved_search_id>/delete")
@login_required
def delete_saved_search(saved_search_id: int):
    """Delete one saved search."""
    saved_searches.own(db.session, current_user, saved_search_id)
    outcome = submit(ConfirmArgs(), lambda args: saved_searches.remove(
        db.session, current_user, saved_search_id))
    if outcome.ok:
        flash("Saved search deleted.", "success")
        return redirect(url_for("web.saved_searches"))
    return _list(outcome.errors, outcome.status)
