"""Email goes through the outbox: it survives an SMTP outage and is retried with backoff."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage
from app.services import mailer

from ..conftest import PASSWORD, config_for
from ..smtp_sink import free_port


def queued(session):
    session.expire_all()
    return session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def reset_request(visitor, email):
    response = visitor().post("/password/forgot", data={"email": email})
    assert response.status_code == 200


def test_no_mail_server_keeps_messages_queued(app, visitor, make_account, session, runner):
    app.config["MAIL_SERVER"] = ""
    make_account(email="kim@example.com")
    reset_request(visitor, "kim@example.com")
    result = runner.invoke(args=["send-email"])
    assert "1 waiting for MAIL_SERVER" in result.output
    (message,) = queued(session)
    assert message.sent_at is None and message.attempts == 0


def test_an_outage_is_retried_with_backoff_until_delivered(app, visitor, make_account,
                                                           session, mailbox):
    make_account(email="kim@example.com")
    reset_request(visitor, "kim@example.com")
    (message,) = queued(session)
    queued_at = message.next_attempt_at
    down = free_port()  # nothing listens here: the SMTP server is "down"
    app.config["MAIL_PORT"] = down
    # Whole seconds, just after the message was queued.
    start = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)

    output = mailbox.deliver(now=start.strftime("%Y-%m-%dT%H:%M:%S"))
    assert "0 sent, 1 to retry" in output
    (message,) = queued(session)
    assert message.attempts == 1 and message.sent_at is None and message.last_error
    first_retry = message.next_attempt_at.replace(tzinfo=UTC)
    assert first_retry == start + timedelta(minutes=1)
    assert queued_at is not None

    # Not due yet: nothing is tried.
    assert "0 sent, 0 to retry" in mailbox.deliver(
        now=(start + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S"))
    later = start + timedelta(minutes=1)
    mailbox.deliver(now=later.strftime("%Y-%m-%dT%H:%M:%S"))
    (message,) = queued(session)
    assert message.attempts == 2
    assert message.next_attempt_at.replace(tzinfo=UTC) == later + timedelta(minutes=2)

    # The server is back: the message goes out, once.
    app.config["MAIL_PORT"] = mailbox.port
    output = mailbox.deliver(now=(later + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S"))
    assert "1 sent" in output
    assert len(mailbox.to("kim@example.com")) == 1
    assert "Reset your password" in mailbox.to("kim@example.com")[0]["Subject"]
    mailbox.deliver(now=(later + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    assert len(mailbox.to("kim@example.com")) == 1


def test_a_long_outage_loses_nothing_then_dead_letters_are_seen_and_requeued(
        app, visitor, make_account, session, mailbox, runner):
    app.config.update(MAIL_PORT=free_port())  # nothing listens: the server is down
    make_account(email="kim@example.com")
    reset_request(visitor, "kim@example.com")
    start = datetime.now(UTC) + timedelta(seconds=1)

    def at(hours):
        return (start + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")

    # Still retried after 2 hours, a day, almost three days (the default is 72 h)...
    for hours in (0, 2, 24, 71.5):
        assert "1 to retry" in mailbox.deliver(now=at(hours)), hours
    (message,) = queued(session)
    assert message.failed_at is None and message.attempts == 4
    # ...and given up after that: a dead letter that admins see.
    assert "1 given up" in mailbox.deliver(now=at(72.5))
    session.expire_all()
    assert queued(session)[0].failed_at is not None
    admin = make_account(roles=["admin"], email="ada@example.com")
    page = visitor(admin).get("/admin/email").get_data(as_text=True)
    assert 'data-testid="dead-letter-count"><strong>1</strong>' in page
    assert "kim@example.com" in page and "ConnectionRefusedError" in page
    assert visitor().get("/admin/email").status_code in (302, 401, 404)
    # The server is back; the command sends the dead letter again, with fresh retries.
    app.config["MAIL_PORT"] = mailbox.port
    assert "0 sent" in mailbox.deliver(now=at(73))
    result = runner.invoke(args=["requeue-email"])
    assert result.exit_code == 0 and "Requeued 1 dead letter(s); 0 left." in result.output
    assert "1 sent" in mailbox.deliver(now=at(73))
    assert len(mailbox.to("kim@example.com")) == 1


def test_a_message_that_cannot_be_sent_fails_alone(app, make_account, session, mailbox):
    """A poison message (a header with a line break, from before names were checked)."""
    users = [make_account(email=f"p{i}@example.com") for i in range(4)]
    now = datetime.now(UTC)
    subjects = ["Welcome\r\nBcc: everyone@example.com", "One", "Two", "Three"]
    for user, subject in zip(users, subjects, strict=True):
        session.add(OutboxMessage(user_id=user.id, to_address=user.email, subject=subject,
                                  body="Hello", kind="test", created_at=now,
                                  next_attempt_at=now))
    session.commit()
    output = mailbox.deliver()
    assert "3 sent" in output and "1 given up" in output
    assert [len(mailbox.to(u.email)) for u in users] == [0, 1, 1, 1]
    poison = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address ==
                                                           "p0@example.com"))
    session.refresh(poison)
    assert poison.failed_at is not None and poison.attempts == 1
    assert "ValueError" in poison.last_error or "HeaderParseError" in poison.last_error
    # Never claimed again, and the queue moves on.
    assert "0 sent" in mailbox.deliver()
def test_backoff_doubles_and_is_capped():
    assert [mailer.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert mailer.backoff(30) == timedelta(hours=6)


def test_sent_right_after_the_request_when_configured(app, visitor, make_account, mailbox):
    app.config["MAIL_SEND_IMMEDIATELY"] = True
    make_account(email="kim@example.com")
    reset_request(visitor, "kim@example.com")
    assert len(mailbox.to("kim@example.com")) == 1


def test_messages_carry_from_subject_and_absolute_links(app, visitor, make_account, mailbox):
    app.config["MAIL_FROM"] = "Coaching Support <hello@coaching.example>"
    make_account(email="kim@example.com")
    reset_request(visitor, "kim@example.com")
    mailbox.deliver()
    (message,) = mailbox.to("kim@example.com")
    assert message["From"] == "Coaching Support <hello@coaching.example>"
    assert message["Message-ID"]
    (link,) = mailbox.links("kim@example.com")
    assert link.startswith("http://localhost/password/reset?token=")


def test_expiry_reminders_go_once_at_30_and_7_days(make_account, make_supporter, runner,
                                                   session, mailbox):
    user = make_account(roles=["supporter"], email="sam@example.com")
    expires = date(2027, 3, 31)
    make_supporter(user=user, safeguarding_expires_on=expires,
                   licence_expires_on=date(2028, 1, 1))

    def remind(day):
        result = runner.invoke(args=["remind-expiring-checks", "--today", day.isoformat()])
        assert result.exit_code == 0, result.output
        return result.output

    assert "queued: 0" in remind(expires - timedelta(days=31))
    assert "queued: 1" in remind(expires - timedelta(days=30))
    assert "queued: 0" in remind(expires - timedelta(days=29))  # not again
    assert "queued: 0" in remind(expires - timedelta(days=8))
    assert "queued: 1" in remind(expires - timedelta(days=7))
    assert "queued: 0" in remind(expires - timedelta(days=2))
    assert "queued: 0" in remind(expires + timedelta(days=1))  # expired: search hides them
    mailbox.deliver(now="2030-01-01T00:00")
    subjects = [m["Subject"] for m in mailbox.to("sam@example.com")]
    assert subjects == ["Your safeguarding check expires on 31 March 2027"] * 2
    bodies = [mailbox.body(m) for m in mailbox.to("sam@example.com")]
    assert "in 30 days" in bodies[0] and "in 7 days" in bodies[1]


def test_a_missed_day_still_sends_the_nearer_reminder(make_account, make_supporter, runner,
                                                      mailbox):
    user = make_account(roles=["supporter"], email="sam@example.com")
    expires = date(2027, 3, 31)
    make_supporter(user=user, licence_expires_on=expires,
                   safeguarding_expires_on=date(2028, 1, 1))
    result = runner.invoke(args=["remind-expiring-checks", "--today",
                                 (expires - timedelta(days=5)).isoformat()])
    assert "queued: 1" in result.output


def test_password_never_appears_in_an_email(visitor, make_account, mailbox):
    guest = visitor()
    guest.post("/sign-up", data={"display_name": "Nell", "email": "nell@example.com",
                                 "password": PASSWORD, "password_again": PASSWORD,
                                 "roles": "coach"})
    mailbox.deliver()
    (message,) = mailbox.to("nell@example.com")
    assert PASSWORD not in mailbox.body(message)


@pytest.mark.parametrize(("proxies", "headers"), [
    (0, {"Host": "evil.example.com"}),
    (1, {"X-Forwarded-Host": "evil.example.com"}),
])
def test_links_in_emails_never_come_from_request_headers(app, make_account, mailbox, proxies,
                                                        headers):
    from app import create_app

    config = config_for(app.config["SQLALCHEMY_DATABASE_URI"], TRUSTED_PROXY_COUNT=proxies,
                        MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port, MAIL_USE_TLS=False)
    del config["PUBLIC_BASE_URL"]  # as `make run` starts: nothing set, the local address
    poisoned = create_app(config)
    make_account(email="kim@example.com")
    client = poisoned.test_client()
    try:
        token = client.get("/api/v1/session", headers=headers).get_json()["csrf_token"]
        response = client.post("/password/forgot", data={"email": "kim@example.com",
                                                         "csrf_token": token}, headers=headers)
    finally:
        with poisoned.app_context():
            db.engine.dispose()  # its own engine: close its connections now
    assert response.status_code == 200
    mailbox.deliver()
    (link,) = mailbox.links("kim@example.com")
    assert link.startswith("http://127.0.0.1:5000/password/reset?token=")
    assert "evil" not in mailbox.body(mailbox.to("kim@example.com")[0])
