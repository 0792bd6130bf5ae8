"""Every input form a coach might type, and the messages for malformed ones."""

from __future__ import annotations

import pytest

import geodata
from geodata._postcodes import parse_query


@pytest.mark.parametrize(
    "text",
    ["LS6 3QS", "ls6 3qs", "LS63QS", "ls63qs", " LS6  3QS ", "Ls6\t3Qs", "L S 6 3 Q S"],
)
def test_full_postcode_in_any_case_and_spacing(text):
    loc = geodata.geocode(text)
    assert (loc.precision, loc.label, loc.outward_code, loc.country) == (
        "postcode",
        "LS6 3QS",
        "LS6",
        "GB",
    )


@pytest.mark.parametrize(
    ("text", "kind", "outward", "inward"),
    [
        ("LS6 3", "sector", "LS6", "3"),
        ("ls6 3", "sector", "LS6", "3"),
        ("EC1A1", "sector", "EC1A", "1"),
        ("LS6", "outward_code", "LS6", ""),
        ("sw1a", "outward_code", "SW1A", ""),
        ("W1A 1AA", "postcode", "W1A", "1AA"),
        ("EC1A 1BB", "postcode", "EC1A", "1BB"),
        ("B1 1AY", "postcode", "B1", "1AY"),
    ],
)
def test_postcode_shapes_are_recognised(text, kind, outward, inward):
    query = parse_query(text)
    assert (query.kind, query.outward, query.inward) == (kind, outward, inward)


@pytest.mark.parametrize(
    ("text", "zip5"), [("90210", "90210"), ("10001-1234", "10001"), ("100011234", "10001")]
)
def test_zip_and_zip_plus_four(text, zip5):
    assert parse_query(text).zip5 == zip5
    assert geodata.geocode(text).precision == "zip"


@pytest.mark.parametrize("text", ["Headingley", "Gateshead", "St. Albans", "Stoke-on-Trent"])
def test_anything_else_is_a_place_name(text):
    assert parse_query(text).kind == "place"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LS6 3Q", "'LS6 3Q' is not a complete postcode: did you mean the sector LS6 3?"),
        ("LS63Q", "'LS63Q' is not a complete postcode: did you mean the sector LS6 3?"),
        ("QS6 3QS", "no postcode starts with Q"),
        ("VS6 3QS", "no postcode starts with V"),
        ("LZ6 3QS", "the second letter of a postcode is never Z"),
        ("LS6 3QC", "the last two letters are never C, I, K, M, O or V (found C)"),
        ("LS63QI", "(found I)"),
        ("LS6 ABC", "after the space comes a digit and two letters"),
        ("LS666 3QS", "has at most 4 characters"),
        ("1234", "a ZIP code has 5 digits, not 4"),
        ("123456", "a ZIP code has 5 digits, or 5+4"),
        ("10001-12", "ZIP+4 needs exactly 4 digits after the hyphen"),
        ("!!!", "doesn't look like a postcode, ZIP code or place name"),
        ("   ", "Enter a postcode, ZIP code or town name"),
        ("x" * 201, "too long"),
    ],
)
def test_malformed_input_says_what_is_wrong(text, message):
    with pytest.raises(geodata.InvalidQuery) as caught:
        geodata.geocode(text)
    assert message in str(caught.value)


def test_malformed_input_is_also_a_value_error():
    with pytest.raises(ValueError):
        geodata.geocode("LS6 3Q")


def test_non_text_is_a_type_error():
    with pytest.raises(TypeError):
        geodata.geocode(12345)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LS6 9ZZ", "No postcode LS6 9ZZ"),
        ("LS98 9ZZ", "No postcode LS98 9ZZ"),
        ("ZE9 1AA", "There is no postcode district ZE9"),
        ("LS6 7", "Postcode district LS6 has no sector LS6 7"),
        ("LS63", "There is no postcode district LS63: did you mean the sector LS6 3?"),
        ("00000", "There is no US ZIP code 00000"),
        ("Xyzzyville", "No town or city called 'Xyzzyville'"),
        ("LS", "LS is a postcode area: add the district, like LS1"),
    ],
)
def test_well_formed_but_unknown_is_not_found(text, message):
    with pytest.raises(geodata.PlaceNotFound) as caught:
        geodata.geocode(text)
    assert message in str(caught.value)
    assert not isinstance(caught.value, geodata.InvalidQuery)
    assert isinstance(caught.value, LookupError)


def test_real_postcodes_all_follow_the_format_rules(code_point_rows):
    from geodata._postcodes import FULL_POSTCODE

    broken = [pc for pc in code_point_rows["postcode"] if not FULL_POSTCODE.fullmatch(pc)]
    assert broken == []


def test_country_narrows_what_the_text_may_be():
    with pytest.raises(geodata.PlaceNotFound, match="US ZIP code, not in GB"):
        geodata.geocode("90210", country="GB")
    with pytest.raises(geodata.PlaceNotFound, match="UK-style postcode, not in US"):
        geodata.geocode("LS6 3QS", country="US")
    assert geodata.geocode("LS6 3QS", country="uk").label == "LS6 3QS"
    with pytest.raises(geodata.InvalidQuery, match="country must be one of"):
        geodata.geocode("Leeds", country="France")
