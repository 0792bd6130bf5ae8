"""The support request workflow: every state transition, and every illegal one."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Engagement, SupportRequest


@pytest.fixture
def people(make_account, make_supporter, visitor):
    """A coach, a supporter with two places, and a stranger, each with a signed-in client."""
    coach = make_account(roles=["coach"], name="Cara Coach", email="cara@example.com",
                         phone="07700 900001")
    supporter_user = make_account(roles=["supporter"], name="Sam Support",
                                  email="sam@example.com", phone="07700 900002")
    profile = make_supporter(user=supporter_user, roles=["mentor", "technical_advisor"],
                             capacity=2)
    stranger = make_account(roles=["coach", "supporter"], name="Stan Stranger")
    return {
        "coach": coach, "supporter": supporter_user, "profile": profile,
        "stranger": stranger,
        "as_coach": visitor(coach), "as_supporter": visitor(supporter_user),
        "as_stranger": visitor(stranger), "anonymous": visitor(),
    }


def send(people, role="mentor", message="Please help with my jumps group."):
    response = people["as_coach"].api("post", "/api/v1/requests", json={
        "supporter_id": people["profile"].id, "role": role, "message": message})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def status_of(session, request_id):
    session.expire_all()
    return session.get(SupportRequest, request_id).status


def engagements(session):
    return session.scalar(sa.select(sa.func.count()).select_from(Engagement))


def test_send_then_accept_creates_an_engagement(people, session):
    sent = send(people)
    assert sent["status"] == "pending" and sent["contact"] is None
    accepted = people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/accept")
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert body["status"] == "accepted"
    assert body["contact"] == {"name": "Cara Coach", "email": "cara@example.com",
                               "phone": "07700 900001"}
    assert engagements(session) == 1
    engagement = session.scalar(sa.select(Engagement))
    assert (engagement.coach_id, engagement.supporter_id) == (people["coach"].id,
                                                             people["profile"].id)
    actions = session.scalars(sa.select(AuditEvent.action)).all()
    assert "request.sent" in actions and "request.accepted" in actions


def test_decline_with_a_reason(people, session):
    sent = send(people)
    response = people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/decline",
                                          json={"reason": "I only coach throws now."})
    assert response.status_code == 200
    assert response.get_json()["status"] == "declined"
    assert response.get_json()["status_reason"] == "I only coach throws now."
    assert response.get_json()["contact"] is None


def test_decline_needs_a_reason(people, session):
    sent = send(people)
    response = people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/decline",
                                          json={"reason": ""})
    assert response.status_code == 422
    assert "reason" in response.get_json()["errors"]
    assert status_of(session, sent["id"]) == "pending"


def test_ask_for_information_and_reply_keep_it_pending(people, session):
    sent = send(people)
    asked = people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/questions",
                                       json={"question": "Which days suit you?"})
    assert asked.status_code == 200 and asked.get_json()["status"] == "pending"
    replied = people["as_coach"].api("post", f"/api/v1/requests/{sent['id']}/replies",
                                     json={"message": "Tuesdays and Thursdays."})
    assert replied.status_code == 200
    thread = [(m["from"], m["body"]) for m in replied.get_json()["messages"]]
    assert thread == [("Sam Support", "Which days suit you?"), ("you", "Tuesdays and Thursdays.")]
    assert status_of(session, sent["id"]) == "pending"


def test_coach_can_withdraw(people, session):
    sent = send(people)
    response = people["as_coach"].api("post", f"/api/v1/requests/{sent['id']}/withdraw",
                                      json={"reason": "Found a club mentor."})
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"


@pytest.mark.parametrize("first, then, who", [
    ("withdraw", "accept", "as_supporter"),      # accepting a withdrawn request
    ("decline", "decline", "as_supporter"),      # declining twice
    ("accept", "decline", "as_supporter"),
    ("accept", "accept", "as_supporter"),
    ("decline", "accept", "as_supporter"),
    ("accept", "withdraw", "as_coach"),
    ("decline", "withdraw", "as_coach"),
    ("withdraw", "withdraw", "as_coach"),
    ("withdraw", "questions", "as_supporter"),
    ("accept", "replies", "as_coach"),
])
def test_illegal_transitions_are_refused_and_change_nothing(people, session, first, then, who):
    sent = send(people)
    bodies = {"decline": {"reason": "No room."}, "withdraw": {}, "questions": {"question": "?"},
              "replies": {"message": "!"}}
    first_by = "as_coach" if first == "withdraw" else "as_supporter"
    assert people[first_by].api("post", f"/api/v1/requests/{sent['id']}/{first}",
                                json=bodies.get(first)).status_code == 200
    session.expire_all()
    before = session.get(SupportRequest, sent["id"])
    before_state = (before.status, before.status_reason, before.closed_at)
    count = engagements(session)

    response = people[who].api("post", f"/api/v1/requests/{sent['id']}/{then}",
                               json=bodies.get(then))
    assert response.status_code == 409
    assert response.get_json()["code"] == 409
    session.expire_all()
    after = session.get(SupportRequest, sent["id"])
    assert (after.status, after.status_reason, after.closed_at) == before_state
    assert engagements(session) == count


@pytest.mark.parametrize("action, body", [
    ("accept", None), ("decline", {"reason": "x"}), ("questions", {"question": "x"}),
    ("replies", {"message": "x"}), ("withdraw", {}),
])
def test_someone_elses_request_is_not_found_and_unchanged(people, session, action, body):
    sent = send(people)
    response = people["as_stranger"].api("post", f"/api/v1/requests/{sent['id']}/{action}",
                                         json=body)
    assert response.status_code == 404
    assert people["as_stranger"].get(f"/api/v1/requests/{sent['id']}").status_code == 404
    assert status_of(session, sent["id"]) == "pending"
    assert engagements(session) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(
        sa.table("request_messages"))) == 0


@pytest.mark.parametrize("action, who", [
    ("accept", "as_coach"), ("decline", "as_coach"), ("questions", "as_coach"),
    ("withdraw", "as_supporter"), ("replies", "as_supporter"),
])
def test_each_side_only_does_its_own_part(people, session, action, who):
    sent = send(people)
    body = {"decline": {"reason": "x"}, "questions": {"question": "x"},
            "replies": {"message": "x"}, "withdraw": {}}.get(action)
    response = people[who].api("post", f"/api/v1/requests/{sent['id']}/{action}", json=body)
    assert response.status_code == 404
    assert status_of(session, sent["id"]) == "pending"


def test_contact_details_only_after_acceptance(people):
    sent = send(people)
    for side, other_email, other_phone in (("as_coach", "sam@example.com", "07700 900002"),
                                           ("as_supporter", "cara@example.com",
                                            "07700 900001")):
        for path in (f"/api/v1/requests/{sent['id']}", f"/requests/{sent['id']}",
                     "/api/v1/requests", "/requests"):
            text = people[side].get(path).get_data(as_text=True)
            assert other_email not in text and other_phone not in text, (side, path)
    people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/accept")
    for side, other_email, other_phone in (("as_coach", "sam@example.com", "07700 900002"),
                                           ("as_supporter", "cara@example.com",
                                            "07700 900001")):
        for path in (f"/api/v1/requests/{sent['id']}", f"/requests/{sent['id']}"):
            text = people[side].get(path).get_data(as_text=True)
            assert other_email in text and other_phone in text, (side, path)
        # The public profile never shows them, accepted or not.
    public = people["anonymous"].get(f"/supporters/{people['profile'].id}").get_data(
        as_text=True)
    assert "sam@example.com" not in public and "07700 900002" not in public


def test_last_place_closes_other_pending_requests_kindly(people, make_account, visitor,
                                                         session, mailbox):
    people["profile"].capacity = 1
    session.commit()
    others = [make_account(roles=["coach"], name=f"Other {i}") for i in range(2)]
    sent = send(people)
    other_ids = []
    for other in others:
        response = visitor(other).api("post", "/api/v1/requests", json={
            "supporter_id": people["profile"].id, "role": "mentor"})
        assert response.status_code == 201
        other_ids.append(response.get_json()["id"])
    assert people["as_supporter"].api(
        "post", f"/api/v1/requests/{sent['id']}/accept").status_code == 200
    for request_id in other_ids:
        session.expire_all()
        closed = session.get(SupportRequest, request_id)
        assert closed.status == "declined"
        assert "not about you" in closed.status_reason
    mailbox.deliver()
    for other in others:
        (message,) = [m for m in mailbox.to(other.email) if "full" in m["Subject"]]
        assert "Search again" in mailbox.body(message)
    # And a new request is refused with a clear message.
    late = make_account(roles=["coach"])
    response = visitor(late).api("post", "/api/v1/requests", json={
        "supporter_id": people["profile"].id, "role": "mentor"})
    assert response.status_code == 409
    assert "no places free" in response.get_json()["message"]


def test_accept_refused_when_full_changes_nothing(people, session):
    sent = send(people)
    people["profile"].capacity = 0
    session.commit()
    response = people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/accept")
    assert response.status_code == 409
    assert status_of(session, sent["id"]) == "pending"
    assert engagements(session) == 0


@pytest.mark.parametrize("change, code", [
    ({"paused": True}, 404), ({"visible": False}, 404), ({"verified_at": None}, 404),
    ({"capacity": 0}, 409),
])
def test_requests_refused_to_unavailable_supporters(people, session, change, code):
    for name, value in change.items():
        setattr(people["profile"], name, value)
    session.commit()
    response = people["as_coach"].api("post", "/api/v1/requests", json={
        "supporter_id": people["profile"].id, "role": "mentor"})
    assert response.status_code == code
    assert session.scalar(sa.select(sa.func.count()).select_from(SupportRequest)) == 0


def test_duplicate_pending_request_refused(people, session):
    send(people)
    response = people["as_coach"].api("post", "/api/v1/requests", json={
        "supporter_id": people["profile"].id, "role": "technical_advisor"})
    assert response.status_code == 409
    assert session.scalar(sa.select(sa.func.count()).select_from(SupportRequest)) == 1


def test_role_must_be_one_the_supporter_offers(people):
    response = people["as_coach"].api("post", "/api/v1/requests", json={
        "supporter_id": people["profile"].id, "role": "co_coach"})
    assert response.status_code == 422
    assert "role" in response.get_json()["errors"]


def test_unconfirmed_email_cannot_send(people, make_account, visitor):
    unconfirmed = make_account(roles=["coach"], verified=False)
    response = visitor(unconfirmed).api("post", "/api/v1/requests", json={
        "supporter_id": people["profile"].id, "role": "mentor"})
    assert response.status_code == 409
    assert "Confirm your email" in response.get_json()["message"]


def test_supporter_is_emailed_about_a_new_request(people, mailbox):
    send(people, message="Looking for help with hurdles rhythm.")
    mailbox.deliver()
    (message,) = mailbox.to("sam@example.com")
    assert "Cara Coach" in message["Subject"]
    body = mailbox.body(message)
    assert "hurdles rhythm" in body and "/requests/" in body
    assert "cara@example.com" not in body  # no contact details before acceptance


# --- Expiry and stale supporters, driven by the command's clock -------------------------


def test_expiry_command_expires_and_pauses_a_stale_supporter(people, make_account, visitor,
                                                              session, runner, mailbox):
    coaches = [people["coach"]] + [make_account(roles=["coach"]) for _ in range(2)]
    ids = []
    for coach in coaches:
        response = visitor(coach).api("post", "/api/v1/requests", json={
            "supporter_id": people["profile"].id, "role": "mentor"})
        ids.append(response.get_json()["id"])
    created = session.get(SupportRequest, ids[0]).created_at

    # Six days on, nothing has expired yet.
    six_days = (created + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")
    result = runner.invoke(args=["expire-requests", "--now", six_days])
    assert "Requests expired: 0" in result.output
    assert status_of(session, ids[0]) == "pending"

    eight_days = (created + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    result = runner.invoke(args=["expire-requests", "--now", eight_days])
    assert result.exit_code == 0, result.output
    assert "Requests expired: 3; supporters paused: 1" in result.output
    session.expire_all()
    for request_id in ids:
        expired = session.get(SupportRequest, request_id)
        assert expired.status == "expired"
        assert "did not answer within 7 days" in expired.status_reason
    profile = people["profile"]
    assert profile.paused and "3 requests" in profile.paused_reason

    mailbox.deliver(now=eight_days)
    for coach in coaches:
        assert any("expired" in m["Subject"] for m in mailbox.to(coach.email))
    (ask,) = [m for m in mailbox.to("sam@example.com") if "still available" in m["Subject"]]
    assert "/profile/availability" in mailbox.body(ask)

    # Confirming availability unpauses and resets the count.
    response = people["as_supporter"].post("/profile/availability")
    assert response.status_code == 302
    session.expire_all()
    assert not profile.paused and profile.missed_in_a_row == 0


def test_an_answer_resets_the_missed_count(app, people, session, runner):
    app.config["STALE_EXPIRED_LIMIT"] = 2
    first = send(people)
    created = session.get(SupportRequest, first["id"]).created_at
    result = runner.invoke(args=["expire-requests", "--now",
                                 (created + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert people["profile"].missed_in_a_row == 1
    second = send(people)
    people["as_supporter"].api("post", f"/api/v1/requests/{second['id']}/questions",
                               json={"question": "When?"})
    session.expire_all()
    assert people["profile"].missed_in_a_row == 0 and not people["profile"].paused


def test_cannot_answer_after_expiry_time_even_before_the_command(people, session):
    sent = send(people)
    row = session.get(SupportRequest, sent["id"])
    row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    session.commit()
    response = people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/accept")
    assert response.status_code == 409
    assert engagements(session) == 0


# --- Eligibility wins, at every step that shares contact details -----------------------

def _expire_checks(session, profile, **dates):
    """Date a supporter's check or licence in the past, as a nightly job would."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    session.execute(sa.update(type(profile)).where(type(profile).id == profile.id).values(
        **{name: yesterday for name in dates or ("safeguarding_expires_on",)}))
    session.commit()


@pytest.mark.parametrize("lapse", ["safeguarding_expires_on", "licence_expires_on",
                                   "verified_at", "paused", "visible"])
def test_a_supporter_who_is_not_in_search_cannot_accept(people, session, lapse):
    sent = send(people)
    profile = people["profile"]
    values = {"verified_at": None, "paused": True, "visible": False}
    if lapse in values:
        session.execute(sa.update(type(profile)).where(type(profile).id == profile.id)
                        .values(**{lapse: values[lapse]}))
        session.commit()
    else:
        _expire_checks(session, profile, **{lapse: True})
    response = people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/accept")
    assert response.status_code == 409
    assert "cannot accept requests while you are not in search" in response.get_json()["message"]
    assert "cara@example.com" not in response.get_data(as_text=True)
    assert status_of(session, sent["id"]) == "pending" and engagements(session) == 0


def test_contact_details_hide_while_the_supporters_check_is_out_of_date(people, session):
    sent = send(people)
    people["as_supporter"].api("post", f"/api/v1/requests/{sent['id']}/accept")
    _expire_checks(session, people["profile"])
    for side, other_email in (("as_coach", "sam@example.com"),
                              ("as_supporter", "cara@example.com")):
        body = people[side].get(f"/api/v1/requests/{sent['id']}").get_json()
        assert body["status"] == "accepted" and body["contact"] is None
        assert "hidden while Sam Support's safeguarding check" in body["contact_withheld"]
        page = people[side].get(f"/requests/{sent['id']}").get_data(as_text=True)
        assert other_email not in page and 'data-testid="contact-withheld"' in page


def test_waiting_requests_close_kindly_when_a_check_lapses_overnight(people, session, runner,
                                                                     mailbox, make_supporter):
    make_supporter(roles=["mentor"], capacity=3)  # someone else to suggest
    sent = send(people)
    _expire_checks(session, people["profile"], licence_expires_on=True)
    result = runner.invoke(args=["expire-requests"])
    assert result.exit_code == 0 and "cannot take coaches now: 1" in result.output
    session.expire_all()
    closed = session.get(SupportRequest, sent["id"])
    assert closed.status == "declined"
    # Kind, and no word of why: a lapsed licence is the supporter's business.
    assert "not taking on coaches at the moment" in closed.status_reason
    assert "licence" not in closed.status_reason
    mailbox.deliver()
    (mail,) = mailbox.to("cara@example.com")
    assert "is not taking on coaches now" in mail["Subject"]
    assert "These supporters could help instead" in mailbox.body(mail)
    # Run again: nothing more to close, nothing sent twice.
    assert "cannot take coaches now: 0" in runner.invoke(args=["expire-requests"]).output


def test_pausing_closes_waiting_requests_at_once(people, session):
    sent = send(people)
    response = people["as_supporter"].post("/profile/supporter/pause",
                                           data={"reason": "Injured"})
    assert response.status_code == 302
    assert status_of(session, sent["id"]) == "declined"
