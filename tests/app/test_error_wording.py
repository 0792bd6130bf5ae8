"""Every message about bad input names its field in words a person reads, on pages and the API."""

import importlib
import inspect
import pkgutil
import re

import pytest
from marshmallow import ValidationError, fields, validate

import app.schemas
from app.errors import flatten_errors
from app.models import SupportRequest
from app.schemas.base import Schema

# marshmallow's own wording: none of it may reach a person.
MARSHMALLOW_WORDING = re.compile(
    r"Missing data for required field|Field may not be null|^Not a valid|^Invalid value"
    r"|^Invalid input type|Length must be|Shorter than minimum|Longer than maximum"
    r"|^Must be (greater|less|one of|equal)|^Unknown field|does not match expected pattern"
    r"|^Number too large|^Special numeric")


def _input_schemas():
    for module in pkgutil.iter_modules(app.schemas.__path__):
        loaded = importlib.import_module(f"app.schemas.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == loaded.__name__ and any(
                    not f.dump_only for f in cls().fields.values()):
                yield cls


INPUT_SCHEMAS = sorted(_input_schemas(), key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def _out_of_bounds(field):
    """Return a value of the right type that one of ``field``'s validators refuses."""
    for check in field.validators:
        if isinstance(check, validate.Length) and check.max is not None:
            item = "x" if not isinstance(field, fields.List) else "mentor"
            return [item] * (check.max + 1) if isinstance(field, fields.List) \
                else "x" * (check.max + 1)
        if isinstance(check, validate.Length) and check.min:
            return [] if isinstance(field, fields.List) else ""
        if isinstance(check, validate.Range) and isinstance(check.min, int | float):
            return check.min - 1
        if isinstance(check, validate.OneOf):
            return "no-such-choice"
    if isinstance(field, fields.List):
        return [_out_of_bounds(field.inner) or {"not": "an item"}]
    return None


def _messages(schema, data) -> list[str]:
    try:
        schema.load(data)
    except ValidationError as err:
        return [m for ms in flatten_errors(err.messages).values() for m in ms
                if isinstance(m, str)]
    return []


@pytest.mark.parametrize("schema_class", INPUT_SCHEMAS, ids=lambda cls: cls.__name__)
def test_no_input_schema_speaks_marshmallow(schema_class):
    """Missing, wrongly typed, out-of-range and unknown values: each message is a sentence."""
    schema = schema_class()
    loads = {name: f for name, f in schema.fields.items() if not f.dump_only}
    # Text fields take any string; every other kind is sent an object it cannot read.
    wrong_types = {f.data_key or name: {"not": "this"} for name, f in loads.items()
                   if not isinstance(f, fields.String)}
    bounds = {f.data_key or name: value for name, f in loads.items()
              if (value := _out_of_bounds(f)) is not None}
    said = (_messages(schema, {"surely_not_a_field": "1"}) + _messages(schema, wrong_types)
            + _messages(schema, bounds))
    assert said, "bad input was accepted"
    leaked = [m for m in said if MARSHMALLOW_WORDING.search(m)]
    assert not leaked


def test_api_search_names_bad_and_unknown_options(client):
    response = client.get("/api/v1/search", query_string={"where": "LS6 3QS", "radius_km": "-5"})
    body = response.get_json()
    assert response.status_code == 422
    assert (body["code"], body["status"]) == (422, "Unprocessable Entity")
    assert body["message"]
    assert body["errors"] == {"radius_km": ["Radius must be between 1 and 500 km."]}


def test_api_body_names_missing_and_unknown_fields(make_account, make_supporter, visitor,
                                                   session):
    profile = make_supporter()
    coach = visitor(make_account(roles=["coach"]))
    response = coach.api("post", "/api/v1/requests",
                         json={"supporter": profile.id, "role": "mentor", "mesage": "Hi"})
    errors = response.get_json()["errors"]
    assert response.status_code == 422
    assert errors["supporter_id"] == ["Enter the supporter."]
    assert errors["supporter"] == ["supporter is not a known field: did you mean supporter_id?"]
    assert errors["mesage"] == ["mesage is not a known field: did you mean message?"]
    assert session.query(SupportRequest).count() == 0


def test_search_page_names_a_bad_radius_and_an_unknown_option(client):
    response = client.get("/search", query_string={"where": "LS6 3QS", "radius_km": "-5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    beside = re.search(r'<select id="radius_km".*?</select>\s*(<p[^>]*>.*?</p>)', page, re.S)
    assert "Radius must be between 1 and 500 km." in beside.group(1)
    assert "greater than or equal" not in page
    unknown = client.get("/search", query_string={"where": "LS6 3QS", "radius": "1"})
    assert unknown.status_code == 422
    assert "radius is not a search option: did you mean radius_km?" in unknown.get_data(
        as_text=True)


def test_request_form_without_a_role_says_choose_one_beside_it(make_account, make_supporter,
                                                              visitor, session):
    profile = make_supporter(roles=["mentor", "co_coach"])
    coach = visitor(make_account(roles=["coach"]))
    response = coach.post(f"/supporters/{profile.id}/request", data={"message": "Hello"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    beside_role = re.search(r'<fieldset class="field[^"]*" id="role".*?</fieldset>', page, re.S)
    assert "Choose the support you would like." in beside_role.group(0)
    assert "Missing data" not in page
    assert session.query(SupportRequest).count() == 0


def test_decline_without_a_reason_asks_for_one_beside_it(make_account, make_supporter,
                                                        visitor, session):
    supporter = make_account(roles=["supporter"])
    profile = make_supporter(user=supporter)
    coach = visitor(make_account(roles=["coach"]))
    sent = coach.api("post", "/api/v1/requests", json={"supporter_id": profile.id,
                                                        "role": "mentor"}).get_json()
    response = visitor(supporter).post(f"/requests/{sent['id']}/decline", data={"reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field = re.search(r'<label for="decline-reason">.*?</div>', page, re.S).group(0)
    assert "Enter the reason (up to 500 characters)." in field
    assert "Length must be" not in page
    session.expire_all()
    assert session.get(SupportRequest, sent["id"]).status == "pending"


def test_messages_a_schema_writes_itself_are_kept(client):
    body = client.get("/api/v1/search", query_string={"where": "LS6", "needs": "a b"}).get_json()
    assert body["errors"] == {"needs.0": ["Give a need's key, optionally with its priority 0 "
                                          "to 5: periodisation or periodisation:4."]}
