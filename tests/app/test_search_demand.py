"""The search demand log: every search counted by area and what it asked, never by who.

Searches are made through the API, the search page and the widget, as coaches
make them; the counts are read from the table they are written to.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import SearchDemand
from app.services import search_demand
from tests.conftest import CLUB_SITE
from tests.places import BEVERLY_HILLS, HEADINGLEY

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"}


def written(app, session) -> list[SearchDemand]:
    with app.app_context():
        search_demand.flush()
    session.expire_all()
    return session.scalars(sa.select(SearchDemand).order_by(SearchDemand.id)).all()


def only(rows, **where) -> SearchDemand:
    [row] = [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]
    return row


def test_a_search_that_finds_nobody_is_counted_by_district_and_what_it_asked(
        app, client, session):
    response = client.get("/api/v1/search?where=LS6+3QS&roles=mentor&roles=coach_developer"
                          "&event_groups=jumps&needs=technical_model:3&mode=in_person",
                          headers=BROWSER)
    assert response.status_code == 200 and response.get_json()["total"] == 0

    [row] = written(app, session)
    assert (row.period, row.day, row.country, row.area) == ("day", date.today(), "GB", "LS6")
    assert row.roles == ",coach_developer,mentor,"
    assert (row.event_groups, row.needs, row.mode) == (",jumps,", ",technical_model,", "in_person")
    assert (row.source, row.widget_key_id, row.traffic) == ("api", None, "person")
    assert (row.searches, row.met_in_person, row.met_online, row.requests) == (1, 0, 0, 0)


def test_nothing_finer_than_a_district_nor_who_searched_is_kept(app, session, visitor,
                                                                 make_account):
    coach = visitor(make_account(name="Cora Coach", email="cora@example.com"))
    coach.get("/search?where=LS6+3QS", headers=BROWSER)
    coach.get("/api/v1/search?lat=53.8195&lon=-1.5820", headers=BROWSER)
    rows = written(app, session)
    assert {(r.area, r.source, r.searches) for r in rows} == {("LS6", "site", 1),
                                                              ("LS6", "api", 1)}
    stored = " ".join(str(getattr(r, c.name)) for r in rows for c in SearchDemand.__table__.c)
    for secret in ("3QS", "53.8", "1.58", "127.0.0.1", "Cora", "cora@"):
        assert secret not in stored


def test_a_search_with_someone_free_nearby_counts_as_met(app, client, session, make_supporter):
    make_supporter(**HEADINGLEY)
    make_supporter(offers_online=True, capacity=0)  # online, but full
    client.get("/api/v1/search?where=LS6+3QS", headers=BROWSER)
    client.get("/api/v1/search?where=LS6+3QS&roles=coach_developer", headers=BROWSER)
    rows = written(app, session)
    assert (only(rows, roles="").met_in_person, only(rows, roles="").met_online) == (1, 0)
    assert only(rows, roles=",coach_developer,").met_in_person == 0


def test_every_search_is_counted_even_when_answered_from_the_cache(app, client, session):
    for _ in range(3):
        assert client.get("/api/v1/search?where=LS1&radius_km=10",
                          headers=BROWSER).status_code == 200
    # Not counted: later pages, a look-up by name, a place that is not found, bad input.
    client.get("/api/v1/search?where=LS1&radius_km=10&page=2", headers=BROWSER)
    client.get("/api/v1/search?where=LS1&name=Ava", headers=BROWSER)
    client.get("/api/v1/search?where=Nowhereville+Upon+Sea", headers=BROWSER)
    client.get("/api/v1/search?where=LS1&radius_km=-5", headers=BROWSER)
    [row] = written(app, session)
    assert (row.area, row.searches) == ("LS1", 3)


def test_us_searches_are_counted_by_zip3(app, client, session):
    client.get("/api/v1/search?where=90210", headers=BROWSER)
    client.get(f"/api/v1/search?lat={BEVERLY_HILLS['latitude']}"
               f"&lon={BEVERLY_HILLS['longitude']}", headers=BROWSER)
    [row] = written(app, session)
    assert (row.country, row.area, row.searches) == ("US", "902", 2)


def test_page_and_widget_searches_are_labelled_by_source_and_key(
        app, client, session, make_widget_key):
    widget_key = make_widget_key()
    assert client.get("/search?where=LS6+3QS", headers=BROWSER).status_code == 200
    answer = client.get("/widget/api/v1/search", query_string={"key": widget_key.key,
                                                               "where": "LS6 3QS"},
                        headers={"Origin": CLUB_SITE, **BROWSER})
    assert answer.status_code == 200
    rows = written(app, session)
    assert only(rows, source="site").widget_key_id is None
    assert only(rows, source="widget").widget_key_id == widget_key.id


def test_crawlers_and_refused_clients_are_counted_apart(app, client, session,
                                                        make_widget_key):
    client.get("/api/v1/search?where=LS6", headers={"User-Agent": "Googlebot/2.1"})
    client.get("/api/v1/search?where=LS7", headers={"User-Agent": ""})
    # A client the widget's limit refuses is counted apart for a while afterwards.
    widget_key = make_widget_key(rate_limit_per_minute=1)
    for _ in range(2):
        client.get("/widget/api/v1/search", query_string={"key": widget_key.key,
                                                          "where": "LS1"},
                   headers={"Origin": CLUB_SITE, **BROWSER})
    client.get("/api/v1/search?where=LS2", headers=BROWSER)
    rows = written(app, session)
    assert {(r.area, r.traffic) for r in rows} == {
        ("LS6", "bot"), ("LS7", "bot"), ("LS1", "person"), ("LS2", "limited")}


class TestRequestsThatFollow:
    @pytest.fixture
    def coach(self, visitor, make_account):
        return visitor(make_account(roles=["coach"]))

    @pytest.fixture
    def mentor(self, make_account, make_supporter):
        return make_supporter(user=make_account(roles=["supporter"]), **HEADINGLEY)

    def test_a_request_sent_after_a_page_search_is_counted_with_it(
            self, app, session, coach, mentor):
        assert coach.get("/search?where=LS6+3QS&roles=mentor").status_code == 200
        sent = coach.post(f"/supporters/{mentor.id}/request",
                          data={"role": "mentor", "message": "Hello"})
        assert sent.status_code == 302
        # A second request does not count the same search twice.
        coach.post(f"/supporters/{mentor.id}/request", data={"role": "mentor"})
        row = only(written(app, session), source="site")
        assert (row.searches, row.met_in_person, row.requests) == (1, 1, 1)

    def test_a_request_from_a_widget_link_is_counted_with_the_widget_search(
            self, app, client, session, coach, mentor, make_widget_key):
        widget_key = make_widget_key()
        ref = client.get("/widget/api/v1/search", query_string={
            "key": widget_key.key, "where": "LS6 3QS"},
            headers={"Origin": CLUB_SITE, **BROWSER}).get_json()["demand_ref"]
        assert coach.get(f"/supporters/{mentor.id}?ref={ref}").status_code == 200
        assert coach.api("post", "/api/v1/requests", json={
            "supporter_id": mentor.id, "role": "mentor"}).status_code == 201
        row = only(written(app, session), source="widget")
        assert (row.widget_key_id, row.searches, row.requests) == (widget_key.id, 1, 1)

    def test_a_forged_reference_counts_nothing(self, app, session, coach, mentor):
        coach.get(f"/supporters/{mentor.id}?ref=WyJHQiIsIkxTNiJd.forged")
        assert coach.api("post", "/api/v1/requests", json={
            "supporter_id": mentor.id, "role": "mentor"}).status_code == 201
        assert written(app, session) == []


def test_old_days_are_merged_into_months_and_old_months_deleted(app, session, runner):
    today = date(2026, 12, 6)
    found = search_demand.Sighting("GB", "LS6", ",mentor,", "", "", "either", False, True)
    with app.test_request_context(headers=BROWSER):
        for day, times in ((date(2026, 8, 30), 2), (date(2026, 8, 1), 1),
                           (date(2026, 9, 6), 1), (date(2026, 9, 8), 4),
                           (date(2024, 11, 30), 5)):
            for _ in range(times):
                search_demand.record(found, source="site", today=day)
        search_demand.flush()

    result = runner.invoke(args=["roll-up-search-demand", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert "4 day rows merged into months, 1 old month rows deleted" in result.output
    session.expire_all()
    rows = session.scalars(sa.select(SearchDemand).order_by(SearchDemand.day)).all()
    # Kept as days: the last 90 (from 7 September); 30 November 2024 is over 24 months old.
    assert [(r.period, r.day, r.searches, r.met_online) for r in rows] == [
        ("month", date(2026, 8, 1), 3, 3), ("month", date(2026, 9, 1), 1, 1),
        ("day", date(2026, 9, 8), 4, 4)]
    # Rolling up again changes nothing; a later day adds to its month's row.
    runner.invoke(args=["roll-up-search-demand", "--today", today.isoformat()])
    runner.invoke(args=["roll-up-search-demand", "--today",
                        (today + timedelta(days=2)).isoformat()])
    session.expire_all()
    assert [(r.period, r.day, r.searches) for r in session.scalars(
        sa.select(SearchDemand).order_by(SearchDemand.day))] == [
        ("month", date(2026, 8, 1), 3), ("month", date(2026, 9, 1), 5)]


class TestWrittenAfterTheAnswer:
    @pytest.fixture
    def app_config(self):
        return {"SEARCH_LOG_FLUSH_SECONDS": 0}

    def test_counts_are_written_once_the_answer_is_sent_and_never_fail_a_search(
            self, client, session):
        session.execute(sa.text("ALTER TABLE search_demand RENAME TO search_demand_x"))
        session.commit()
        try:
            response = client.get("/api/v1/search?where=LS6", headers=BROWSER)
            response.close()
            assert response.status_code == 200
        finally:
            session.execute(sa.text("ALTER TABLE search_demand_x RENAME TO search_demand"))
            session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(SearchDemand)) == 0
        client.get("/api/v1/search?where=LS6", headers=BROWSER).close()
        assert session.scalar(sa.select(SearchDemand.searches)) == 2


def test_the_search_page_has_the_api_s_limit_and_counts_refused_clients_apart(
        app, app_config, client, session):
    app.config["SEARCH_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert client.get("/search?where=LS6", headers=BROWSER).status_code == 200
    refused = client.get("/search?where=LS6", headers=BROWSER)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many requests" in refused.get_data(as_text=True)
    app.config["SEARCH_RATE_LIMIT"] = "100 per minute"
    assert client.get("/search?where=LS7", headers=BROWSER).status_code == 200
    rows = written(app, session)
    assert {(r.area, r.traffic, r.searches) for r in rows} == {("LS6", "person", 2),
                                                              ("LS7", "limited", 1)}
