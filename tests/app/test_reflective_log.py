"""The reflective log from the outside: entries, comments, goal progress with evidence."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import GoalProgress, LogComment, OutboxMessage, PlanGoal, ReflectiveLogEntry

TODAY = date.today()


@pytest.fixture
def world(make_account, make_supporter, make_plan, make_engagement, visitor):
    coach = make_account(roles=["coach"], name="Cara Coach", email="cara@example.com")
    mentor = make_account(roles=["supporter"], name="Mo Mentor", email="mo@example.com")
    mentor_profile = make_supporter(user=mentor)
    former = make_account(roles=["supporter"], name="Fay Former")
    former_profile = make_supporter(user=former)
    plan = make_plan(coach, starts_on=TODAY - timedelta(days=60),
                     goals=["Write a periodised plan", "Run a jumps session"])
    make_engagement(coach, mentor_profile, plan=plan)
    make_engagement(coach, former_profile, plan=plan, status="closed",
                    ended_on=TODAY - timedelta(days=1))
    other_coach = make_account(roles=["coach"], name="Oli Other")
    other_plan = make_plan(other_coach, goals=["Someone else's goal"])
    stranger = make_account(roles=["supporter", "coach"])
    return {"coach": coach, "plan": plan, "goals": [g.id for g in plan.goals],
            "other_goal": other_plan.goals[0].id, "other_plan": other_plan,
            "as_coach": visitor(coach), "as_mentor": visitor(mentor),
            "as_former": visitor(former), "as_stranger": visitor(stranger),
            "as_other": visitor(other_coach)}


def entry(**changes):
    body = {"occurred_on": (TODAY - timedelta(days=1)).isoformat(),
            "what_happened": "Ran a block periodisation session with the U17 sprinters.",
            "reflection": "The warm-up ran long.", "next_steps": "Shorter warm-up.",
            "minutes": 90}
    body.update(changes)
    return body


def count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def add(world, **changes):
    response = world["as_coach"].api("post", f"/api/v1/plans/{world['plan'].id}/log",
                                     json=entry(**{"goal_ids": [world["goals"][0]], **changes}))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_coach_writes_entries_linked_to_goals(world, session):
    written = add(world, goal_ids=world["goals"])
    assert written["minutes"] == 90
    assert [g["title"] for g in written["goals"]] == ["Write a periodised plan",
                                                      "Run a jumps session"]
    log = world["as_mentor"].get(f"/api/v1/plans/{world['plan'].id}/log").get_json()
    assert log["total_minutes"] == 90 and log["entries"][0]["reflection"] == \
        "The warm-up ran long."
    assert log["can"] == ["comment"]
    plan = world["as_coach"].get(f"/api/v1/plans/{world['plan'].id}").get_json()
    assert [g["entries"] for g in plan["goals"]] == [1, 1]


@pytest.mark.parametrize("changes, field", [
    ({"occurred_on": (TODAY + timedelta(days=1)).isoformat()}, "occurred_on"),
    ({"minutes": 1441}, "minutes"),
    ({"minutes": -5}, "minutes"),
    ({"what_happened": ""}, "what_happened"),
    ({"goal_ids": []}, "goal_ids"),
    ({"goal_ids": ["other"]}, "goal_ids"),
])
def test_bad_entries_are_refused_naming_the_field(world, session, changes, field):
    if changes.get("goal_ids") == ["other"]:
        changes = {"goal_ids": [world["other_goal"]]}
    response = world["as_coach"].api("post", f"/api/v1/plans/{world['plan'].id}/log",
                                     json=entry(**{"goal_ids": [world["goals"][0]], **changes}))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count(session, ReflectiveLogEntry) == 0


@pytest.mark.parametrize("who, status", [("as_mentor", 409), ("as_former", 409),
                                         ("as_stranger", 404), ("as_other", 404)])
def test_only_the_coach_writes_the_log(world, session, who, status):
    response = world[who].api("post", f"/api/v1/plans/{world['plan'].id}/log",
                              json=entry(goal_ids=[world["goals"][0]]))
    assert response.status_code == status
    assert count(session, ReflectiveLogEntry) == 0


def test_the_coach_corrects_an_entry_and_nobody_else_can(world, session):
    written = add(world)
    path = f"/api/v1/plans/{world['plan'].id}/log/{written['id']}"
    assert world["as_mentor"].api("put", path, json=entry(goal_ids=[world["goals"][1]],
                                                          minutes=5)).status_code == 409
    assert world["as_stranger"].api("put", path, json=entry(minutes=5)).status_code == 404
    wrong_plan = f"/api/v1/plans/{world['other_plan'].id}/log/{written['id']}"
    assert world["as_other"].api("put", wrong_plan, json=entry(minutes=5)).status_code == 404
    fixed = world["as_coach"].api("put", path, json=entry(goal_ids=[world["goals"][1]],
                                                          minutes=45))
    assert fixed.status_code == 200
    assert fixed.get_json()["minutes"] == 45
    assert [g["id"] for g in fixed.get_json()["goals"]] == [world["goals"][1]]


def test_the_supporter_comments_and_the_coach_is_told(world, session):
    written = add(world)
    path = f"/api/v1/plans/{world['plan'].id}/log/{written['id']}/comments"
    response = world["as_mentor"].api("post", path, json={"body": "Try a RAMP warm-up."})
    assert response.status_code == 201
    assert response.get_json()["author"] == "Mo Mentor"
    mail = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "log_comment"))
    assert mail.to_address == "cara@example.com" and "RAMP" in mail.body
    reply = world["as_coach"].api("post", path, json={"body": "Will do."})
    assert reply.status_code == 201
    assert {m.to_address for m in session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "log_comment"))} == {"cara@example.com", "mo@example.com"}

    assert world["as_former"].api("post", path, json={"body": "Hello"}).status_code == 409
    assert world["as_stranger"].api("post", path, json={"body": "Hello"}).status_code == 404
    assert world["as_mentor"].api("post", path, json={"body": ""}).status_code == 422
    thread = world["as_former"].get(f"/api/v1/plans/{world['plan'].id}/log").get_json()
    assert [c["body"] for c in thread["entries"][0]["comments"]] == ["Try a RAMP warm-up.",
                                                                     "Will do."]
    assert count(session, LogComment) == 2


def test_progress_needs_evidence_from_the_log_about_that_goal(world, session):
    about_first = add(world)  # linked to the first goal only
    first, second = world["goals"]
    base = f"/api/v1/plans/{world['plan'].id}/goals"

    no_evidence = world["as_mentor"].api("post", f"{base}/{first}/progress",
                                         json={"status": "achieved"})
    assert no_evidence.status_code == 422 and "evidence_entry_id" in no_evidence.get_json()[
        "errors"]
    wrong_goal = world["as_mentor"].api("post", f"{base}/{second}/progress", json={
        "status": "in_progress", "evidence_entry_id": about_first["id"]})
    assert wrong_goal.status_code == 422
    assert session.get(PlanGoal, second).status == "not_started"
    assert count(session, GoalProgress) == 0

    done = world["as_mentor"].api("post", f"{base}/{first}/progress", json={
        "status": "achieved", "evidence_entry_id": about_first["id"], "note": "Signed off."})
    assert done.status_code == 201, done.get_json()
    goal = next(g for g in done.get_json()["goals"] if g["id"] == first)
    assert goal["status"] == "achieved"
    assert goal["progress"][0]["by"] == "Mo Mentor"
    assert goal["progress"][0]["evidence"]["id"] == about_first["id"]

    assert world["as_former"].api("post", f"{base}/{first}/progress",
                                  json={"status": "not_started"}).status_code == 409
    assert world["as_coach"].api("post", f"{base}/{world['other_goal']}/progress",
                                 json={"status": "not_started"}).status_code == 404


def test_log_pages_write_comment_and_show_errors_beside_fields(world, session):
    plan_id = world["plan"].id
    assert world["as_mentor"].get(f"/plans/{plan_id}/log/new").status_code == 409
    form = world["as_coach"].get(f"/plans/{plan_id}/log/new")
    assert form.status_code == 200 and 'name="goal_ids"' in form.get_data(as_text=True)

    bad = world["as_coach"].post(f"/plans/{plan_id}/log/new", data={
        "occurred_on": (TODAY + timedelta(days=3)).isoformat(), "what_happened": "Typed text",
        "minutes": "30", "goal_ids": [str(world["goals"][0])]})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="occurred_on-error"' in html and "Typed text" in html
    assert count(session, ReflectiveLogEntry) == 0

    good = world["as_coach"].post(f"/plans/{plan_id}/log/new", data={
        "occurred_on": TODAY.isoformat(), "what_happened": "Hurdle drills", "minutes": "30",
        "goal_ids": [str(world["goals"][1])]})
    assert good.status_code == 302
    written = session.scalar(sa.select(ReflectiveLogEntry))
    assert [g.id for g in written.goals] == [world["goals"][1]]

    empty = world["as_mentor"].post(f"/plans/{plan_id}/log/{written.id}/comments",
                                    data={"body": ""})
    assert empty.status_code == 422
    assert f'id="comment-{written.id}-body-error"' in empty.get_data(as_text=True)
    said = world["as_mentor"].post(f"/plans/{plan_id}/log/{written.id}/comments",
                                   data={"body": "Good choice of drills."})
    assert said.status_code == 302
    assert "Good choice of drills." in world["as_coach"].get(
        f"/plans/{plan_id}/log").get_data(as_text=True)

    progress = world["as_coach"].post(f"/plans/{plan_id}/goals/{world['goals'][1]}/progress",
                                      data={"status": "in_progress", "evidence_entry_id": ""})
    assert progress.status_code == 422
    assert f'id="goal-{world["goals"][1]}-evidence_entry_id-error"' in progress.get_data(
        as_text=True)
    progress = world["as_coach"].post(f"/plans/{plan_id}/goals/{world['goals'][1]}/progress",
                                      data={"status": "in_progress",
                                            "evidence_entry_id": str(written.id)})
    assert progress.status_code == 302
    session.expire_all()
    assert session.get(PlanGoal, world["goals"][1]).status == "in_progress"


def test_a_form_without_its_csrf_token_changes_nothing(world, session):
    raw = world["as_coach"].client.post(f"/plans/{world['plan'].id}/log/new", data={
        "occurred_on": TODAY.isoformat(), "what_happened": "x",
        "goal_ids": [str(world["goals"][0])]})
    assert raw.status_code == 400
    assert count(session, ReflectiveLogEntry) == 0
