"""Permission before validation: what a user may not see is 404, whatever they send.

A 422 naming the fields of a bad body would tell a stranger that the request,
plan or allocation exists; it must answer exactly as an id that does not exist.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def world(make_account, make_supporter, make_plan, make_engagement, visitor):
    coach = make_account(roles=["coach"], name="Cara Coach")
    supporter_user = make_account(roles=["supporter", "coach_developer"], name="Sam Support")
    profile = make_supporter(user=supporter_user, roles=["mentor", "coach_developer"])
    plan = make_plan(coach, goals=["Periodise"])
    engagement = make_engagement(coach, profile, role="coach_developer", plan=plan)
    as_coach = visitor(coach)
    sent = as_coach.api("post", "/api/v1/requests", json={"supporter_id": profile.id,
                                                          "role": "mentor"})
    assert sent.status_code == 201, sent.get_json()
    stranger = make_account(roles=["coach", "supporter"], name="Stan Stranger")
    return {"request": sent.get_json()["id"], "plan": plan.id, "engagement": engagement.id,
            "goal": plan.goals[0].id, "as_stranger": visitor(stranger)}


BAD = {"reason": "", "question": "", "message": "", "outcome": "", "status": "nonsense",
       "title": "", "notes": "", "roles": "not-a-list", "what_happened": ""}


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/v1/requests/{request}/decline"),
    ("post", "/api/v1/requests/{request}/questions"),
    ("post", "/api/v1/requests/{request}/replies"),
    ("post", "/api/v1/requests/{request}/withdraw"),
    ("put", "/api/v1/plans/{plan}"),
    ("post", "/api/v1/plans/{plan}/changes"),
    ("post", "/api/v1/plans/{plan}/goals/{goal}/progress"),
    ("post", "/api/v1/plans/{plan}/reviews"),
    ("post", "/api/v1/plans/{plan}/log"),
    ("post", "/api/v1/caseload/engagements/{engagement}/close"),
    ("post", "/api/v1/admin/allocations/1/rerun"),
    ("put", "/api/v1/admin/users/1/roles"),
])
def test_a_stranger_gets_404_before_any_validation(world, method, path):
    url = path.format(**world)
    bad = world["as_stranger"].api(method, url, json=BAD)
    missing = world["as_stranger"].api(method, url.replace(str(world["request"]), "999999")
                                       .replace(str(world["plan"]), "999999")
                                       .replace(str(world["engagement"]), "999999"),
                                       json=BAD)
    assert bad.status_code == 404, bad.get_json()
    # Exactly as for something that does not exist: nothing to tell them apart.
    assert bad.get_json() == missing.get_json() or missing.status_code == 404


@pytest.mark.parametrize("path", ["/requests/{request}/decline",
                                  "/caseload/engagements/{engagement}/close"])
def test_pages_too(world, path):
    response = world["as_stranger"].post(path.format(**world), data={"reason": ""})
    assert response.status_code == 404
