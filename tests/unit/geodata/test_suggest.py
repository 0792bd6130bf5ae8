"""Autocomplete: prefixes of postcodes, districts, ZIP codes and place names."""

from __future__ import annotations

import pytest

import geodata


def labels(text, limit=10, **kw):
    return [loc.label for loc in geodata.suggest(text, limit, **kw)]


def test_partial_postcode_lists_real_postcodes_in_order():
    found = labels("LS6 3Q", limit=5)
    assert found == ["LS6 3QA", "LS6 3QB", "LS6 3QD", "LS6 3QE", "LS6 3QF"]
    assert labels("ls63q", limit=5) == found


def test_sector_prefix_lists_the_sector_then_its_postcodes():
    found = geodata.suggest("LS6 3", limit=4)
    assert [loc.precision for loc in found] == ["sector", "postcode", "postcode", "postcode"]
    assert all(loc.label.startswith("LS6 3") for loc in found)


def test_district_lists_itself_then_its_sectors():
    assert labels("LS6") == ["LS6", "LS6 1", "LS6 2", "LS6 3", "LS6 4", "LS6 9"]


def test_district_prefix_lists_districts_in_natural_order():
    assert labels("LS1", limit=4) == ["LS1", "LS10", "LS11", "LS12"]
    assert labels("LS", limit=4) == ["LS1", "LS2", "LS3", "LS4"]


def test_zip_prefix():
    assert labels("9021", limit=3) == [
        "90210, Beverly Hills, CA",
        "90211, Beverly Hills, CA",
        "90212, Beverly Hills, CA",
    ]


def test_place_prefix_exact_names_first_then_by_population():
    found = geodata.suggest("Newport", limit=10)
    assert found[0].label == "Newport, Wales (NP20)"
    assert all(loc.precision == "place" for loc in found)
    assert "Newport News, VA" in [loc.label for loc in geodata.suggest("Newport", limit=40)]
    assert labels("Gatesh", limit=1) == ["Gateshead, England"]
    assert labels("Headingl") == ["Headingley, Leeds"]


def test_country_limits_suggestions():
    assert all(loc.country == "US" for loc in geodata.suggest("Spring", country="US"))
    assert geodata.suggest("LS6", country="US") == []
    assert geodata.suggest("9021", country="GB") == []


@pytest.mark.parametrize("text", ["", "   ", "!!!", "LS6 3QQQQ", "Xyzzyville"])
def test_nothing_to_suggest_is_an_empty_list(text):
    assert geodata.suggest(text) == []


def test_limit_is_respected():
    assert len(geodata.suggest("S", limit=7)) == 7
    assert geodata.suggest("Leeds", limit=0) == []


@pytest.mark.parametrize("text", ["ÿÿ", "日本", "Ää", "ſs"])
def test_suggest_survives_letters_no_postcode_has(text):
    assert all(isinstance(loc, geodata.Location) for loc in geodata.suggest(text))


@pytest.mark.parametrize("text", ["ÿÿ", "日本"])
def test_geocode_of_foreign_letters_is_a_clear_error(text):
    with pytest.raises(geodata.GeodataError):
        geodata.geocode(text)
