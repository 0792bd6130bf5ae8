"""Support roles are data: a role added to the ``support_roles`` table is searchable,
ranked by the ladder rule its row names."""

import json

import pytest

from ..places import CITY_CENTRE


def search(client, **params):
    params.setdefault("where", "LS6 3QS")
    return client.get("/api/v1/search", query_string=params)


def ids(body, key="results"):
    return [r["id"] for r in body[key]]


@pytest.fixture
def add_role(session):
    """Return a function adding a support role row, as an admin's edit would."""
    from app.models import SupportRole

    def add(key, name, ladder_rule):
        role = SupportRole(key=key, name=name, ladder_rule=ladder_rule, sort_order=9)
        session.add(role)
        session.commit()
        return role

    return add


def test_a_fifth_role_in_the_table_is_found_through_the_api(client, add_role, make_supporter):
    add_role("strength_coach", "Strength coach", "above")
    coach = make_supporter(roles=["strength_coach"], qualification="uk_advanced_coach",
                           **CITY_CENTRE)
    make_supporter(roles=["mentor"], **CITY_CENTRE)
    response = search(client, roles="strength_coach")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert ids(body) == [coach.id]
    assert body["results"][0]["roles"] == [{"key": "strength_coach", "name": "Strength coach"}]
    assert body["diagnostics"]["removed"]["role"] == 1
    taxonomy = client.get("/api/v1/taxonomy").get_json()
    assert "strength_coach" in {r["key"] for r in taxonomy["support_roles"]}


def test_the_ladder_rule_of_the_row_decides_who_fits(client, session, add_role,
                                                     make_supporter):
    role = add_role("strength_coach", "Strength coach", "above")
    same_rung = make_supporter(roles=["strength_coach"], qualification="uk_coach",
                               **CITY_CENTRE)
    # "above": a supporter on the coach's own rung is no strength coach of theirs.
    above = search(client, roles="strength_coach", qualification="uk_coach").get_json()
    assert ids(above) == []
    assert above["diagnostics"]["removed"]["ladder"] == 1
    assert above["diagnostics"]["explanation"].startswith("No strength coaches within 25 km")
    # The same row saying "peer": the same rung is the best fit there is.
    role.ladder_rule = "peer"
    session.commit()
    peer = search(client, roles="strength_coach", qualification="uk_coach").get_json()
    assert ids(peer) == [same_rung.id]
    assert "Coach, same level as you" in peer["results"][0]["reasons"]


def test_a_role_whose_rule_search_does_not_know_is_left_out_not_fatal(client, add_role,
                                                                      make_supporter):
    add_role("guru", "Guru", "sideways")
    both = make_supporter(roles=["mentor", "guru"], **CITY_CENTRE)
    make_supporter(roles=["guru"], **CITY_CENTRE)
    # Still found for the roles search knows; the unknown one is refused by name.
    assert ids(search(client, roles="mentor").get_json()) == [both.id]
    response = search(client, roles="guru")
    assert response.status_code == 422
    assert "roles" in response.get_json()["errors"]


def test_seeding_refuses_a_ladder_rule_search_does_not_know(session, tmp_path):
    from app.services.taxonomy import TAXONOMY_FILE, seed_taxonomy

    data = json.loads(TAXONOMY_FILE.read_text())
    data["support_roles"].append({"key": "guru", "name": "Guru", "ladder_rule": "sideways"})
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="'guru'.*'sideways'"):
        seed_taxonomy(session, path)
    session.rollback()
