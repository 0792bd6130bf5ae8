"""Verification that shows what it verifies: changes wait beside the verified version."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, ProfileChange, SupporterProfile

NEXT_YEAR = date.today() + timedelta(days=365)


@pytest.fixture
def admin(make_account):
    return make_account(roles=["admin"], name="Ada Admin")


@pytest.fixture
def pat(make_account, make_supporter):
    """A verified, searchable supporter with a bio an admin has checked."""
    user = make_account(roles=["supporter"], name="Pat Jumps", email="pat@example.com")
    make_supporter(user=user, bio="Jumps coach for 12 years at Leeds.", club="Leeds City AC",
                   roles=["mentor"], event_groups=["jumps"], expertise=["technical_model"],
                   years_coaching=12, capacity=3, safeguarding_expires_on=NEXT_YEAR,
                   licence_expires_on=NEXT_YEAR)
    return user


def form(**overrides):
    data = {"roles": ["mentor"], "event_groups": ["jumps"], "expertise": ["technical_model"],
            "qualification": "uk_coach", "years_coaching": "12", "club": "Leeds City AC",
            "bio": "Jumps coach for 12 years at Leeds.", "location": "LS6 3QS",
            "travel_km": "20", "capacity": "3", "visible": "y",
            "safeguarding_expires_on": NEXT_YEAR.isoformat(),
            "licence_expires_on": NEXT_YEAR.isoformat()}
    data.update(overrides)
    return data


def profile_of(session, user) -> SupporterProfile:
    session.expire_all()
    return session.scalar(sa.select(SupporterProfile).where(SupporterProfile.user_id == user.id))


def changes(session, profile) -> list[tuple[str, dict]]:
    session.expire_all()
    return [(c.status, c.proposed) for c in session.scalars(
        sa.select(ProfileChange).where(ProfileChange.profile_id == profile.id)
        .order_by(ProfileChange.id))]


def in_search(visitor, profile) -> bool:
    found = visitor().get("/api/v1/search?where=LS6 3QS&radius_km=10").get_json()
    return profile.id in {s["id"] for s in found["results"]}


def test_the_queue_shows_each_change_word_by_word_against_the_verified_version(
        visitor, pat, admin, session):
    own = visitor(pat)
    response = own.post("/profile/supporter", data=form(
        bio="Jumps coach for 13 years at Leeds.", roles=["mentor", "co_coach"],
        club="Leeds City AC"))
    assert response.status_code == 302
    profile = profile_of(session, pat)

    (item,) = visitor(admin).get("/api/v1/admin/verification").get_json()
    assert item["id"] == profile.id and not item["new"] and item["name"] == "Pat Jumps"
    by_field = {c["field"]: c for c in item["changes"]}
    assert set(by_field) == {"bio", "roles"}
    assert by_field["bio"]["before"] == "Jumps coach for 12 years at Leeds."
    assert by_field["bio"]["after"] == "Jumps coach for 13 years at Leeds."
    assert by_field["roles"]["added"] == ["Co-coach"] and by_field["roles"]["removed"] == []

    # A label saved by an older version does not reach the page: the district names itself.
    profile.place_label = "Headingley"
    session.commit()
    page = visitor(admin).get("/admin/verification").get_data(as_text=True)
    assert "Jumps coach for <del>12</del><ins>13</ins> years at Leeds." in page
    assert "near LS6 (Leeds)" in page and "Headingley" not in page
    assert "Added: <ins>Co-coach</ins>" in page
    assert "Verified now" in page

    # Meanwhile coaches find the verified version, and its page answers.
    assert in_search(visitor, profile)
    card = visitor().get(f"/api/v1/supporters/{profile.id}").get_json()
    assert [r["key"] for r in card["roles"]] == ["mentor"]
    assert visitor().get(f"/supporters/{profile.id}").status_code == 200
    assert "Jumps coach for 12 years" in visitor().get(
        f"/supporters/{profile.id}").get_data(as_text=True)
    # The supporter sees what waits, and their own words in the form.
    own_page = own.get("/profile/supporter").get_data(as_text=True)
    assert "wait for an admin" in own_page and "13 years" in own_page


def test_approving_makes_the_change_public_emails_and_audits(visitor, pat, admin, session,
                                                             mailbox):
    visitor(pat).post("/profile/supporter", data=form(bio="Now also hurdles."))
    profile = profile_of(session, pat)
    response = visitor(admin).api("post", f"/api/v1/admin/verification/{profile.id}",
                                  json={"decision": "approve"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"id": profile.id, "verified": True, "status": "approved"}
    card = visitor().get(f"/api/v1/supporters/{profile.id}").get_json()
    assert card["bio"] == "Now also hurdles."
    assert changes(session, profile) == [("approved", {"bio": "Now also hurdles."})]
    event = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "profile.verified")).one()
    assert event.actor_id == admin.id and event.details["fields"] == ["bio"]
    mailbox.deliver()
    (mail,) = mailbox.to("pat@example.com")
    assert mail["Subject"] == "Your profile changes are verified"


@pytest.mark.parametrize("decision, status, subject, action", [
    ("reject", "rejected", "not accepted", "profile.rejected"),
    ("request_changes", "changes_requested", "please make a change",
     "profile.changes_requested"),
])
def test_rejecting_or_asking_for_changes_needs_a_message_tells_the_supporter_and_keeps_the_verified_version(  # noqa: E501
        visitor, pat, admin, session, mailbox, decision, status, subject, action):
    own = visitor(pat)
    own.post("/profile/supporter", data=form(bio="Call me on 07700 900123."))
    profile = profile_of(session, pat)

    # Without a message: the error is beside the message field, and nothing changes.
    response = visitor(admin).post(f"/admin/verification/{profile.id}",
                                   data={"decision": decision, "message": "  "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="message-error"' in page and 'aria-describedby="message-error"' in page
    api = visitor(admin).api("post", f"/api/v1/admin/verification/{profile.id}",
                             json={"decision": decision})
    assert api.status_code == 422 and "message" in api.get_json()["errors"]
    assert changes(session, profile) == [("pending", {"bio": "Call me on 07700 900123."})]

    response = visitor(admin).post(f"/admin/verification/{profile.id}", data={
        "decision": decision, "message": "Please keep contact details out of your bio."})
    assert response.status_code == 302
    assert changes(session, profile)[-1][0] == status
    assert visitor(admin).get("/api/v1/admin/verification").get_json() == []
    card = visitor().get(f"/api/v1/supporters/{profile.id}").get_json()
    assert card["bio"] == "Jumps coach for 12 years at Leeds."
    assert in_search(visitor, profile)
    assert session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).one()
    mailbox.deliver()
    (mail,) = mailbox.to("pat@example.com")
    assert subject in mail["Subject"]
    assert "Please keep contact details out of your bio." in mail.get_payload(decode=True).decode()
    own_view = own.get("/api/v1/me/profile").get_json()
    assert own_view["last_decision"]["message"] == "Please keep contact details out of your bio."
    assert "Please keep contact details out of your bio." in own.get(
        "/profile/supporter").get_data(as_text=True)

    # Saving again sends it back to the queue, with what the supporter now says.
    own.post("/profile/supporter", data=form(bio="Jumps coach; ask me through the site."))
    (item,) = visitor(admin).get("/api/v1/admin/verification").get_json()
    assert item["changes"][0]["after"] == "Jumps coach; ask me through the site."
    assert [d["message"] for d in item["earlier"]] == [
        "Please keep contact details out of your bio."]


def test_an_earlier_or_past_expiry_date_hides_at_once_a_later_one_waits(
        visitor, pat, admin, session):
    own = visitor(pat)
    profile = profile_of(session, pat)
    later = (NEXT_YEAR + timedelta(days=200)).isoformat()
    own.post("/profile/supporter", data=form(licence_expires_on=later))
    assert profile_of(session, pat).licence_expires_on == NEXT_YEAR  # waits for the admin
    assert changes(session, profile) == [("pending", {"licence_expires_on": later})]
    assert in_search(visitor, profile)

    sooner = (date.today() + timedelta(days=10)).isoformat()
    own.post("/profile/supporter", data=form(safeguarding_expires_on=sooner,
                                             licence_expires_on=later))
    # Sooner than the verified date claims nothing to check: at once, still in search.
    assert profile_of(session, pat).safeguarding_expires_on.isoformat() == sooner
    assert in_search(visitor, profile)

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    own.post("/profile/supporter", data=form(safeguarding_expires_on=yesterday,
                                             licence_expires_on=later))
    assert profile_of(session, pat).safeguarding_expires_on.isoformat() == yesterday
    assert not in_search(visitor, profile)
    assert visitor().get(f"/api/v1/supporters/{profile.id}").status_code == 404
    assert changes(session, profile) == [("pending", {"licence_expires_on": later})]

    # A renewed check is a later date again: it waits, and they stay hidden meanwhile.
    own.post("/profile/supporter", data=form(safeguarding_expires_on=later,
                                             licence_expires_on=later))
    assert changes(session, profile) == [("pending", {"licence_expires_on": later,
                                                      "safeguarding_expires_on": later})]
    assert not in_search(visitor, profile)
    visitor(admin).post(f"/admin/verification/{profile.id}", data={"decision": "approve"})
    assert in_search(visitor, profile)


def test_going_back_to_the_verified_version_withdraws_the_change(visitor, pat, admin, session):
    own = visitor(pat)
    own.post("/profile/supporter", data=form(club="Another AC"))
    assert visitor(admin).get("/api/v1/admin/verification").get_json() != []
    own.post("/profile/supporter", data=form())
    assert visitor(admin).get("/api/v1/admin/verification").get_json() == []
    profile = profile_of(session, pat)
    assert changes(session, profile) == [("withdrawn", {"club": "Another AC"})]
    assert own.get("/api/v1/me/profile").get_json()["pending_change"] is None


def test_a_new_profile_rejected_stays_out_of_search_until_sent_again(visitor, make_account,
                                                                     admin, session):
    newcomer = make_account(roles=["supporter"], name="Nia New", email="nia@example.com")
    own = visitor(newcomer)
    own.post("/profile/supporter", data=form())
    profile = profile_of(session, newcomer)
    (item,) = visitor(admin).get("/api/v1/admin/verification").get_json()
    assert item["new"] and {c["field"] for c in item["changes"]} >= {"bio", "roles", "club"}
    assert all(c["before"] is None for c in item["changes"])

    visitor(admin).post(f"/admin/verification/{profile.id}", data={
        "decision": "reject", "message": "Your licence number does not match."})
    assert profile_of(session, newcomer).verified_at is None
    assert visitor().get(f"/api/v1/supporters/{profile.id}").status_code == 404
    view = own.get("/api/v1/me/profile").get_json()
    assert not view["awaiting_verification"] and not view["searchable"]
    assert not any(n.startswith("Waiting for an admin") for n in view["notes"])
    assert any("licence number does not match" in n for n in view["notes"])

    own.post("/profile/supporter", data=form(bio="Corrected."))
    (item,) = visitor(admin).get("/api/v1/admin/verification").get_json()
    assert item["new"] and item["earlier"][0]["status"] == "rejected"
    visitor(admin).post(f"/admin/verification/{profile.id}", data={"decision": "approve"})
    assert visitor().get(f"/api/v1/supporters/{profile.id}").get_json()["bio"] == "Corrected."


def test_a_decision_on_nothing_waiting_or_someone_unknown_is_refused(visitor, pat, admin,
                                                                     session):
    profile = profile_of(session, pat)
    response = visitor(admin).api("post", f"/api/v1/admin/verification/{profile.id}",
                                  json={"decision": "approve"})
    assert response.status_code == 409
    response = visitor(admin).api("post", "/api/v1/admin/verification/999999",
                                  json={"decision": "approve"})
    assert response.status_code == 404
    response = visitor(admin).api("post", f"/api/v1/admin/verification/{profile.id}",
                                  json={"decision": "shrug"})
    assert response.status_code == 422 and "decision" in response.get_json()["errors"]


def test_a_retired_role_stays_with_those_who_hold_it_and_cannot_be_chosen_anew(
        visitor, pat, admin, make_account, make_supporter, session):
    holder = make_account(roles=["supporter"], name="Hal Holder")
    make_supporter(user=holder, roles=["mentor", "co_coach"], years_coaching=12,
                   club="Leeds City AC")
    retired = visitor(admin).api("post", "/api/v1/admin/taxonomy/roles/co_coach/retire")
    assert retired.status_code == 200, retired.get_json()

    response = visitor(pat).post("/profile/supporter", data=form(roles=["mentor", "co_coach"]))
    assert response.status_code == 422
    assert 'id="roles-error"' in response.get_data(as_text=True)
    assert changes(session, profile_of(session, pat)) == []

    # Saved unchanged, the holder keeps it, and nothing waits for an admin.
    response = visitor(holder).post("/profile/supporter", data=form(
        roles=["mentor", "co_coach"], bio="Jumps coach."))
    assert response.status_code == 302
    profile = profile_of(session, holder)
    assert [r.key for r in profile.roles] == ["mentor", "co_coach"]
    assert changes(session, profile) == []


def test_a_long_queue_comes_a_page_at_a_time_oldest_first(visitor, admin, make_account,
                                                           make_supporter, session):
    from datetime import UTC, datetime

    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(30):
        profile = make_supporter(user=make_account(roles=["supporter"], name=f"Sup {i:02d}"),
                                 verified_at=None)
        session.add(ProfileChange(profile_id=profile.id, new=True, proposed={}, message="",
                                  submitted_at=start + timedelta(hours=i)))
    session.commit()
    first = visitor(admin).get("/admin/verification").get_data(as_text=True)
    assert "30 changes waiting, oldest first: 1 to 25 here." in first
    assert "Sup 00" in first and "Sup 24" in first and "Sup 25" not in first
    assert 'href="/admin/verification?page=2"' in first
    second = visitor(admin).get("/admin/verification?page=2").get_data(as_text=True)
    assert "26 to 30 here" in second and "Sup 29" in second and "Sup 24" not in second
    # Deciding on page 2 comes back to page 2.
    profile_id = profile.id
    response = visitor(admin).post(f"/admin/verification/{profile_id}?page=2",
                                   data={"decision": "approve"})
    assert response.location == "/admin/verification?page=2"
    assert len(visitor(admin).get("/api/v1/admin/verification").get_json()) == 29


def test_a_coach_sees_the_verified_name_on_requests_while_a_new_one_waits(
        visitor, pat, admin, make_account, session):
    profile = profile_of(session, pat)
    coach = make_account(roles=["coach"], name="Cody Coach")
    sent = visitor(coach).api("post", "/api/v1/requests", json={
        "supporter_id": profile.id, "role": "mentor", "message": "Hello"})
    assert sent.status_code == 201, sent.get_json()
    request_id = sent.get_json()["id"]
    own = visitor(pat)
    own.api("patch", "/api/v1/me", json={"display_name": "Pat 07700 900123"})
    asked = own.api("post", f"/api/v1/requests/{request_id}/questions",
                    json={"question": "Which event?"})
    assert asked.status_code == 200, asked.get_json()

    seen = visitor(coach).get(f"/api/v1/requests/{request_id}").get_json()
    assert seen["supporter"]["name"] == "Pat Jumps"
    assert [m["from"] for m in seen["messages"]][-1] == "Pat Jumps"
    assert "07700" not in visitor(coach).get(f"/requests/{request_id}").get_data(as_text=True)
    visitor(admin).post(f"/admin/verification/{profile.id}", data={"decision": "approve"})
    seen = visitor(coach).get(f"/api/v1/requests/{request_id}").get_json()
    assert seen["supporter"]["name"] == "Pat 07700 900123"
