"""Great Britain: postcodes, sectors and districts from OS Code-Point Open."""

from __future__ import annotations

import random

import pytest
from pyproj import Transformer

import geodata


def test_sector_is_the_centroid_of_its_postcodes():
    sector = geodata.geocode("LS6 3")
    assert (sector.precision, sector.label, sector.outward_code) == ("sector", "LS6 3", "LS6")
    members = [loc for loc in geodata.suggest("LS6 3", limit=1000) if loc.precision == "postcode"]
    assert len(members) > 100
    mean_lat = sum(m.lat for m in members) / len(members)
    mean_lon = sum(m.lon for m in members) / len(members)
    # Means of lat/lon and of eastings/northings differ by metres, not more.
    assert geodata.haversine_km(sector.lat, sector.lon, mean_lat, mean_lon) < 0.05


def test_outward_code_is_its_district_centroid():
    district = geodata.geocode("LS6")
    assert (district.precision, district.label, district.outward_code) == (
        "outward_code",
        "LS6",
        "LS6",
    )
    assert geodata.haversine_km(district.lat, district.lon, 53.82, -1.575) < 2


@pytest.mark.parametrize("area", ["LS", "HA", "ZE", "TR", "EC"])
def test_coordinates_match_a_direct_conversion_of_the_raw_row(area, raw_rows):
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    rows = [r for r in raw_rows(area) if r[1] != 90]
    for postcode, _, e, n in random.Random(area).sample(rows, 40):
        lon, lat = to_wgs84.transform(e, n)
        loc = geodata.geocode(postcode)
        assert loc.label == postcode
        assert geodata.haversine_km(lat, lon, loc.lat, loc.lon) < 0.001  # 1 metre


@pytest.mark.parametrize(
    ("postcode", "lat", "lon"),
    [
        ("LS6 3BU", 53.8176, -1.5822),  # Headingley Stadium
        ("HA9 0WS", 51.5560, -0.2796),  # Wembley Stadium
        ("BA2 7AY", 51.3780, -2.3280),  # University of Bath
        ("SW1A 1AA", 51.5014, -0.1419),  # Buckingham Palace
        ("M16 0RA", 53.4631, -2.2913),  # Old Trafford
    ],
)
def test_well_known_places_land_within_a_kilometre(postcode, lat, lon):
    loc = geodata.geocode(postcode)
    assert geodata.haversine_km(lat, lon, loc.lat, loc.lon) < 1.0


def test_postcode_without_coordinates_answers_with_its_sector(raw_rows):
    # Quality 90 rows have no coordinates; the sector still does.
    rows = raw_rows("TW")
    unlocated = [pc for pc, quality, _, _ in rows if quality == 90]
    located_sectors = {pc[:-2] for pc, quality, _, _ in rows if quality != 90}
    postcode = next(pc for pc in unlocated if pc[:-2] in located_sectors)
    loc = geodata.geocode(postcode)
    assert (loc.precision, loc.label) == ("sector", postcode[:-2])
    assert loc.to_dict() == geodata.geocode(postcode[:-2]).to_dict()


def test_postcode_in_a_district_without_any_coordinates_is_not_covered(raw_rows):
    # PO24 is a district whose every postcode is non-geographic.
    postcode = next(pc for pc, _, _, _ in raw_rows("PO") if pc.startswith("PO24 "))
    with pytest.raises(geodata.NotCoveredOffline, match="no coordinates"):
        geodata.geocode(postcode)


def test_northern_ireland_is_not_covered_offline():
    with pytest.raises(geodata.NotCoveredOffline, match="Northern Ireland") as caught:
        geodata.geocode("BT9 5AB")
    assert isinstance(caught.value, geodata.PlaceNotFound)
    with pytest.raises(geodata.NotCoveredOffline):
        geodata.geocode("bt1")


@pytest.mark.parametrize(
    ("text", "label", "country", "lat", "lon"),
    [
        ("JE2 3AB", "Jersey", "JE", 49.21, -2.13),
        ("IM1 1AA", "Isle of Man", "IM", 54.23, -4.55),
        ("GY1 1AA", "Guernsey", "GG", 49.46, -2.58),
        ("je3", "Jersey", "JE", 49.21, -2.13),
    ],
)
def test_crown_dependencies_answer_with_the_island(text, label, country, lat, lon):
    loc = geodata.geocode(text)
    assert (loc.precision, loc.label, loc.country, loc.outward_code) == (
        "place",
        label,
        country,
        None,
    )
    # The island, not a point on the mainland: within the island's own size.
    assert geodata.haversine_km(lat, lon, loc.lat, loc.lon) < 25


def test_alderney_and_sark_are_not_guessed():
    with pytest.raises(geodata.NotCoveredOffline, match="GY1 to GY8"):
        geodata.geocode("GY9 3AA")


def test_every_real_postcode_format_maps_to_one_key(code_point_rows):
    from geodata._postcodes import FULL_POSTCODE, postcode_key

    sample = random.Random(7).sample(code_point_rows["postcode"], 5000)
    keys = {postcode_key(*FULL_POSTCODE.fullmatch(pc).groups()) for pc in sample}
    assert len(keys) == len(set(sample))


def test_the_index_holds_every_code_point_postcode(code_point_rows):
    from geodata._index import STORE

    assert STORE.gb().size == len(code_point_rows["postcode"]) > 1_700_000
