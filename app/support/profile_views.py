"""Supporters' and coaches' own profiles, pausing, and confirming availability."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.form_submission import submit
from app.schemas.profiles import CoachProfileFormArgs, PauseArgs, SupporterProfileFormArgs
from app.services import coach_profiles, profile_changes, profiles
from app.services.taxonomy import load_taxonomy
from app.support import bp


@bp.route("/profile/supporter", methods=["GET", "POST"])
@login_required
def supporter_profile():
    """Edit the supporter profile; changes to what the public sees are re-verified."""
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(SupporterProfileFormArgs(), lambda args: profiles.save_supporter_profile(
            db.session, current_user, args))
        if outcome.ok:
            flash(_saved_message(outcome.value), "success")
            return redirect(url_for("support.supporter_profile"))
        errors, status = outcome.errors, outcome.status
    view = profiles.supporter_view(db.session, current_user)
    # What the profile holds or asks for stays on the form once retired: saving keeps it.
    asked = [view or {}, ((view or {}).get("pending_change") or {}).get("proposed") or {}]
    held = {"support_roles": [k for v in asked for k in v.get("roles") or []],
            "event_groups": [k for v in asked for k in v.get("event_groups") or []],
            "needs": [k for v in asked for k in v.get("expertise") or []],
            "qualifications": [v.get("qualification") for v in asked]}
    return render_template("profiles/supporter.html", view=view, errors=errors,
                           form=request.form if request.method == "POST" else None,
                           taxonomy=load_taxonomy(db.session, held=held)), status


def _saved_message(profile) -> str:
    change = profile_changes.open_change(db.session, profile)
    if profile.verified_at is None:
        return "Your profile is saved. An admin will verify it before it appears in search."
    if change is not None and change.status == "pending":
        return ("Your profile is saved. An admin checks your changes before coaches see them; "
                "until then they see your verified profile.")
    return "Your profile is saved."


@bp.post("/profile/supporter/pause")
@login_required
def pause():
    """Stop appearing in search for now."""
    outcome = submit(PauseArgs(), lambda args: profiles.pause(db.session, current_user,
                                                              args.get("reason")))
    flash("You are paused: you do not appear in search until you unpause." if outcome.ok
          else " ".join(m for ms in outcome.errors.values() for m in ms),
          "success" if outcome.ok else "error")
    return redirect(url_for("support.supporter_profile"))


@bp.post("/profile/supporter/unpause")
@login_required
def unpause():
    """Appear in search again."""
    outcome = submit(PauseArgs(), lambda args: profiles.unpause(db.session, current_user))
    flash("Welcome back: you appear in search again (if your profile is verified and your "
          "checks are in date)." if outcome.ok
          else " ".join(m for ms in outcome.errors.values() for m in ms),
          "success" if outcome.ok else "error")
    return redirect(url_for("support.supporter_profile"))


@bp.route("/profile/availability", methods=["GET", "POST"])
@login_required
def availability():
    """Confirm being still available after a pause for unanswered requests."""
    if request.method == "POST":
        outcome = submit(PauseArgs(), lambda args: profiles.unpause(db.session, current_user))
        if outcome.ok:
            flash("Thank you: you are available again and appear in search.", "success")
            return redirect(url_for("support.inbox"))
    view = profiles.supporter_view(db.session, current_user)
    return render_template("profiles/availability.html", view=view)


@bp.route("/profile/coach", methods=["GET", "POST"])
@login_required
def coach_profile():
    """Edit the coach profile and the development plan's needs and goals."""
    errors, status = {}, 200
    if request.method == "POST":
        outcome = submit(CoachProfileFormArgs(), lambda args: coach_profiles.save_coach_profile(
            db.session, current_user, args))
        if outcome.ok:
            flash("Saved. Your searches now start from your profile and plan.", "success")
            return redirect(url_for("support.coach_profile"))
        errors, status = outcome.errors, outcome.status
    view = coach_profiles.coach_view(db.session, current_user)
    # What the profile and plan hold stays on the form once retired: saving it keeps it.
    held = {"event_groups": view["event_groups"], "qualifications": [view["qualification"]],
            "needs": [need["key"] for need in view["needs"]]}
    return render_template("profiles/coach.html", view=view, errors=errors,
                           form=request.form if request.method == "POST" else None,
                           taxonomy=load_taxonomy(db.session, held=held)), status

