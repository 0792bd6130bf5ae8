"""The taxonomy editor: admins add, rename, reorder, retire and restore roles, event groups,
needs and ladder rungs, through pages and the API; search follows at once, and retiring
never breaks a profile, plan or record."""

import json
import re
import uuid

import pytest
import sqlalchemy as sa

from app.models import (
    AuditEvent,
    CoachProfile,
    EventGroup,
    Need,
    Qualification,
    SupportRole,
)
from app.services.data_version import current_version

from ..conftest import TEST_DATABASE_URL, config_for, postgresql_database
from ..places import CITY_CENTRE

API = "/api/v1/admin/taxonomy"


@pytest.fixture
def admin(visitor, make_user):
    return visitor(make_user(roles=["admin"]))


def search(client, **params):
    params.setdefault("where", "LS6 3QS")
    return client.get("/api/v1/search", query_string=params)


def search_page(client, **params) -> str:
    params.setdefault("where", "LS6 3QS")
    response = client.get("/search", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def offered(page: str, field: str) -> dict[str, str]:
    """Return {key: label} of the checkboxes a form offers for ``field``."""
    found = re.findall(rf'name="{field}" value="([^"]+)"[^>]*>\s*([^<]+?)\s*</label>', page)
    return {key.split(":")[0]: label for key, label in found}


def public_keys(client, list_name: str, **params) -> list[str]:
    body = client.get("/api/v1/taxonomy", query_string=params).get_json()
    if list_name == "qualifications":
        return [q["key"] for ladder in body["ladders"] for q in ladder["qualifications"]]
    return [item["key"] for item in body[list_name]]


def rows(session, model):
    session.expire_all()
    return {row.key: row for row in session.scalars(sa.select(model))}


def audit_actions(session) -> list[tuple[str, dict]]:
    return [(e.action, e.details) for e in session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("taxonomy.%"))
        .order_by(AuditEvent.id))]


# --- only admins -------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", [
    ("get", "/admin/taxonomy", None),
    ("get", "/admin/taxonomy/roles", None),
    ("post", "/admin/taxonomy/needs", {"key": "hill_running", "name": "Hill running",
                                       "category": "Technical"}),
    ("get", "/admin/taxonomy/event-groups/jumps", None),
    ("post", "/admin/taxonomy/event-groups/jumps", {"name": "Leaping"}),
    ("post", "/admin/taxonomy/needs/talent_pathway/retire", None),
    ("post", "/admin/taxonomy/roles/mentor/move", {"direction": "down"}),
])
def test_pages_do_not_exist_for_anyone_but_admins(visitor, make_user, session, method, path,
                                                  body):
    coach = visitor(make_user(roles=["coach", "supporter"]))
    version = current_version(session)
    response = coach.get(path) if method == "get" else coach.post(path, data=body)
    assert response.status_code == 404
    assert current_version(session) == version


@pytest.mark.parametrize("method, path, body", [
    ("get", API, None),
    ("post", f"{API}/needs", {"key": "hill_running", "name": "Hill running",
                              "category": "Technical"}),
    ("patch", f"{API}/event-groups/jumps", {"name": "Leaping"}),
    ("post", f"{API}/roles/mentor/retire", None),
    ("post", f"{API}/roles/mentor/restore", None),
    ("post", f"{API}/qualifications/uk_coach/move", {"direction": "up"}),
])
def test_api_does_not_exist_for_anyone_but_admins(visitor, make_user, session, method, path,
                                                  body):
    coach = visitor(make_user(roles=["coach", "supporter"]))
    version = current_version(session)
    response = coach.api(method, path, json=body)
    assert response.status_code == 404
    assert response.get_json()["code"] == 404
    assert current_version(session) == version


# --- every change shows in search at once -------------------------------------------------

def test_a_rename_shows_in_the_search_form_cards_reasons_and_api_at_once(admin, client, session,
                                                                        make_supporter):
    supporter = make_supporter(event_groups=["jumps"], **CITY_CENTRE)
    before = search(client, event_groups="jumps").get_json()["results"][0]
    assert "Jumps" in before["reasons"]
    assert offered(search_page(client), "event_groups")["jumps"] == "Jumps"

    response = admin.api("patch", f"{API}/event-groups/jumps",
                         json={"name": "Jumps (horizontal and vertical)",
                               "description": "Long, triple, high jump and pole vault."})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Jumps (horizontal and vertical)"

    page = search_page(client, event_groups="jumps")
    assert offered(page, "event_groups")["jumps"] == "Jumps (horizontal and vertical)"
    card = search(client, event_groups="jumps").get_json()["results"][0]
    assert card["id"] == supporter.id
    assert "Jumps (horizontal and vertical)" in card["reasons"]
    assert card["event_groups"] == [{"key": "jumps", "name": "Jumps (horizontal and vertical)"}]
    assert "Jumps (horizontal and vertical)" in page  # the card on the page too
    groups = client.get("/api/v1/taxonomy").get_json()["event_groups"]
    assert {"key": "jumps", "name": "Jumps (horizontal and vertical)"}.items() <= \
        next(g for g in groups if g["key"] == "jumps").items()
    assert ("taxonomy.renamed", {"kind": "event_group", "key": "jumps",
                                 "changed": ["description", "name"], "from": "Jumps",
                                 "to": "Jumps (horizontal and vertical)"}) in audit_actions(session)


def test_a_retired_item_leaves_every_new_choice_and_stays_on_old_records(
        admin, visitor, client, session, make_supporter, make_account, make_plan,
        make_widget_key):
    supporter = make_supporter(roles=["mentor", "technical_advisor"],
                               event_groups=["jumps", "race_walking"],
                               expertise=["talent_pathway", "technical_model"],
                               qualification="uk_advanced_coach", **CITY_CENTRE)
    coach = make_account(roles=["coach"])
    plan = make_plan(coach, needs={"talent_pathway": 5})
    widget = make_widget_key()

    for path in ("roles/technical_advisor", "event-groups/race_walking",
                 "needs/talent_pathway", "qualifications/uk_advanced_coach"):
        response = admin.api("post", f"{API}/{path}/retire")
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["retired_at"]

    # Gone from every new choice: the search form, the public taxonomy, the widget.
    page = search_page(client)
    assert "technical_advisor" not in offered(page, "roles")
    assert "race_walking" not in offered(page, "event_groups")
    assert "talent_pathway" not in offered(page, "needs")
    assert 'value="uk_advanced_coach"' not in page
    assert "mentor" in offered(page, "roles") and "jumps" in offered(page, "event_groups")
    assert "technical_advisor" not in public_keys(client, "support_roles")
    home = client.get("/").get_data(as_text=True)
    assert 'data-role="mentor"' in home and 'data-role="technical_advisor"' not in home
    assert "race_walking" not in public_keys(client, "event_groups")
    assert "talent_pathway" not in public_keys(client, "needs")
    assert "uk_advanced_coach" not in public_keys(client, "qualifications")
    listed = client.get("/api/v1/taxonomy", query_string={"include_retired": "true"}).get_json()
    retired = {n["key"]: n["retired_at"] for n in listed["needs"]}
    assert retired["talent_pathway"] and retired["technical_model"] is None
    config = client.get("/widget/api/v1/config", query_string={"key": widget.key},
                        headers={"Origin": "https://www.leedscityac.example"}).get_json()
    assert "technical_advisor" not in [r["key"] for r in config["roles"]]
    assert "race_walking" not in [g["key"] for g in config["event_groups"]]
    widget_form = visitor_page(admin, "/admin/widget-keys/new")
    assert "technical_advisor" not in offered(widget_form, "roles")

    # Still named where held: the supporter's card, its reasons, the coach's plan.
    card = search(client, needs="talent_pathway", event_groups="race_walking",
                  roles="technical_advisor").get_json()["results"][0]
    assert card["id"] == supporter.id
    assert {"key": "technical_advisor", "name": "Technical advisor"} in card["roles"]
    assert {"key": "race_walking", "name": "Race walking"} in card["event_groups"]
    assert {"key": "talent_pathway", "name": "Talent pathway"} in card["expertise"]
    assert card["qualification"] == "Advanced Coach"
    assert any("Talent pathway" in reason for reason in card["reasons"])
    shown = visitor(coach).api("get", f"/api/v1/plans/{plan.id}").get_json()
    assert shown["needs"] == [{"key": "talent_pathway", "name": "Talent pathway",
                               "priority": 5}]
    assert [d for a, d in audit_actions(session) if a == "taxonomy.retired"][-1] == \
        {"kind": "qualification", "key": "uk_advanced_coach"}


def visitor_page(visitor, path: str) -> str:
    response = visitor.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_restoring_offers_the_item_again(admin, client, session):
    assert admin.api("post", f"{API}/needs/talent_pathway/retire").status_code == 200
    assert "talent_pathway" not in offered(search_page(client), "needs")
    again = admin.api("post", f"{API}/needs/talent_pathway/retire")
    assert again.status_code == 409
    response = admin.api("post", f"{API}/needs/talent_pathway/restore")
    assert response.status_code == 200 and response.get_json()["retired_at"] is None
    assert "talent_pathway" in offered(search_page(client), "needs")
    assert admin.api("post", f"{API}/needs/talent_pathway/restore").status_code == 409
    assert [a for a, d in audit_actions(session)] == ["taxonomy.retired", "taxonomy.restored"]


def test_the_last_support_role_is_not_retired(admin, session):
    for key in ("mentor", "coach_developer", "technical_advisor"):
        assert admin.api("post", f"{API}/roles/{key}/retire").status_code == 200
    response = admin.api("post", f"{API}/roles/co_coach/retire")
    assert response.status_code == 409
    assert "at least one support role" in response.get_json()["message"]
    assert rows(session, SupportRole)["co_coach"].retired_at is None


def test_a_new_role_and_its_ladder_rule_rank_search_at_once(admin, client, make_supporter):
    response = admin.api("post", f"{API}/roles", json={
        "key": "strength_coach", "name": "Strength coach", "ladder_rule": "above",
        "description": "Strength and conditioning for athletics."})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["position"] == 5 and created["ladder_rule"] == "above"
    assert created["ladder_rule_meaning"].startswith("Supporters at least 1 level above")
    same_rung = make_supporter(roles=["strength_coach"], qualification="uk_coach",
                               **CITY_CENTRE)
    assert offered(search_page(client), "roles")["strength_coach"] == "Strength coach"
    assert search(client, roles="strength_coach",
                  qualification="uk_coach").get_json()["results"] == []

    changed = admin.api("patch", f"{API}/roles/strength_coach", json={"ladder_rule": "peer"})
    assert changed.status_code == 200
    assert "the same level as the coach fits best" in changed.get_json()["ladder_rule_meaning"]
    results = search(client, roles="strength_coach", qualification="uk_coach").get_json()
    assert [r["id"] for r in results["results"]] == [same_rung.id]


def test_the_editor_lists_every_rule_with_its_meaning(admin):
    body = admin.api("get", API).get_json()
    assert {r["key"] for r in body["ladder_rules"]} == {"above", "peer"}
    meanings = {r["key"]: r["meaning"] for r in body["ladder_rules"]}
    assert meanings["peer"] == ("Supporters from 1 level below to 1 level above the coach's "
                                "qualification; the same level as the coach fits best.")
    mentor = next(r for r in body["support_roles"] if r["key"] == "mentor")
    # The mentor's own narrower preference, as search ranks it.
    assert "1 to 2 levels above fit best" in mentor["ladder_rule_meaning"]


# --- reordering -------------------------------------------------------------------------

def test_moving_reorders_the_search_form_and_the_api(admin, client, session):
    assert list(offered(search_page(client), "roles"))[:2] == ["mentor", "coach_developer"]
    assert admin.api("post", f"{API}/roles/coach_developer/move",
                     json={"direction": "up"}).status_code == 200
    assert list(offered(search_page(client), "roles"))[:2] == ["coach_developer", "mentor"]
    response = admin.api("post", f"{API}/needs/club_capacity/move", json={"position": 1})
    assert response.status_code == 200 and response.get_json()["position"] == 1
    assert public_keys(client, "needs")[0] == "club_capacity"
    first = admin.api("post", f"{API}/roles/coach_developer/move", json={"direction": "up"})
    assert first.status_code == 409
    beyond = admin.api("post", f"{API}/roles/mentor/move", json={"position": 9})
    assert beyond.status_code == 422 and "position" in beyond.get_json()["errors"]
    both = admin.api("post", f"{API}/roles/mentor/move", json={"position": 1,
                                                              "direction": "up"})
    assert both.status_code == 422
    moves = [d for a, d in audit_actions(session) if a == "taxonomy.moved"]
    assert moves == [{"kind": "support_role", "key": "coach_developer", "from": 2, "to": 1},
                     {"kind": "need", "key": "club_capacity", "from": 17, "to": 1}]


def test_rungs_move_on_their_own_ladder_keeping_ranks_unique(admin, client, session):
    response = admin.api("post", f"{API}/qualifications/uk_coach/move", json={"position": 1})
    assert response.status_code == 200, response.get_json()
    uk = [q["key"] for q in client.get("/api/v1/taxonomy").get_json()["ladders"][0][
        "qualifications"]]
    assert uk == ["uk_coach", "uk_assistant_coach", "uk_sessional_coach", "uk_advanced_coach"]
    ranks = {k: q.rank for k, q in rows(session, Qualification).items() if k.startswith("uk_")}
    assert ranks == {"uk_coach": 0, "uk_assistant_coach": 1, "uk_sessional_coach": 2,
                     "uk_advanced_coach": 3}
    assert admin.api("post", f"{API}/qualifications/uk_coach/move",
                     json={"direction": "down"}).get_json()["rank"] == 1
    # The US ladder is untouched.
    assert rows(session, Qualification)["us_developmental_coach"].rank == 0


# --- adding, with validation that changes nothing ----------------------------------------

def test_adding_a_rung_and_a_related_event_group(admin, client, session):
    rung = admin.api("post", f"{API}/qualifications", json={
        "key": "uk_senior_coach", "framework": "uk", "name": "Senior Coach", "level": 4,
        "supporter_only": True})
    assert rung.status_code == 201, rung.get_json()
    assert rung.get_json() | {"in_use": 0} == rung.get_json()
    assert (rung.get_json()["rank"], rung.get_json()["position"]) == (4, 5)
    group = admin.api("post", f"{API}/event-groups", json={
        "key": "mountain_running", "name": "Mountain running", "kind": "specialism",
        "related": ["endurance", "running_fitness"]})
    assert group.status_code == 201, group.get_json()
    groups = {g["key"]: g for g in client.get("/api/v1/taxonomy").get_json()["event_groups"]}
    assert sorted(groups["mountain_running"]["related"]) == ["endurance", "running_fitness"]
    assert "mountain_running" in groups["endurance"]["related"]  # both ways
    assert offered(search_page(client), "event_groups")["mountain_running"] == \
        "Mountain running"
    changed = admin.api("patch", f"{API}/event-groups/mountain_running",
                        json={"related": ["endurance"]})
    assert changed.get_json()["related"] == ["endurance"]
    running_fitness = rows(session, EventGroup)["running_fitness"]
    assert [g.key for g in running_fitness.related] == ["endurance"]
    assert [a for a, _ in audit_actions(session)] == ["taxonomy.created", "taxonomy.created",
                                                      "taxonomy.changed"]


INVALID = [
    ("roles", {"key": "Strength Coach", "name": "Strength coach"}, "key"),
    ("roles", {"key": "mentor", "name": "Another mentor"}, "key"),
    ("roles", {"key": "guru", "name": "Guru", "ladder_rule": "sideways"}, "ladder_rule"),
    ("roles", {"key": "guru", "name": "   "}, "name"),
    ("roles", {"key": "guru", "name": "G" * 81}, "name"),
    ("roles", {"key": "guru", "name": "mentor"}, "name"),
    ("needs", {"key": "hill_running", "name": "Hill running"}, "category"),
    ("needs", {"key": "hill_running", "name": "Hill running", "category": "Technical",
               "description": "x" * 1001}, "description"),
    ("event-groups", {"key": "hurdles", "name": "Hurdles", "related": ["hurdles"]},
     "related"),
    ("event-groups", {"key": "hurdles", "name": "Hurdles", "related": ["wizardry"]},
     "related"),
    ("event-groups", {"key": "hurdles", "name": "Hurdles", "kind": "sport"}, "kind"),
    ("qualifications", {"key": "uk_x", "framework": "uk", "name": "X", "level": -1}, "level"),
    ("qualifications", {"key": "uk_x", "framework": "uk", "name": "X", "level": 2,
                        "rank": 1}, "rank"),
    ("qualifications", {"key": "uk_x", "framework": "fr", "name": "X", "level": 2},
     "framework"),
    ("qualifications", {"key": "uk_x", "framework": "uk", "name": "Coach", "level": 2},
     "name"),
]


@pytest.mark.parametrize("path, body, field", INVALID)
def test_bad_input_names_the_field_and_changes_nothing(admin, session, path, body, field):
    version = current_version(session)
    response = admin.api("post", f"{API}/{path}", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert current_version(session) == version
    assert audit_actions(session) == []


@pytest.mark.parametrize("path, body, field", [
    ("event-groups/jumps", {"related": ["jumps", "throws"]}, "related"),
    ("event-groups/jumps", {"name": "Throws"}, "name"),
    ("roles/mentor", {"ladder_rule": "below"}, "ladder_rule"),
    ("roles/mentor", {"name": ""}, "name"),
    ("qualifications/uk_coach", {"level": -2}, "level"),
    ("needs/talent_pathway", {"category": ""}, "category"),
])
def test_bad_changes_name_the_field_and_change_nothing(admin, session, path, body, field):
    version = current_version(session)
    response = admin.api("patch", f"{API}/{path}", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert current_version(session) == version


def test_each_bad_field_gets_one_clear_message(admin):
    body = admin.api("post", f"{API}/qualifications", json={
        "key": "", "name": "", "framework": "uk"}).get_json()
    assert body["errors"] == {
        "key": ["Give a key of 2 to 60 lowercase letters, digits and underscores, starting "
                "with a letter (e.g. hill_running). It never changes once made."],
        "name": ["Give a name of 1 to 120 characters."],
        "level": ["Give a level from 0 to 20 (0 = assistant level)."]}


def test_unknown_items_are_404(admin):
    assert admin.api("patch", f"{API}/roles/wizard", json={"name": "Wizard"}).status_code == 404
    assert admin.api("post", f"{API}/needs/wizardry/retire").status_code == 404
    assert admin.get("/admin/taxonomy/spells").status_code == 404
    assert admin.get("/admin/taxonomy/needs/wizardry").status_code == 404


# --- retiring never breaks a profile, plan or record -------------------------------------

def test_a_coach_keeps_a_retired_event_group_but_cannot_choose_one_anew(
        admin, visitor, make_account, session):
    holder, newcomer = make_account(roles=["coach"]), make_account(roles=["coach"])
    as_holder, as_newcomer = visitor(holder), visitor(newcomer)
    saved = as_holder.api("put", "/api/v1/me/coach-profile", json={
        "event_groups": ["race_walking"], "qualification": "uk_sessional_coach"})
    assert saved.status_code == 200, saved.get_json()
    admin.api("post", f"{API}/event-groups/race_walking/retire")
    admin.api("post", f"{API}/qualifications/uk_sessional_coach/retire")

    # Saving the profile with what it holds (as its form sends it back) keeps it.
    again = as_holder.api("put", "/api/v1/me/coach-profile", json={
        "event_groups": ["race_walking", "endurance"], "qualification": "uk_sessional_coach",
        "club": "Leeds City AC"})
    assert again.status_code == 200, again.get_json()
    profile = session.scalar(sa.select(CoachProfile).where(CoachProfile.user_id == holder.id))
    session.refresh(profile)
    assert [g.key for g in profile.event_groups] == ["endurance", "race_walking"]
    # Its own form still shows it (so saving the page keeps it); nobody else's does.
    form = visitor_page(as_holder, "/profile/coach")
    assert "race_walking" in offered(form, "event_groups")
    assert "race_walking" not in offered(visitor_page(as_newcomer, "/profile/coach"),
                                         "event_groups")

    refused = as_newcomer.api("put", "/api/v1/me/coach-profile", json={
        "event_groups": ["race_walking"]})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["event_groups"] == ["No longer offered: Race walking."]
    refused = as_newcomer.api("put", "/api/v1/me/coach-profile", json={
        "qualification": "uk_sessional_coach"})
    assert refused.get_json()["errors"]["qualification"] == \
        ["No longer offered: Sessional Coach."]


def test_a_supporter_keeps_a_retired_role_on_their_form(admin, visitor, make_account,
                                                        make_supporter, session):
    holder, newcomer = make_account(roles=["supporter"]), make_account(roles=["supporter"])
    profile = make_supporter(user=holder, roles=["mentor", "technical_advisor"])
    admin.api("post", f"{API}/roles/technical_advisor/retire")
    mine = visitor_page(visitor(holder), "/profile/supporter")
    assert re.search(r'name="roles" value="technical_advisor" checked', mine)
    assert "technical_advisor" not in offered(visitor_page(visitor(newcomer),
                                                           "/profile/supporter"), "roles")
    saved = visitor(holder).api("put", "/api/v1/me/profile", json={
        "roles": ["mentor", "technical_advisor"], "location": "LS6 3QS",
        "event_groups": ["jumps"], "expertise": ["technical_model"],
        "qualification": "uk_coach", "bio": "Jumps coach.",
        "safeguarding_expires_on": profile.safeguarding_expires_on.isoformat(),
        "licence_expires_on": profile.licence_expires_on.isoformat()})
    assert saved.status_code == 200, saved.get_json()
    session.refresh(profile)
    assert [r.key for r in profile.roles] == ["mentor", "technical_advisor"]


def test_a_plan_keeps_a_retired_need_but_does_not_take_one_anew(admin, visitor, make_account,
                                                                make_plan, session):
    coach = make_account(roles=["coach"])
    plan = make_plan(coach, needs={"talent_pathway": 4, "training_planning": 5})
    admin.api("post", f"{API}/needs/talent_pathway/retire")
    admin.api("post", f"{API}/needs/team_dynamics/retire")
    as_coach = visitor(coach)

    kept = as_coach.api("put", f"/api/v1/plans/{plan.id}", json={
        "title": "Renamed plan", "needs": [{"key": "talent_pathway", "priority": 5},
                                           {"key": "training_planning", "priority": 3}]})
    assert kept.status_code == 200, kept.get_json()
    assert {"key": "talent_pathway", "name": "Talent pathway", "priority": 5} in \
        kept.get_json()["needs"]
    added = as_coach.api("put", f"/api/v1/plans/{plan.id}", json={
        "title": "Renamed plan", "needs": [{"key": "talent_pathway", "priority": 5},
                                           {"key": "team_dynamics", "priority": 2}]})
    assert added.status_code == 422
    assert added.get_json()["errors"]["needs"] == ["No longer offered: Team dynamics."]
    # The plan's form still offers its retired need, and only that one.
    form = visitor_page(as_coach, f"/plans/{plan.id}/edit")
    assert 'id="need-talent_pathway"' in form and 'id="need-team_dynamics"' not in form


def test_a_widget_key_keeps_a_retired_preset_but_does_not_take_one_anew(admin, make_widget_key,
                                                                      session):
    from app.models import WidgetKey

    key = make_widget_key(presets={"roles": ["technical_advisor"]})
    admin.api("post", f"{API}/roles/technical_advisor/retire")
    form = {"club_name": "Leeds City AC", "allowed_origins": "https://www.leedscityac.example",
            "rate_limit_per_minute": "60", "radius_km": "25"}
    page = visitor_page(admin, f"/admin/widget-keys/{key.id}")
    assert "technical_advisor" in offered(page, "roles")
    kept = admin.post(f"/admin/widget-keys/{key.id}", data={**form, "roles": [
        "technical_advisor", "mentor"]})
    assert kept.status_code == 302
    session.refresh(key)
    assert key.presets["roles"] == ["technical_advisor", "mentor"]
    refused = admin.post("/admin/widget-keys/new", data={**form, "roles": ["technical_advisor"]})
    assert refused.status_code == 422
    assert "No longer offered: technical_advisor" in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(WidgetKey)) == 1


def test_a_saved_search_naming_a_retired_key_still_works(admin, client, make_supporter):
    supporter = make_supporter(expertise=["talent_pathway"], **CITY_CENTRE)
    admin.api("post", f"{API}/needs/talent_pathway/retire")
    response = search(client, needs="talent_pathway:5")
    assert response.status_code == 200
    assert [r["id"] for r in response.get_json()["results"]] == [supporter.id]


# --- the pages, without JavaScript ---------------------------------------------------------

def test_the_page_lists_every_item_with_its_state(admin, session, make_supporter):
    make_supporter(roles=["mentor"])
    admin.api("post", f"{API}/needs/talent_pathway/retire")
    page = visitor_page(admin, "/admin/taxonomy")
    need_row = re.search(r'<tr id="need-talent_pathway"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "Talent pathway" in need_row and "Retired" in need_row
    mentor_row = re.search(r'<tr id="support_role-mentor"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "1 level above" in mentor_row and '<td data-label="In use" class="num">1</td>' in \
        mentor_row
    assert 'id="qualification-us_instructor"' in page and "Supporters only" in page


def test_forms_add_rename_move_retire_and_restore(admin, client, session):
    added = admin.post("/admin/taxonomy/needs", data={
        "key": "hill_running", "name": "Hill running", "category": "Technical"})
    assert added.status_code == 302
    assert added.headers["Location"].endswith("/admin/taxonomy#need-hill_running")
    assert "hill_running" in offered(search_page(client), "needs")

    renamed = admin.post("/admin/taxonomy/needs/hill_running", data={
        "name": "Hill and trail running", "description": "", "category": "Technical"})
    assert renamed.status_code == 302
    assert offered(search_page(client), "needs")["hill_running"] == "Hill and trail running"

    assert admin.post("/admin/taxonomy/needs/hill_running/move",
                      data={"direction": "up"}).status_code == 302
    assert admin.post("/admin/taxonomy/needs/hill_running/move",
                      data={"position": "1"}).status_code == 302
    assert public_keys(client, "needs")[0] == "hill_running"

    assert admin.post("/admin/taxonomy/needs/hill_running/retire").status_code == 302
    assert "hill_running" not in offered(search_page(client), "needs")
    page = visitor_page(admin, "/admin/taxonomy/needs/hill_running")
    assert "Restore: offer it again" in page
    assert admin.post("/admin/taxonomy/needs/hill_running/restore").status_code == 302
    assert "hill_running" in offered(search_page(client), "needs")
    assert [a for a, _ in audit_actions(session)] == [
        "taxonomy.created", "taxonomy.renamed", "taxonomy.moved", "taxonomy.moved",
        "taxonomy.retired", "taxonomy.restored"]


def test_a_form_error_shows_beside_its_field_and_changes_nothing(admin, session):
    version = current_version(session)
    response = admin.post("/admin/taxonomy/event-groups/jumps", data={
        "name": "", "kind": "event_group"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="name-error"' in page
    assert re.search(r'id="name-error"[^>]*>Give a name of 1 to 80 characters.<', page)
    response = admin.post("/admin/taxonomy/event-groups/jumps", data={
        "name": "Jumps", "kind": "event_group", "related": ["jumps", "throws"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="related-error"[^>]*>An event group cannot be related to itself.<',
                     page)
    assert current_version(session) == version
    assert rows(session, EventGroup)["jumps"].name == "Jumps"

    bad_place = admin.post("/admin/taxonomy/roles/mentor/move", data={"position": "12"})
    assert bad_place.status_code == 422
    assert "Give a position from 1 to 4." in bad_place.get_data(as_text=True)
    first = admin.post("/admin/taxonomy/roles/mentor/move", data={"direction": "up"})
    assert first.status_code == 302
    assert "Mentor is first already." in visitor_page(admin, "/admin/taxonomy")


def test_an_unticked_box_on_the_edit_page_means_off(admin, session):
    response = admin.post("/admin/taxonomy/qualifications/us_instructor", data={
        "name": "Instructor", "level": "4"})
    assert response.status_code == 302
    assert rows(session, Qualification)["us_instructor"].supporter_only is False
    response = admin.post("/admin/taxonomy/event-groups/throws", data={
        "name": "Throws", "kind": "event_group"})
    assert response.status_code == 302
    assert rows(session, EventGroup)["throws"].related == []
    assert "throws" not in [g.key for g in rows(session, EventGroup)["combined_events"].related]


# --- seeding again keeps the admins' edits ------------------------------------------------

def test_seeding_again_keeps_edits_and_adds_only_missing_items(admin, runner, session,
                                                               tmp_path):
    from app.services.taxonomy import TAXONOMY_FILE, seed_taxonomy

    admin.api("patch", f"{API}/roles/mentor", json={"name": "Mentor coach",
                                                   "ladder_rule": "peer"})
    admin.api("post", f"{API}/needs/talent_pathway/retire")
    admin.api("post", f"{API}/needs/club_capacity/move", json={"position": 1})
    admin.api("post", f"{API}/qualifications/us_instructor/move", json={"position": 1})
    admin.api("post", f"{API}/needs", json={"key": "hill_running", "name": "Hill running",
                                            "category": "Technical"})
    before = {m: {k: (r.name, getattr(r, "sort_order", None), getattr(r, "rank", None),
                      r.retired_at) for k, r in rows(session, m).items()}
              for m in (SupportRole, EventGroup, Need, Qualification)}
    version = current_version(session)

    result = runner.invoke(args=["seed-taxonomy"])
    assert result.exit_code == 0, result.output
    after = {m: {k: (r.name, getattr(r, "sort_order", None), getattr(r, "rank", None),
                     r.retired_at) for k, r in rows(session, m).items()}
             for m in before}
    assert after == before
    assert current_version(session) == version
    assert rows(session, SupportRole)["mentor"].ladder_rule == "peer"

    # A file with a new need and a new rung: only those are created, after the rest.
    data = json.loads(TAXONOMY_FILE.read_text())
    data["needs"].insert(0, {"key": "sleep", "name": "Sleep and recovery",
                             "category": "Sport science"})
    data["qualification_frameworks"][0]["ladder"].insert(
        0, {"key": "uk_leader", "name": "Leader", "level": 0})
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(data))
    seed_taxonomy(session, path)
    session.commit()
    needs = rows(session, Need)
    assert needs["sleep"].sort_order == max(n.sort_order for n in needs.values())
    assert needs["talent_pathway"].retired_at is not None
    uk = rows(session, Qualification)
    assert uk["uk_leader"].rank == 4 and uk["uk_assistant_coach"].rank == 0


# --- the migration turns inactive needs into retired ones ---------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'retire.db'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL migrations not tested")
    with postgresql_database(f"fmcs_retire_{uuid.uuid4().hex[:10]}") as url:
        yield url


def test_the_migration_retires_inactive_needs_and_back(scratch_url):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(config_for(scratch_url))
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO needs (key, name, category, description, active, sort_order) "
                "VALUES ('old', 'Old', 'X', '', false, 0), ('new', 'New', 'X', '', true, 1)"))
        upgrade(revision="0011")
        with db.engine.begin() as conn:
            found = dict(conn.execute(sa.text("SELECT key, retired_at FROM needs")).all())
            version = conn.execute(sa.text("SELECT version FROM data_version")).scalar()
            # The search triggers survive: a change still bumps the version.
            conn.execute(sa.text("UPDATE needs SET name = 'Newer' WHERE key = 'new'"))
            bumped = conn.execute(sa.text("SELECT version FROM data_version")).scalar()
        assert found["old"] is not None and found["new"] is None
        assert bumped > version
        downgrade(revision="0010")
        with db.engine.begin() as conn:
            active = dict(conn.execute(sa.text("SELECT key, active FROM needs")).all())
        assert {k: bool(v) for k, v in active.items()} == {"old": False, "new": True}
        db.session.remove()
        db.engine.dispose()
