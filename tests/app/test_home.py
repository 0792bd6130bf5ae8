"""The home page, the health check and the taxonomy: the stack end to end."""

import re
from datetime import date, timedelta


def _role_count(html: str, role: str) -> int:
    match = re.search(
        rf'data-role="{role}">\s*<span class="role-count-number">([\d,]+)</span>', html)
    assert match, f"no count for {role}"
    return int(match.group(1).replace(",", ""))


def test_home_names_the_service_and_counts_verified_supporters_by_role(client, make_supporter):
    make_supporter(roles=["mentor", "technical_advisor"])
    make_supporter(roles=["mentor"])
    make_supporter(roles=["co_coach"])
    # None of these may be counted: unverified, expired safeguarding, expired
    # licence, paused, hidden.
    yesterday = date.today() - timedelta(days=1)
    make_supporter(roles=["mentor"], verified_at=None)
    make_supporter(roles=["mentor"], safeguarding_expires_on=yesterday)
    make_supporter(roles=["mentor"], licence_expires_on=yesterday)
    make_supporter(roles=["mentor"], paused=True)
    make_supporter(roles=["mentor"], visible=False)

    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Find My Coaching Support" in html
    assert _role_count(html, "mentor") == 2
    assert _role_count(html, "technical_advisor") == 1
    assert _role_count(html, "co_coach") == 1
    assert _role_count(html, "coach_developer") == 0
    assert 'data-testid="total-supporters">3<' in html


def test_safeguarding_expiring_today_still_counts(client, make_supporter):
    make_supporter(roles=["mentor"], safeguarding_expires_on=date.today())
    assert _role_count(client.get("/").get_data(as_text=True), "mentor") == 1


def test_healthz_reports_database_and_data_version(client, make_supporter):
    first = client.get("/healthz").get_json()
    make_supporter()
    second = client.get("/healthz").get_json()
    assert first["status"] == "ok" and first["database"] == "ok"
    assert second["data_version"] > first["data_version"]


def test_healthz_answers_503_when_the_database_is_unreachable(database_url):
    from app import create_app

    from ..conftest import config_for

    app = create_app(config_for("postgresql+psycopg://nobody:x@127.0.0.1:1/none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_taxonomy_lists_roles_groups_needs_and_ladders(client):
    body = client.get("/api/v1/taxonomy").get_json()
    assert [r["key"] for r in body["support_roles"]] == [
        "mentor", "coach_developer", "technical_advisor", "co_coach"]
    groups = {g["key"]: g for g in body["event_groups"]}
    assert "hurdles" not in groups and "sprints_hurdles_relays" in groups
    assert "jumps" in groups["sprints_hurdles_relays"]["related"]
    assert groups["para_athletics"]["kind"] == "specialism"
    assert len(body["needs"]) >= 17
    ladders = {ladder["key"]: ladder for ladder in body["ladders"]}
    uk = [q["name"] for q in ladders["uk"]["qualifications"]]
    assert uk == ["Assistant Coach", "Sessional Coach", "Coach", "Advanced Coach"]
    us = [q["name"] for q in ladders["us"]["qualifications"]]
    assert us[:4] == ["Developmental Coach", "Level 1", "Level 2", "Level 3"]
    assert "Instructor" in us


def test_livez_needs_no_database():
    from app import create_app

    from ..conftest import config_for

    app = create_app(config_for("postgresql+psycopg://nobody:x@127.0.0.1:1/none"))
    response = app.test_client().get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_place_box_offers_the_search_forms_suggestions(client):
    html = client.get("/").get_data(as_text=True)
    box = re.search(r'<input id="hero-where"[^>]*>', html).group(0)
    # The same combobox as the search form's, driven by the same script.
    assert 'role="combobox"' in box and "data-place-suggestions" in box
    listbox = re.search(r'aria-controls="([^"]+)"', box).group(1)
    assert re.search(rf'<ul id="{listbox}" class="suggestions" role="listbox"', html)
    assert '<script src="/static/js/search.js">' in html
