"""Development plans from the outside: writing them together, their history, who may see them."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import (
    DevelopmentPlan,
    OutboxMessage,
    PlanChange,
    PlanGoal,
    PlanVersion,
    ReflectiveLogEntry,
)

TODAY = date.today()


@pytest.fixture
def world(make_account, make_supporter, make_plan, make_engagement, visitor):
    """A coach's plan shared with an active coach developer and an ended mentor, and outsiders."""
    coach = make_account(roles=["coach"], name="Cara Coach", email="cara@example.com")
    developer = make_account(roles=["supporter", "coach_developer"], name="Dev Eloper",
                             email="dev@example.com")
    dev_profile = make_supporter(user=developer, roles=["coach_developer"])
    former = make_account(roles=["supporter"], name="Fay Former")
    former_profile = make_supporter(user=former, roles=["mentor"])
    plan = make_plan(coach, starts_on=TODAY - timedelta(days=40),
                     ends_on=TODAY + timedelta(days=200), needs={"training_planning": 5},
                     goals=["Write a periodised plan", "Run a jumps session"],
                     review_dates=[TODAY + timedelta(days=50)])
    make_engagement(coach, dev_profile, role="coach_developer", plan=plan)
    make_engagement(coach, former_profile, role="mentor", plan=plan, status="closed",
                    started_on=TODAY - timedelta(days=90), ended_on=TODAY - timedelta(days=10))
    stranger = make_account(roles=["coach", "supporter"], name="Stan Stranger")
    make_supporter(user=stranger)
    admin = make_account(roles=["admin"], name="Ada Admin")
    return {
        "coach": coach, "developer": developer, "plan": plan, "former": former,
        "as_coach": visitor(coach), "as_developer": visitor(developer),
        "as_former": visitor(former), "as_stranger": visitor(stranger),
        "as_admin": visitor(admin), "anonymous": visitor(),
    }


def content(plan_json, **changes):
    """The plan's content as the API takes it, with ``changes``."""
    body = {k: plan_json["content"][k] for k in ("title", "starts_on", "ends_on", "needs",
                                                  "goals", "review_dates")}
    body.update(changes)
    return body


def fresh(session, plan_id):
    session.expire_all()
    return session.get(DevelopmentPlan, plan_id)


def count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


# --- starting and editing ----------------------------------------------------------------


def test_a_coach_starts_a_plan_with_reviews_at_three_six_and_nine_months(visitor, make_account,
                                                                         session):
    coach = make_account(roles=["coach"])
    response = visitor(coach).api("post", "/api/v1/plans", json={
        "title": "Advanced Coach pilot plan", "starts_on": "2027-01-15", "ends_on": "2027-12-15",
        "needs": [{"key": "training_planning", "priority": 5},
                  {"key": "technical_model", "priority": 3}],
        "goals": [{"title": "Periodise my sprint group's year",
                   "success_measure": "A written plan my mentor signs off",
                   "target_date": "2027-06-01"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [r["due_on"] for r in body["reviews"]] == ["2027-04-15", "2027-07-15", "2027-10-15"]
    assert [(n["key"], n["priority"]) for n in body["needs"]] == [("training_planning", 5),
                                                                    ("technical_model", 3)]
    assert body["goals"][0]["success_measure"] == "A written plan my mentor signs off"
    assert body["version"] == 1 and body["versions"][0]["summary"] == ["Plan started."]
    assert body["your_side"] == "coach" and "edit" in body["can"]

    again = visitor(coach).api("post", "/api/v1/plans", json={"title": "A second one"})
    assert again.status_code == 409
    assert count(session, DevelopmentPlan) == 1


@pytest.mark.parametrize("body, field", [
    ({"starts_on": "2027-05-01", "ends_on": "2027-04-01"}, "ends_on"),
    ({"needs": [{"key": "astrology", "priority": 3}]}, "needs"),
    ({"needs": [{"key": "training_planning", "priority": 9}]}, "needs.0.priority"),
    ({"goals": [{"title": ""}]}, "goals.0.title"),
    ({"starts_on": "2027-01-01", "ends_on": "2027-06-01", "review_dates": ["2027-08-01"]},
     "review_dates"),
    ({"title": "x" * 201}, "title"),
])
def test_bad_plans_are_refused_naming_the_field_and_nothing_is_created(
        visitor, make_account, session, body, field):
    coach = make_account(roles=["coach"])
    response = visitor(coach).api("post", "/api/v1/plans", json={"title": "Plan", **body})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count(session, DevelopmentPlan) == 0


def test_a_coach_edits_directly_while_nobody_works_on_the_plan(visitor, make_account, make_plan,
                                                               session):
    coach = make_account(roles=["coach"])
    plan = make_plan(coach, goals=["Old goal"], needs={"technical_model": 2})
    as_coach = visitor(coach)
    current = as_coach.get(f"/api/v1/plans/{plan.id}").get_json()
    goal_id = current["goals"][0]["id"]
    response = as_coach.api("put", f"/api/v1/plans/{plan.id}", json=content(
        current, needs=[{"key": "technical_model", "priority": 4}],
        goals=[{"id": goal_id, "title": "Renamed goal"}, {"title": "New goal"}]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [g["title"] for g in body["goals"]] == ["Renamed goal", "New goal"]
    assert body["goals"][0]["id"] == goal_id
    assert body["version"] == 1
    assert body["versions"][0]["summary"] == [
        "Need Technical model for an event group: priority 2 → 4.",
        "Goal renamed: Old goal → Renamed goal.", "Goal added: New goal."]


def test_direct_edits_are_refused_while_a_supporter_works_on_the_plan(world, session):
    current = world["as_coach"].get(f"/api/v1/plans/{world['plan'].id}").get_json()
    assert "edit" not in current["can"] and "propose" in current["can"]
    response = world["as_coach"].api("put", f"/api/v1/plans/{world['plan'].id}",
                                     json=content(current, title="Changed alone"))
    assert response.status_code == 409
    assert "Dev Eloper" in response.get_json()["message"]
    assert fresh(session, world["plan"].id).title == "Advanced Coach plan"
    assert count(session, PlanVersion) == 0


def test_the_profile_page_still_edits_the_plan_and_keeps_its_history(
        visitor, make_account, session):
    coach = make_account(roles=["coach"])
    response = visitor(coach).post("/profile/coach", data={
        "need-technical_model": "4", "goal_id": [""], "goal_title": ["Coach the long jump"],
        "goal_target": [""]})
    assert response.status_code == 302
    plan = session.scalar(sa.select(DevelopmentPlan))
    versions = session.scalars(sa.select(PlanVersion).where(PlanVersion.plan_id == plan.id)).all()
    assert [v.summary for v in versions] == [["Plan started."]]
    assert [g.title for g in plan.goals] == ["Coach the long jump"]


def test_the_profile_page_cannot_change_a_shared_plan_behind_the_supporters_back(world,
                                                                                 session):
    page = world["as_coach"].post("/profile/coach", data={
        "need-technical_model": "4", "goal_id": [], "goal_title": [], "goal_target": []})
    assert page.status_code == 409
    assert "propose changes" in page.get_data(as_text=True)
    plan = fresh(session, world["plan"].id)
    assert [pn.need.key for pn in plan.needs] == ["training_planning"]
    assert len(plan.goals) == 2


def test_a_shared_plan_shows_read_only_on_the_profile_page_with_a_way_to_propose(world,
                                                                                    session):
    page = world["as_coach"].get("/profile/coach").get_data(as_text=True)
    plan_id = world["plan"].id
    assert f'href="/plans/{plan_id}/propose"' in page
    assert 'name="goal_title"' not in page and 'name="need-' not in page
    # Saving the rest of the page leaves the plan alone, and says nothing went wrong.
    saved = world["as_coach"].post("/profile/coach", data={"club": "Leeds City AC"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    plan = fresh(session, plan_id)
    assert [pn.need.key for pn in plan.needs] == ["training_planning"]
    assert len(plan.goals) == 2


# --- proposals and history -------------------------------------------------------------


def test_the_supporter_proposes_and_the_coach_accepts_keeping_the_history(world, session):
    plan_id = world["plan"].id
    current = world["as_developer"].get(f"/api/v1/plans/{plan_id}").get_json()
    goals = current["content"]["goals"]
    proposed = world["as_developer"].api("post", f"/api/v1/plans/{plan_id}/changes", json={
        **content(current, goals=[*goals, {"title": "Lead a club workshop",
                                           "success_measure": "Ten coaches attend"}]),
        "note": "You mentioned the workshop."})
    assert proposed.status_code == 201, proposed.get_json()
    waiting = proposed.get_json()["proposal"]
    assert waiting["summary"] == ["Goal added: Lead a club workshop."]
    assert waiting["can"] == ["withdraw"] and waiting["proposer_side"] == "supporter"
    assert fresh(session, plan_id).goals[-1].title == "Run a jumps session"  # not yet
    mail = session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "plan_change_proposed"))
    assert mail.to_address == "cara@example.com" and "Lead a club workshop" in mail.body

    seen = world["as_coach"].get(f"/api/v1/plans/{plan_id}").get_json()["proposal"]
    assert seen["can"] == ["accept", "reject"]
    accepted = world["as_coach"].api(
        "post", f"/api/v1/plans/{plan_id}/changes/{seen['id']}/accept", json={"note": "Yes!"})
    assert accepted.status_code == 200, accepted.get_json()
    body = accepted.get_json()
    assert body["proposal"] is None
    assert [g["title"] for g in body["goals"]][-1] == "Lead a club workshop"
    assert body["versions"][0]["summary"] == ["Goal added: Lead a club workshop."]
    assert body["versions"][0]["author"] == "Dev Eloper"
    assert body["versions"][0]["proposal_id"] == seen["id"]
    told = session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "plan_change_accepted"))
    assert told.to_address == "dev@example.com"

    page = world["as_coach"].get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Version 1" in page and "Goal added: Lead a club workshop." in page


def test_the_coach_proposes_and_the_supporter_rejects(world, session):
    plan_id = world["plan"].id
    current = world["as_coach"].get(f"/api/v1/plans/{plan_id}").get_json()
    proposed = world["as_coach"].api("post", f"/api/v1/plans/{plan_id}/changes",
                                     json=content(current, title="A bolder plan"))
    assert proposed.status_code == 201
    change_id = proposed.get_json()["proposal"]["id"]
    assert proposed.get_json()["proposal"]["can"] == ["withdraw"]

    own = world["as_coach"].api("post", f"/api/v1/plans/{plan_id}/changes/{change_id}/accept")
    assert own.status_code == 409
    rejected = world["as_developer"].api(
        "post", f"/api/v1/plans/{plan_id}/changes/{change_id}/reject", json={"note": "Later."})
    assert rejected.status_code == 200
    assert fresh(session, plan_id).title == "Advanced Coach plan"
    history = world["as_coach"].get(f"/api/v1/plans/{plan_id}/changes").get_json()
    assert [(c["status"], c["decided_by"], c["decision_note"]) for c in history] == [
        ("rejected", "Dev Eloper", "Later.")]
    assert count(session, PlanVersion) == 0


def test_one_proposal_waits_at_a_time_and_its_proposer_can_withdraw_it(world, session):
    plan_id = world["plan"].id
    current = world["as_coach"].get(f"/api/v1/plans/{plan_id}").get_json()
    first = world["as_coach"].api("post", f"/api/v1/plans/{plan_id}/changes",
                                  json=content(current, title="One"))
    second = world["as_developer"].api("post", f"/api/v1/plans/{plan_id}/changes",
                                       json=content(current, title="Two"))
    assert (first.status_code, second.status_code) == (201, 409)
    change_id = first.get_json()["proposal"]["id"]
    assert world["as_developer"].api(
        "post", f"/api/v1/plans/{plan_id}/changes/{change_id}/withdraw").status_code == 409
    withdrawn = world["as_coach"].api(
        "post", f"/api/v1/plans/{plan_id}/changes/{change_id}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["proposal"] is None
    again = world["as_developer"].api("post", f"/api/v1/plans/{plan_id}/changes",
                                      json=content(current, title="Two"))
    assert again.status_code == 201


def test_a_proposal_that_changes_nothing_is_refused(world, session):
    plan_id = world["plan"].id
    current = world["as_coach"].get(f"/api/v1/plans/{plan_id}").get_json()
    response = world["as_coach"].api("post", f"/api/v1/plans/{plan_id}/changes",
                                     json=content(current))
    assert response.status_code == 422
    assert count(session, PlanChange) == 0


def test_an_out_of_date_proposal_cannot_be_accepted(world, session, make_engagement):
    """The supporter's proposal waits; their work ends; the coach edits; accepting would undo it."""
    from app.models import Engagement

    plan_id = world["plan"].id
    current = world["as_developer"].get(f"/api/v1/plans/{plan_id}").get_json()
    proposed = world["as_developer"].api("post", f"/api/v1/plans/{plan_id}/changes",
                                         json=content(current, title="The developer's title"))
    change_id = proposed.get_json()["proposal"]["id"]
    session.execute(sa.update(Engagement).values(status="closed", ended_on=TODAY))
    session.commit()
    edited = world["as_coach"].api("put", f"/api/v1/plans/{plan_id}",
                                   json=content(current, ends_on=None))
    assert edited.status_code == 200
    seen = edited.get_json()["proposal"]
    assert seen["out_of_date"] is True and seen["can"] == ["reject"]
    response = world["as_coach"].api(
        "post", f"/api/v1/plans/{plan_id}/changes/{change_id}/accept")
    assert response.status_code == 409
    assert fresh(session, plan_id).title == "Advanced Coach plan"


def test_goals_with_log_entries_stay_in_the_plan(visitor, make_account, make_plan, session):
    coach = make_account(roles=["coach"])
    plan = make_plan(coach, goals=["Logged goal", "Unlogged goal"])
    logged = plan.goals[0]
    session.add(ReflectiveLogEntry(plan_id=plan.id, author_id=coach.id, occurred_on=TODAY,
                                   what_happened="Session", goals=[logged]))
    session.commit()
    as_coach = visitor(coach)
    current = as_coach.get(f"/api/v1/plans/{plan.id}").get_json()
    response = as_coach.api("put", f"/api/v1/plans/{plan.id}", json=content(current, goals=[]))
    assert response.status_code == 422
    assert "Logged goal" in response.get_json()["errors"]["goals"][0]
    assert count(session, PlanGoal) == 2
    kept = as_coach.api("put", f"/api/v1/plans/{plan.id}", json=content(
        current, goals=[g for g in current["content"]["goals"] if g["title"] == "Logged goal"]))
    assert kept.status_code == 200
    assert [g.title for g in fresh(session, plan.id).goals] == ["Logged goal"]


def test_pages_start_a_plan_and_propose_with_errors_beside_the_fields(world, visitor,
                                                                      make_account, session):
    coach = make_account(roles=["coach"])
    as_coach = visitor(coach)
    assert as_coach.get("/plans/new").status_code == 200
    bad = as_coach.post("/plans/new", data={"title": "Mine", "starts_on": "2027-03-01",
                                            "ends_on": "2027-02-01", "goal_title": ["A goal"]})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="ends_on-error"' in html and 'aria-invalid="true"' in html
    assert 'value="A goal"' in html  # what was typed is kept
    assert session.scalar(sa.select(DevelopmentPlan).where(
        DevelopmentPlan.coach_id == coach.id)) is None
    made = as_coach.post("/plans/new", data={"title": "Mine", "starts_on": "2027-03-01",
                                             "ends_on": "2028-02-01", "need-reflective_practice":
                                             "5", "goal_title": ["A goal"],
                                             "goal_measure": ["Done"], "goal_target": [""]})
    assert made.status_code == 302

    plan_id = world["plan"].id
    form = world["as_developer"].get(f"/plans/{plan_id}/propose")
    assert form.status_code == 200 and 'value="Write a periodised plan"' in form.get_data(
        as_text=True)
    sent = world["as_developer"].post(f"/plans/{plan_id}/propose", data={
        "title": "Advanced Coach plan", "starts_on": world["plan"].starts_on.isoformat(),
        "ends_on": world["plan"].ends_on.isoformat(), "need-training_planning": "5",
        "need-safeguarding_risk": "3",
        "goal_id": [str(g.id) for g in world["plan"].goals],
        "goal_title": [g.title for g in world["plan"].goals],
        "goal_measure": ["", ""], "goal_target": ["", ""],
        "review_date": [(TODAY + timedelta(days=50)).isoformat()], "note": "Safeguarding too"})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    change = session.scalar(sa.select(PlanChange))
    assert change.note == "Safeguarding too"
    page = world["as_coach"].get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Need added: Safeguarding and risk assessment (priority 3)." in page
    accepted = world["as_coach"].post(f"/plans/{plan_id}/changes/{change.id}/accept")
    assert accepted.status_code == 302
    assert {pn.need.key for pn in fresh(session, plan_id).needs} == {
        "training_planning", "safeguarding_risk"}


# --- who may see and change a plan -------------------------------------------------------

READS = ["/api/v1/plans/{plan}", "/api/v1/plans/{plan}/log", "/api/v1/plans/{plan}/changes",
         "/api/v1/plans/{plan}/versions", "/plans/{plan}", "/plans/{plan}/log"]


@pytest.mark.parametrize("path", READS)
def test_strangers_get_404_and_nothing_of_the_plan(world, path):
    response = world["as_stranger"].get(path.format(plan=world["plan"].id))
    assert response.status_code == 404
    assert "periodised" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", READS)
def test_the_people_of_the_plan_and_admins_read_it(world, path):
    for who in ("as_coach", "as_developer", "as_former", "as_admin"):
        assert world[who].get(path.format(plan=world["plan"].id)).status_code == 200, who


@pytest.mark.parametrize("path", ["/api/v1/plans/{plan}", "/api/v1/plans/{plan}/log"])
def test_anonymous_visitors_must_sign_in(world, path):
    assert world["anonymous"].get(path.format(plan=world["plan"].id)).status_code == 401
    page = world["anonymous"].get(path.format(plan=world["plan"].id).removeprefix("/api/v1"))
    assert page.status_code == 302 and page.location.startswith("/sign-in")


def changes_to_try(world):
    plan = world["plan"]
    goal = plan.goals[0].id
    body = {"title": "Changed", "needs": [], "goals": [], "review_dates": []}
    return [
        ("put", f"/api/v1/plans/{plan.id}", body),
        ("post", f"/api/v1/plans/{plan.id}/changes", body),
        ("post", f"/api/v1/plans/{plan.id}/log", {"occurred_on": TODAY.isoformat(),
                                                  "what_happened": "x", "goal_ids": [goal]}),
        ("post", f"/api/v1/plans/{plan.id}/goals/{goal}/progress", {"status": "not_started"}),
        ("post", f"/api/v1/plans/{plan.id}/reviews", {"held_on": TODAY.isoformat(),
                                                      "notes": "x"}),
    ]


@pytest.mark.parametrize("who, status", [("as_stranger", 404), ("as_former", 409),
                                         ("as_admin", 409)])
def test_only_the_people_working_on_the_plan_change_it(world, session, who, status):
    before = (count(session, PlanChange), count(session, PlanVersion),
              count(session, ReflectiveLogEntry))
    for method, path, body in changes_to_try(world):
        response = world[who].api(method, path, json=body)
        assert response.status_code == status, (path, response.get_json())
        assert response.get_json()["code"] == status
    assert fresh(session, world["plan"].id).title == "Advanced Coach plan"
    assert (count(session, PlanChange), count(session, PlanVersion),
            count(session, ReflectiveLogEntry)) == before


def test_the_plan_list_holds_own_and_supported_plans_only(world, make_plan, make_account):
    other = make_account(roles=["coach"])
    make_plan(other, title="Someone else's plan")
    mine = world["as_developer"].get("/api/v1/plans").get_json()
    assert [(p["title"], p["coach"]["name"]) for p in mine] == [
        ("Advanced Coach plan", "Cara Coach")]
    assert world["as_stranger"].get("/api/v1/plans").get_json() == []


def test_contact_details_go_to_the_people_working_together_only(world):
    seen_by_coach = world["as_coach"].get(f"/api/v1/plans/{world['plan'].id}").get_json()
    by_name = {s["name"]: s for s in seen_by_coach["supporters"]}
    assert by_name["Dev Eloper"]["email"] == "dev@example.com"
    assert by_name["Fay Former"]["email"] is None  # that work has ended
    seen_by_admin = world["as_admin"].get(f"/api/v1/plans/{world['plan'].id}").get_json()
    assert seen_by_admin["coach"]["email"] is None
    assert all(s["email"] is None for s in seen_by_admin["supporters"])
    seen_by_developer = world["as_developer"].get(f"/api/v1/plans/{world['plan'].id}").get_json()
    assert seen_by_developer["coach"]["email"] == "cara@example.com"


def test_contact_on_a_plan_hides_while_the_supporters_check_is_out_of_date(world, session):
    from app.models import SupporterProfile

    plan_id = world["plan"].id
    shown = world["as_developer"].get(f"/api/v1/plans/{plan_id}").get_json()
    assert shown["coach"]["email"] == "cara@example.com"
    assert any(s["email"] for s in
               world["as_coach"].get(f"/api/v1/plans/{plan_id}").get_json()["supporters"])
    session.execute(sa.update(SupporterProfile)
                    .where(SupporterProfile.user_id == world["developer"].id)
                    .values(licence_expires_on=TODAY - timedelta(days=1)))
    session.commit()
    hidden = world["as_developer"].get(f"/api/v1/plans/{plan_id}").get_json()
    assert hidden["coach"]["email"] is None and hidden["coach"]["phone"] is None
    for supporter in world["as_coach"].get(f"/api/v1/plans/{plan_id}").get_json()["supporters"]:
        assert supporter["email"] is None
    page = world["as_developer"].get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "cara@example.com" not in page
