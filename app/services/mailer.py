"""Email through an outbox table, delivered over SMTP with retries.

``queue`` adds a message in the caller's transaction, so a message exists
exactly when the change it announces commits, and an SMTP outage loses
nothing. ``send_due`` (``flask send-email``, meant for cron) delivers what is
due; a failed attempt is retried later with exponential backoff (1, 2, 4 ...
minutes, at most 6 h) for MAIL_RETRY_HOURS (3 days by default). A message
that still fails then, or that can never be sent (a recipient refused for
good, a message that cannot be built), becomes a dead letter: admins see them
(``dead_letters``) and can send them again (``requeue``).

One message's failure is its own: whatever goes wrong with it is recorded on
it, logged, and the sender goes on to the next.

In development with no MAIL_SERVER, what a page queues is also printed to the
console (``send_queued_after_request``), links and all, so someone trying the
service locally can confirm an address or reset a password. It stays queued.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, render_template
from sqlalchemy import func, inspect, select, update
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
    gave_up: int = 0  # became dead letters
    queued: int = 0  # left queued because no MAIL_SERVER is set

    def __str__(self) -> str:
        return (f"{self.sent} sent, {self.retrying} to retry, {self.gave_up} given up "
                f"(dead letters), {self.queued} waiting for MAIL_SERVER")


class PermanentFailure(Exception):
    """A message that no retry can deliver (it cannot be built, or was refused for good)."""


def queue(session: Session, *, to: User, kind: str, subject: str, template: str,
          context: dict | None = None, dedupe_key: str | None = None,
          about: User | None = None, now: datetime | None = None,
          unsubscribe_url: str | None = None) -> OutboxMessage | None:
    """Queue ``email/<template>.txt`` for ``to``; None when ``dedupe_key`` was used before.

    ``about`` is the other person whose words or contact details the message
    carries: erasing their account removes it. ``unsubscribe_url`` (alerts and
    other mail one may stop) is sent as List-Unsubscribe, for one-click POSTs.
    """
    if dedupe_key is not None and session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    now = now or datetime.now(UTC)
    body = render_template(f"email/{template}.txt", recipient=to, **(context or {}))
    message = OutboxMessage(user_id=to.id, about_user_id=about.id if about else None,
                            to_address=to.email, subject=subject[:200],
                            body=body, kind=kind, dedupe_key=dedupe_key,
                            created_at=now, next_attempt_at=now,
                            list_unsubscribe=unsubscribe_url)
    session.add(message)
    if has_request_context():
        g.mail_queued = True
        g.setdefault("mail_queued_messages", []).append(message)
    return message


def absolute_url(endpoint: str, **values) -> str:
    """Return a full URL for links in emails, on the configured PUBLIC_BASE_URL.

    Never on the host a request came in on: a forged Host or X-Forwarded-Host
    header must not choose where a password-reset link points.
    """
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


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
    retry_for = timedelta(hours=config["MAIL_RETRY_HOURS"])
    for message_id in ids:
        message = session.get(OutboxMessage, message_id)
        try:
            email = _email(message, config)  # before the connection: a bad one fails alone
            if connection is None:
                raise connect_error
            _send(connection, email)
        except Exception as err:  # whatever it is, it is this message's alone
            if _failed(message, err, now, retry_for):
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
    """In development, send what this request queued at once (after its commit).

    Without a MAIL_SERVER, development prints it to the console instead.
    """
    config = current_app.config
    if not g.get("mail_queued"):
        return response
    if not config.get("MAIL_SERVER"):
        if config.get("APP_ENV") == "development":
            _print_queued()
        return response
    if config.get("MAIL_SEND_IMMEDIATELY"):
        from app.extensions import db

        try:
            send_due(db.session)
        except Exception:  # mail must never break the page; the command retries
            log.exception("Sending queued email after the request failed")
            db.session.rollback()
    return response


def _print_queued() -> None:
    """Print the messages this request queued and committed (a rollback queued none)."""
    try:
        for message in g.get("mail_queued_messages", ()):
            if inspect(message).persistent:
                print(console_text(message), file=sys.stdout, flush=True)
    except Exception:  # a preview must never break the page
        log.exception("Printing queued email after the request failed")


def console_text(message: OutboxMessage) -> str:
    """Return a queued message as the console shows it in development."""
    rule = "-" * 72
    return (f"{rule}\nEmail not sent: no MAIL_SERVER is set, so in development it is "
            f"shown here.\nTo: {message.to_address}\nSubject: {message.subject}\n\n"
            f"{message.body.rstrip()}\n{rule}")


def backoff(attempts: int) -> timedelta:
    """Return the wait after ``attempts`` failed attempts: 1, 2, 4 ... minutes, at most 6 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def dead_letters(session: Session, *, limit: int = 200) -> tuple[int, list[OutboxMessage]]:
    """Return how many messages were given up, and the newest ``limit`` of them."""
    given_up = OutboxMessage.failed_at.is_not(None), OutboxMessage.sent_at.is_(None)
    count = session.scalar(select(func.count()).select_from(OutboxMessage).where(*given_up))
    newest = session.scalars(select(OutboxMessage).where(*given_up)
                             .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
                             .limit(limit)).all()
    return count or 0, list(newest)


def requeue(session: Session, message_ids: list[int] | None = None, *,
            now: datetime | None = None) -> int:
    """Send dead letters again (all of them, or those given): retried as if new."""
    now = now or datetime.now(UTC)
    condition = [OutboxMessage.failed_at.is_not(None), OutboxMessage.sent_at.is_(None)]
    if message_ids is not None:
        condition.append(OutboxMessage.id.in_(message_ids))
    result = session.execute(update(OutboxMessage).where(*condition).values(
        failed_at=None, next_attempt_at=now, retry_from=now))
    return result.rowcount or 0


def _send(connection: smtplib.SMTP, email: EmailMessage) -> None:
    refused = None
    try:
        refused = connection.send_message(email)
    except smtplib.SMTPRecipientsRefused as err:
        refused = err.recipients
    if refused and all(code >= 500 for code, _ in refused.values()):
        # 5xx: the server says no for good (no such mailbox); retrying changes nothing.
        raise PermanentFailure(f"refused: {refused}")
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


def _failed(message: OutboxMessage, err: Exception, now: datetime, retry_for: timedelta) -> bool:
    """Record a failed attempt; return True when the message became a dead letter."""
    message.attempts += 1
    message.last_error = f"{type(err).__name__}: {err}"[:2000]
    log.warning("Email %d (%s) not sent, attempt %d: %s", message.id, message.kind,
                message.attempts, message.last_error)
    started = _aware(message.retry_from or message.created_at)
    permanent = isinstance(err, PermanentFailure) or not isinstance(
        err, OSError | smtplib.SMTPException)
    if permanent or now - started >= retry_for:
        message.failed_at = now
        log.error("Email %d (%s) given up after %d attempts: a dead letter for admins to "
                  "see and requeue", message.id, message.kind, message.attempts)
        return True
    message.next_attempt_at = now + backoff(message.attempts)
    return False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
    if message.list_unsubscribe:  # RFC 2369 and RFC 8058: mail programs offer the button
        email["List-Unsubscribe"] = f"<{message.list_unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    return email
