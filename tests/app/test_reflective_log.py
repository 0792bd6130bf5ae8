"""The reflective log from the outside: entries, comments, goal progress with evidence."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import (
    AuditEvent,
    DevelopmentPlan,
    GoalProgress,
    LogComment,
    OutboxMessage,
    PlanGoal,
    ReflectiveLogEntry,
)
from app.models.plans import log_entry_goals

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


# --- deleting an entry ------------------------------------------------------------------


@pytest.fixture
def cited(world, session):
    """An entry about both goals, commented on and cited as a goal's evidence, and another."""
    plan_id = world["plan"].id
    doomed = add(world, goal_ids=world["goals"])
    kept = add(world, what_happened="Another session.")
    for who, body in (("as_mentor", "Try a RAMP warm-up."), ("as_coach", "Will do.")):
        assert world[who].api("post", f"/api/v1/plans/{plan_id}/log/{doomed['id']}/comments",
                              json={"body": body}).status_code == 201
    assert world["as_mentor"].api("post", f"/api/v1/plans/{plan_id}/goals/{world['goals'][1]}"
                                  "/progress", json={"status": "in_progress",
                                                     "evidence_entry_id": doomed["id"]}
                                  ).status_code == 201
    return {"id": doomed["id"], "kept": kept["id"],
            "path": f"/api/v1/plans/{plan_id}/log/{doomed['id']}"}


def held(session, entry_id):
    """What the database holds about an entry: its row, comments, goal links, citations."""
    session.expire_all()
    return {
        "entry": session.get(ReflectiveLogEntry, entry_id) is not None,
        "comments": session.scalar(sa.select(sa.func.count()).select_from(LogComment)
                                   .where(LogComment.entry_id == entry_id)),
        "goal_links": session.scalar(sa.select(sa.func.count()).select_from(log_entry_goals)
                                     .where(log_entry_goals.c.entry_id == entry_id)),
        "cited_by": session.scalar(sa.select(sa.func.count()).select_from(GoalProgress)
                                   .where(GoalProgress.evidence_entry_id == entry_id)),
    }


def test_the_coach_deletes_an_entry_with_its_comments_and_goal_links(world, session, cited):
    plan_id = world["plan"].id
    assert held(session, cited["id"]) == {"entry": True, "comments": 2, "goal_links": 2,
                                          "cited_by": 1}
    response = world["as_coach"].api("delete", cited["path"])
    assert response.status_code == 204 and response.data == b""

    assert held(session, cited["id"]) == {"entry": False, "comments": 0, "goal_links": 0,
                                          "cited_by": 0}
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "log.entry_deleted"))
    assert (event.actor_id, event.subject_id) == (world["coach"].id, cited["id"])
    assert event.details == {"plan_id": plan_id, "comments": 2, "progress_uncited": 1}
    log = world["as_coach"].get(f"/api/v1/plans/{plan_id}/log").get_json()
    assert [e["id"] for e in log["entries"]] == [cited["kept"]]
    assert log["total_minutes"] == 90
    assert world["as_coach"].get(f"/plans/{plan_id}/log/{cited['id']}/edit").status_code == 404
    assert world["as_coach"].api("put", cited["path"], json=entry()).status_code == 404
    again = world["as_coach"].api("delete", cited["path"])
    assert again.status_code == 404
    assert again.get_json()["message"] == "No reflective log entry with that id in this plan."

    # The progress it evidenced stays on record, naming no entry; the other entry is whole.
    plan = world["as_mentor"].get(f"/api/v1/plans/{plan_id}").get_json()
    second = next(g for g in plan["goals"] if g["id"] == world["goals"][1])
    assert second["status"] == "in_progress" and second["progress"][0]["evidence"] is None
    assert [g["entries"] for g in plan["goals"]] == [1, 0]
    assert count(session, GoalProgress) == 1
    assert held(session, cited["kept"])["goal_links"] == 1


@pytest.mark.parametrize("who, status", [("as_mentor", 409), ("as_former", 409),
                                         ("as_admin", 409), ("as_stranger", 404),
                                         ("as_other", 404), ("anonymous", 401)])
def test_only_the_coach_deletes_their_entries(world, session, cited, make_account, visitor,
                                               who, status):
    world["as_admin"] = visitor(make_account(roles=["admin"]))
    world["anonymous"] = visitor()
    before = held(session, cited["id"])
    response = world[who].api("delete", cited["path"])
    assert response.status_code == status
    assert set(response.get_json()) >= {"code", "status", "message"}
    assert held(session, cited["id"]) == before
    if status == 404:
        # Told exactly what a missing entry would tell them: nothing about this one.
        missing = world[who].api("delete", f"/api/v1/plans/{world['plan'].id}/log/{2**31 - 1}")
        assert response.get_json() == missing.get_json()


def test_an_entry_is_deleted_only_through_its_own_plan(world, session, cited):
    other_plan = world["other_plan"].id
    response = world["as_other"].api("delete", f"/api/v1/plans/{other_plan}/log/{cited['id']}")
    assert response.status_code == 404
    assert held(session, cited["id"])["entry"] is True


def test_an_entry_of_a_closed_plan_is_not_deleted(world, session, cited):
    session.get(DevelopmentPlan, world["plan"].id).status = "completed"
    session.commit()
    response = world["as_coach"].api("delete", cited["path"])
    assert response.status_code == 409 and "completed" in response.get_json()["message"]
    assert held(session, cited["id"]) == {"entry": True, "comments": 2, "goal_links": 2,
                                          "cited_by": 1}
    page = world["as_coach"].get(f"/plans/{world['plan'].id}/log").get_data(as_text=True)
    assert "/delete" not in page


def test_the_entry_resource_allows_put_and_delete(world, cited):
    response = world["as_coach"].api("post", cited["path"], json=entry())
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"DELETE", "OPTIONS", "PUT"}


def test_the_coach_deletes_an_entry_from_the_log_page(world, session, cited):
    plan_id = world["plan"].id
    log_page = f"/plans/{plan_id}/log"
    action = f"{log_page}/{cited['id']}/delete"
    page = world["as_coach"].get(log_page).get_data(as_text=True)
    form = page[page.index(f'action="{action}"'):]
    form = form[:form.index("</form>")]
    assert 'name="csrf_token"' in form and "This cannot be undone." in form
    assert "<summary>Delete entry" in page
    assert page.rindex("<details", 0, page.index(action)) > page.index(f'id="entry-{cited["id"]}"')
    assert action not in world["as_mentor"].get(log_page).get_data(as_text=True)

    refused = world["as_mentor"].post(action)
    assert refused.status_code == 409
    assert "Only the coach writes their reflective log" in refused.get_data(as_text=True)
    assert held(session, cited["id"])["entry"] is True

    done = world["as_coach"].post(action)
    assert done.status_code == 302 and done.headers["Location"].endswith(log_page)
    assert held(session, cited["id"]) == {"entry": False, "comments": 0, "goal_links": 0,
                                          "cited_by": 0}
    after = world["as_coach"].get(log_page).get_data(as_text=True)
    assert "Entry deleted." in after and f'id="entry-{cited["id"]}"' not in after
    assert world["as_coach"].post(action).status_code == 404


def test_deleting_from_the_page_without_the_csrf_token_changes_nothing(world, session, cited):
    raw = world["as_coach"].client.post(f"/plans/{world['plan'].id}/log/{cited['id']}/delete")
    assert raw.status_code == 400
    assert held(session, cited["id"]) == {"entry": True, "comments": 2, "goal_links": 2,
                                          "cited_by": 1}
