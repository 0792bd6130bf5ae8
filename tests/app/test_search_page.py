"""The search page works as plain HTML: form in, ranked cards out, errors by the field."""

import re

import pytest
from bs4 import BeautifulSoup

CITY_CENTRE = dict(latitude=53.7960, longitude=-1.5470, postcode="LS1 4DY", outward_code="LS1",
                   place_label="Leeds")
BRADFORD = dict(latitude=53.7950, longitude=-1.7520, postcode="BD1 1HY", outward_code="BD1",
                place_label="Bradford")


@pytest.fixture
def two_supporters(make_supporter):
    return make_supporter(**CITY_CENTRE), make_supporter(**BRADFORD)


def page(client, **params):
    response = client.get("/search", query_string=params)
    return response, BeautifulSoup(response.data, "html.parser")


def test_empty_search_page_shows_the_form(client):
    response, soup = page(client)
    assert response.status_code == 200
    assert soup.find("input", {"name": "where"})
    assert {i["value"] for i in soup.find_all("input", {"name": "roles"})} == {
        "mentor", "coach_developer", "technical_advisor", "co_coach"}
    assert soup.find("input", {"name": "needs", "value": "training_planning"})


def test_results_are_ranked_cards_with_reasons(client, two_supporters):
    near, far = two_supporters
    response, soup = page(client, where="LS6 3QS", roles="mentor")
    cards = soup.select("[data-testid=results] article")
    assert response.status_code == 200
    assert [int(c["data-supporter-id"]) for c in cards] == [near.id, far.id]
    first = cards[0]
    assert "near LS1" in first.get_text(" ", strip=True)
    assert "4 km" in first.select_one(".distance").get_text()
    assert first.select(".reasons li")
    heading = re.sub(r"\s+", " ", soup.find(id="results-heading").get_text()).strip()
    assert heading.startswith("2 supporters near LS6 3QS")


def test_the_query_lives_in_the_url_and_the_form_keeps_it(client, two_supporters):
    response, soup = page(client, where="LS6 3QS", roles="mentor", radius_km="50",
                          needs="training_planning", mode="in_person")
    assert soup.find("input", {"name": "where"})["value"] == "LS6 3QS"
    assert soup.find("input", {"name": "roles", "value": "mentor"}).has_attr("checked")
    assert soup.find("input", {"name": "needs", "value": "training_planning"}).has_attr(
        "checked")
    assert soup.find("option", {"value": "50"}).has_attr("selected")
    assert soup.find("input", {"name": "mode", "value": "in_person"}).has_attr("checked")


def test_errors_show_beside_the_field_and_keep_the_input(client):
    response, soup = page(client, where="LS6 3Q")
    assert response.status_code == 422
    where = soup.find("input", {"name": "where"})
    assert where["aria-invalid"] == "true"
    error = soup.find(id=where["aria-describedby"])
    assert "LS6 3" in error.get_text()
    assert where["value"] == "LS6 3Q"


def test_unknown_place_is_explained(client):
    response, soup = page(client, where="LS99 9ZZ")
    assert response.status_code == 404
    assert "LS99 9ZZ" in soup.find(id="where-error").get_text()


def test_radius_out_of_range_is_explained(client):
    response, soup = page(client, where="LS6 3QS", radius_km="-5")
    assert response.status_code == 422
    assert soup.find(id="radius_km-error")


def test_profile_page_has_a_call_to_action(client, two_supporters):
    near, _ = two_supporters
    response = client.get(f"/supporters/{near.id}")
    soup = BeautifulSoup(response.data, "html.parser")
    assert response.status_code == 200
    assert soup.h1.get_text(strip=True) == near.user.display_name
    assert soup.find("a", string=re.compile("Request support"))


def test_unknown_profile_is_404_page(client):
    response = client.get("/supporters/999999", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
