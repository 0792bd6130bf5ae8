"""The centre of a postcode district or US ZIP3 area, where counts by area are drawn."""

from __future__ import annotations

import pytest
import zipcodes

import geodata


def test_a_district_is_at_its_own_centre_whatever_the_case():
    centre = geodata.area_centre("GB", " ls6 ")
    district = geodata.geocode("LS6")
    assert (centre.lat, centre.lon, centre.label) == (district.lat, district.lon, "LS6")
    assert centre.precision == "outward_code" and centre.country == "GB"


def test_a_zip3_area_is_at_the_mean_of_its_zip_codes():
    # Read from the zipcodes package itself, not from geodata's own arrays.
    located = [r for r in zipcodes.list_all()
               if r["zip_code"].startswith("100") and (float(r["lat"]), float(r["long"])) != (0, 0)]
    centre = geodata.area_centre("US", "100")
    assert centre.label == "100xx, NY" and centre.precision == "zip" and centre.country == "US"
    assert centre.lat == pytest.approx(sum(float(r["lat"]) for r in located) / len(located))
    assert centre.lon == pytest.approx(sum(float(r["long"]) for r in located) / len(located))


def test_a_zip3_area_is_where_coarsening_puts_its_zip_codes():
    coarse = geodata.coarsen(geodata.geocode("90210"))
    centre = geodata.area_centre("USA", "902")
    assert (centre.lat, centre.lon, centre.label) == (coarse.lat, coarse.lon, coarse.label)


def test_an_island_district_is_the_island():
    assert geodata.area_centre("JE", "JE2").label == "Jersey"


def test_answers_are_kept():
    assert geodata.area_centre("GB", "LS6") is geodata.area_centre("GB", "ls6")


@pytest.mark.parametrize(("country", "area"), [
    ("US", "LS6"), ("US", "1000"), ("GB", "100"), ("GB", "ZZ9"), ("FR", "75"), ("GB", None),
])
def test_malformed_areas_are_refused(country, area):
    with pytest.raises(geodata.InvalidQuery):
        geodata.area_centre(country, area)


@pytest.mark.parametrize(("country", "area"), [("US", "000"), ("GB", "ZE9")])
def test_unknown_areas_are_not_found(country, area):
    with pytest.raises(geodata.PlaceNotFound):
        geodata.area_centre(country, area)
