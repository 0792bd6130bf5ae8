"""A person's own data: export everything, or erase it (keeping anonymous counts)."""

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import (
    AuditEvent,
    DevelopmentPlan,
    Engagement,
    GoalProgress,
    LogComment,
    OutboxMessage,
    PlanChange,
    PlanReview,
    PlanVersion,
    ProfileChange,
    ReflectiveLogEntry,
    SupportRequest,
    User,
)

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
    user = make_account(roles=["supporter"], membership_number="UKA777")
    make_supporter(user=user, postcode="LS6 4JN", latitude=53.8196, longitude=-1.5821,
                   safeguarding_scheme="DBS")
    own = visitor(user)
    year = (date.today() + timedelta(days=365)).isoformat()
    assert own.post("/profile/supporter", data={
        "roles": ["mentor"], "location": "LS6 4JN", "bio": "A change waiting for an admin.",
        "safeguarding_expires_on": year, "licence_expires_on": year}).status_code == 302
    data = own.api("post", "/api/v1/me/export", json={"password": PASSWORD}).get_json()
    assert data["supporter_profile"]["postcode"] == "LS6 4JN"
    assert data["supporter_profile"]["latitude"] == 53.8196
    assert data["supporter_profile"]["safeguarding_scheme"] == "DBS"
    assert data["account"]["membership_number"] == "UKA777"
    (change,) = data["supporter_profile"]["changes"]
    assert change["proposed"]["bio"] == "A change waiting for an admin."


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
    # Mail to others that quoted the coach, sent or not, goes too.
    mail = " ".join(subject + body for subject, body in session.execute(
        sa.select(OutboxMessage.subject, OutboxMessage.body)))
    for said in ("Secret plans", "More secrets", "Kim Coach", "kim@example.com"):
        assert said not in mail
    # The supporter hears that their work with this coach has ended, and not who it was.
    mailbox.deliver()
    [ended] = [m for m in mailbox.to("sam@example.com")
               if m["Subject"] == "A coach you support closed their account"]
    assert "the place is free again" in ended.get_content()
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
    supporter_user.membership_number = "UKA778"
    profile = make_supporter(user=supporter_user)
    year = (date.today() + timedelta(days=365)).isoformat()
    assert visitor(supporter_user).post("/profile/supporter", data={
        "roles": ["mentor"], "location": "LS6 3QS", "bio": "Words of mine waiting.", "visible": "y",
        "safeguarding_expires_on": year, "licence_expires_on": year}).status_code == 302
    assert session.scalars(sa.select(ProfileChange)).all() != []
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
    assert supporter_user.membership_number is None and profile.public_name is None
    assert session.scalars(sa.select(ProfileChange).where(
        ProfileChange.profile_id == profile.id)).all() == []
    mailbox.deliver()
    assert any("closed their account" in m["Subject"] for m in mailbox.to("kim@example.com"))


# --- Caseload data: a coach's plan worked on with a coach developer ----------------------

TODAY = date.today()


@pytest.fixture
def caseload(make_account, make_supporter, make_plan, make_engagement, visitor):
    """A plan written on by both sides through the API, ending with the developer's proposal open.

    The coach logs an entry and replies to the developer's comment; the
    developer records progress and a review, proposes a change the coach
    accepts, rejects the coach's proposal, withdraws one of their own, then
    proposes again.
    """
    coach = make_account(roles=["coach"], name="Cara Coach")
    developer = make_account(roles=["supporter", "coach_developer"], name="Dev Eloper")
    make_engagement(coach, make_supporter(user=developer, roles=["coach_developer"]),
                    role="coach_developer",
                    plan=(plan := make_plan(coach, starts_on=TODAY - timedelta(days=40),
                                            goals=["Write a periodised plan",
                                                   "Run a jumps session"],
                                            programme="Advanced Coach pilot")))
    as_coach, as_developer = visitor(coach), visitor(developer)
    base = f"/api/v1/plans/{plan.id}"
    goal, other_goal = (g.id for g in plan.goals)

    def ok(response, status=201):
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def propose(who, note, **changes):
        current = who.get(base).get_json()["content"]
        return ok(who.api("post", f"{base}/changes", json={**current, **changes,
                                                          "note": note}))["proposal"]["id"]

    entry = ok(as_coach.api("post", f"{base}/log", json={
        "occurred_on": (TODAY - timedelta(days=1)).isoformat(),
        "what_happened": "Ran a block periodisation session.", "minutes": 90,
        "goal_ids": [goal]}))
    path = f"{base}/log/{entry['id']}/comments"
    ok(as_developer.api("post", path, json={"body": "Try a RAMP warm-up."}))
    ok(as_coach.api("post", path, json={"body": "Will do."}))
    ok(as_developer.api("post", f"{base}/goals/{goal}/progress", json={
        "status": "in_progress", "evidence_entry_id": entry["id"], "note": "Good start."}))
    ok(as_developer.api("post", f"{base}/reviews", json={
        "held_on": TODAY.isoformat(), "notes": "Reviewed the first block together."}))
    accepted = propose(as_developer, "You mentioned the workshop.", title="Workshop plan")
    ok(as_coach.api("post", f"{base}/changes/{accepted}/accept", json={"note": "Yes!"}), 200)
    rejected = propose(as_coach, "Bolder?", title="A bolder plan")
    ok(as_developer.api("post", f"{base}/changes/{rejected}/reject",
                        json={"note": "Not yet, Cara."}), 200)
    withdrawn = propose(as_developer, "On second thoughts...", title="Second thoughts")
    ok(as_developer.api("post", f"{base}/changes/{withdrawn}/withdraw"), 200)
    waiting = propose(as_developer, "Add the jumps clinic too.", title="Clinic plan")
    return {"coach": coach, "developer": developer, "plan": plan.id, "goal": goal,
            "other_goal": other_goal, "entry": entry["id"], "accepted": accepted,
            "rejected": rejected, "withdrawn": withdrawn, "waiting": waiting,
            "as_coach": as_coach, "as_developer": as_developer}


def export_of(who) -> dict:
    response = who.api("post", "/api/v1/me/export", json={"password": PASSWORD})
    assert response.status_code == 200
    return response.get_json()


def test_the_coach_exports_their_plan_with_everything_written_on_it(caseload):
    data = export_of(caseload["as_coach"])
    [plan] = data["development_plans"]
    assert plan["programme"] == "Advanced Coach pilot"
    [entry] = plan["reflective_log"]
    assert entry["goal_ids"] == [caseload["goal"]]
    assert [(c["body"], c["by_you"]) for c in entry["comments"]] == [
        ("Try a RAMP warm-up.", False), ("Will do.", True)]
    goals = {g["id"]: g for g in plan["goals"]}
    assert [(p["status"], p["evidence_entry_id"], p["note"], p["by_you"])
            for p in goals[caseload["goal"]]["progress"]] == [
        ("in_progress", caseload["entry"], "Good start.", False)]
    assert goals[caseload["other_goal"]]["progress"] == []
    assert [r["notes"] for r in plan["reviews"]] == ["Reviewed the first block together."]
    assert [(c["id"], c["proposer_side"], c["status"], c["note"], c["decision_note"],
             c["proposed_by_you"]) for c in plan["changes"]] == [
        (caseload["accepted"], "supporter", "accepted", "You mentioned the workshop.", "Yes!",
         False),
        (caseload["rejected"], "coach", "rejected", "Bolder?", "Not yet, Cara.", True),
        (caseload["withdrawn"], "supporter", "withdrawn", "On second thoughts...", None, False),
        (caseload["waiting"], "supporter", "proposed", "Add the jumps clinic too.", None, False)]
    assert plan["changes"][0]["decided_at"] and plan["changes"][0]["created_at"]
    assert [(v["number"], v["summary"]) for v in plan["versions"]] == [
        (1, ["Title: Workshop plan."])]
    assert plan["versions"][0]["created_at"]
    # Each proposal and version carries the whole plan it proposed or recorded.
    assert [c["content"]["title"] for c in plan["changes"]] == [
        "Workshop plan", "A bolder plan", "Second thoughts", "Clinic plan"]
    assert plan["versions"][0]["content"]["title"] == "Workshop plan"
    # What the coach wrote on their own plan is listed with the plan, once.
    assert all(rows == [] for rows in data["written_on_other_plans"].values())


def test_the_developer_exports_what_they_wrote_on_the_coachs_plan(caseload):
    data = export_of(caseload["as_developer"])
    assert data["development_plans"] == []
    written = data["written_on_other_plans"]
    assert [(c["plan_id"], c["entry_id"], c["body"]) for c in written["comments"]] == [
        (caseload["plan"], caseload["entry"], "Try a RAMP warm-up.")]
    assert [(r["plan_id"], r["held_on"], r["notes"]) for r in written["reviews_recorded"]] == [
        (caseload["plan"], TODAY.isoformat(), "Reviewed the first block together.")]
    assert [(p["plan_id"], p["goal_id"], p["status"], p["evidence_entry_id"], p["note"])
            for p in written["progress_recorded"]] == [
        (caseload["plan"], caseload["goal"], "in_progress", caseload["entry"], "Good start.")]
    assert [(c["id"], c["status"], c["note"]) for c in written["proposals_made"]] == [
        (caseload["accepted"], "accepted", "You mentioned the workshop."),
        (caseload["withdrawn"], "withdrawn", "On second thoughts..."),
        (caseload["waiting"], "proposed", "Add the jumps clinic too.")]
    assert [(c["id"], c["status"], c["decision_note"])
            for c in written["proposals_decided"]] == [
        (caseload["rejected"], "rejected", "Not yet, Cara.")]


def test_erasing_the_developer_blanks_their_words_and_keeps_the_coachs_record(caseload,
                                                                              session):
    response = caseload["as_developer"].api("post", "/api/v1/me/deletion",
                                            json={"password": PASSWORD})
    assert response.status_code == 204
    session.expire_all()
    developer_id = caseload["developer"].id
    # Their comment stays in the thread, without its text; the coach's reply is untouched.
    bodies = dict(session.execute(sa.select(LogComment.author_id, LogComment.body)).all())
    assert bodies == {developer_id: "", caseload["coach"].id: "Will do."}
    waiting = session.get(PlanChange, caseload["waiting"])
    assert waiting.status == "withdrawn" and waiting.decided_at is not None
    assert waiting.note == ""
    assert session.get(PlanChange, caseload["accepted"]).note == ""
    rejected = session.get(PlanChange, caseload["rejected"])
    assert rejected.decision_note is None and rejected.note == "Bolder?"
    # The coach's plan, log and development record remain, now by "Deleted user".
    assert session.get(DevelopmentPlan, caseload["plan"]) is not None
    assert session.get(ReflectiveLogEntry, caseload["entry"]) is not None
    plan = caseload["as_coach"].get(f"/api/v1/plans/{caseload['plan']}").get_json()
    assert plan["proposal"] is None
    review = next(r for r in plan["reviews"] if r["held_on"])
    assert (review["notes"], review["reviewer"]) == ("Reviewed the first block together.",
                                                    "Deleted user")
    progress = next(g for g in plan["goals"] if g["id"] == caseload["goal"])["progress"]
    assert [(p["note"], p["by"]) for p in progress] == [("Good start.", "Deleted user")]
    log = caseload["as_coach"].get(f"/api/v1/plans/{caseload['plan']}/log").get_json()
    assert [c["body"] for c in log["entries"][0]["comments"]] == ["", "Will do."]
    # Emails to the coach quoting the developer's comment or proposals are gone too.
    mail = " ".join(subject + body for subject, body in session.execute(
        sa.select(OutboxMessage.subject, OutboxMessage.body)))
    for said in ("RAMP warm-up", "jumps clinic", "Not yet, Cara", "Dev Eloper"):
        assert said not in mail
    # The coach is told their coach developer has gone, in the mail still to send.
    [ended] = [body for subject, body in session.execute(
        sa.select(OutboxMessage.subject, OutboxMessage.body).where(
            OutboxMessage.user_id == caseload["coach"].id))
        if subject == "Your coach developer closed their account"]
    assert "your work together has ended" in ended and "/search" in ended


def test_erasing_the_coach_takes_their_plan_and_all_its_history(caseload, session):
    response = caseload["as_coach"].api("post", "/api/v1/me/deletion",
                                        json={"password": PASSWORD})
    assert response.status_code == 204
    session.expire_all()
    for model in (DevelopmentPlan, ReflectiveLogEntry, LogComment, GoalProgress, PlanReview,
                  PlanChange, PlanVersion):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
