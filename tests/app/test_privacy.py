"""Private stays private: no exact location, full postcode, email or phone leaves the server."""

import re

import pytest

SECRET_LAT, SECRET_LON = 53.81957, -1.58213


@pytest.fixture
def private_supporter(make_user, make_supporter):
    user = make_user(roles=["supporter"], email="hidden.person@example.com",
                     phone="07700 900123", name="Hidden Person")
    return make_supporter(user=user, latitude=SECRET_LAT, longitude=SECRET_LON,
                          postcode="LS6 4JN", outward_code="LS6", place_label="Leeds",
                          offers_online=True)


def _assert_nothing_private(text: str):
    assert "hidden.person@example.com" not in text
    assert "07700 900123" not in text and "07700900123" not in text
    assert not re.search(r"LS6\s*4JN", text, re.IGNORECASE)
    # No coordinate closer than two decimal places (about 1 km) to the real one.
    assert "53.8195" not in text and "1.5821" not in text
    assert "53.819" not in text and "1.582" not in text


@pytest.mark.parametrize("path", [
    "/api/v1/search?where=LS1%204DY&mode=either",
    "/api/v1/search?where=Leeds",
    "/api/v1/search?lat=53.8&lon=-1.55",
    "/search?where=LS1+4DY",
    "/search?where=Leeds&mode=online",
])
def test_search_reveals_nothing_private(client, private_supporter, path):
    response = client.get(path)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hidden Person" in text  # the supporter is there...
    _assert_nothing_private(text)   # ...but nothing to find or contact them by


def test_profile_reveals_nothing_private(client, private_supporter):
    for path in [f"/api/v1/supporters/{private_supporter.id}",
                 f"/supporters/{private_supporter.id}"]:
        response = client.get(path)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "Hidden Person" in text and "LS6" in text
        _assert_nothing_private(text)


def test_public_area_is_coarse(client, private_supporter):
    import geodata

    card = client.get(f"/api/v1/supporters/{private_supporter.id}").get_json()
    assert card["near"] == "LS6"
    # The map point is the centre of their postcode sector, where search places
    # them: never the person.
    sector = geodata.geocode("LS6 4")
    assert (card["area_lat"], card["area_lon"]) == pytest.approx((sector.lat, sector.lon))
    assert abs(card["area_lat"] - SECRET_LAT) + abs(card["area_lon"] - SECRET_LON) > 0.001
