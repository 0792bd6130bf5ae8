"""A person's own data: export everything, or erase it (keeping anonymous counts)."""

import json

import sqlalchemy as sa

from app.models import AuditEvent, Engagement, OutboxMessage, SupportRequest, User

from ..conftest import PASSWORD


def test_export_needs_the_password_and_holds_everything(visitor, make_account, make_supporter,
                                                        session):
    coach = make_account(roles=["coach"], email="kim@example.com", phone="07700 900123",
                         name="Kim Coach")
    supporter_user = make_account(roles=["supporter"])
    profile = make_supporter(user=supporter_user)
    signed_in = visitor(coach)
    signed_in.api("post", "/api/v1/requests", json={"supporter_id": profile.id,
                                                    "role": "mentor", "message": "Hello!"})
    signed_in.post("/profile/coach", data={"location": "LS1 4DY", "need-technical_model": "4"})

    refused = signed_in.api("post", "/api/v1/me/export", json={"password": "wrong one"})
    assert refused.status_code == 422 and "password" in refused.get_json()["errors"]

    data = signed_in.api("post", "/api/v1/me/export", json={"password": PASSWORD}).get_json()
    assert data["account"]["email"] == "kim@example.com"
    assert data["account"]["phone"] == "07700 900123"
    assert data["coach_profile"]["postcode"] == "LS1 4DY"
    assert data["development_plans"][0]["needs"] == [{"need": "technical_model",
                                                      "priority": 4}]
    assert data["requests_sent"][0]["message"] == "Hello!"
    assert any(e["action"] == "account.data_exported" for e in data["audit_log"])
    # The page offers the same as a download.
    page = signed_in.post("/account/data", data={"password": PASSWORD})
    assert page.status_code == 200
    assert "attachment" in page.headers["Content-Disposition"]
    assert json.loads(page.get_data())["account"]["display_name"] == "Kim Coach"
    wrong = signed_in.post("/account/data", data={"password": "nope nope nope"})
    assert wrong.status_code == 422 and 'id="password-error"' in wrong.get_data(as_text=True)


def test_supporter_export_includes_the_private_location(visitor, make_account, make_supporter):
    user = make_account(roles=["supporter"])
    make_supporter(user=user, postcode="LS6 4JN", latitude=53.8196, longitude=-1.5821)
    data = visitor(user).api("post", "/api/v1/me/export", json={"password": PASSWORD}).get_json()
    assert data["supporter_profile"]["postcode"] == "LS6 4JN"
    assert data["supporter_profile"]["latitude"] == 53.8196


def test_delete_erases_personal_data_and_keeps_anonymous_counts(
        visitor, make_account, make_supporter, session, mailbox):
    coach = make_account(roles=["coach"], email="kim@example.com", phone="07700 900123",
                         name="Kim Coach")
    supporter_user = make_account(roles=["supporter"], email="sam@example.com")
    profile = make_supporter(user=supporter_user, capacity=3)
    other_supporter = make_supporter(user=make_account(roles=["supporter"]))
    as_coach, as_supporter = visitor(coach), visitor(supporter_user)
    accepted = as_coach.api("post", "/api/v1/requests", json={
        "supporter_id": profile.id, "role": "mentor", "message": "Secret plans"}).get_json()
    as_supporter.api("post", f"/api/v1/requests/{accepted['id']}/accept")
    pending = as_coach.api("post", "/api/v1/requests", json={
        "supporter_id": other_supporter.id, "role": "mentor",
        "message": "More secrets"}).get_json()
    as_coach.post("/profile/coach", data={"location": "LS1 4DY", "club": "Leeds City AC"})

    refused = as_coach.post("/account/delete", data={"password": "not it at all"})
    assert refused.status_code == 422
    session.expire_all()
    assert session.get(User, coach.id).email == "kim@example.com"

    response = as_coach.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302
    session.expire_all()
    gone = session.get(User, coach.id)
    assert gone.email == f"deleted-{coach.id}@invalid"
    assert gone.display_name == "Deleted user" and gone.phone is None
    assert gone.password_hash is None and gone.deleted_at is not None
    assert gone.coach_profile.postcode is None and gone.coach_profile.club is None
    # Rows remain for counting, without personal data.
    requests = session.scalars(sa.select(SupportRequest).order_by(SupportRequest.id)).all()
    assert len(requests) == 2 and all(r.message == "" for r in requests)
    assert session.get(SupportRequest, pending["id"]).status == "withdrawn"
    engagement = session.scalar(sa.select(Engagement))
    assert engagement.status == "closed"
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.user_id == coach.id)) == 0
    assert all(e.ip_address in (None, "") for e in session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor_id == coach.id)))
    # Signed out, and the address can never sign in again.
    assert as_coach.get("/api/v1/me").status_code == 401
    assert visitor().api("post", "/api/v1/session", json={
        "email": "kim@example.com", "password": PASSWORD}).status_code == 401
    # The supporter no longer sees the coach's details on the old request.
    text = as_supporter.get(f"/requests/{accepted['id']}").get_data(as_text=True)
    assert "kim@example.com" not in text and "07700 900123" not in text


def test_deleting_a_supporter_hides_them_and_tells_waiting_coaches(
        visitor, make_account, make_supporter, session, mailbox):
    supporter_user = make_account(roles=["supporter"], email="sam@example.com")
    profile = make_supporter(user=supporter_user)
    coach = make_account(roles=["coach"], email="kim@example.com")
    sent = visitor(coach).api("post", "/api/v1/requests", json={
        "supporter_id": profile.id, "role": "mentor"}).get_json()
    response = visitor(supporter_user).api("post", "/api/v1/me/deletion",
                                           json={"password": PASSWORD})
    assert response.status_code == 204
    assert visitor().get(f"/api/v1/supporters/{profile.id}").status_code == 404
    session.expire_all()
    assert session.get(SupportRequest, sent["id"]).status == "declined"
    assert profile.latitude is None and profile.postcode is None and profile.bio == ""
    mailbox.deliver()
    assert any("closed their account" in m["Subject"] for m in mailbox.to("kim@example.com"))
