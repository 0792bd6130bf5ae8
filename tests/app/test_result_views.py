"""Search results as compact cards or as a list, and one name for each postcode district."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

import geodata

NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()


def at(code: str) -> dict:
    """A supporter's stored place at a real postcode of a district."""
    centre = geodata.geocode(code)
    found = geodata.nearest_postcodes(centre.lat, centre.lon, k=1)[0]
    return dict(latitude=found.lat, longitude=found.lon, postcode=found.postcode,
                outward_code=found.outward_code, country="GB")


def page(client, **params):
    response = client.get("/search", query_string=params)
    return response, BeautifulSoup(response.data, "html.parser")


def query_of(link) -> dict:
    return parse_qs(urlsplit(link["href"]).query)


@pytest.fixture
def three(make_supporter):
    return [make_supporter(roles=("mentor", "co_coach"), offers_online=True, capacity=3)
            for _ in range(3)]


def test_list_view_shows_one_row_each_and_keeps_itself_across_pages_sorting_and_the_form(
        client, three):
    response, soup = page(client, where="LS6 3QS", limit=2, view="list")
    assert response.status_code == 200
    rows = soup.select("[data-testid=results] > li > article.row")
    assert len(rows) == 2 and not soup.select("[data-testid=results] article.card")
    text = rows[0].get_text(" ", strip=True)
    for part in (three[0].user.display_name, "Mentor, Co-coach", "online", "km",
                 "near LS6 (Leeds)", "3 places free"):
        assert part in text
    # The row's reason is the one after the distance: the distance is on the row already.
    assert rows[0].select_one(".row-reason").get_text(strip=True) != ""
    assert "km away" not in rows[0].select_one(".row-reason").get_text()
    assert query_of(soup.find("a", rel="next"))["view"] == ["list"]
    assert query_of(soup.find("a", string="nearest first"))["view"] == ["list"]
    assert soup.find("input", {"type": "hidden", "name": "view"})["value"] == "list"
    toggle = soup.select_one("[data-testid=view-toggle]")
    assert toggle.find("strong", attrs={"aria-current": "true"}).get_text() == "List"
    assert "view" not in query_of(toggle.find("a", string="Cards"))
    assert query_of(toggle.find("a", string="Cards"))["where"] == ["LS6 3QS"]


def test_cards_are_the_default_and_offer_the_list(client, three):
    response, soup = page(client, where="LS6 3QS", sort="distance")
    cards = soup.select("[data-testid=results] > li > article.card")
    assert response.status_code == 200 and len(cards) == 3
    toggle = soup.select_one("[data-testid=view-toggle]")
    assert toggle.find("strong", attrs={"aria-current": "true"}).get_text() == "Cards"
    link = query_of(toggle.find("a", string="List"))
    assert link["view"] == ["list"] and link["sort"] == ["distance"]
    assert not soup.find("input", {"type": "hidden", "name": "view"})


def test_reasons_after_the_first_two_wait_behind_a_summary_that_counts_them(client, three):
    _, soup = page(client, where="LS6 3QS")
    card = soup.select_one("[data-testid=results] article.card")
    shown = [li.get_text() for li in card.select(".why > .reasons > li")]
    hidden = [li.get_text() for li in card.select(".more-reasons .reasons-rest li")]
    assert len(shown) > 2 and hidden == shown[2:]
    # The wide screen's copy of the rest is the same reasons, marked to hide on a phone.
    assert [li.get_text() for li in card.select(".why > .reasons > li.reason-wide")] == hidden
    summary = card.select_one(".more-reasons summary").get_text(strip=True)
    assert summary == f"{len(hidden)} more reason{'s' if len(hidden) > 1 else ''}"


@pytest.mark.parametrize("view", ["table", "", "LIST", "<b>"])
def test_an_unknown_view_shows_cards_and_searches_as_asked(client, three, view):
    response, soup = page(client, where="LS6 3QS", view=view)
    assert response.status_code == 200
    assert len(soup.select("[data-testid=results] article.card")) == 3


def test_a_district_has_one_name_on_cards_profiles_and_the_map(client, make_supporter):
    # Stored labels from before (a town near the sector) give way to the district's own.
    bradford = make_supporter(place_label="Leeds", **at("BD1"))
    newcastle = make_supporter(place_label="Gosforth", travel_km=50, **at("NE4"))
    _, soup = page(client, where="BD1", radius_km=10)
    card = soup.select_one(f"article[data-supporter-id='{bradford.id}']")
    assert "near BD1 (Bradford)" in card.get_text(" ", strip=True)
    assert '"place": "Bradford"' in soup.find(id="map-data").string
    _, soup = page(client, where="NE4", radius_km=10, view="list")
    row = soup.select_one(f"article[data-supporter-id='{newcastle.id}']")
    assert "near NE4 (Newcastle upon Tyne)" in row.get_text(" ", strip=True)
    profile = BeautifulSoup(client.get(f"/supporters/{bradford.id}").data, "html.parser")
    assert "Near BD1 (Bradford)" in profile.select_one(".card-where").get_text(" ", strip=True)
    assert "Leeds" not in profile.select_one(".card-where").get_text()
    api = client.get(f"/api/v1/supporters/{newcastle.id}").get_json()
    assert (api["near"], api["place"]) == ("NE4", "Newcastle upon Tyne")


def test_saving_a_profile_names_its_district_by_the_district_town(make_account, visitor,
                                                                   session):
    from sqlalchemy import select

    from app.models import SupporterProfile

    user = make_account(roles=["supporter"], name="Nel Supporter", email="nel@example.com")
    form = {"roles": ["mentor"], "event_groups": ["jumps"], "expertise": ["technical_model"],
            "qualification": "uk_coach", "years_coaching": "12", "club": "Elswick Harriers",
            "bio": "Jumps coach.", "location": at("NE4")["postcode"], "travel_km": "25",
            "capacity": "3", "offers_online": "y", "visible": "y",
            "safeguarding_expires_on": NEXT_YEAR, "licence_expires_on": NEXT_YEAR}
    assert visitor(user).post("/profile/supporter", data=form).status_code == 302
    profile = session.scalar(select(SupporterProfile).where(SupporterProfile.user_id == user.id))
    assert (profile.outward_code, profile.place_label) == ("NE4", "Newcastle upon Tyne")
    own = visitor(user).get("/api/v1/me/profile").get_json()
    assert (own["near"], own["place"]) == ("NE4", "Newcastle upon Tyne")
