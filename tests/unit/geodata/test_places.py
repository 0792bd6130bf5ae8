"""Towns, cities and suburbs by name; ambiguity is reported, not hidden."""

from __future__ import annotations

import pytest

import geodata


@pytest.mark.parametrize(
    ("text", "label", "lat", "lon"),
    [
        ("Headingley", "Headingley, Leeds", 53.8190, -1.5790),
        ("headingley", "Headingley, Leeds", 53.8190, -1.5790),
        ("Gateshead", "Gateshead, England", 54.9526, -1.6034),
        ("Leeds", "Leeds, England", 53.7997, -1.5492),
        ("Stoke on Trent", "Stoke-on-Trent, England", 53.0027, -2.1794),
        ("saint albans, england", "St Albans, England", 51.7527, -0.3394),
        ("Hull", "Kingston upon Hull, England", 53.7676, -0.3274),
        ("New York", "New York City, NY", 40.7128, -74.0060),
    ],
)
def test_places_resolve_near_their_published_coordinates(text, label, lat, lon):
    loc = geodata.geocode(text)
    assert (loc.precision, loc.label) == ("place", label)
    assert geodata.haversine_km(lat, lon, loc.lat, loc.lon) < 3


def test_gb_places_know_their_outward_code():
    assert geodata.geocode("Headingley").outward_code == "LS6"
    assert geodata.geocode("Gateshead").outward_code == "NE8"
    assert geodata.geocode("New York").outward_code is None


@pytest.mark.parametrize("name", ["Newport", "Springfield", "Cambridge"])
def test_ambiguous_names_raise_with_ranked_candidates(name):
    with pytest.raises(geodata.AmbiguousPlace) as caught:
        geodata.geocode(name)
    candidates = caught.value.candidates
    assert len(candidates) > 2
    assert all(isinstance(c, geodata.Location) and c.precision == "place" for c in candidates)
    assert all(c.label.startswith(name) for c in candidates)
    assert len({c.label for c in candidates}) == len(candidates)  # labels tell them apart
    populations = {p.label: p.population for p in geodata.places("GB") + geodata.places("US")}
    ranked = [populations[c.label] for c in candidates]
    assert ranked == sorted(ranked, reverse=True)
    assert name in str(caught.value)


def test_the_first_candidate_is_the_most_populous():
    with pytest.raises(geodata.AmbiguousPlace) as caught:
        geodata.geocode("Springfield")
    assert caught.value.candidates[0].label == "Springfield, MO"
    with pytest.raises(geodata.AmbiguousPlace) as caught:
        geodata.geocode("Newport")
    assert caught.value.candidates[0].label == "Newport, Wales (NP20)"


def test_country_preference_breaks_population_ties():
    from geodata._places import PlaceIndex

    index = PlaceIndex(
        {
            "records": [
                ["Twin", 40.0, -80.0, 1000, "US", "OH", "Twin, OH", None],
                ["Twin", 53.0, -1.0, 1000, "GB", "England", "Twin, England", "S1"],
                ["Twin", 52.0, -1.0, 2000, "GB", "England", "Twin, England (B1)", "B1"],
            ],
            "primary": {"twin": [0, 1, 2]},
            "alt": {},
            "us_states": {"OH": "Ohio"},
            "territories": {},
        }
    )
    gb_first = index.match("twin", country=None, preference=("GB", "US"))
    us_first = index.match("twin", country=None, preference=("US", "GB"))
    assert [index.records[r][6] for r in gb_first] == [
        "Twin, England (B1)",
        "Twin, England",
        "Twin, OH",
    ]
    assert [index.records[r][6] for r in us_first] == [
        "Twin, England (B1)",
        "Twin, OH",
        "Twin, England",
    ]


def test_a_clearly_dominant_match_is_returned():
    # Leeds, England has 45 times the people of Leeds, Alabama.
    assert geodata.geocode("Leeds").country == "GB"
    assert geodata.geocode("London").label == "London, England"


def test_an_unknown_population_is_not_outweighed_by_a_small_town():
    # GeoNames knows Woolwich, Maine has 2,922 people but not how many live in
    # Woolwich, London: that is no reason to pick Maine.
    with pytest.raises(geodata.AmbiguousPlace) as caught:
        geodata.geocode("Woolwich")
    assert [c.label for c in caught.value.candidates] == ["Woolwich, ME", "Woolwich, England"]
    assert geodata.geocode("Woolwich", country="GB").outward_code == "SE18"


def test_country_or_a_qualifier_narrows_an_ambiguous_name():
    assert geodata.geocode("Springfield, IL").label == "Springfield, IL"
    assert geodata.geocode("Springfield, Illinois").label == "Springfield, IL"
    assert geodata.geocode("Newport, Wales (NP20)".split(" (")[0] + ", NP20").label == (
        "Newport, Wales (NP20)"
    )
    assert geodata.geocode("Cambridge", country="GB").label == "Cambridge, England"
    assert geodata.geocode("Headingley, Leeds").label == "Headingley, Leeds"
    with pytest.raises(geodata.AmbiguousPlace):
        geodata.geocode("Newport", country="GB")


def test_dominance_is_configurable(restore_settings):
    geodata.configure(dominance=1.2)
    assert geodata.geocode("Cambridge").label == "Cambridge, England"


def test_places_for_seeding_demo_data():
    gb = geodata.places("GB", min_population=50_000)
    assert gb[0].name == "London"
    assert all(p.population >= 50_000 and p.country == "GB" for p in gb)
    assert [p.population for p in gb] == sorted((p.population for p in gb), reverse=True)
    assert {"Leeds", "Gateshead", "Cardiff", "Glasgow"} <= {p.name for p in gb}
    us = geodata.places("USA", min_population=1_000_000)
    assert {"New York City", "Los Angeles", "Chicago"} <= {p.name for p in us}
    assert len(geodata.places("GB")) > 5000


def test_places_needs_a_known_country():
    with pytest.raises(geodata.InvalidQuery):
        geodata.places("FR")
