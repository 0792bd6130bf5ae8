"""Email goes through the outbox: it survives an SMTP outage and is retried with backoff."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

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


def test_gives_up_after_the_last_attempt(app, visitor, make_account, session, mailbox):
    app.config.update(MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=2)
    make_account(email="kim@example.com")
    reset_request(visitor, "kim@example.com")
    now = datetime.now(UTC) + timedelta(seconds=1)
    mailbox.deliver(now=now.strftime("%Y-%m-%dT%H:%M:%S"))
    output = mailbox.deliver(now=(now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    assert "1 given up" in output
    (message,) = queued(session)
    assert message.failed_at is not None and message.attempts == 2


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
    token = client.get("/api/v1/session", headers=headers).get_json()["csrf_token"]
    response = client.post("/password/forgot", data={"email": "kim@example.com",
                                                     "csrf_token": token}, headers=headers)
    assert response.status_code == 200
    mailbox.deliver()
    (link,) = mailbox.links("kim@example.com")
    assert link.startswith("http://127.0.0.1:5000/password/reset?token=")
    assert "evil" not in mailbox.body(mailbox.to("kim@example.com")[0])
