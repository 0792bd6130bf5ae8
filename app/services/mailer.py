"""Email through an outbox table, delivered over SMTP with retries.

``queue`` adds a message in the caller's transaction, so a message exists
exactly when the change it announces commits, and an SMTP outage loses
nothing. ``send_due`` (``flask send-email``, meant for cron) delivers what is
due; a failed attempt is retried later with exponential backoff, until
MAIL_MAX_ATTEMPTS attempts have failed.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, g, has_request_context, render_template, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import OutboxMessage, User

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
# A batch being sent is hidden from other senders for this long.
CLAIM_LEASE = timedelta(minutes=5)
SMTP_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    gave_up: int = 0
    queued: int = 0  # left queued because no MAIL_SERVER is set

    def __str__(self) -> str:
        return (f"{self.sent} sent, {self.retrying} to retry, {self.gave_up} given up, "
                f"{self.queued} waiting for MAIL_SERVER")


def queue(session: Session, *, to: User, kind: str, subject: str, template: str,
          context: dict | None = None, dedupe_key: str | None = None,
          about: User | None = None, now: datetime | None = None) -> OutboxMessage | None:
    """Queue ``email/<template>.txt`` for ``to``; None when ``dedupe_key`` was used before.

    ``about`` is the other person whose words or contact details the message
    carries: erasing their account removes it.
    """
    if dedupe_key is not None and session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    now = now or datetime.now(UTC)
    body = render_template(f"email/{template}.txt", recipient=to, **(context or {}))
    message = OutboxMessage(user_id=to.id, about_user_id=about.id if about else None,
                            to_address=to.email, subject=subject[:200],
                            body=body, kind=kind, dedupe_key=dedupe_key,
                            created_at=now, next_attempt_at=now)
    session.add(message)
    if has_request_context():
        g.mail_queued = True
    return message


def absolute_url(endpoint: str, **values) -> str:
    """Return a full URL for links in emails, on the configured PUBLIC_BASE_URL.

    Never on the host a request came in on: a forged Host or X-Forwarded-Host
    header must not choose where a password-reset link points.
    """
    with current_app.test_request_context("/", base_url=current_app.config["PUBLIC_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def send_due(session: Session, *, now: datetime | None = None, limit: int = 200) -> SendReport:
    """Send the messages that are due; commits after each one.

    Several senders may run at once: each first claims its batch (moving its
    next attempt a few minutes on, rows locked with SKIP LOCKED on
    PostgreSQL), so no message goes out twice.
    """
    config = current_app.config
    now = now or datetime.now(UTC)
    due = (OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
           OutboxMessage.next_attempt_at <= now)
    if not config.get("MAIL_SERVER"):
        waiting = len(session.scalars(select(OutboxMessage.id).where(*due)).all())
        if waiting:
            log.info("%d email(s) queued; MAIL_SERVER is not set, so none is sent", waiting)
        return SendReport(queued=waiting)

    ids = session.scalars(
        select(OutboxMessage.id).where(*due).order_by(OutboxMessage.next_attempt_at,
                                                      OutboxMessage.id)
        .limit(limit).with_for_update(skip_locked=True)).all()
    if not ids:
        session.commit()
        return SendReport()
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                    .values(next_attempt_at=now + CLAIM_LEASE))
    session.commit()

    sent = retrying = gave_up = 0
    connect_error: Exception | None = None
    try:
        connection = _connect(config)
    except (OSError, smtplib.SMTPException) as err:
        connection, connect_error = None, err
    for message_id in ids:
        message = session.get(OutboxMessage, message_id)
        try:
            if connection is None:
                raise connect_error
            connection.send_message(_email(message, config))
        except (OSError, smtplib.SMTPException) as err:
            if _failed(message, err, now, config["MAIL_MAX_ATTEMPTS"]):
                gave_up += 1
            else:
                retrying += 1
            if isinstance(err, smtplib.SMTPServerDisconnected | OSError):
                connection = None
                connect_error = err
        else:
            message.attempts += 1
            message.sent_at = now
            message.last_error = None
            sent += 1
        session.commit()
    if connection is not None:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return SendReport(sent=sent, retrying=retrying, gave_up=gave_up)


def send_queued_after_request(response):
    """In development, send what this request queued at once (after its commit)."""
    config = current_app.config
    if g.get("mail_queued") and config.get("MAIL_SEND_IMMEDIATELY") and config.get(
            "MAIL_SERVER"):
        from app.extensions import db

        try:
            send_due(db.session)
        except Exception:  # mail must never break the page; the command retries
            log.exception("Sending queued email after the request failed")
            db.session.rollback()
    return response


def backoff(attempts: int) -> timedelta:
    """Return the wait after ``attempts`` failed attempts: 1, 2, 4 ... minutes, at most 6 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def _failed(message: OutboxMessage, err: Exception, now: datetime, max_attempts: int) -> bool:
    """Record a failed attempt; return True when it was the last one allowed."""
    message.attempts += 1
    message.last_error = f"{type(err).__name__}: {err}"[:2000]
    log.warning("Email %d (%s) not sent, attempt %d: %s", message.id, message.kind,
                message.attempts, message.last_error)
    if message.attempts >= max_attempts:
        message.failed_at = now
        return True
    message.next_attempt_at = now + backoff(message.attempts)
    return False


def _connect(config) -> smtplib.SMTP:
    connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                              timeout=SMTP_TIMEOUT_SECONDS,
                              local_hostname=socket.gethostname())
    if config.get("MAIL_USE_TLS"):
        connection.starttls()
    if config.get("MAIL_USERNAME"):
        connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    return connection


def _email(message: OutboxMessage, config) -> EmailMessage:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at if message.created_at.tzinfo
                                    else message.created_at.replace(tzinfo=UTC))
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}")
    email.set_content(message.body)
    return email
