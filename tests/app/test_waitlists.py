"""Waitlists of full supporters, told in order; and withdrawing other requests on acceptance."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, SupportRequest, WaitlistPlace

from ..conftest import PASSWORD

OPENED = "A place has opened with Sam Support: send your request now"


@pytest.fixture
def line(make_account, make_supporter, make_engagement, visitor):
    """Sam, full (one place, taken by Eve), and three coaches who may queue: Ann, Ben, Cat."""
    sam = make_account(roles=["supporter"], name="Sam Support", email="sam@example.com")
    profile = make_supporter(user=sam, roles=["mentor", "technical_advisor"], capacity=1)
    eve = make_account(roles=["coach"], name="Eve Engaged")
    engagement = make_engagement(eve, profile)
    coaches = {name: make_account(roles=["coach"], name=f"{name} Coach",
                                  email=f"{name.lower()}@example.com",
                                  phone=f"07700 90010{i}")
               for i, name in enumerate(("Ann", "Ben", "Cat"))}
    return {"sam": sam, "profile": profile, "engagement": engagement, "eve": eve,
            "as_sam": visitor(sam), **coaches,
            **{f"as_{name.lower()}": visitor(user) for name, user in coaches.items()}}


def join(client, profile, role="mentor", note="", status=201):
    response = client.api("post", "/api/v1/waitlist", json={
        "supporter_id": profile.id, "role": role, "note": note})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def join_all(line):
    return [join(line[f"as_{name}"], line["profile"], note=f"{name} would love help")
            for name in ("ann", "ben", "cat")]


def free_a_place(line):
    response = line["as_sam"].api(
        "post", f"/api/v1/caseload/engagements/{line['engagement'].id}/close",
        json={"outcome": "Assessed: passed"})
    assert response.status_code == 200, response.get_json()


def told(mailbox, *people, now=None):
    """Who among ``people`` has been told a place opened (delivering the outbox first)."""
    mailbox.deliver(now)
    return [p.display_name.split()[0] for p in people
            if any(m["Subject"] == OPENED for m in mailbox.to(p.email))]


def places(session):
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(WaitlistPlace))


def status(client, place):
    return client.get(f"/api/v1/waitlist/{place['id']}").get_json()


def later(days):
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


# --- the line, in order -------------------------------------------------------------------


def test_coaches_join_in_order_and_see_their_number(line, session):
    ann, ben, cat = join_all(line)
    assert [p["position"] for p in (ann, ben, cat)] == [1, 2, 3]
    assert ben["status"] == "waiting" and ben["supporter"]["name"] == "Sam Support"
    assert [p["id"] for p in line["as_cat"].get("/api/v1/waitlist").get_json()] == [cat["id"]]
    assert "Number 3 in line" in line["as_cat"].get("/requests").get_data(as_text=True)
    assert session.scalars(sa.select(AuditEvent.action)
                           .where(AuditEvent.action == "waitlist.joined")).all() == \
        ["waitlist.joined"] * 3


def test_a_freed_place_is_offered_to_the_first_coach_only(line, mailbox):
    ann, ben, cat = join_all(line)
    free_a_place(line)
    assert told(mailbox, line["Ann"], line["Ben"], line["Cat"]) == ["Ann"]
    (email,) = mailbox.to("ann@example.com")
    assert f"http://localhost/supporters/{line['profile'].id}/request" in mailbox.body(email)
    offer = status(line["as_ann"], ann)
    assert offer["status"] == "offered" and offer["position"] == 1
    hold = datetime.fromisoformat(offer["hold_until"]) - datetime.now(UTC)
    assert timedelta(days=6, hours=23) < hold <= timedelta(days=7)
    page = line["as_ann"].get("/requests").get_data(as_text=True)
    assert OPENED in page
    assert status(line["as_ben"], ben)["status"] == "waiting"
    # Sam sees the line in order, and who has been told.
    seen = line["as_sam"].get("/api/v1/me/waitlist").get_json()
    assert seen["places_free"] == 1
    assert [(c["coach"]["name"], c["status"]) for c in seen["coaches"]] == [
        ("Ann Coach", "offered"), ("Ben Coach", "waiting"), ("Cat Coach", "waiting")]


def test_when_the_hold_lapses_the_second_is_told_never_the_third(line, mailbox, runner):
    ann, ben, cat = join_all(line)
    free_a_place(line)
    assert told(mailbox, line["Ben"], line["Cat"]) == []
    # Within the hold nothing moves.
    assert "0 coach(es) told" in runner.invoke(args=["offer-waitlist-places", "--now",
                                                     later(6)]).output
    assert told(mailbox, line["Ben"], line["Cat"]) == []
    result = runner.invoke(args=["offer-waitlist-places", "--now", later(8)])
    assert result.exit_code == 0 and "1 coach(es) told" in result.output, result.output
    assert told(mailbox, line["Ben"], line["Cat"], now=later(8)) == ["Ben"]
    assert status(line["as_ann"], ann)["status"] == "lapsed"
    assert status(line["as_ben"], ben)["status"] == "offered"
    assert status(line["as_cat"], cat)["position"] == 2
    # Run again: each coach is told once per place.
    runner.invoke(args=["offer-waitlist-places", "--now", later(9)])
    mailbox.deliver(later(9))
    assert len(mailbox.to("ben@example.com")) == 1 and mailbox.to("cat@example.com") == []


def test_when_the_first_leaves_the_second_is_told_at_once(line, mailbox, session):
    ann, ben, cat = join_all(line)
    free_a_place(line)
    left = line["as_ann"].api("post", f"/api/v1/waitlist/{ann['id']}/leave")
    assert left.status_code == 200 and left.get_json()["status"] == "left"
    assert told(mailbox, line["Ben"], line["Cat"]) == ["Ben"]
    again = line["as_ann"].api("post", f"/api/v1/waitlist/{ann['id']}/leave")
    assert again.status_code == 409


def test_a_request_leaves_the_line_and_the_place_is_not_offered_twice(line, mailbox, runner):
    ann, ben, cat = join_all(line)
    free_a_place(line)
    sent = line["as_ann"].api("post", "/api/v1/requests", json={
        "supporter_id": line["profile"].id, "role": "mentor"})
    assert sent.status_code == 201
    assert status(line["as_ann"], ann)["status"] == "requested"
    # Ann's request now waits for that place: the hourly run tells nobody else.
    assert "0 coach(es) told" in runner.invoke(args=["offer-waitlist-places"]).output
    assert told(mailbox, line["Ben"]) == []
    # Sam declines Ann: the place is open again, and Ben is next.
    declined = line["as_sam"].api("post", f"/api/v1/requests/{sent.get_json()['id']}/decline",
                                  json={"reason": "I only coach jumps now."})
    assert declined.status_code == 200
    assert told(mailbox, line["Ben"], line["Cat"]) == ["Ben"]


def test_an_offer_does_not_take_the_place(line, make_account, visitor, mailbox):
    """Anyone may still ask; if Sam accepts them, Ann keeps her place at the front."""
    ann, ben, cat = join_all(line)
    free_a_place(line)
    dee = visitor(make_account(roles=["coach"], name="Dee Direct"))
    sent = dee.api("post", "/api/v1/requests", json={"supporter_id": line["profile"].id,
                                                     "role": "mentor"})
    assert sent.status_code == 201
    accepted = line["as_sam"].api("post", f"/api/v1/requests/{sent.get_json()['id']}/accept")
    assert accepted.status_code == 200
    back = status(line["as_ann"], ann)
    assert (back["status"], back["position"], back["hold_until"]) == ("waiting", 1, None)
    late = line["as_ann"].api("post", "/api/v1/requests", json={
        "supporter_id": line["profile"].id, "role": "mentor"})
    assert late.status_code == 409  # full again: the capacity lock decides, as ever
    assert told(mailbox, line["Ben"], line["Cat"]) == []


def test_raising_capacity_tells_as_many_coaches_as_places_opened(line, mailbox):
    join_all(line)
    profile = line["profile"]
    response = line["as_sam"].api("put", "/api/v1/me/profile", json={
        "roles": ["mentor", "technical_advisor"], "event_groups": ["jumps"],
        "expertise": ["technical_model"], "qualification": "uk_coach",
        "location": "LS6 3QS", "capacity": 3, "bio": profile.bio,
        "safeguarding_expires_on": profile.safeguarding_expires_on.isoformat(),
        "licence_expires_on": profile.licence_expires_on.isoformat()})
    assert response.status_code == 200, response.get_json()
    assert told(mailbox, line["Ann"], line["Ben"], line["Cat"]) == ["Ann", "Ben"]


# --- refusals change nothing --------------------------------------------------------------


def test_joining_a_supporter_with_room_is_refused(line, make_supporter, session):
    roomy = make_supporter(capacity=2)
    refused = join(line["as_ann"], roomy, status=409)
    assert "send them a request instead" in refused["message"]
    assert places(session) == 0


def test_joining_twice_is_refused_but_another_role_is_a_place_of_its_own(line, session):
    first = join(line["as_ann"], line["profile"])
    refused = join(line["as_ann"], line["profile"], status=409)
    assert "already: number 1 in line" in refused["message"]
    assert places(session) == 1
    other = join(line["as_ann"], line["profile"], role="technical_advisor")
    assert other["position"] == 2 and other["id"] != first["id"]


@pytest.mark.parametrize("body, field", [
    ({"role": "co_coach"}, "role"),
    ({"role": "mentor", "note": "x" * 501}, "note"),
    ({"role": "mentor", "note": "bad\x00byte"}, "note"),
    ({"role": ""}, "role"),
    ({"supporter_id": 0, "role": "mentor"}, "supporter_id"),
])
def test_bad_input_names_the_field(line, session, body, field):
    response = line["as_ann"].api("post", "/api/v1/waitlist",
                                  json={"supporter_id": line["profile"].id, **body})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert places(session) == 0


def test_who_may_join(line, make_account, make_supporter, visitor, session):
    unconfirmed = visitor(make_account(roles=["coach"], verified=False))
    assert join(unconfirmed, line["profile"], status=409)["message"].startswith("Confirm")
    assert "Add the coach role" in join(line["as_sam"], line["profile"], status=409)["message"]
    both = make_account(roles=["coach", "supporter"])
    own = make_supporter(user=both, capacity=0)
    assert join(visitor(both), own, status=409)["message"] == "You cannot join your own waitlist."
    hidden = make_supporter(capacity=0, paused=True)
    assert join(line["as_ann"], hidden, status=404)["code"] == 404
    assert visitor().api("post", "/api/v1/waitlist", json={
        "supporter_id": line["profile"].id, "role": "mentor"}).status_code == 401
    assert places(session) == 0


def test_someone_elses_place_is_not_found_and_unchanged(line, session):
    ann = join(line["as_ann"], line["profile"])
    assert line["as_ben"].get(f"/api/v1/waitlist/{ann['id']}").status_code == 404
    assert line["as_ben"].api("post", f"/api/v1/waitlist/{ann['id']}/leave").status_code == 404
    assert line["as_ben"].post(f"/waitlist/{ann['id']}/leave").status_code == 404
    assert status(line["as_ann"], ann)["status"] == "waiting"
    # A coach has no line of their own to see.
    assert line["as_ben"].get("/api/v1/me/waitlist").status_code == 404


# --- what the supporter sees --------------------------------------------------------------


def test_the_supporter_sees_name_role_note_and_wait_nothing_more(line, session):
    ann, ben, cat = join_all(line)
    session.execute(sa.update(WaitlistPlace).where(WaitlistPlace.id == ann["id"]).values(
        joined_at=datetime.now(UTC) - timedelta(days=12)))
    session.commit()
    seen = line["as_sam"].get("/api/v1/me/waitlist").get_json()
    first = seen["coaches"][0]
    assert first["coach"] == {"name": "Ann Coach"}
    assert (first["role"]["key"], first["note"], first["waited_days"], first["waited"]) == \
        ("mentor", "ann would love help", 12, "12 days")
    page = line["as_sam"].get("/requests").get_data(as_text=True)
    assert page.index("Ann Coach") < page.index("Ben Coach") < page.index("Cat Coach")
    assert "waiting 12 days" in page and "ben would love help" in page
    for coach in ("Ann", "Ben", "Cat"):
        user = line[coach]
        for text in (page, str(seen)):
            assert user.email not in text and user.phone not in text


# --- the pages ----------------------------------------------------------------------------


def test_the_profile_and_request_form_lead_a_coach_to_the_waitlist(line, visitor, session):
    profile_page = visitor().get(f"/supporters/{line['profile'].id}").get_data(as_text=True)
    assert f"/supporters/{line['profile'].id}/waitlist" in profile_page
    assert "Join the waitlist" in profile_page
    form = line["as_ann"].get(f"/supporters/{line['profile'].id}/request").get_data(as_text=True)
    assert f"/supporters/{line['profile'].id}/waitlist" in form


def test_joining_and_leaving_with_the_page_forms(line, session):
    url = f"/supporters/{line['profile'].id}/waitlist"
    missing = line["as_ann"].post(url, data={"note": "Tuesdays suit me"})
    assert missing.status_code == 422
    text = missing.get_data(as_text=True)
    assert 'id="role-error"' in text and "Tuesdays suit me" in text
    assert places(session) == 0
    joined = line["as_ann"].post(url, data={"role": "mentor", "note": "Tuesdays suit me"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith(
        "/requests#waitlist-places")
    page = line["as_ann"].get(url).get_data(as_text=True)
    assert "You are number <strong>1</strong> in line" in page
    (place,) = session.scalars(sa.select(WaitlistPlace)).all()
    left = line["as_ann"].post(f"/waitlist/{place.id}/leave")
    assert left.status_code == 302
    session.expire_all()
    assert session.get(WaitlistPlace, place.id).status == "left"


# --- withdrawing other requests when one is accepted -------------------------------------


@pytest.fixture
def four_requests(make_account, make_supporter, visitor):
    """Cara asks four supporters: three for a mentor (two opting in), one for an advisor."""
    cara = make_account(roles=["coach"], name="Cara Coach")
    as_cara = visitor(cara)
    supporters = {}
    for key, role, opted in (("first", "mentor", True), ("second", "mentor", True),
                             ("unticked", "mentor", False), ("advisor", "technical_advisor",
                                                             True)):
        user = make_account(roles=["supporter"], name=f"{key.title()} Supporter",
                            email=f"{key}@example.com")
        profile = make_supporter(user=user, roles=[role])
        sent = as_cara.api("post", "/api/v1/requests", json={
            "supporter_id": profile.id, "role": role, "withdraw_others_on_accept": opted})
        assert sent.status_code == 201
        supporters[key] = {"user": user, "as": visitor(user), "request": sent.get_json()["id"]}
    return supporters


def test_acceptance_withdraws_only_same_role_requests_that_opted_in(four_requests, session,
                                                                   mailbox):
    first = four_requests["first"]
    assert first["as"].api("post", f"/api/v1/requests/{first['request']}/accept"
                           ).status_code == 200
    session.expire_all()
    state = {key: session.get(SupportRequest, s["request"]).status
             for key, s in four_requests.items()}
    assert state == {"first": "accepted", "second": "withdrawn", "unticked": "pending",
                     "advisor": "pending"}
    second = four_requests["second"]
    page = second["as"].get(f"/requests/{second['request']}").get_data(as_text=True)
    assert "Cara Coach has found a mentor elsewhere. Thank you for being ready to help" in page
    mailbox.deliver()
    (note,) = [m for m in mailbox.to("second@example.com") if "thank you" in m["Subject"]]
    assert "Thank you for being ready to help" in mailbox.body(note)
    for key in ("unticked", "advisor"):
        assert not [m for m in mailbox.to(f"{key}@example.com") if "thank" in m["Subject"]]


def test_the_request_form_stores_the_choice(line, make_supporter, session):
    for ticked, coach in ((True, "as_ann"), (False, "as_ben")):
        roomy = make_supporter()
        data = {"role": "mentor", "message": "Hello"}
        if ticked:
            data["withdraw_others_on_accept"] = "y"
        assert line[coach].post(f"/supporters/{roomy.id}/request", data=data).status_code == 302
        session.expire_all()
        sent = session.scalar(sa.select(SupportRequest).where(
            SupportRequest.supporter_id == roomy.id))
        assert sent.withdraw_others_on_accept is ticked
    form = line["as_ann"].get(f"/supporters/{roomy.id}/request").get_data(as_text=True)
    assert 'name="withdraw_others_on_accept" value="y" checked' in form


# --- a person's own data ------------------------------------------------------------------


def test_places_are_exported_and_erased_with_the_account(line, mailbox, session):
    ann, ben, cat = join_all(line)
    free_a_place(line)
    exported = line["as_ann"].api("post", "/api/v1/me/export",
                                  json={"password": PASSWORD}).get_json()
    assert [(p["supporter"], p["role"], p["note"], p["status"])
            for p in exported["waitlist_places"]] == [
        ("Sam Support", "mentor", "ann would love help", "offered")]
    erased = line["as_ann"].api("post", "/api/v1/me/deletion", json={"password": PASSWORD})
    assert erased.status_code in (200, 204), erased.get_json()
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(WaitlistPlace).where(
        WaitlistPlace.coach_id == line["Ann"].id)) == 0
    # The place Ann held passes to Ben.
    assert told(mailbox, line["Ben"], line["Cat"]) == ["Ben"]
