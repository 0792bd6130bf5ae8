"""Supporter and coach profiles, verification by admins, and search defaults."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, DevelopmentPlan, ProfileChange, SupporterProfile
from app.services.profiles import sanitise_bio

NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()


def profile_form(**overrides):
    data = {"roles": ["mentor"], "event_groups": ["jumps"], "expertise": ["technical_model"],
            "qualification": "uk_coach", "years_coaching": "12", "club": "Leeds City AC",
            "bio": "Jumps coach for 12 years.", "location": "LS6 3QS", "travel_km": "25",
            "capacity": "3", "offers_online": "y", "visible": "y",
            "safeguarding_expires_on": NEXT_YEAR, "licence_expires_on": NEXT_YEAR}
    data.update(overrides)
    return data


@pytest.fixture
def supporter(make_account):
    return make_account(roles=["supporter"], name="Pat Supporter", email="pat@example.com")


@pytest.fixture
def admin(make_account):
    return make_account(roles=["admin"], name="Ada Admin")


def stored(session, user):
    session.expire_all()
    return session.scalar(sa.select(SupporterProfile).where(SupporterProfile.user_id == user.id))


def waiting(session, profile) -> dict | None:
    """The fields of the profile's change waiting for an admin (None when nothing waits)."""
    session.expire_all()
    change = session.scalar(sa.select(ProfileChange).where(
        ProfileChange.profile_id == profile.id, ProfileChange.status == "pending"))
    return None if change is None else change.proposed


def test_new_profile_is_geocoded_privately_and_waits_for_verification(visitor, supporter,
                                                                       session):
    response = visitor(supporter).post("/profile/supporter", data=profile_form())
    assert response.status_code == 302
    profile = stored(session, supporter)
    assert profile.postcode == "LS6 3QS"
    assert profile.latitude == pytest.approx(53.826, abs=0.01)
    assert profile.outward_code == "LS6"
    assert profile.place_label and "3QS" not in profile.place_label  # a town, not the postcode
    assert profile.verified_at is None and waiting(session, profile) == {}
    assert [r.key for r in profile.roles] == ["mentor"] and profile.capacity == 3
    # Not public until verified.
    assert visitor().get(f"/api/v1/supporters/{profile.id}").status_code == 404
    view = visitor(supporter).get("/api/v1/me/profile").get_json()
    assert view["awaiting_verification"] and not view["searchable"]
    assert view["near"] == "LS6" and view["location"] == "LS6 3QS"


def test_search_places_a_supporter_at_their_sector_or_district_as_they_choose(
        visitor, supporter, admin, session):
    import geodata

    own = visitor(supporter)
    own.post("/profile/supporter", data=profile_form())
    profile = stored(session, supporter)
    sector, district = geodata.geocode("LS6 3"), geodata.geocode("LS6")
    assert profile.search_area == "sector"
    assert (profile.search_latitude, profile.search_longitude) == pytest.approx(
        (sector.lat, sector.lon))
    assert (profile.latitude, profile.longitude) != pytest.approx((sector.lat, sector.lon))
    # Only the district: a privacy preference, not something an admin re-checks.
    assert visitor(admin).post(f"/admin/verification/{profile.id}").status_code == 302
    response = own.post("/profile/supporter", data=profile_form(search_area="district"))
    assert response.status_code == 302
    profile = stored(session, supporter)
    assert (profile.search_latitude, profile.search_longitude) == pytest.approx(
        (district.lat, district.lon))
    assert profile.verified_at is not None
    assert own.get("/api/v1/me/profile").get_json()["search_area"] == "district"
    bad = own.post("/profile/supporter", data=profile_form(search_area="street"))
    assert bad.status_code == 422 and "search_area-error" in bad.get_data(as_text=True)
    assert stored(session, supporter).search_area == "district"


def test_admin_verifies_then_the_supporter_is_searchable(visitor, supporter, admin, session,
                                                         mailbox):
    visitor(supporter).post("/profile/supporter", data=profile_form())
    profile = stored(session, supporter)
    queue = visitor(admin).get("/api/v1/admin/verification").get_json()
    assert [q["id"] for q in queue] == [profile.id]
    page = visitor(admin).get("/admin/verification").get_data(as_text=True)
    assert "Pat Supporter" in page
    response = visitor(admin).post(f"/admin/verification/{profile.id}")
    assert response.status_code == 302
    profile = stored(session, supporter)
    assert profile.verified_at is not None and profile.verified_by_id == admin.id
    card = visitor().get(f"/api/v1/supporters/{profile.id}").get_json()
    assert card["near"] == "LS6" and card["name"] == "Pat Supporter"
    assert visitor(admin).get("/api/v1/admin/verification").get_json() == []
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "profile.verified"))
    assert event.actor_id == admin.id and event.subject_id == profile.id
    mailbox.deliver()
    assert any("verified" in m["Subject"] for m in mailbox.to("pat@example.com"))


def test_only_admins_see_or_use_the_queue(visitor, supporter, make_account, session):
    visitor(supporter).post("/profile/supporter", data=profile_form())
    profile = stored(session, supporter)
    coach = make_account(roles=["coach", "coach_developer"])
    for who in (coach, supporter):
        assert visitor(who).get("/admin/verification").status_code == 404
        assert visitor(who).get("/api/v1/admin/verification").status_code == 404
        assert visitor(who).post(f"/admin/verification/{profile.id}").status_code == 404
        assert visitor(who).api("post",
                                f"/api/v1/admin/verification/{profile.id}").status_code == 404
    assert stored(session, supporter).verified_at is None
    assert visitor().get("/admin/verification").status_code == 302  # to sign in


@pytest.mark.parametrize("change, waits", [
    ({"bio": "Now also hurdles."}, "bio"),
    ({"roles": ["mentor", "co_coach"]}, "roles"),
    ({"event_groups": ["jumps", "throws"]}, "event_groups"),
    ({"expertise": ["technical_model", "training_planning"]}, "expertise"),
    ({"club": "Another AC"}, "club"),
    ({"qualification": "uk_advanced_coach"}, "qualification"),
    ({"safeguarding_expires_on": (date.today() + timedelta(days=700)).isoformat()},
     "safeguarding_expires_on"),
    ({"licence_expires_on": (date.today() + timedelta(days=700)).isoformat()},
     "licence_expires_on"),
    ({"location": "LS1 4DY"}, None),
    ({"capacity": "5"}, None),
    ({"travel_km": "40"}, None),
    ({"offers_online": None}, None),
    ({"visible": None}, None),
])
def test_checked_changes_wait_beside_the_verified_version_operational_ones_do_not(
        visitor, supporter, make_supporter, session, change, waits):
    profile = make_supporter(user=supporter, postcode="LS6 3QS", club="Leeds City AC",
                             bio="Jumps coach for 12 years.", years_coaching=12,
                             roles=["mentor"], travel_km=25.0, capacity=3, offers_online=True,
                             safeguarding_expires_on=date.fromisoformat(NEXT_YEAR),
                             licence_expires_on=date.fromisoformat(NEXT_YEAR))
    before = visitor().get(f"/api/v1/supporters/{profile.id}").get_json()
    form = profile_form(**change)
    form = {k: v for k, v in form.items() if v is not None}
    response = visitor(supporter).post("/profile/supporter", data=form)
    assert response.status_code == 302
    profile = stored(session, supporter)
    assert profile.verified_at is not None  # never out of search for an edit
    proposed = waiting(session, profile)
    if waits is None:
        assert proposed is None
        return
    assert list(proposed) == [waits]
    # Coaches still see the verified version, in the card and in search.
    card = visitor().get(f"/api/v1/supporters/{profile.id}")
    # Saving the profile is activity, shown at once: nothing else changes.
    shown = card.get_json()
    assert not before.pop("active_this_month") and shown.pop("active_this_month")
    assert card.status_code == 200 and shown == before
    own = visitor(supporter).get("/api/v1/me/profile").get_json()
    assert own["pending_change"]["proposed"] == proposed and own["searchable"]


def test_bad_input_names_the_field_and_changes_nothing(visitor, supporter, make_supporter,
                                                       session):
    profile = make_supporter(user=supporter, bio="Original bio.")
    for change, field in ((dict(location="ZZ99 9ZZ"), "location"),
                          (dict(capacity="-1"), "capacity"),
                          (dict(capacity="51"), "capacity"),
                          (dict(bio="x" * 5001), "bio"),
                          (dict(roles=[]), "roles"),
                          (dict(roles=["wizard"]), "roles"),
                          (dict(safeguarding_expires_on="soon"), "safeguarding_expires_on")):
        response = visitor(supporter).post("/profile/supporter",
                                           data=profile_form(**{"bio": "Changed", **change}))
        assert response.status_code in (404, 422), change
        assert f'id="{field}-error"' in response.get_data(as_text=True), change
        profile = stored(session, supporter)
        assert profile.bio == "Original bio." and profile.verified_at is not None, change


def test_api_profile_errors_use_the_one_shape(visitor, supporter, session):
    body = {"roles": ["mentor"], "location": "Nowhereville Xyz",
            "safeguarding_expires_on": NEXT_YEAR, "licence_expires_on": NEXT_YEAR}
    response = visitor(supporter).api("put", "/api/v1/me/profile", json=body)
    assert response.status_code == 404 and "location" in response.get_json()["errors"]
    response = visitor(supporter).api("put", "/api/v1/me/profile",
                                      json={**body, "location": "LS6", "capacity": 500})
    assert response.status_code == 422 and "capacity" in response.get_json()["errors"]
    assert stored(session, supporter) is None


@pytest.mark.parametrize("raw, clean", [
    ("<script>alert(1)</script>Hello", "Hello"),
    ("<b>Bold</b> & <i>brave</i>", "Bold & brave"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;Hi", "Hi"),
    ('<img src=x onerror="alert(1)">Jumps', "Jumps"),
    ("Line one\r\n\r\n\r\n\r\nLine two", "Line one\n\nLine two"),
])
def test_bio_is_sanitised_to_plain_text(raw, clean):
    assert sanitise_bio(raw) == clean


def test_sanitised_bio_is_stored_and_shown_escaped(visitor, supporter, session):
    visitor(supporter).post("/profile/supporter",
                            data=profile_form(bio="<script>x()</script>Sprints & <b>hurdles</b>"))
    assert stored(session, supporter).bio == "Sprints & hurdles"


def test_pause_and_unpause(visitor, supporter, make_supporter, session):
    profile = make_supporter(user=supporter)
    signed_in = visitor(supporter)
    assert visitor().get(f"/api/v1/supporters/{profile.id}").status_code == 200
    response = signed_in.api("post", "/api/v1/me/profile/pause", json={"reason": "Injured"})
    assert response.status_code == 200 and response.get_json()["paused"]
    assert visitor().get(f"/api/v1/supporters/{profile.id}").status_code == 404
    assert stored(session, supporter).verified_at is not None  # no re-verification
    assert signed_in.post("/profile/supporter/unpause").status_code == 302
    assert visitor().get(f"/api/v1/supporters/{profile.id}").status_code == 200


def test_a_refused_unpause_says_why_and_leaves_the_supporter_paused(visitor, supporter,
                                                                      make_supporter, session):
    make_supporter(user=supporter, paused=True, paused_reason="Injured")
    response = visitor(supporter).post("/profile/supporter/unpause",
                                       data={"reason": "x" * 201}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert ('<p class="flash flash-error">The reason must be at most 200 characters long.</p>'
            in page)
    assert "Welcome back" not in page
    assert stored(session, supporter).paused


def test_only_supporters_keep_a_supporter_profile(visitor, make_account, session):
    coach = make_account(roles=["coach"])
    response = visitor(coach).post("/profile/supporter", data=profile_form())
    assert response.status_code == 409
    assert stored(session, coach) is None


def coach_form(**overrides):
    data = {"qualification": "uk_sessional_coach", "event_groups": ["sprints_hurdles_relays"],
            "club": "Leeds City AC", "location": "LS1 4DY",
            "need-training_planning": "5", "need-technical_model": "3", "need-strength_power": "",
            "goal_id": ["", ""], "goal_title": ["Write a season plan", ""],
            "goal_target": ["2027-03-01", ""]}
    data.update(overrides)
    return data


def test_coach_profile_and_plan_prefill_searches(visitor, make_account, session):
    coach = make_account(roles=["coach"])
    signed_in = visitor(coach)
    response = signed_in.post("/profile/coach", data=coach_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    defaults = signed_in.get("/api/v1/me/search-defaults").get_json()
    assert defaults == {"where": "LS1 4DY", "event_groups": ["sprints_hurdles_relays"],
                        "needs": ["training_planning:5", "technical_model:3"],
                        "qualification": "uk_sessional_coach", "club": "Leeds City AC",
                        "goals": "Write a season plan"}
    # The search page starts from them, and searches from their place at once.
    page = signed_in.get("/search").get_data(as_text=True)
    assert 'value="LS1 4DY"' in page
    assert 'value="training_planning:5" checked' in page
    assert 'value="sprints_hurdles_relays" checked' in page
    assert 'data-testid="results-heading"' in page
    # Someone else's search page is not prefilled.
    assert 'value="LS1 4DY"' not in visitor().get("/search").get_data(as_text=True)


def test_goals_are_updated_in_place(visitor, make_account, session):
    coach = make_account(roles=["coach"])
    signed_in = visitor(coach)
    signed_in.post("/profile/coach", data=coach_form())
    view = signed_in.get("/api/v1/me/coach-profile").get_json()
    (goal,) = view["goals"]
    response = signed_in.api("put", "/api/v1/me/coach-profile", json={
        "needs": [{"key": "training_planning", "priority": 4}],
        "goals": [{"id": goal["id"], "title": "Write a season plan v2"},
                  {"title": "Learn the hurdles model", "target_date": "2027-06-01"}]})
    assert response.status_code == 200, response.get_json()
    goals = response.get_json()["goals"]
    assert goals[0]["id"] == goal["id"] and goals[0]["title"] == "Write a season plan v2"
    assert len(goals) == 2
    assert session.scalar(sa.select(sa.func.count()).select_from(DevelopmentPlan)) == 1


def test_coach_form_errors_beside_fields(visitor, make_account):
    coach = make_account(roles=["coach"])
    response = visitor(coach).post("/profile/coach",
                                   data=coach_form(goal_target=["someday", ""]))
    assert response.status_code == 422
    assert 'id="goals-error"' in response.get_data(as_text=True)
    response = visitor(coach).post("/profile/coach", data=coach_form(location="QQ1 1QQ"))
    assert 'id="location-error"' in response.get_data(as_text=True)


def test_a_goal_of_someone_elses_plan_cannot_be_edited(visitor, make_account, session):
    owner, other = make_account(roles=["coach"]), make_account(roles=["coach"])
    visitor(owner).post("/profile/coach", data=coach_form())
    goal_id = visitor(owner).get("/api/v1/me/coach-profile").get_json()["goals"][0]["id"]
    response = visitor(other).api("put", "/api/v1/me/coach-profile",
                                  json={"goals": [{"id": goal_id, "title": "Mine now"}]})
    assert response.status_code == 422
    title = visitor(owner).get("/api/v1/me/coach-profile").get_json()["goals"][0]["title"]
    assert title == "Write a season plan"


def test_a_new_name_waits_for_verification_like_the_bio(visitor, supporter, admin, session):
    own = visitor(supporter)
    own.post("/profile/supporter", data=profile_form())
    profile = stored(session, supporter)
    visitor(admin).post(f"/admin/verification/{profile.id}")
    assert visitor().get(f"/api/v1/supporters/{profile.id}").get_json()["name"] == \
        "Pat Supporter"
    response = own.api("patch", "/api/v1/me", json={"display_name": "Pat 07700 900123"})
    assert response.status_code == 200, response.get_json()
    # Coaches keep seeing the verified name until an admin has looked at the new one.
    assert visitor().get(f"/api/v1/supporters/{profile.id}").get_json()["name"] == \
        "Pat Supporter"
    queue = visitor(admin).get("/api/v1/admin/verification").get_json()
    assert [q["id"] for q in queue] == [profile.id]
    assert [(c["field"], c["before"], c["after"]) for c in queue[0]["changes"]] == [
        ("name", "Pat Supporter", "Pat 07700 900123")]
    event = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "profile.submitted_for_verification")
        .order_by(AuditEvent.id.desc())).first()
    assert event.details["changed"] == ["name"]
    visitor(admin).post(f"/admin/verification/{profile.id}")
    assert visitor().get(f"/api/v1/supporters/{profile.id}").get_json()["name"] == \
        "Pat 07700 900123"
    # The same name again changes nothing.
    own.api("patch", "/api/v1/me", json={"display_name": "Pat 07700 900123"})
    assert visitor(admin).get("/api/v1/admin/verification").get_json() == []
