"""Where a coach stands with a supporter, and what a supporter sees of the coach asking."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import geodata
from app.models import CoachProfile, EventGroup, Qualification, SupportRequest

from ..places import BRADFORD, HEADINGLEY


@pytest.fixture
def pair(make_account, make_supporter, make_plan, session, visitor):
    """A coach in Bradford with a plan, and a mentor in Headingley (about 12 km apart)."""
    coach = make_account(roles=["coach"], name="Cara Coach")
    # Their stored point lies 3 km from their postcode sector's centre: a distance
    # worked out from it would say more about where they live than the area does.
    # Saved with the town an older version named BD1 by: pages name the district afresh.
    session.add(CoachProfile(
        user_id=coach.id, **{**BRADFORD, "longitude": BRADFORD["longitude"] + 0.05,
                             "place_label": "Leeds"},
        qualification=session.scalar(select(Qualification).where(
            Qualification.key == "uk_sessional_coach")),
        event_groups=list(session.scalars(select(EventGroup).where(
            EventGroup.key.in_(["jumps", "sprints_hurdles_relays"]))))))
    session.commit()
    make_plan(coach, needs={"technical_model": 5, "strength_power": 3})
    supporter = make_account(roles=["supporter"], name="Sam Support")
    profile = make_supporter(user=supporter, **HEADINGLEY)
    return {"coach": coach, "profile": profile, "as_coach": visitor(coach),
            "as_supporter": visitor(supporter)}


def send(pair, share_plan=True):
    response = pair["as_coach"].api("post", "/api/v1/requests", json={
        "supporter_id": pair["profile"].id, "role": "mentor", "share_plan": share_plan})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def cta(page: str) -> str:
    return re.search(r'<div class="cta">.*?</div>\s*</article>', page, re.S).group(0)


def test_signed_out_visitors_are_asked_to_sign_in_and_come_back(pair, visitor):
    profile_id = pair["profile"].id
    page = cta(visitor().get(f"/supporters/{profile_id}").get_data(as_text=True))
    assert "Sign in to send a request" in page
    assert f'href="/sign-in?next=/supporters/{profile_id}"' in page
    assert "Request support" not in page
    signed_in = cta(pair["as_coach"].get(f"/supporters/{profile_id}").get_data(as_text=True))
    assert "Request support" in signed_in and "Sign in" not in signed_in


def test_a_waiting_request_shows_its_state_with_a_link_and_a_way_to_withdraw(pair, session):
    request_id = send(pair)
    session.execute(SupportRequest.__table__.update().where(
        SupportRequest.id == request_id).values(
        created_at=datetime.now(UTC) - timedelta(days=3)))
    session.commit()
    profile_url = f"/supporters/{pair['profile'].id}"
    page = cta(pair["as_coach"].get(profile_url).get_data(as_text=True))
    assert "Your request is waiting for Sam Support's answer (sent 3 days ago)." in page
    assert f'href="/requests/{request_id}"' in page
    assert f'action="/requests/{request_id}/withdraw"' in page
    assert "Request support" not in page

    form = pair["as_coach"].get(f"{profile_url}/request")
    assert form.status_code == 200
    assert "sent 3 days ago" in form.get_data(as_text=True)
    assert "Send request" not in form.get_data(as_text=True)

    withdrawn = pair["as_coach"].post(f"/requests/{request_id}/withdraw")
    assert withdrawn.status_code == 302
    session.expire_all()
    assert session.get(SupportRequest, request_id).status == "withdrawn"
    again = cta(pair["as_coach"].get(profile_url).get_data(as_text=True))
    assert "Request support" in again and "waiting" not in again


def test_an_accepted_request_links_to_the_work_together(pair):
    request_id = send(pair)
    assert pair["as_supporter"].api("post", f"/api/v1/requests/{request_id}/accept"
                                    ).status_code == 200
    page = cta(pair["as_coach"].get(f"/supporters/{pair['profile'].id}").get_data(as_text=True))
    assert "Sam Support works with you as your mentor." in page
    assert f'href="/requests/{request_id}"' in page
    assert "Request support" not in page


def expected_km(coach_place, supporter_place):
    """The distance search would show between the two areas' sector centres."""
    def centre(place):
        return geodata.coarsen(geodata.geocode(place["postcode"]), to="sector")

    a, b = centre(coach_place), centre(supporter_place)
    return max(1, round(geodata.haversine_km(a.lat, a.lon, b.lat, b.lon)))


def test_the_supporter_sees_the_coachs_area_distance_level_and_needs(pair):
    request_id = send(pair)
    km = expected_km(BRADFORD, HEADINGLEY)
    page = pair["as_supporter"].get(f"/requests/{request_id}").get_data(as_text=True)
    area = re.search(r'data-testid="coach-area">.*?</div>', page, re.S).group(0)
    assert f"Near BD1 (Bradford), about {km} km from you" in area
    assert "Sessional Coach" in page
    assert "Sprints, hurdles and relays, Jumps" in page
    needs = re.search(r'data-testid="plan-needs">.*?</ul>', page, re.S).group(0)
    assert needs.index("Technical model") < needs.index("Strength")
    assert BRADFORD["postcode"] not in page  # the area only, never the postcode

    inbox = pair["as_supporter"].get("/requests").get_data(as_text=True)
    assert f"near BD1, {km} km away" in inbox

    body = pair["as_supporter"].api("get", f"/api/v1/requests/{request_id}").get_json()
    context = body["coach_context"]
    assert (context["near"], context["place"], context["distance_km"]) == ("BD1", "Bradford",
                                                                          km)
    assert context["qualification"] == "Sessional Coach"
    assert [g["key"] for g in context["event_groups"]] == ["sprints_hurdles_relays", "jumps"]
    assert [n["priority"] for n in context["needs"]] == [5, 3]
    assert BRADFORD["postcode"] not in str(body)
    received = pair["as_supporter"].api("get", "/api/v1/requests").get_json()["received"]
    assert received[0]["coach_context"]["distance_km"] == km
    # The coach's own view carries nothing of the kind.
    assert pair["as_coach"].api("get", f"/api/v1/requests/{request_id}"
                                ).get_json()["coach_context"] is None


def test_without_a_shared_plan_no_needs_are_shown(pair):
    request_id = send(pair, share_plan=False)
    body = pair["as_supporter"].api("get", f"/api/v1/requests/{request_id}").get_json()
    assert body["coach_context"]["needs"] == []
    assert body["coach_context"]["near"] == "BD1"
