"""Scheduled jobs (cron, or `flask run-scheduler`): email, request expiry, reminders, roles.

Each takes ``--now`` (or ``--today``) so the clock can be set: tests drive
expiry and pausing with it, and an operator can replay a missed day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.extensions import db

NOW = click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"])


def as_utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# The jobs themselves: each commits its own work and returns a line saying what it did.
# The commands below run one each (from cron); `flask run-scheduler` runs them all.

def send_email(session: Session, now: datetime, *, limit: int = 500) -> str:
    from app.services.mailer import send_due

    return f"Email: {send_due(session, now=now, limit=limit)}."


def expire_requests(session: Session, now: datetime) -> str:
    from app.services.request_closing import close_waiting_of_unavailable, expire_due

    report = expire_due(session, now=now)
    closed = close_waiting_of_unavailable(session, now=now)
    session.commit()
    return (f"Requests expired: {report.expired}; supporters paused: {len(report.paused)}; "
            f"closed because the supporter cannot take coaches now: {closed}.")


def offer_waitlist_places(session: Session, now: datetime) -> str:
    from app.services.waitlists import offer_all

    report = offer_all(session, now=now)
    session.commit()
    return f"Waitlists: {report}."


def remind_expiring_checks(session: Session, *, today: date) -> str:
    from app.services import expiry_reminders

    count = expiry_reminders.remind_expiring_checks(session, today=today)
    session.commit()
    return f"Expiry reminders queued: {count}."


def send_caseload_reminders(session: Session, *, today: date) -> str:
    from app.services import caseload_reminders

    report = caseload_reminders.send_caseload_reminders(session, today=today)
    session.commit()
    return f"Caseload reminders queued: {report}."


def roll_up_search_demand(session: Session, *, today: date | None) -> str:
    from app.services.search_demand import flush, roll_up

    flush()
    report = roll_up(session, today=today)
    session.commit()
    return (f"Search demand: {report['days_merged']} day rows merged into months, "
            f"{report['months_deleted']} old month rows deleted.")


def send_search_alerts(session: Session, now: datetime) -> str:
    from app.services import search_alerts

    report = search_alerts.send_search_alerts(session, now=now)  # commits as it goes
    return f"Search alerts: {report}."


def prune_search_changes(session: Session, now: datetime) -> str:
    from app.services.search_changes import KEPT_FOR, prune_changes

    count = prune_changes(session, now=now)
    return f"Search changes older than {KEPT_FOR.days} day deleted: {count}."


def import_licence_list(session: Session, path: str, admin_email: str) -> str:
    """Apply the licence list at ``path``, all rows or none (the nightly membership sync)."""
    from app.services import licence_import
    from app.services.accounts import find_by_email

    admin = find_by_email(session, admin_email) if admin_email else None
    if admin_email and (admin is None or not admin.has_role("admin") or not admin.is_active):
        raise RuntimeError(f"LICENCE_IMPORT_AS: {admin_email} is not an admin's account.")
    file = Path(path)
    licence_import.check_size(file.stat().st_size)
    plan, _ = licence_import.preview(session, admin, file.read_bytes(), filename=file.name,
                                     keep=False)
    applied = not plan.counts["error"] and licence_import.apply(session, admin, plan)
    session.commit()  # the audit record, and the import when applied
    if not applied:
        raise RuntimeError(f"{file.name}: nothing was written, {plan.counts['error']:,} "
                           f"row(s) in error (see flask import-licences {file}).")
    counts = plan.counts
    return (f"Licence list {file.name}: {counts['create']} created, {counts['update']} "
            f"updated, {counts['unchanged']} unchanged.")


@click.command("send-email")
@click.option("--now", type=NOW, default=None, help="Send what is due at this UTC time.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=500, show_default=True)
@with_appcontext
def send_email_command(now, limit):
    """Send queued email that is due, retrying failures with exponential backoff."""
    click.echo(send_email(db.session, as_utc(now), limit=limit))


@click.command("requeue-email")
@click.option("--id", "message_ids", type=click.IntRange(1, 2**63 - 1), multiple=True,
              help="A dead letter to send again (repeatable); without it, all of them.")
@with_appcontext
def requeue_email_command(message_ids):
    """Send dead letters (email given up after MAIL_RETRY_HOURS) again, with fresh retries."""
    from app.services.mailer import dead_letters, requeue

    count = requeue(db.session, list(message_ids) if message_ids else None)
    db.session.commit()
    left, _ = dead_letters(db.session, limit=0)
    click.echo(f"Requeued {count} dead letter(s); {left} left.")


@click.command("expire-requests")
@click.option("--now", type=NOW, default=None, help="Expire as if it were this UTC time.")
@with_appcontext
def expire_requests_command(now):
    """Expire unanswered requests, pause supporters who let too many expire, and close the
    waiting requests of supporters who cannot take coaches today (run it hourly)."""
    click.echo(expire_requests(db.session, as_utc(now)))


@click.command("offer-waitlist-places")
@click.option("--now", type=NOW, default=None, help="Advance the lines as if at this UTC time.")
@with_appcontext
def offer_waitlist_places_command(now):
    """Tell the next coach on each waitlist of a place that opened, once the hold of the one
    before ran out or a place opened unseen, e.g. by a licence import (run it hourly)."""
    click.echo(offer_waitlist_places(db.session, as_utc(now)))


@click.command("remind-expiring-checks")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Remind as if it were this date.")
@with_appcontext
def remind_expiring_checks_command(today):
    """Warn supporters whose safeguarding check or licence expires soon."""
    click.echo(remind_expiring_checks(db.session, today=today.date() if today else date.today()))


@click.command("send-caseload-reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Remind as if it were this date.")
@with_appcontext
def send_caseload_reminders_command(today):
    """Email reminders of overdue reflective logs (coaches) and reviews (supporters)."""
    click.echo(send_caseload_reminders(db.session,
                                       today=today.date() if today else date.today()))


@click.command("roll-up-search-demand")
@click.option("--today", type=NOW, default=None, help="Roll up as if today were this date.")
@with_appcontext
def roll_up_search_demand_command(today):
    """Merge search demand days older than DEMAND_DAILY_DAYS into months and delete months
    older than DEMAND_KEEP_MONTHS (run it daily, from one machine)."""
    click.echo(roll_up_search_demand(db.session, today=today.date() if today else None))


@click.command("send-search-alerts")
@click.option("--now", type=NOW, default=None, help="Alert as if it were this UTC time.")
@with_appcontext
def send_search_alerts_command(now):
    """Email each person one digest of who newly matches their saved searches (run it daily;
    nobody gets more than one a day), and delete saved searches never confirmed."""
    click.echo(send_search_alerts(db.session, as_utc(now)))


@click.command("prune-search-changes")
@click.option("--now", type=NOW, default=None, help="Prune as if it were this UTC time.")
@with_appcontext
def prune_search_changes_command(now):
    """Delete the search change log's rows older than a day (every worker has applied them;
    one further behind rebuilds its index)."""
    click.echo(prune_search_changes(db.session, as_utc(now)))


@click.command("grant-role")
@click.argument("email")
@click.argument("role")
@with_appcontext
def grant_role_command(email, role):
    """Give ROLE (coach, supporter, coach_developer, admin) to the account with EMAIL."""
    from app.services.accounts import grant_role

    try:
        user = grant_role(db.session, email, role)
    except DomainError as err:
        raise click.ClickException(err.message) from err
    db.session.commit()
    click.echo(f"{user.email} now has the roles: {', '.join(sorted(user.role_names))}.")


def register(app: Flask) -> None:
    for command in (send_email_command, requeue_email_command, expire_requests_command,
                    remind_expiring_checks_command, send_caseload_reminders_command,
                    roll_up_search_demand_command, send_search_alerts_command,
                    prune_search_changes_command, grant_role_command):
        app.cli.add_command(command)
    app.cli.add_command(offer_waitlist_places_command)
    from app import scheduler

    scheduler.register(app)  # all of the above on their schedules, instead of cron
