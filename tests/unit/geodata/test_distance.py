"""The fast haversine against geopy's exact geodesic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geodata

# Latitudes and longitudes spanning Great Britain and the contiguous US.
lats = st.floats(min_value=24.0, max_value=61.0)
lons = st.floats(min_value=-125.0, max_value=2.0)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((53.8008, -1.5491), (51.5072, -0.1276)),  # Leeds to London
        ((50.0657, -5.7132), (58.6373, -3.0689)),  # Land's End to John o' Groats
        ((34.0522, -118.2437), (40.7128, -74.0060)),  # Los Angeles to New York
        ((53.8176, -1.5822), (53.8270, -1.5822)),  # about a kilometre
    ],
)
def test_haversine_agrees_with_geodesic_within_half_a_percent(a, b):
    fast = geodata.haversine_km(*a, *b)
    exact = geodata.geodesic_km(a, b)
    assert isinstance(fast, float)
    assert fast == pytest.approx(exact, rel=0.005)


@settings(max_examples=200, deadline=None)
@given(lats, lons, lats, lons)
def test_haversine_agrees_with_geodesic_anywhere_a_coach_might_travel(lat1, lon1, lat2, lon2):
    fast = geodata.haversine_km(lat1, lon1, lat2, lon2)
    exact = geodata.geodesic_km((lat1, lon1), (lat2, lon2))
    assert fast == pytest.approx(exact, rel=0.005, abs=1e-6)
    assert fast == pytest.approx(geodata.haversine_km(lat2, lon2, lat1, lon1))


def test_haversine_broadcasts_over_arrays():
    lat = np.array([53.8, 51.5, 55.95])
    lon = np.array([-1.55, -0.13, -3.19])
    row = geodata.haversine_km(53.8, -1.55, lat, lon)
    assert row.shape == (3,)
    assert row[0] == 0.0
    grid = geodata.haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert grid.shape == (3, 3)
    assert np.allclose(grid, grid.T)
    assert np.allclose(np.diag(grid), 0.0)
    one = geodata.haversine_km(lat[1], lon[1], lat[2], lon[2])
    assert grid[1, 2] == pytest.approx(one)


def test_haversine_uses_the_mean_earth_radius():
    assert geodata.EARTH_RADIUS_KM == 6371.0088
    half_way_round = geodata.haversine_km(0.0, 0.0, 0.0, 180.0)
    assert half_way_round == pytest.approx(math.pi * 6371.0088)


def test_geodesic_takes_locations_or_pairs():
    a = geodata.geocode("LS6 3BU")
    b = geodata.geocode("HA9 0WS")
    assert geodata.geodesic_km(a, b) == pytest.approx(geodata.geodesic_km((a.lat, a.lon), b))
    assert 260 < geodata.geodesic_km(a, b) < 270
