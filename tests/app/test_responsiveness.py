"""Reply times and activity on cards, and coaches' reports of supporters who never answer."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import (
    AuditEvent,
    OutboxMessage,
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    SupportRole,
    UnansweredReport,
)

from ..conftest import PASSWORD

NOW = datetime.now(UTC)
#: What a public card may hold: nothing in it can be about a coach.
CARD_FIELDS = {"id", "name", "roles", "event_groups", "expertise", "qualification",
               "years_coaching", "club", "bio", "near", "place", "area_lat", "area_lon",
               "online", "travel_km", "availability", "replies_within_days",
               "active_this_month", "distance_km", "score", "reasons", "summary", "waitlist"}


@pytest.fixture
def coach(make_account):
    return make_account(roles=["coach"], name="Cora Coach", email="cora@example.com")


@pytest.fixture
def admin(make_account):
    return make_account(roles=["admin"], name="Ada Admin", email="ada@example.com")


@pytest.fixture
def supporter(make_account, make_supporter):
    user = make_account(roles=["supporter"], name="Sol Silent", email="sol@example.com")
    return make_supporter(user=user)


@pytest.fixture
def add_request(session, coach):
    """Return a function adding a committed request to ``profile``, sent ``days_ago``.

    ``answered_after`` (hours) makes it declined then; ``state`` gives any other status.
    """
    mentor = session.scalar(sa.select(SupportRole.id).where(SupportRole.key == "mentor"))

    def add(profile, *, days_ago=10, answered_after=None, state=None, expires_in_days=None,
            by=None):
        created = NOW - timedelta(days=days_ago)
        status = state or ("declined" if answered_after is not None else "expired")
        row = SupportRequest(
            coach_id=(by or coach).id, supporter_id=profile.id, role_id=mentor, message="",
            status=status, created_at=created,
            expires_at=created + timedelta(days=7 if expires_in_days is None
                                           else days_ago + expires_in_days),
            responded_at=None if answered_after is None
            else created + timedelta(hours=answered_after),
            closed_at=None if status == "pending" else created + timedelta(days=7))
        session.add(row)
        session.commit()
        return row

    return add


def card(client, supporter_id, where="LS6 3QS"):
    results = client.get(f"/api/v1/search?where={where}").get_json()["results"]
    return next(c for c in results if c["id"] == supporter_id)


# --- "Usually replies within N days" and "Active this month" ---------------------------


def test_a_supporter_with_enough_answers_shows_the_rounded_median_on_card_and_profile(
        client, supporter, add_request, session):
    for hours in (5, 26, 49):  # a day, two days and three days, rounded up
        add_request(supporter, answered_after=hours)
    supporter.last_active_at = NOW - timedelta(days=3)
    session.commit()

    assert card(client, supporter.id)["replies_within_days"] == 2
    profile = client.get(f"/api/v1/supporters/{supporter.id}").get_json()
    assert profile["replies_within_days"] == 2 and profile["active_this_month"] is True
    page = client.get(f"/supporters/{supporter.id}").get_data(as_text=True)
    assert "Usually replies within 2 days · Active this month" in page
    assert "Usually replies within 2 days" in client.get(
        "/search?where=LS6+3QS").get_data(as_text=True)


def test_answers_within_24_hours_read_within_a_day(client, supporter, add_request):
    for hours in (1, 23, 24):  # exactly 24 hours is still one day, on both databases
        add_request(supporter, answered_after=hours)
    assert card(client, supporter.id)["replies_within_days"] == 1
    assert "Usually replies within a day" in client.get(
        f"/supporters/{supporter.id}").get_data(as_text=True)


def test_too_little_history_shows_nothing_not_even_new(client, supporter, add_request):
    add_request(supporter, answered_after=2)
    add_request(supporter, answered_after=3)
    shown = card(client, supporter.id)
    assert shown["replies_within_days"] is None and shown["active_this_month"] is False
    page = client.get(f"/supporters/{supporter.id}").get_data(as_text=True)
    assert 'data-testid="responsiveness"' not in page and "Usually replies" not in page
    assert " new" not in page.lower().replace("news", "")


def test_expired_requests_count_as_unanswered_and_push_the_figure_up(
        client, make_supporter, add_request):
    quick, slower, silent, overdue = (make_supporter() for _ in range(4))
    for profile in (quick, slower, silent, overdue):
        for hours in (2, 3, 60):  # a day, a day, three days
            add_request(profile, answered_after=hours)
    for _ in range(2):
        add_request(slower)  # expired
        # Still pending a week after its expiry (the expiry job has not run): unanswered too.
        add_request(overdue, state="pending", days_ago=20, expires_in_days=-13)
    for _ in range(3):
        add_request(silent)
    # Still pending and not yet due: not counted either way.
    add_request(quick, state="pending", days_ago=1, expires_in_days=6)

    figures = {c["id"]: c["replies_within_days"] for c in client.get(
        "/api/v1/search?where=LS6+3QS").get_json()["results"]}
    assert figures[quick.id] == 1
    assert figures[slower.id] == 3 and figures[overdue.id] == 3
    # Half of the requests expired: no "usually" figure, never a quick-looking one.
    assert figures[silent.id] is None


def test_a_question_is_a_first_answer_and_a_coachs_message_is_not(
        client, session, supporter, add_request, coach):
    asked = add_request(supporter, answered_after=100)
    session.add(RequestMessage(request_id=asked.id, author_id=supporter.user_id, body="When?",
                               created_at=asked.created_at + timedelta(hours=3)))
    told = add_request(supporter, answered_after=50)  # three days
    session.add(RequestMessage(request_id=told.id, author_id=coach.id, body="More about me",
                               created_at=told.created_at + timedelta(hours=1)))
    add_request(supporter, answered_after=30)  # two days
    session.commit()
    # One, two and three days: the median is two (five days without the question,
    # one day if the coach's message counted).
    assert card(client, supporter.id)["replies_within_days"] == 2


def test_only_the_last_12_months_and_answerable_requests_count(
        client, supporter, add_request):
    for _ in range(3):
        add_request(supporter, days_ago=400, answered_after=1)  # over a year ago
    add_request(supporter, answered_after=2)
    add_request(supporter, answered_after=2)
    add_request(supporter, state="withdrawn")  # the coach gave up first
    add_request(supporter, state="declined")  # closed when the supporter was full
    assert card(client, supporter.id)["replies_within_days"] is None


def test_active_this_month_follows_the_last_answer_or_profile_save(
        client, make_supporter):
    recent = make_supporter(last_active_at=NOW - timedelta(days=29))
    lapsed = make_supporter(last_active_at=NOW - timedelta(days=31))
    shown = {c["id"]: c["active_this_month"] for c in client.get(
        "/api/v1/search?where=LS6+3QS").get_json()["results"]}
    assert shown == {recent.id: True, lapsed.id: False}
    page = client.get(f"/supporters/{recent.id}").get_data(as_text=True)
    assert "Active this month" in page and "Usually replies" not in page


def test_a_new_answer_reaches_the_cards(visitor, supporter, add_request, session):
    add_request(supporter, answered_after=4)
    add_request(supporter, answered_after=4)
    waiting = add_request(supporter, state="pending", days_ago=0, expires_in_days=7)
    anyone = visitor()
    assert card(anyone, supporter.id)["replies_within_days"] is None

    answered = visitor(supporter.user).api("post", f"/api/v1/requests/{waiting.id}/decline",
                                           json={"reason": "Full this season, sorry."})
    assert answered.status_code == 200
    shown = card(anyone, supporter.id)
    assert shown["replies_within_days"] == 1 and shown["active_this_month"] is True


def test_nothing_on_a_card_identifies_a_coach(client, supporter, add_request, coach):
    for hours in (5, 26, 49):
        add_request(supporter, answered_after=hours)
    body = client.get("/api/v1/search?where=LS6+3QS")
    shown = card(client, supporter.id)
    assert set(shown) <= CARD_FIELDS
    for text in (body.get_data(as_text=True),
                 client.get(f"/supporters/{supporter.id}").get_data(as_text=True)):
        assert "Cora" not in text and "cora@example.com" not in text


# --- Reporting a supporter who never answered --------------------------------------------


def test_a_coach_reports_an_expired_request_once_and_twice_is_a_clear_error(
        visitor, coach, supporter, add_request, session):
    expired = add_request(supporter)
    as_coach = visitor(coach)
    url = f"/api/v1/requests/{expired.id}/unanswered-report"

    first = as_coach.api("post", url, json={"note": "Three emails, no reply."})
    assert first.status_code == 201
    assert first.get_json()["unanswered_report"]["reported"] is True
    again = as_coach.api("post", url, json={})
    assert again.status_code == 409
    assert "already reported" in again.get_json()["message"]
    assert session.scalar(sa.select(sa.func.count()).select_from(UnansweredReport)) == 1
    event = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "request.reported_unanswered"))
    assert event.actor_id == coach.id and event.details == {
        "request_id": expired.id, "supporter_id": supporter.id}


def test_a_waiting_request_can_be_reported_after_the_setting_days(
        visitor, app, coach, supporter, add_request):
    days = app.config["UNANSWERED_REQUEST_DAYS"]
    fresh = add_request(supporter, state="pending", days_ago=days - 1, expires_in_days=5)
    waited = add_request(supporter, state="pending", days_ago=days + 1, expires_in_days=3)
    as_coach = visitor(coach)

    early = as_coach.api("post", f"/api/v1/requests/{fresh.id}/unanswered-report", json={})
    assert early.status_code == 409 and "has until" in early.get_json()["message"]
    shown = as_coach.api("get", f"/api/v1/requests/{fresh.id}").get_json()["unanswered_report"]
    assert shown["can_report"] is False and shown["reportable_from"]
    late = as_coach.api("post", f"/api/v1/requests/{waited.id}/unanswered-report", json={})
    assert late.status_code == 201


@pytest.mark.parametrize("how", ["question", "declined", "withdrawn"])
def test_a_request_the_supporter_answered_cannot_be_reported(
        visitor, session, coach, supporter, add_request, how):
    if how == "question":
        found = add_request(supporter)
        session.add(RequestMessage(request_id=found.id, author_id=supporter.user_id,
                                   body="Which event?", created_at=found.created_at))
        session.commit()
    elif how == "declined":
        found = add_request(supporter, answered_after=3)
    else:
        found = add_request(supporter, state="withdrawn")
    answer = visitor(coach).api("post", f"/api/v1/requests/{found.id}/unanswered-report",
                                json={})
    assert answer.status_code == 409
    assert session.scalar(sa.select(sa.func.count()).select_from(UnansweredReport)) == 0


@pytest.mark.parametrize("who", ["other_coach", "the_supporter", "admin", "no_such_request"])
def test_someone_elses_request_is_not_found(
        visitor, make_account, session, coach, admin, supporter, add_request, who):
    expired = add_request(supporter)
    user = {"other_coach": make_account(roles=["coach"]), "the_supporter": supporter.user,
            "admin": admin, "no_such_request": coach}[who]
    request_id = expired.id + 1000 if who == "no_such_request" else expired.id
    answer = visitor(user).api("post", f"/api/v1/requests/{request_id}/unanswered-report",
                               json={"note": "x"})
    assert answer.status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(UnansweredReport)) == 0


@pytest.mark.parametrize("note, message", [("x" * 1001, "must be at most 1000 characters"),
                                           ("bad\x00byte", "control character")])
def test_a_bad_note_names_the_field_and_changes_nothing(
        visitor, session, coach, supporter, add_request, note, message):
    expired = add_request(supporter)
    answer = visitor(coach).api("post", f"/api/v1/requests/{expired.id}/unanswered-report",
                                json={"note": note})
    assert answer.status_code == 422
    assert message in " ".join(answer.get_json()["errors"]["note"])
    assert session.scalar(sa.select(sa.func.count()).select_from(UnansweredReport)) == 0


def test_reporting_from_the_request_page_and_the_supporter_never_sees_it(
        visitor, coach, supporter, add_request):
    expired = add_request(supporter)
    as_coach, as_supporter = visitor(coach), visitor(supporter.user)
    page = as_coach.get(f"/requests/{expired.id}").get_data(as_text=True)
    assert "Report that Sol Silent never answered" in page

    too_long = as_coach.post(f"/requests/{expired.id}/report-unanswered",
                             data={"note": "y" * 1001})
    assert too_long.status_code == 422
    assert 'id="report-note-error"' in too_long.get_data(as_text=True)
    sent = as_coach.post(f"/requests/{expired.id}/report-unanswered",
                         data={"note": "Never heard back at all."})
    assert sent.status_code == 302
    page = as_coach.get(sent.location).get_data(as_text=True)
    assert "You told the programme team" in page and "Report that" not in page

    theirs = as_supporter.get(f"/requests/{expired.id}").get_data(as_text=True)
    assert "programme team" not in theirs and "Never heard back" not in theirs
    detail = as_supporter.api("get", f"/api/v1/requests/{expired.id}").get_json()
    assert detail["unanswered_report"] is None


# --- What admins see and do ----------------------------------------------------------------


@pytest.fixture
def reported(session, make_account, make_supporter, coach, add_request, visitor):
    """Sol (two reports, from two coaches) and Quinn (one), with some history."""
    other = make_account(roles=["coach"], name="Otto Other", email="otto@example.com")
    sol = session.get(SupporterProfile, make_supporter(
        user=make_account(roles=["supporter"], name="Sol Silent", email="sol@example.com")).id)
    quinn = make_supporter(user=make_account(roles=["supporter"], name="Quinn Quiet"))
    add_request(sol, answered_after=30)
    waiting = add_request(sol, state="pending", days_ago=2, by=other, expires_in_days=5)
    for who, profile, note in ((coach, sol, "Cora's note"), (other, sol, ""),
                               (coach, quinn, "")):
        expired = add_request(profile, by=who)
        assert visitor(who).api("post", f"/api/v1/requests/{expired.id}/unanswered-report",
                                json={"note": note}).status_code == 201
    return {"sol": sol, "quinn": quinn, "waiting": waiting, "other": other}


def test_the_admin_sees_reports_by_supporter_with_their_history(visitor, admin, reported):
    as_admin = visitor(admin)
    listed = as_admin.api("get", "/api/v1/admin/unanswered-reports").get_json()
    assert (listed["report_count"], listed["supporter_count"]) == (3, 2)
    first = listed["supporters"][0]
    assert first["id"] == reported["sol"].id and first["report_count"] == 2
    assert first["history"] == {"answered": 1, "unanswered": 2, "replies_within_days": None}
    assert first["waiting_requests"] == 1
    assert [r["coach"] for r in first["reports"]] == ["Cora Coach", "Otto Other"]

    home = as_admin.get("/admin/").get_data(as_text=True)
    assert "Reports of no answer" in home and "/admin/reports/unanswered" in home
    assert "Sol Silent: 2 reports" in home
    overview = as_admin.api("get", "/api/v1/admin/overview").get_json()
    assert overview["unanswered_reports"]["report_count"] == 3
    page = as_admin.get("/admin/reports/unanswered").get_data(as_text=True)
    assert "Cora&#39;s note" in page and "1 answered, 2 let expire" in page


def test_the_admin_dismisses_a_report(visitor, admin, reported, session):
    as_admin = visitor(admin)
    report_id = as_admin.api("get", "/api/v1/admin/unanswered-reports").get_json()[
        "supporters"][1]["reports"][0]["id"]
    done = as_admin.post(f"/admin/reports/unanswered/{report_id}/dismiss")
    assert done.status_code == 302
    again = as_admin.api("post", f"/api/v1/admin/unanswered-reports/{report_id}/dismiss")
    assert again.status_code == 409 and "dismissed" in again.get_json()["message"]
    listed = as_admin.api("get", "/api/v1/admin/unanswered-reports").get_json()
    assert [s["id"] for s in listed["supporters"]] == [reported["sol"].id]
    assert session.scalar(sa.select(AuditEvent.actor_id).where(
        AuditEvent.action == "unanswered_report.dismissed")) == admin.id


def test_pausing_a_supporter_settles_their_reports_and_never_names_the_reporter(
        visitor, admin, reported, session, mailbox):
    sol = reported["sol"]
    as_admin = visitor(admin)
    bad = as_admin.post(f"/admin/reports/unanswered/supporters/{sol.id}/pause",
                        data={"reason": "r" * 201})
    assert bad.status_code == 422
    assert f'id="pause-{sol.id}-reason-error"' in bad.get_data(as_text=True)

    paused = as_admin.api("post", f"/api/v1/admin/unanswered-reports/supporters/{sol.id}/pause",
                          json={})
    assert paused.status_code == 200 and paused.get_json()["paused"] is True
    again = as_admin.api("post", f"/api/v1/admin/unanswered-reports/supporters/{sol.id}/pause",
                         json={})
    assert again.status_code == 409, again.get_json()
    listed = as_admin.api("get", "/api/v1/admin/unanswered-reports").get_json()
    assert [s["id"] for s in listed["supporters"]] == [reported["quinn"].id]
    assert session.get(SupportRequest, reported["waiting"].id).status == "declined"
    assert sol.id not in {c["id"] for c in visitor().get(
        "/api/v1/search?where=LS6+3QS").get_json()["results"]}
    event = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "profile.paused_by_admin"))
    assert event.actor_id == admin.id and len(event.details["reports"]) == 2

    mailbox.deliver()
    to_sol = mailbox.to("sol@example.com")
    assert len(to_sol) == 1 and "paused" in to_sol[0]["Subject"]
    own_view = visitor(sol.user).api("get", "/api/v1/me/profile").get_json()
    for text in (mailbox.body(to_sol[0]), own_view["paused_reason"]):
        for reporter in ("Cora", "cora@example.com", "Otto", "Cora's note"):
            assert reporter not in text


@pytest.mark.parametrize("method, path", [
    ("get", "/admin/reports/unanswered"),
    ("get", "/api/v1/admin/unanswered-reports"),
    ("post", "/api/v1/admin/unanswered-reports/{report}/dismiss"),
    ("post", "/api/v1/admin/unanswered-reports/supporters/{supporter}/pause"),
])
def test_reports_are_not_found_for_anyone_but_admins(
        visitor, reported, coach, session, method, path):
    report = session.scalar(sa.select(UnansweredReport.id).limit(1))
    url = path.format(report=report, supporter=reported["sol"].id)
    for user in (coach, reported["sol"].user):
        # 404 before any validation: a bad body must not tell them the page exists.
        answer = visitor(user).api(method, url, json={"reason": "r" * 300})
        assert answer.status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(UnansweredReport).where(
        UnansweredReport.status == "open")) == 3
    assert session.get(SupporterProfile, reported["sol"].id).paused is False


def test_reports_are_in_the_coachs_export_and_erased_with_them(
        visitor, coach, reported, session):
    as_coach = visitor(coach)
    exported = as_coach.api("post", "/api/v1/me/export", json={"password": PASSWORD})
    rows = exported.get_json()["unanswered_reports"]
    assert sorted(r["note"] for r in rows) == ["", "Cora's note"]
    supporters_export = visitor(reported["sol"].user).api(
        "post", "/api/v1/me/export", json={"password": PASSWORD}).get_data(as_text=True)
    assert "Cora's note" not in supporters_export

    assert as_coach.api("post", "/api/v1/me/deletion",
                        json={"password": PASSWORD}).status_code == 204
    session.expire_all()
    left = session.scalars(sa.select(UnansweredReport.reporter_id)).all()
    assert left == [reported["other"].id]
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.body.contains("Cora's note"))) == 0
