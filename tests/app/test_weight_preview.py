"""Previewing proposed weights: sample searches and a cohort ranked both ways, nothing
saved; popular searches counted coarsely per day, never failing a search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import (
    AllocationRun,
    AuditEvent,
    CoachProfile,
    DailySearchCount,
    EventGroup,
    OutboxMessage,
    Qualification,
    RankingWeights,
    WeightSampleSearch,
)
from app.services import search_log

from ..conftest import config_for
from ..places import BRADFORD, HEADINGLEY

ORIGIN = (53.8263, -1.5907)  # where "LS6 3QS" is searched from
NAMES = ["Ava A.", "Ben B.", "Cat C.", "Dev D.", "Eli E.", "Fay F.", "Gus G.", "Hal H.",
         "Ivy I.", "Jo J.", "Kit K.", "Lou L."]
SAMPLE = {"where": "LS6 3QS", "roles": ["mentor"], "needs": ["training_planning"],
          "mode": "in_person"}


@pytest.fixture
def as_admin(make_account, visitor):
    return visitor(make_account(roles=["admin"], name="Ada Admin"))


@pytest.fixture
def twelve(make_account, make_supporter):
    """Twelve mentors 2 km apart going north; every other one covers training planning.

    With the defaults, the six who cover the need come first; with needs weighing
    nothing, the order is simply by distance.
    """
    made = []
    for k, name in enumerate(NAMES):
        user = make_account(roles=["supporter"], name=name)
        made.append(make_supporter(
            user=user, travel_km=50, search_latitude=ORIGIN[0] + 0.018 * k,
            search_longitude=ORIGIN[1],
            expertise=("training_planning",) if k % 2 == 0 else ("strength_power",)))
    return made


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def add_sample(as_admin, **search):
    response = as_admin.api("post", "/api/v1/admin/weights/samples",
                            json={"name": "Headingley mentors", **(search or SAMPLE)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_preview_shows_who_enters_leaves_and_moves_and_saves_nothing(
        as_admin, twelve, client, session):
    add_sample(as_admin)
    audits, outbox = count(session, AuditEvent), count(session, OutboxMessage)

    response = as_admin.api("post", "/api/v1/admin/weights/preview", json={"needs": 0})
    assert response.status_code == 200, response.get_json()
    preview = response.get_json()
    assert [c["text"] for c in preview["changes"]] == [
        "How much covering the coach's needs counts: 3 → 0"]
    [sample] = preview["samples"]
    assert sample["kind"] == "saved" and sample["name"] == "Headingley mentors"
    [ranking] = sample["lists"]
    assert ranking["title"] == "In person"
    before = [row["name"] for row in ranking["before"]]
    after = [row["name"] for row in ranking["after"]]
    # Now: the six who cover the need, then the four nearest of the rest.
    assert before == ["Ava A.", "Cat C.", "Eli E.", "Gus G.", "Ivy I.", "Kit K.",
                      "Ben B.", "Dev D.", "Fay F.", "Hal H."]
    assert after == NAMES[:10]  # nearest first
    assert [(r["name"], r["rank"]) for r in ranking["entered"]] == [("Jo J.", 10)]
    assert [(r["name"], r["rank"]) for r in ranking["left"]] == [("Kit K.", 6)]
    ben = next(r for r in ranking["moved"] if r["name"] == "Ben B.")
    assert (ben["was"], ben["rank"], ben["change"], ben["status"]) == (7, 2, 5, "up")
    cat = next(r for r in ranking["moved"] if r["name"] == "Cat C.")
    assert (cat["was"], cat["rank"], cat["change"]) == (2, 3, -1)
    assert preview["summary"] == {"searches": 1, "changed": 1, "entered": 1, "left": 1,
                                  "moved": len(ranking["moved"])}

    # Names as the public search shows them, for the same supporters.
    public = client.get("/api/v1/search?where=LS6+3QS&roles=mentor&needs=training_planning"
                        "&mode=in_person&limit=10").get_json()["results"]
    assert [(c["id"], c["name"]) for c in public] == [(r["id"], r["name"])
                                                      for r in ranking["before"]]
    # Nothing is saved, audited or emailed; search still ranks as before.
    assert count(session, RankingWeights) == 0
    assert count(session, AuditEvent) == audits and count(session, OutboxMessage) == outbox
    assert [c["name"] for c in client.get(
        "/api/v1/search?where=LS6+3QS&roles=mentor&needs=training_planning&mode=in_person"
        "&limit=10").get_json()["results"]] == before


def test_the_preview_page_works_without_javascript_then_saves_what_it_showed(
        as_admin, twelve, client, session):
    add_sample(as_admin)
    page = as_admin.get("/admin/weights").get_data(as_text=True)
    assert "Headingley mentors" in page

    response = as_admin.post("/admin/weights/preview", data={
        "proximity": "3", "event_group": "2", "needs": "0", "ladder": "1.5",
        "availability": "0.05", "responsiveness": "1", "text": "1", "supervision": "2",
        "proximity_half_km": "10", "online_proximity": "0.5", "related_group": "0.5",
        "recency_half_life_days": "30", "based_on": "0", "note": "Nearness first"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Preview: what your changes would do" in html
    assert "<strong>1 of 1</strong> sample search would change its top 10" in html
    assert "<strong>Ben B.</strong> 7" in html and ">5<span class=\"visually-hidden\"> up" in html
    assert "<strong>Jo J.</strong> enters at 10" in html
    assert "<strong>Kit K.</strong> leaves the top 10 (was 6)" in html
    assert 'class="weight is-changed"' in html  # the changed field is marked
    assert "Changed</strong> from 3" in html
    assert count(session, RankingWeights) == 0

    # The preview's own form saves exactly what was previewed.
    saved = as_admin.post("/admin/weights", data={
        "needs": "0", "proximity": "3", "based_on": "0", "note": "Nearness first"})
    assert saved.status_code == 302
    assert [c["name"] for c in client.get(
        "/api/v1/search?where=LS6+3QS&roles=mentor&needs=training_planning&mode=in_person"
        "&limit=10").get_json()["results"]] == NAMES[:10]


def test_bad_weights_in_a_preview_are_named_beside_the_field(as_admin, session):
    response = as_admin.post("/admin/weights/preview", data={"availability": "1",
                                                             "programme": "No such cohort"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="availability-error"' in html and "Must be between 0 and 0.25." in html
    assert "Preview: what your changes would do" not in html
    api = as_admin.api("post", "/api/v1/admin/weights/preview",
                       json={"needs": 1, "programme": "No such cohort"})
    assert api.status_code == 422
    assert api.get_json()["errors"] == {
        "programme": ["No coach on “No such cohort” is waiting for a coach developer."]}


def test_searches_are_counted_coarsely_and_the_popular_ones_are_previewed(
        as_admin, twelve, client, session):
    for _ in range(3):
        assert client.get("/search?where=LS6+3QS&roles=mentor").status_code == 200
    assert client.get("/api/v1/search?where=Gateshead&radius_km=40").status_code == 200
    # Not counted: a look-up by name, a second page, a place that is not found.
    client.get("/search?where=LS6+3QS&roles=mentor&name=Ava")
    client.get("/api/v1/search?where=LS6+3QS&roles=mentor&page=2")
    client.get("/api/v1/search?where=Nowhereville+Upon+Sea")

    samples = as_admin.get("/api/v1/admin/weights/samples").get_json()
    assert samples["popular"] == [
        {"params": {"where": "LS6", "radius_km": 25, "mode": "either", "roles": ["mentor"]},
         "searches": 3, "saved": False,
         "description": "LS6 · within 25 km · in person or online · Mentor"},
        {"params": {"where": "NE8", "radius_km": 40, "mode": "either"}, "searches": 1,
         "saved": False, "description": "NE8 · within 40 km · in person or online"}]
    stored = session.scalars(sa.select(DailySearchCount)).all()
    assert {row.day for row in stored} == {date.today()}
    assert not any("3QS" in row.params or "Ava" in row.params for row in stored)

    preview = as_admin.api("post", "/api/v1/admin/weights/preview", json={"needs": 0})
    popular = [s for s in preview.get_json()["samples"] if s["kind"] == "popular"]
    assert [(s["name"], s["searches"]) for s in popular] == [
        ("LS6 · within 25 km · in person or online · Mentor", 3),
        ("NE8 · within 40 km · in person or online", 1)]
    assert popular[0]["lists"][0]["before"]  # LS6 is searched again, from its centre
    # A preview's own searches are not counted.
    assert [p["searches"] for p in as_admin.get(
        "/api/v1/admin/weights/samples").get_json()["popular"]] == [3, 1]

    # Keeping a popular search as a sample, from its own button.
    page = as_admin.get("/admin/weights").get_data(as_text=True)
    assert "Keep as a sample" in page
    kept = as_admin.post("/admin/weights/samples", data={
        "name": "LS6 · within 25 km · in person or online · Mentor", "where": "LS6",
        "radius_km": "25", "mode": "either", "roles": "mentor"})
    assert kept.status_code == 302
    assert as_admin.get("/api/v1/admin/weights/samples").get_json()["popular"][0]["saved"]


class TestWritingEveryCount:
    @pytest.fixture
    def app_config(self):
        return {"SEARCH_LOG_FLUSH_SECONDS": 0}  # write the counts on every search

    def test_a_search_never_fails_for_counting_and_its_count_is_kept(
            self, client, twelve, session, as_admin):
        _search_while_counts_cannot_be_written(client, session, as_admin)


def _search_while_counts_cannot_be_written(client, session, as_admin):
    session.execute(sa.text("ALTER TABLE daily_search_counts RENAME TO daily_search_counts_x"))
    session.commit()
    try:
        for _ in range(2):
            response = client.get("/search?where=LS6+3QS&roles=mentor")
            assert response.status_code == 200
            assert "Ava A." in response.get_data(as_text=True)
    finally:
        session.execute(sa.text("ALTER TABLE daily_search_counts_x RENAME TO "
                                "daily_search_counts"))
        session.commit()
    assert count(session, DailySearchCount) == 0
    # Writes all three at once, once the answer is sent (as a server closes it).
    client.get("/search?where=LS6+3QS&roles=mentor").close()
    session.expire_all()
    assert session.scalar(sa.select(DailySearchCount.searches)) == 3
    assert as_admin.get("/api/v1/admin/weights/samples").get_json()["popular"][0][
        "searches"] == 3


def test_counts_of_several_workers_add_up(app, database_url, twelve, session, as_admin):
    from app import create_app
    from app.extensions import db

    other = create_app(config_for(database_url))  # a second worker, its own counts
    with other.test_client() as worker:
        for _ in range(2):
            assert worker.get("/search?where=LS6+3QS&roles=mentor").status_code == 200
    app.test_client().get("/search?where=LS6+3QS&roles=mentor")
    with other.app_context():
        assert search_log.flush() == 2
        db.engine.dispose()
    popular = as_admin.get("/api/v1/admin/weights/samples").get_json()["popular"]
    assert [p["searches"] for p in popular] == [3]
    assert count(session, DailySearchCount) == 1


def test_counts_are_kept_90_days_and_popular_means_the_last_30(as_admin, session):
    today = date.today()
    for days_ago, where, searches in ((100, "YO1", 50), (89, "BD1", 40), (40, "M1", 30),
                                      (29, "LS1", 2), (0, "LS1", 1)):
        text = search_log.canonical({"where": where, "radius_km": 25, "mode": "either"})
        session.add(DailySearchCount(day=today - timedelta(days=days_ago), key=where + text[:8],
                                     params=text, searches=searches))
    session.commit()
    popular = as_admin.get("/api/v1/admin/weights/samples").get_json()["popular"]
    assert [(p["params"]["where"], p["searches"]) for p in popular] == [("LS1", 3)]
    session.expire_all()
    assert sorted(session.scalars(sa.select(DailySearchCount.params)).all()) == sorted(
        search_log.canonical({"where": w, "radius_km": 25, "mode": "either"})
        for w in ("BD1", "M1", "LS1", "LS1"))  # the 100-day-old count is gone


def test_samples_are_added_and_removed_by_name_with_errors_beside_the_field(
        as_admin, session, twelve):
    # From the address of a search page, as an admin copies it from the browser.
    response = as_admin.post("/admin/weights/samples", data={
        "name": "Leeds jumps",
        "address": "http://localhost/search?filters=1&where=LS6+3QS&radius_km=30&roles=mentor"
                   "&event_groups=jumps&name=Ava&page=2"})
    assert response.status_code == 302
    [sample] = session.scalars(sa.select(WeightSampleSearch)).all()
    assert sample.params == {"where": "LS6 3QS", "radius_km": 30, "mode": "either",
                             "roles": ["mentor"], "event_groups": ["jumps"]}
    page = as_admin.get("/admin/weights").get_data(as_text=True)
    assert "Leeds jumps" in page and "LS6 3QS · within 30 km · in person or online · Mentor · " \
                                      "Jumps" in page

    unknown = as_admin.post("/admin/weights/samples", data={"name": "Lost",
                                                           "where": "Nowhereville Upon Sea"})
    assert unknown.status_code == 404
    html = unknown.get_data(as_text=True)
    assert 'id="sample-where-error"' in html and "Nowhereville" in html
    bad = as_admin.api("post", "/api/v1/admin/weights/samples",
                       json={"name": "", "where": "LS6", "roles": ["wizard"]})
    assert bad.status_code == 422 and "name" in bad.get_json()["errors"]
    bad = as_admin.api("post", "/api/v1/admin/weights/samples",
                       json={"name": "Wizards", "where": "LS6", "roles": ["wizard"]})
    assert bad.status_code == 422 and "roles" in bad.get_json()["errors"]
    assert count(session, WeightSampleSearch) == 1

    listed = as_admin.get("/api/v1/admin/weights/samples").get_json()["saved"]
    assert [(s["name"], s["created_by"]) for s in listed] == [("Leeds jumps", "Ada Admin")]
    assert as_admin.post(f"/admin/weights/samples/{sample.id}/delete").status_code == 302
    assert count(session, WeightSampleSearch) == 0
    again = add_sample(as_admin)
    assert as_admin.api("delete", f"/api/v1/admin/weights/samples/{again['id']}"
                        ).status_code == 204
    assert as_admin.api("delete", f"/api/v1/admin/weights/samples/{again['id']}"
                        ).status_code == 404
    session.expire_all()
    actions = session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action.like("weights.sample%")).order_by(AuditEvent.id)).all()
    assert actions == ["weights.sample_added", "weights.sample_removed",
                       "weights.sample_added", "weights.sample_removed"]


PILOT = "Advanced Coach pilot"


@pytest.fixture
def cohort(make_account, make_supporter, make_plan, session):
    """Four pilot coaches in Leeds, jumps or sprints; three developers near and far."""
    def developer(name, capacity, place, groups):
        user = make_account(roles=["supporter", "coach_developer"], name=name)
        return make_supporter(user=user, roles=["coach_developer"], capacity=capacity,
                              qualification="uk_advanced_coach", event_groups=groups,
                              travel_km=50, **place)

    developer("Dee Developer", 2, HEADINGLEY, ("sprints_hurdles_relays",))
    developer("Eve Expert", 2, BRADFORD, ("jumps",))
    sessional = session.scalar(sa.select(Qualification).where(
        Qualification.key == "uk_sessional_coach"))
    for name, group in (("Amy Ash", "jumps"), ("Bo Birch", "jumps"), ("Cal Cedar", "jumps"),
                        ("Di Dogwood", "sprints_hurdles_relays")):
        user = make_account(roles=["coach"], name=name)
        profile = CoachProfile(user_id=user.id, qualification=sessional, **HEADINGLEY)
        profile.event_groups = [session.scalar(sa.select(EventGroup).where(
            EventGroup.key == group))]
        session.add(profile)
        session.commit()
        make_plan(user, programme=PILOT, needs={"training_planning": 5})


def measures(run: dict) -> dict:
    scores = [p["score"] for p in run["pairs"]]
    return {"placed": len(scores), "mean_score": round(sum(scores) / len(scores), 3),
            "lowest_score": round(min(scores), 3)}


def test_a_cohort_preview_foretells_the_allocation_and_creates_nothing(as_admin, cohort,
                                                                        session):
    proposed = {"proximity": 0, "event_group": 6}
    response = as_admin.api("post", "/api/v1/admin/weights/preview",
                            json={**proposed, "programme": PILOT})
    assert response.status_code == 200, response.get_json()
    preview = response.get_json()["cohort"]
    assert preview["programme"] == PILOT and preview["coaches"] == 4
    assert count(session, AllocationRun) == 0 and count(session, OutboxMessage) == 0
    assert count(session, RankingWeights) == 0
    page = as_admin.post("/admin/weights/preview", data={**proposed, "programme": PILOT})
    html = page.get_data(as_text=True)
    assert "Cohort: Advanced Coach pilot" in html and "Worst-off placed coach&#39;s score" in html
    assert "Who would get another coach developer" in html

    # What a real proposal gives now, and after saving the proposed weights.
    def propose():
        run = as_admin.api("post", "/api/v1/admin/allocations", json={"programme": PILOT})
        assert run.status_code == 201, run.get_json()
        return run.get_json()

    now = propose()
    assert preview["current"] == pytest.approx(measures(now), abs=1e-3)
    assert as_admin.api("post", "/api/v1/admin/weights", json=proposed).status_code == 201
    later = propose()
    assert preview["proposed"] == pytest.approx(measures(later), abs=1e-3)
    pairs_now = {p["coach"]["name"]: p["supporter"]["name"] for p in now["pairs"]}
    pairs_later = {p["coach"]["name"]: p["supporter"]["name"] for p in later["pairs"]}
    assert {m["coach"]: (m["before"], m["after"]) for m in preview["moves"]} == {
        coach: (pairs_now.get(coach), pairs_later.get(coach))
        for coach in pairs_now.keys() | pairs_later.keys()
        if pairs_now.get(coach) != pairs_later.get(coach)}
    assert preview["moves"]  # event groups now outweigh the drive to Bradford
