"""The public (coarse) form of a private location: its district, or its sector."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geodata
from geodata._index import STORE
from geodata._postcodes import format_postcode_key

LEVELS = ("district", "sector")


def _random_postcodes(n, seed):
    gb = STORE.gb()
    located = np.flatnonzero(np.asarray(gb.level) == 0).tolist()
    return [
        geodata.geocode(format_postcode_key(int(gb.keys[row])))
        for row in random.Random(seed).sample(located, n)
    ]


def _distinct_locations_per_sector(rows):
    """Count distinct located points per sector, straight from raw Code-Point rows."""
    points = defaultdict(set)
    for postcode, quality, e, n in rows:
        if quality != 90 and e > 0 and n > 0:
            points[postcode[:-2]].add((e, n))
    return {sector: len(found) for sector, found in points.items()}


# -- districts (the default) -------------------------------------------------


def test_coarsen_a_postcode_gives_its_district_centroid():
    exact = geodata.geocode("LS6 3QS")
    coarse = geodata.coarsen(exact)
    assert coarse == geodata.geocode("LS6")
    assert (coarse.lat, coarse.lon) != (exact.lat, exact.lon)


def test_district_is_the_default():
    for exact in [
        *_random_postcodes(50, seed=3),
        geodata.from_coordinates(53.8176, -1.5822),
        geodata.geocode("90210"),
        geodata.from_coordinates(48.8566, 2.3522),
    ]:
        assert geodata.coarsen(exact) == geodata.coarsen(exact, to="district")
    assert geodata.coarsen(geodata.geocode("LS6 3QS"), to="district").label == "LS6"


@pytest.mark.parametrize("to", LEVELS)
def test_coarsen_never_returns_the_exact_point_of_a_postcode(to):
    for exact in _random_postcodes(400, seed=5):
        assert exact.precision == "postcode"
        coarse = geodata.coarsen(exact, to=to)
        expected = ("outward_code",) if to == "district" else ("sector", "outward_code")
        assert coarse.precision in expected
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


@pytest.mark.parametrize("to", LEVELS)
def test_coarsen_leaves_public_places_alone(to):
    town = geodata.geocode("Gateshead")
    assert geodata.coarsen(town, to=to) is town
    island = geodata.geocode("JE2 3AB")
    assert geodata.coarsen(island, to=to) is island


def test_coarsen_coordinates_and_online_answers():
    here = geodata.from_coordinates(53.8176, -1.5822)
    assert geodata.coarsen(here).label == "LS6"
    online = geodata.Location(53.8176, -1.5822, "online", "Headingley, Leeds")
    assert geodata.coarsen(online).label == "LS6"
    abroad = geodata.coarsen(geodata.from_coordinates(48.8566, 2.3522))
    assert (abroad.lat, abroad.lon) == (48.85, 2.35)


@pytest.mark.parametrize("to", LEVELS)
@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-89.9, max_value=89.9), st.floats(min_value=-179.9, max_value=179.9))
def test_coarsen_never_returns_a_given_point(to, lat, lon):
    coarse = geodata.coarsen(geodata.from_coordinates(lat, lon), to=to)
    assert (coarse.lat, coarse.lon) != (lat, lon)
    assert coarse.precision in ("sector", "outward_code", "zip", "coordinates")


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=50.0, max_value=58.6), st.floats(min_value=-5.7, max_value=1.7))
def test_coarsen_inside_great_britain_names_the_nearest_district(lat, lon):
    outward = geodata.nearest_outward_code(lat, lon)
    coarse = geodata.coarsen(geodata.from_coordinates(lat, lon))
    if outward is not None:
        assert (coarse.precision, coarse.label) == ("outward_code", outward)


# -- sectors ------------------------------------------------------------------


def test_postcodes_in_one_sector_coarsen_to_its_centroid():
    first, second = geodata.geocode("LS6 3QS"), geodata.geocode("LS6 3AA")
    coarse = geodata.coarsen(first, to="sector")
    assert coarse == geodata.coarsen(second, to="sector")
    assert coarse == geodata.Location(
        coarse.lat, coarse.lon, "sector", "LS6 3", outward_code="LS6", country="GB"
    )
    assert (coarse.lat, coarse.lon) == (geodata.geocode("LS6 3").lat, geodata.geocode("LS6 3").lon)
    for exact in (first, second):
        assert 0.001 < geodata.haversine_km(exact.lat, exact.lon, coarse.lat, coarse.lon) < 2


def test_every_postcode_of_a_sector_gives_one_answer():
    members = [loc for loc in geodata.suggest("LS6 3", limit=1000) if loc.precision == "postcode"]
    assert len({(m.lat, m.lon) for m in members}) > 100
    assert {geodata.coarsen(m, to="sector") for m in members} == {geodata.geocode("LS6 3")}


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (53.8176, -1.5822),  # Headingley Stadium
        (53.8195, -1.5770),  # Headingley, by the station
        (53.8260, -1.5950),  # West Park, further out in LS6 or LS16
        (53.8110, -1.5690),  # towards Hyde Park
    ],
)
def test_a_point_coarsens_to_the_sector_of_its_nearest_postcode(lat, lon):
    (nearest,) = geodata.nearest_postcodes(lat, lon, k=1)
    expected = geodata.geocode(nearest.label[:-2])
    assert expected.precision == "sector"
    assert geodata.coarsen(geodata.from_coordinates(lat, lon), to="sector") == expected
    online = geodata.Location(lat, lon, "online", "Headingley, Leeds")
    assert geodata.coarsen(online, to="sector") == expected


def test_a_postcode_is_coarsened_by_its_own_sector_not_by_its_neighbours():
    # TR18 3ED shares its point with TR18 2NY: only the label tells them apart.
    exact = geodata.geocode("TR18 3ED")
    (nearest,) = geodata.nearest_postcodes(exact.lat, exact.lon, k=1)
    assert nearest.label.startswith("TR18 2")
    assert geodata.coarsen(exact, to="sector") == geodata.geocode("TR18 3")
    here = geodata.from_coordinates(exact.lat, exact.lon)
    assert geodata.coarsen(here, to="sector") == geodata.geocode(nearest.label[:-2])


def test_a_postcode_with_a_label_naming_no_sector_is_placed_by_its_point():
    # The app may know only a supporter's district and point: the point decides.
    exact = geodata.geocode("LS6 3QS")
    vague = geodata.Location(exact.lat, exact.lon, "postcode", "LS6", "LS6", "GB")
    assert geodata.coarsen(vague, to="sector") == geodata.geocode("LS6 3")


def test_a_tiny_sector_falls_back_to_its_district(raw_rows):
    # CO4 7 is four postcodes at four points: its centroid would nearly pin them.
    counts = _distinct_locations_per_sector(raw_rows("CO"))
    assert counts["CO4 7"] < 5 <= sum(n for s, n in counts.items() if s.startswith("CO4 "))
    exact = geodata.geocode("CO4 7AA")
    district = geodata.coarsen(exact)
    assert district == geodata.geocode("CO4")
    assert geodata.coarsen(exact, to="sector") == district
    # Found through the nearest postcode rather than the label, the same.
    here = geodata.from_coordinates(exact.lat, exact.lon)
    assert geodata.nearest_postcodes(exact.lat, exact.lon, k=1)[0].label == "CO4 7AA"
    assert geodata.coarsen(here, to="sector") == district
    # Asked for by name, the sector itself is no different.
    assert geodata.coarsen(geodata.geocode("CO4 7"), to="sector") == district


def test_a_single_organisation_sector_falls_back_to_the_public_district():
    (senedd,) = [loc for loc in geodata.suggest("CF99 1", limit=50) if loc.label == "CF99 1SN"]
    coarse = geodata.coarsen(senedd, to="sector")
    assert coarse == geodata.coarsen(senedd)
    assert coarse.label != "CF99"


@pytest.mark.parametrize("area", ["LS", "CO", "EC"])
def test_sectors_with_fewer_than_five_distinct_points_are_never_shown(area, raw_rows):
    counts = _distinct_locations_per_sector(raw_rows(area))
    assert min(counts.values()) < 5 <= max(counts.values())
    for sector, n in counts.items():
        coarse = geodata.coarsen(geodata.geocode(sector), to="sector")
        if n >= 5:
            assert (coarse.precision, coarse.label) == ("sector", sector)
        else:
            assert coarse.precision == "outward_code", sector


def test_a_district_is_never_made_finer():
    district = geodata.geocode("LS6")
    assert geodata.coarsen(district, to="sector") == district
    area = geodata.coarsen(geodata.geocode("90210"))
    assert geodata.coarsen(area, to="sector") == area


def test_a_zip_coarsens_to_its_own_centroid():
    exact = geodata.geocode("90210")
    coarse = geodata.coarsen(exact, to="sector")
    assert coarse == geodata.Location(exact.lat, exact.lon, "zip", "90210", None, "US")
    assert geodata.coarsen(geodata.geocode("90210-1234"), to="sector") == coarse


def test_a_point_in_the_us_coarsens_to_the_nearest_zip():
    here = geodata.from_coordinates(34.0700, -118.4010)  # Beverly Hills
    nearest = geodata.nearest_zip(here.lat, here.lon)
    coarse = geodata.coarsen(here, to="sector")
    assert coarse == geodata.Location(
        nearest.lat, nearest.lon, "zip", nearest.label[:5], None, "US"
    )
    assert (coarse.lat, coarse.lon) != (here.lat, here.lon)


def test_a_point_at_sea_goes_to_the_centre_of_its_small_grid_cell():
    coarse = geodata.coarsen(geodata.from_coordinates(30.0123, -40.0345), to="sector")
    assert coarse == geodata.Location(30.01, -40.03, "coordinates", "near 30.01, -40.03")
    # A point exactly at a centre is moved, never given back.
    centre = geodata.coarsen(geodata.from_coordinates(30.01, -40.03), to="sector")
    assert (centre.lat, centre.lon) == (30.0, -40.04)
    assert geodata.coarsen(geodata.from_coordinates(48.8566, 2.3522), to="sector").label == (
        "near 48.85, 2.35"
    )


# -- both ---------------------------------------------------------------------


def _assorted_locations():
    rng = random.Random(17)
    in_gb = [(rng.uniform(50.0, 58.6), rng.uniform(-5.7, 1.7)) for _ in range(60)]
    in_us = [(rng.uniform(25.0, 49.0), rng.uniform(-124.0, -67.0)) for _ in range(60)]
    return [
        *_random_postcodes(300, seed=13),
        *(geodata.from_coordinates(lat, lon) for lat, lon in in_gb + in_us),
        geodata.from_coordinates(30.01, -40.03),
        geodata.from_coordinates(48.85, 2.35),
        geodata.from_coordinates(48.8566, 2.3522),
        geodata.Location(53.8176, -1.5822, "online", "Headingley, Leeds"),
        geodata.geocode("CF99 1"),
        geodata.geocode("CO4 7AA"),
        geodata.geocode("LS6"),
        geodata.geocode("LS6 3"),
        geodata.geocode("90210"),
        geodata.geocode("Gateshead"),
    ]


@pytest.mark.parametrize("to", LEVELS)
def test_coarsening_twice_is_coarsening_once(to):
    for exact in _assorted_locations():
        once = geodata.coarsen(exact, to=to)
        assert geodata.coarsen(once, to=to) == once, exact


def test_every_us_area_stays_put_when_coarsened_again():
    # The ZIP code nearest an area's centroid may lie in the next area.
    us = STORE.us()
    rows = np.flatnonzero(~np.isnan(us.coords[:, 0]))
    areas = {
        geodata.coarsen(geodata.Location(*us.coords[r].tolist(), "zip", us.label(r), None, "US"))
        for r in rows[::7].tolist()
    }
    assert len(areas) > 500
    assert all(geodata.coarsen(area) == area for area in areas)


def test_a_sector_lies_in_the_district_it_coarsens_to():
    for exact in _assorted_locations():
        if exact.country == "GB":
            sector = geodata.coarsen(exact, to="sector")
            assert geodata.coarsen(sector) == geodata.coarsen(exact), exact


@pytest.mark.parametrize("to", LEVELS)
@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=-89.9, max_value=89.9), st.floats(min_value=-179.9, max_value=179.9))
def test_coarsening_any_point_twice_is_coarsening_once(to, lat, lon):
    once = geodata.coarsen(geodata.from_coordinates(lat, lon), to=to)
    assert geodata.coarsen(once, to=to) == once


@pytest.mark.parametrize("to", ["Sector", "postcode", "", None, 1, ("sector",)])
def test_an_unknown_level_is_an_invalid_query(to):
    with pytest.raises(geodata.InvalidQuery, match="'to' must be 'district' or 'sector'"):
        geodata.coarsen(geodata.geocode("LS6 3QS"), to=to)
    with pytest.raises(ValueError):
        geodata.coarsen(geodata.geocode("Gateshead"), to=to)


def test_the_level_is_keyword_only():
    with pytest.raises(TypeError):
        geodata.coarsen(geodata.geocode("LS6 3QS"), "sector")  # type: ignore[misc]
