"""From a point back to a district, and the public (coarse) form of a location."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geodata
from geodata._index import STORE
from geodata._postcodes import format_outward_key, format_postcode_key


def _brute_force_nearest(lat, lon, k=1):
    """Measure the distance to every located postcode: slow, obviously right."""
    gb = STORE.gb()
    d = geodata.haversine_km(lat, lon, gb.coords[:, 0], gb.coords[:, 1])
    d[np.asarray(gb.level) != 0] = np.inf
    nearest = np.argpartition(d, k)[:k]
    rows = nearest[np.argsort(d[nearest], kind="stable")]
    return [format_postcode_key(int(gb.keys[r])) for r in rows], d[rows]


@pytest.mark.parametrize(
    ("lat", "lon", "outward"),
    [
        (53.8176, -1.5822, "LS6"),  # Headingley Stadium
        (51.5560, -0.2796, "HA9"),  # Wembley Stadium
        (54.9526, -1.6034, "NE8"),  # Gateshead
        (49.9146, -6.3153, "TR21"),  # St Mary's, Isles of Scilly
    ],
)
def test_nearest_outward_code(lat, lon, outward):
    assert geodata.nearest_outward_code(lat, lon) == outward


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (40.7484, -73.9967),  # New York
        (53.3498, -6.2603),  # Dublin
        (54.5973, -5.9301),  # Belfast: in the UK, but no Code-Point postcodes
        (48.8566, 2.3522),  # Paris
        (-33.86, 151.21),  # Sydney
    ],
)
def test_nearest_outward_code_is_none_far_from_great_britain(lat, lon):
    assert geodata.nearest_outward_code(lat, lon) is None


def test_nearest_outward_code_agrees_with_brute_force():
    rng = random.Random(11)
    gb = STORE.gb()
    checked = 0
    while checked < 8:
        lat, lon = rng.uniform(50.5, 55.0), rng.uniform(-3.5, 0.0)
        (postcode,), (km,) = _brute_force_nearest(lat, lon)
        if km > 30:
            continue  # at sea
        row = gb.find_outward(gb.keys[gb.find_postcode(_key(postcode))] & ~0xFFFFFFFF)
        expected = format_outward_key(int(gb.outward_keys[gb.public_outward(row)]))
        assert geodata.nearest_outward_code(lat, lon) == expected
        checked += 1


def _key(postcode):
    from geodata._postcodes import postcode_key

    return postcode_key(*postcode.split())


@pytest.mark.parametrize(
    ("lat", "lon"), [(53.8176, -1.5822), (57.1497, -2.0943), (50.0657, -5.7132), (60.15, -1.14)]
)
def test_nearest_postcodes_agrees_with_brute_force(lat, lon):
    found = geodata.nearest_postcodes(lat, lon, k=10)
    expected, _ = _brute_force_nearest(lat, lon, k=10)
    assert [loc.label for loc in found] == expected
    assert all(loc.precision == "postcode" and loc.country == "GB" for loc in found)
    assert all(loc.outward_code == loc.label.split()[0] for loc in found)


def test_nearest_postcodes_are_real_and_geocode_back():
    for loc in geodata.nearest_postcodes(51.3780, -2.3280, k=5):
        assert geodata.geocode(loc.label) == loc


def test_nearest_postcodes_far_from_great_britain_is_empty():
    assert geodata.nearest_postcodes(40.7, -74.0) == []
    assert geodata.nearest_postcodes(53.8, -1.55, k=0) == []


@pytest.mark.parametrize("bad", [(91, 0), (0, 181), (float("nan"), 0), ("north", 0)])
def test_impossible_coordinates_are_invalid(bad):
    with pytest.raises(geodata.InvalidQuery):
        geodata.nearest_outward_code(*bad)
    with pytest.raises(geodata.InvalidQuery):
        geodata.from_coordinates(*bad)


def test_from_coordinates_keeps_the_point_and_labels_it_coarsely():
    loc = geodata.from_coordinates(53.8176, -1.5822)
    assert loc == geodata.Location(53.8176, -1.5822, "coordinates", "near LS6", "LS6", "GB")
    us = geodata.from_coordinates(34.09, -118.40)
    assert (us.label, us.country) == ("near Beverly Hills, CA", "US")
    paris = geodata.from_coordinates(48.8566, 2.3522)
    assert (paris.label, paris.country, paris.outward_code) == ("48.8566, 2.3522", None, None)


def test_coarsen_a_postcode_gives_its_district_centroid():
    exact = geodata.geocode("LS6 3QS")
    coarse = geodata.coarsen(exact)
    assert coarse == geodata.geocode("LS6")
    assert (coarse.lat, coarse.lon) != (exact.lat, exact.lon)


def test_coarsen_never_returns_the_exact_point_of_a_postcode():
    gb = STORE.gb()
    located = np.flatnonzero(np.asarray(gb.level) == 0).tolist()
    for row in random.Random(5).sample(located, 400):
        exact = geodata.geocode(format_postcode_key(int(gb.keys[row])))
        assert exact.precision == "postcode"
        coarse = geodata.coarsen(exact)
        assert coarse.precision == "outward_code"
        assert (coarse.lat, coarse.lon) != (exact.lat, exact.lon)
        assert geodata.haversine_km(exact.lat, exact.lon, coarse.lat, coarse.lon) > 0.001


def test_coarsen_moves_single_organisation_districts_to_an_ordinary_one():
    # CF99 holds a handful of addresses; its centroid would point at them.
    (senedd,) = [loc for loc in geodata.suggest("CF99 1", limit=50) if loc.label == "CF99 1SN"]
    coarse = geodata.coarsen(senedd)
    assert coarse.label != "CF99"
    assert coarse.label.startswith("CF")
    assert geodata.haversine_km(senedd.lat, senedd.lon, coarse.lat, coarse.lon) < 10
    assert geodata.nearest_outward_code(senedd.lat, senedd.lon) == coarse.label


def test_coarsen_a_zip_gives_its_three_digit_area():
    exact = geodata.geocode("90210")
    coarse = geodata.coarsen(exact)
    assert (coarse.precision, coarse.label, coarse.country) == ("zip", "902xx, CA", "US")
    assert (coarse.lat, coarse.lon) != (exact.lat, exact.lon)


def test_coarsen_leaves_public_places_alone():
    town = geodata.geocode("Gateshead")
    assert geodata.coarsen(town) is town
    island = geodata.geocode("JE2 3AB")
    assert geodata.coarsen(island) is island


def test_coarsen_coordinates_and_online_answers():
    here = geodata.from_coordinates(53.8176, -1.5822)
    assert geodata.coarsen(here).label == "LS6"
    online = geodata.Location(53.8176, -1.5822, "online", "Headingley, Leeds")
    assert geodata.coarsen(online).label == "LS6"
    abroad = geodata.coarsen(geodata.from_coordinates(48.8566, 2.3522))
    assert (abroad.lat, abroad.lon) == (48.85, 2.35)


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-89.9, max_value=89.9), st.floats(min_value=-179.9, max_value=179.9))
def test_coarsen_never_returns_a_given_point(lat, lon):
    coarse = geodata.coarsen(geodata.from_coordinates(lat, lon))
    assert (coarse.lat, coarse.lon) != (lat, lon)
    assert coarse.precision in ("outward_code", "zip", "coordinates")


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=50.0, max_value=58.6), st.floats(min_value=-5.7, max_value=1.7))
def test_coarsen_inside_great_britain_names_the_nearest_district(lat, lon):
    outward = geodata.nearest_outward_code(lat, lon)
    coarse = geodata.coarsen(geodata.from_coordinates(lat, lon))
    if outward is not None:
        assert (coarse.precision, coarse.label) == ("outward_code", outward)
