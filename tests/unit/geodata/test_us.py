"""US ZIP codes from the zipcodes package."""

from __future__ import annotations

import pytest
import zipcodes

import geodata


def test_zip_code_has_city_and_state_in_its_label():
    loc = geodata.geocode("90210")
    assert loc.to_dict() == {
        "lat": 34.0901,
        "lon": -118.4065,
        "precision": "zip",
        "label": "90210, Beverly Hills, CA",
        "outward_code": None,
        "country": "US",
    }
    assert loc.postcode == "90210"


@pytest.mark.parametrize("text", ["10001-1234", "10001 1234", "100011234", " 10001 "])
def test_zip_plus_four_resolves_to_its_zip(text):
    loc = geodata.geocode(text)
    assert loc.label == "10001, New York, NY"


@pytest.mark.parametrize("zip5", ["02134", "60614", "73301", "99501", "00501"])
def test_zip_coordinates_are_those_of_the_zipcodes_package(zip5):
    (record,) = zipcodes.matching(zip5)
    loc = geodata.geocode(zip5)
    assert (loc.lat, loc.lon) == (float(record["lat"]), float(record["long"]))


def test_military_zip_codes_have_no_place():
    with pytest.raises(geodata.NotCoveredOffline, match="military"):
        geodata.geocode("09001")


def test_nearest_zip():
    assert geodata.nearest_zip(34.09, -118.40).label == "90210, Beverly Hills, CA"
    assert geodata.nearest_zip(53.8, -1.5) is None
