"""From a point back to a district, the nearest postcodes or a labelled location."""

from __future__ import annotations

import random

import numpy as np
import pytest

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
