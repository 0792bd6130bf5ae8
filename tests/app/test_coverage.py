"""Coverage of demand: real searches through the API, read back by area on the coverage API.

Searches are counted in each worker's memory and written now and then; the
coverage answer writes them first, so a search made a moment ago is there.
Counts from 1 to 4 (COVERAGE_MIN_COUNT 5) are never shown, nor left to be
worked out from the counts beside them.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

import geodata
from app.models import AuditEvent, SearchDemand

from ..places import CITY_CENTRE, HEADINGLEY

COVERAGE = "/api/v1/admin/coverage"
ASK_FIELDS = ("name", "distance_km", "status")


@pytest.fixture
def as_admin(make_account, visitor):
    return visitor(make_account(roles=["admin"], name="Ada Admin"))


@pytest.fixture
def search(client):
    """Make real searches through the API: ``search("KW14", times=6, roles="mentor")``.

    Each has its own radius, so no two share a query string (and none is
    answered from a worker's earlier answer; those are counted too).
    """
    made = iter(range(10, 500))

    def make(where, *, times=1, headers=None, **params):
        for _ in range(times):
            params.setdefault("mode", "either")
            response = client.get("/api/v1/search", headers=headers or {}, query_string={
                "where": where, "radius_km": next(made), **params})
            assert response.status_code == 200, response.get_json()

    return make


def located(postcode: str, **fields) -> dict:
    """A supporter's private location at a real postcode, as a profile stores it."""
    found = geodata.geocode(postcode)
    return dict(latitude=found.lat, longitude=found.lon, postcode=postcode,
                outward_code=postcode.split()[0], place_label=None, **fields)


def coverage(visitor, **filters):
    response = visitor.get(COVERAGE, query_string=filters)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def area(answer, country, code):
    found = [a for a in answer["areas"] if (a["country"], a["area"]) == (country, code)]
    assert found, f"{country} {code} not among {[a['area'] for a in answer['areas']]}"
    return found[0]


def test_searches_where_nobody_is_near_are_unmet(as_admin, make_supporter, search):
    make_supporter(**HEADINGLEY)  # in Leeds: nobody near Thurso or Manhattan
    search("KW14", times=6)
    search("10001", times=5)
    answer = coverage(as_admin)
    thurso = area(answer, "GB", "KW14")
    assert (thurso["searches"], thurso["found_in_person"], thurso["unmet"]) == (6, 0, 6)
    assert thurso["share_found_in_person"] == 0 and thurso["band"] == 0
    assert (thurso["supporters"], thurso["places_free"]) == (0, 0)
    centre = geodata.area_centre("GB", "KW14")
    assert (thurso["lat"], thurso["lon"]) == pytest.approx((centre.lat, centre.lon), abs=1e-4)
    manhattan = area(answer, "US", "100")
    assert (manhattan["label"], manhattan["searches"], manhattan["unmet"]) == ("100xx, NY", 5, 5)
    # Most unmet first.
    assert [(a["area"]) for a in answer["areas"][:2]] == ["KW14", "100"]
    assert answer["totals"] == {"areas": 2, "few_areas": 0, "searches": 11,
                                "found_in_person": 0, "unmet": 11, "requests": 0}


def test_an_area_with_a_supporter_with_places_free_is_met(as_admin, make_supporter, search):
    make_supporter(**HEADINGLEY, capacity=3)
    make_supporter(**HEADINGLEY, paused=True)  # not searchable: not supply
    search("LS6", times=5)
    leeds = area(coverage(as_admin), "GB", "LS6")
    assert (leeds["searches"], leeds["found_in_person"], leeds["unmet"]) == (5, 5, 0)
    assert leeds["share_found_in_person"] == 1 and leeds["band"] == 4
    assert (leeds["supporters"], leeds["supporters_with_places"], leeds["places_free"]) == \
        (1, 1, 3)


def test_a_full_supporter_does_not_meet_demand(as_admin, make_supporter, make_account,
                                               make_engagement, search):
    full = make_supporter(**HEADINGLEY, capacity=1)
    make_engagement(make_account(), full)
    search("LS6", times=5)
    leeds = area(coverage(as_admin), "GB", "LS6")
    assert (leeds["found_in_person"], leeds["unmet"]) == (0, 5)
    assert (leeds["supporters"], leeds["supporters_with_places"], leeds["places_free"]) == \
        (1, 0, 0)


def test_counts_under_the_threshold_are_never_shown(as_admin, make_supporter, search):
    make_supporter(**HEADINGLEY)
    search("KW14", times=3)  # too few to show anything but that
    search("LS1", times=7)  # 7 within reach of the supporter 3.4 km away
    search("LS1", times=2, radius_km=1)  # 2 not: too few to show, so 7 is hidden too
    answer = coverage(as_admin)
    thurso = area(answer, "GB", "KW14")
    assert (thurso["searches"], thurso["searches_between"]) == (None, [1, 4])
    assert thurso["band"] is None and thurso["unmet"] is None and thurso["unmet_between"] is None
    centre = area(answer, "GB", "LS1")
    assert centre["searches"] == 9
    assert (centre["unmet"], centre["unmet_between"]) == (None, [1, 4])
    assert (centre["found_in_person"], centre["found_in_person_between"]) == (None, [5, 8])
    assert centre["share_found_in_person"] is None and centre["band"] is None
    assert not {2, 3, 7} & {v for v in centre.values() if isinstance(v, int)}
    # Totals add up only what is shown: nothing hidden comes out by subtraction.
    assert answer["totals"] == {"areas": 1, "few_areas": 1, "searches": 9,
                                "found_in_person": 0, "unmet": 0, "requests": 0}


def test_the_threshold_is_a_setting(app, as_admin, search):
    app.config["COVERAGE_MIN_COUNT"] = 3
    search("KW14", times=3)
    assert area(coverage(as_admin), "GB", "KW14")["searches"] == 3


def test_a_range_that_lies_in_one_band_keeps_its_colour(as_admin, make_supporter, search):
    make_supporter(**HEADINGLEY)
    search("LS1", times=1, radius_km=1)
    search("LS1", times=30)  # 30 of 31 met: "27 to 30" of 31 is 87% or more
    centre = area(coverage(as_admin), "GB", "LS1")
    assert centre["found_in_person_between"] == [27, 30] and centre["band"] == 4


def test_role_event_group_and_country_filters(as_admin, make_supporter, make_account,
                                              make_engagement, search):
    mentor = make_supporter(**located("KW1 4RQ", capacity=1), roles=["mentor"],
                            event_groups=["jumps"])
    make_engagement(make_account(), mentor)
    make_supporter(**located("KW1 4RH"), roles=["co_coach"], event_groups=["throws"])
    search("KW14", times=5, roles="mentor", event_groups="jumps")
    search("KW14", times=6, roles="co_coach", event_groups="throws")
    search("10001", times=5)
    assert area(coverage(as_admin), "GB", "KW14")["searches"] == 11
    mentors = coverage(as_admin, role="mentor")
    assert [(a["area"], a["searches"]) for a in mentors["areas"]] == [("KW14", 5)]
    throws = coverage(as_admin, event_group="throws")
    assert [(a["area"], a["searches"]) for a in throws["areas"]] == [("KW14", 6)]
    assert [a["area"] for a in coverage(as_admin, country="US")["areas"]] == ["100"]
    # Whom to ask follows the role: the full mentor for mentors, nobody for co-coaches.
    (asked,) = mentors["whom_to_ask"]
    assert [p["supporter_id"] for p in asked["supporters"]] == [mentor.id]
    (asked,) = coverage(as_admin, role="co_coach")["whom_to_ask"]
    assert asked["supporters"] == []


def test_time_range_and_presets(as_admin, search):
    search("KW14", times=5)
    today = date.today()
    assert area(coverage(as_admin, preset="30d"), "GB", "KW14")["searches"] == 5
    search("KW14")  # a moment later: counted at once, whatever a worker keeps
    assert area(coverage(as_admin, preset="30d"), "GB", "KW14")["searches"] == 6
    yesterday = (today - timedelta(days=1)).isoformat()
    assert coverage(as_admin, to=yesterday)["areas"] == []
    answer = coverage(as_admin, **{"from": today.isoformat(), "to": today.isoformat()})
    assert area(answer, "GB", "KW14")["searches"] == 6
    assert answer["range"] == {"from": today.isoformat(), "to": today.isoformat(),
                               "preset": None, "counted_from": today.isoformat()}
    assert coverage(as_admin, preset="90d")["range"]["from"] == \
        (today - timedelta(days=89)).isoformat()


def test_a_month_kept_whole_counts_from_its_first_day(app, as_admin, session, search):
    from app.services import search_demand

    search("KW14", times=5)
    coverage(as_admin)  # written to the table
    later = date.today() + timedelta(days=app.config["DEMAND_DAILY_DAYS"] + 40)
    with app.test_request_context():
        search_demand.roll_up(session, today=later)
        session.commit()
    assert session.scalars(select(SearchDemand.period)).all() == ["month"]
    today = date.today().isoformat()
    answer = coverage(as_admin, **{"from": today, "to": today})
    assert area(answer, "GB", "KW14")["searches"] == 5
    assert answer["range"]["counted_from"] == date.today().replace(day=1).isoformat()


def test_crawlers_and_online_searches_are_counted_apart(as_admin, search):
    search("KW14", times=5)
    search("KW14", times=6, headers={"User-Agent": "Googlebot/2.1"})
    search("KW14", times=2, mode="online")
    answer = coverage(as_admin)
    assert area(answer, "GB", "KW14")["searches"] == 5
    assert answer["other"] == {"online_only": {"value": None, "between": [1, 4]},
                               "limited": {"value": 0, "between": None},
                               "bot": {"value": 6, "between": None}}
    bots = coverage(as_admin, traffic="bot")
    assert area(bots, "GB", "KW14")["searches"] == 6
    # What is not shown is counted whole: people's searches, online ones too.
    assert bots["other"] == {"online_only": {"value": 0, "between": None},
                             "person": {"value": 7, "between": None},
                             "limited": {"value": 0, "between": None}}
    assert area(coverage(as_admin, traffic="all"), "GB", "KW14")["searches"] == 11


def test_source_filter(as_admin, client, search):
    search("KW14", times=5)
    for radius in range(10, 16):
        assert client.get("/search", query_string={"where": "KW14", "radius_km": radius,
                                                   "filters": 1}).status_code == 200
    assert area(coverage(as_admin), "GB", "KW14")["searches"] == 11
    assert area(coverage(as_admin, source="api"), "GB", "KW14")["searches"] == 5
    assert area(coverage(as_admin, source="site"), "GB", "KW14")["searches"] == 6


@pytest.mark.parametrize(("query", "field"), [
    ({"preset": "7d"}, "preset"),
    ({"from": "2026-13-01"}, "from"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"to": "0001-01-05"}, "to"),
    ({"role": "wizard"}, "role"),
    ({"event_group": "quidditch"}, "event_group"),
    ({"traffic": "robots"}, "traffic"),
    ({"source": "fax"}, "source"),
    ({"widget_key": "999"}, "widget_key"),
    ({"country": "FR"}, "country"),
])
def test_bad_filters_are_refused_naming_the_field(as_admin, query, field):
    for url in (COVERAGE, COVERAGE + ".csv"):
        response = as_admin.get(url, query_string=query)
        assert response.status_code == 422, response.get_data(as_text=True)
        assert list(response.get_json()["errors"]) == [field]
    page = as_admin.get("/admin/coverage", query_string=query)
    assert page.status_code == 422
    assert f'id="{field}-error"' in page.get_data(as_text=True)


def test_whom_to_ask_lists_full_and_paused_supporters_nearest_first(
        as_admin, make_supporter, make_account, make_engagement, search):
    def named(name, postcode, **fields):
        return make_supporter(user=make_account(roles=["supporter"], name=name),
                              **located(postcode, **fields))

    wick = named("Wendy Wick", "KW1 4RQ", capacity=1)
    make_engagement(make_account(), wick)
    named("Ian Inverness", "IV2 5HN", paused=True)
    leeds = named("Lee Leeds", "LS1 2RU", capacity=1)
    make_engagement(make_account(), leeds)
    named("Abe Aberdeen", "AB10 6HE")  # places free: already findable
    named("Eve Expired", "KW1 4RH", paused=True,
          licence_expires_on=date.today() - timedelta(days=1))  # could not be found anyway
    named("Hal Hidden", "KW1 4QR", paused=True, visible=False)
    search("KW14", times=5)
    answer = coverage(as_admin)
    (thurso,) = answer["whom_to_ask"]
    assert (thurso["area"], thurso["label"]) == ("KW14", "KW14")
    people = [tuple(p[f] for f in ASK_FIELDS) for p in thurso["supporters"]]
    assert [p[0] for p in people] == ["Wendy Wick", "Ian Inverness", "Lee Leeds"]
    assert [p[2] for p in people] == ["full", "paused", "full"]
    distances = [p[1] for p in people]
    assert distances == sorted(distances) and 25 < distances[0] < 35 and distances[2] > 500
    assert thurso["supporters"][0]["email"] == wick.user.email


def test_non_admins_get_404_and_the_anonymous_401(make_account, visitor):
    coach = visitor(make_account(roles=["coach", "supporter"]))
    for url in (COVERAGE, COVERAGE + ".csv", "/admin/coverage", "/admin/coverage.csv"):
        assert coach.get(url).status_code == 404
        # Permission before validation: a bad filter tells a stranger nothing either.
        assert coach.get(url, query_string={"traffic": "robots"}).status_code == 404
    assert visitor().get(COVERAGE).status_code == 401


def test_the_csv_matches_the_json(as_admin, session, make_supporter, search):
    make_supporter(**HEADINGLEY)
    search("KW14", times=6)
    search("LS6", times=5)
    search("10001", times=2)
    search("LS1", times=7)
    search("LS1", times=2, radius_km=1)
    answer = coverage(as_admin)
    response = as_admin.get(COVERAGE + ".csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["country"], r["area"], r["label"]) for r in rows] == \
        [(a["country"], a["area"], a["label"]) for a in answer["areas"]]
    for row, a in zip(rows, answer["areas"], strict=True):
        for name in ("searches", "found_in_person", "unmet", "requests"):
            if a[name] is not None:
                assert row[name] == str(a[name])
            elif a[f"{name}_between"]:
                lo, hi = a[f"{name}_between"]
                assert row[name] == ("fewer than 5" if (lo, hi) == (1, 4) else f"{lo} to {hi}")
            else:
                assert row[name] == ""
        assert (int(row["supporters"]), int(row["places_free"])) == \
            (a["supporters"], a["places_free"])
    assert rows[-1]["area"] == "100" and rows[-1]["searches"] == "fewer than 5"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "coverage.exported")
                            ).one()
    assert event.details == {"rows": 4}


def test_the_page_works_without_javascript(as_admin, make_supporter, make_account,
                                          make_engagement, search):
    full = make_supporter(user=make_account(roles=["supporter"], name="Wendy Wick"),
                          **located("KW1 4RQ", capacity=1))
    make_engagement(make_account(), full)
    make_supporter(**CITY_CENTRE)
    search("KW14", times=6)
    search("LS1", times=5)
    search("10001", times=2)
    page = as_admin.get("/admin/coverage", query_string={"preset": "90d"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    table = html[html.index('data-testid="coverage-table"'):html.index("</table>")]
    assert table.index('data-area="GB-KW14"') < table.index('data-area="GB-LS1"')
    assert "100xx, NY" in table and "fewer than 5" in table
    assert 'data-testid="coverage-csv"' in html and "preset=90d" in html
    assert "Wendy Wick" in html and "full" in html
    assert 'id="coverage-map-data"' in html and '<option value="90d" selected' in html
    home = as_admin.get("/admin/").get_data(as_text=True)
    assert "/admin/coverage" in home


def test_the_api_is_described(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (COVERAGE, COVERAGE + ".csv"):
        operation = paths[path]["get"]
        assert {"401", "404", "422"} <= set(operation["responses"])
        assert {"from", "to", "preset", "role", "event_group", "traffic"} <= \
            {p["name"] for p in operation["parameters"]}
