"""Admins edit the ranking weights: meanings in words, errors beside each field, versions
saved and restored, audited, and search ranking with the new weights at once."""

from __future__ import annotations

import math
import re

import pytest
import sqlalchemy as sa

import matching
from app.models import AuditEvent, RankingWeights
from app.services.ranking_weights import MEANINGS

from ..places import BRADFORD, HEADINGLEY


@pytest.fixture
def as_admin(make_account, visitor):
    return visitor(make_account(roles=["admin"], name="Ada Admin"))


@pytest.fixture
def two_supporters(make_account, make_supporter):
    """Near covers none of the coach's needs; Far (Bradford, ~11 km) covers them all."""
    near = make_supporter(user=make_account(roles=["supporter"], name="Nia Near"),
                          expertise=("strength_power",), travel_km=50, **HEADINGLEY)
    far = make_supporter(user=make_account(roles=["supporter"], name="Finn Far"),
                         expertise=("training_planning",), travel_km=50, **BRADFORD)
    return near, far


SEARCH = "/api/v1/search?where=LS6+3QS&roles=mentor&needs=training_planning&mode=in_person"


def order(client) -> list[str]:
    response = client.get(SEARCH)
    assert response.status_code == 200, response.get_json()
    return [card["name"] for card in response.get_json()["results"]]


def rows(session) -> list[RankingWeights]:
    session.expire_all()
    return session.scalars(sa.select(RankingWeights).order_by(RankingWeights.id)).all()


def audits(session, prefix="weights.") -> list[AuditEvent]:
    session.expire_all()
    return session.scalars(sa.select(AuditEvent).where(AuditEvent.action.startswith(prefix))
                           .order_by(AuditEvent.id)).all()


def test_each_weight_is_shown_with_its_meaning_value_and_range(as_admin):
    page = as_admin.get("/admin/weights")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "How much being near counts" in html
    assert "Distance at which nearness counts half" in html
    assert "At 0, distance no longer orders anyone" in html
    assert "the built-in defaults" in html
    # The value in force sits in its field, with the default and the allowed range beside it.
    assert re.search(r'id="proximity_half_km"[^>]*value="10"', html, re.S)
    assert "Now 10 km\n            · default 10 km · allowed: more than 0" in html
    assert "allowed: 0 to 0.25" in html

    api = as_admin.get("/api/v1/admin/weights").get_json()
    assert api["version"]["id"] == 0
    fields = {f["name"]: f for f in api["fields"]}
    assert set(fields) == set(matching.Weights().to_mapping()) - {"version"}
    assert fields["proximity_half_km"]["shown"] == "10 km"
    assert fields["availability"]["max"] == matching.MAX_AVAILABILITY
    assert fields["proximity"]["max"] is None and fields["proximity"]["allowed"] == "0 or more"


@pytest.mark.parametrize("meaning", MEANINGS, ids=lambda m: m.name)
def test_the_ranges_shown_are_those_matching_enforces(meaning):
    def accepted(value):
        try:
            matching.Weights.from_mapping({meaning.name: value})
        except matching.InvalidWeights:
            return False
        return True

    assert accepted(meaning.low) is meaning.low_allowed
    assert not accepted(meaning.low - 1e-9)
    assert accepted(meaning.low + 1e-6)
    if meaning.high == math.inf:
        assert accepted(1e6)
    else:
        assert accepted(meaning.high) and not accepted(meaning.high + 1e-9)


def test_values_out_of_range_are_named_beside_each_field_and_nothing_changes(
        as_admin, session):
    response = as_admin.post("/admin/weights", data={
        "proximity": "-1", "availability": "0.5", "proximity_half_km": "0", "needs": "lots",
        "note": "Oops"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for name, message in (("proximity", "Must be at least 0."),
                          ("availability", "Must be between 0 and 0.25."),
                          ("proximity_half_km", "Must be greater than 0."),
                          ("needs", "Enter a number, such as 2 or 0.5.")):
        assert re.search(rf'id="{name}"[^>]*aria-describedby="{name}-meta {name}-error"', html,
                         re.S), name
        assert re.search(rf'id="{name}-error"[^>]*>\s*{re.escape(message)}', html), name
    assert 'value="-1"' in html  # what they typed stays, to be corrected
    assert rows(session) == [] and audits(session) == []

    api = as_admin.api("post", "/api/v1/admin/weights",
                       json={"related_group": 1.5, "ladder": -2, "proximty": 1})
    assert api.status_code == 422
    assert api.get_json()["errors"] == {"related_group": ["Must be between 0 and 1."],
                                        "ladder": ["Must be at least 0."],
                                        "proximty": ["proximty is not a known field: did "
                                                     "you mean proximity?"]}
    assert rows(session) == []


def test_saving_a_new_version_changes_the_order_of_search_at_once(
        as_admin, two_supporters, client, session):
    # Covering the needs outweighs being 11 km further away.
    assert order(client) == ["Finn Far", "Nia Near"]

    response = as_admin.post("/admin/weights", data={"needs": "0", "based_on": "0",
                                                     "note": "Nearness first", "programme": ""})
    assert response.status_code == 302
    assert order(client) == ["Nia Near", "Finn Far"]
    page = as_admin.get("/admin/weights").get_data(as_text=True)
    assert "Saved as version 1. Search and allocation rank with it now." in page
    assert "In force: <strong>version 1</strong>, saved by Ada Admin" in page
    assert "“Nearness first”" in page

    [saved] = rows(session)
    assert saved.weights["needs"] == 0 and saved.weights["version"] == saved.id
    assert saved.note == "Nearness first" and saved.created_by_id is not None
    [event] = audits(session)
    assert event.action == "weights.saved"
    assert event.details == {"version": saved.id, "changed": ["needs"]}


class TestWhenWorkersLookRarely:
    @pytest.fixture
    def app_config(self):
        return {"SEARCH_INDEX_CHECK_SECONDS": 3600}  # only a save tells this worker at once

    def test_saving_and_restoring_reach_this_workers_search_at_once(
            self, as_admin, two_supporters, client):
        assert order(client) == ["Finn Far", "Nia Near"]
        assert as_admin.post("/admin/weights", data={"needs": "0"}).status_code == 302
        assert order(client) == ["Nia Near", "Finn Far"]
        assert as_admin.api("post", "/api/v1/admin/weights",
                            json={"needs": 3, "proximity": 2}).status_code == 201
        assert order(client) == ["Finn Far", "Nia Near"]
        assert as_admin.post("/admin/weights/versions/1/restore").status_code == 302
        assert order(client) == ["Nia Near", "Finn Far"]


def test_the_history_shows_what_each_version_changed_and_any_can_be_restored(
        as_admin, two_supporters, client, session):
    first = as_admin.api("post", "/api/v1/admin/weights", json={"needs": 0, "note": "One"})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["version"]["id"] == 1
    second = as_admin.api("post", "/api/v1/admin/weights",
                          json={"proximity": 2, "proximity_half_km": 5, "based_on": 1})
    assert second.status_code == 201, second.get_json()

    versions = as_admin.get("/api/v1/admin/weights/versions").get_json()
    assert [v["id"] for v in versions] == [2, 1]
    assert [c["text"] for c in versions[0]["changes"]] == [
        "How much being near counts: 3 → 2", "Distance at which nearness counts half: 10 km → 5 km"]
    assert [c["text"] for c in versions[1]["changes"]] == [
        "How much covering the coach's needs counts: 3 → 0"]  # against the defaults
    assert versions[0]["current"] and not versions[0]["restorable"]
    assert versions[1]["restorable"] and versions[1]["created_by"] == "Ada Admin"
    page = as_admin.get("/admin/weights").get_data(as_text=True)
    assert "Restore version 1" in page and "Restore version 2" not in page

    # Back to version 1 through the page: a new version equal to it, audited.
    assert as_admin.post("/admin/weights/versions/1/restore").status_code == 302
    [one, two, three] = rows(session)
    assert {k: v for k, v in three.weights.items() if k != "version"} == \
        {k: v for k, v in one.weights.items() if k != "version"}
    assert three.weights["version"] == 3 and three.note == "Restored version 1"
    assert order(client) == ["Nia Near", "Finn Far"]
    assert [(e.action, e.details) for e in audits(session)][-1] == \
        ("weights.restored", {"version": 3, "restored": 1})
    now = as_admin.get("/api/v1/admin/weights/versions").get_json()
    assert now[0]["changes"] and now[0]["note"] == "Restored version 1"

    # The defaults' version 0 is never a row; version 3 is in force: nothing to restore.
    again = as_admin.api("post", "/api/v1/admin/weights/versions/3/restore")
    assert again.status_code == 409
    assert "already" in again.get_json()["message"]
    assert as_admin.api("post", "/api/v1/admin/weights/versions/99/restore").status_code == 404
    restored = as_admin.api("post", "/api/v1/admin/weights/versions/2/restore",
                            json={"note": "Try nearness again"})
    assert restored.status_code == 201
    assert restored.get_json()["version"]["note"] == "Restored version 2: Try nearness again"
    assert len(rows(session)) == 4


def test_saving_over_a_version_saved_meanwhile_is_refused(as_admin, make_account, visitor,
                                                          session):
    other = visitor(make_account(roles=["admin"], name="Oli Other"))
    assert other.api("post", "/api/v1/admin/weights", json={"text": 2}).status_code == 201
    # Ada started from the defaults (version 0) before Oli saved.
    response = as_admin.post("/admin/weights", data={"needs": "5", "based_on": "0"})
    assert response.status_code == 409
    assert "Oli Other saved version 1 while you were editing version 0" in \
        response.get_data(as_text=True)
    assert len(rows(session)) == 1


def test_saving_the_weights_in_force_again_is_refused(as_admin, session):
    response = as_admin.api("post", "/api/v1/admin/weights", json={"needs": 3, "note": "Same"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "weights": ["These are the weights in force already: change at least one."]}
    assert rows(session) == []


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/api/v1/admin/weights", None),
    ("post", "/api/v1/admin/weights", {"needs": "nonsense"}),
    ("get", "/api/v1/admin/weights/versions", None),
    ("post", "/api/v1/admin/weights/versions/1/restore", {"note": 5}),
    ("post", "/api/v1/admin/weights/preview", {"needs": -1}),
    ("get", "/api/v1/admin/weights/samples", None),
    ("post", "/api/v1/admin/weights/samples", {"name": ""}),
    ("delete", "/api/v1/admin/weights/samples/1", None),
])
def test_to_anyone_but_an_admin_the_api_does_not_exist(make_account, visitor, method, path,
                                                       body, session):
    as_admin = visitor(make_account(roles=["admin"]))
    as_admin.api("post", "/api/v1/admin/weights", json={"needs": 1})
    coach = visitor(make_account(roles=["coach", "supporter"]))
    response = coach.api(method, path, json=body)
    assert response.status_code == 404, response.get_json()  # before any validation
    assert visitor().api(method, path, json=body).status_code == 401
    assert len(rows(session)) == 1


@pytest.mark.parametrize("path", ["/admin/weights", "/admin/weights/preview",
                                  "/admin/weights/versions/1/restore", "/admin/weights/samples",
                                  "/admin/weights/samples/1/delete"])
def test_to_anyone_but_an_admin_the_pages_do_not_exist(make_account, visitor, path):
    coach = visitor(make_account(roles=["coach"]))
    assert coach.get("/admin/weights").status_code == 404
    assert coach.post(path, data={"needs": "1"}).status_code == 404


def test_the_api_is_described_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, methods in {
            "/api/v1/admin/weights": {"get", "post"},
            "/api/v1/admin/weights/versions": {"get"},
            "/api/v1/admin/weights/versions/{version_id}/restore": {"post"},
            "/api/v1/admin/weights/preview": {"post"},
            "/api/v1/admin/weights/samples": {"get", "post"},
            "/api/v1/admin/weights/samples/{sample_id}": {"delete"}}.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            assert "404" in paths[path][method]["responses"], (path, method)
