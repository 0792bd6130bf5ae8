"""The licence-list import: dry run, apply all or nothing, again unchanged, real files' quirks,
invitations, the failed rows, the API and the nightly command; only admins."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

import geodata
from app.models import (
    AuditEvent,
    LicenceImport,
    OutboxMessage,
    SupporterProfile,
    User,
)
from app.services.profile_fields import place_publicly

from ..conftest import PASSWORD, Visitor

TODAY = date.today()
NEXT_YEAR = TODAY + timedelta(days=365)
LAST_YEAR = TODAY - timedelta(days=365)
HEADER = ["Membership number", "Name", "Email", "Support roles", "Event groups",
          "Qualification", "Licence expiry", "Safeguarding check date", "Safeguarding expiry",
          "Safeguarding scheme", "Postcode", "Capacity"]


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def supporter_row(number="uka100", name="Sue Supporter", email="sue@example.com",
                  roles="mentor; coach developer", groups="jumps", qualification="uk_coach",
                  licence=None, checked=None, check_expires=None, scheme="DBS",
                  postcode="LS6 3QS", capacity="3"):
    return [number, name, email, roles, groups, qualification, licence or dmy(NEXT_YEAR),
            checked or dmy(TODAY - timedelta(days=30)), check_expires or NEXT_YEAR.isoformat(),
            scheme, postcode, capacity]


def coach_row(number="UKA200", name="Cai Coach", email="cai@example.com",
              qualification="Sessional Coach", groups="endurance", postcode="M1 1AD"):
    return [number, name, email, "", groups, qualification, dmy(NEXT_YEAR), "", "", "",
            postcode, ""]


def as_csv(rows, header=HEADER, *, bom=False, newline="\r\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows([header, *rows])
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


@pytest.fixture
def admin(make_account):
    return make_account(roles=["admin"], name="Ada Admin", email="ada@example.com")


@pytest.fixture
def as_admin(visitor, admin):
    return visitor(admin)


def multipart(content: bytes, filename="licences.csv", **fields) -> dict:
    """A multipart/form-data body with the file, encoded here: the test client's own
    encoder leaves a temporary file open for files over 500 KB."""
    boundary = "licence-list-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                 + content + b"\r\n")
    return {"data": b"".join(parts) + f"--{boundary}--\r\n".encode(),
            "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(who, content: bytes, filename="licences.csv"):
    """Post a file to the dry-run page; return the response (following no redirect)."""
    return who.open("/admin/import", method="POST",
                    **multipart(content, filename, csrf_token=who.csrf))


def dry_run(who, content: bytes):
    """Upload ``content`` and return (the result page's HTML, the import's token)."""
    response = upload(who, content)
    assert response.status_code == 302, response.get_data(as_text=True)
    token = response.headers["Location"].rsplit("/", 1)[-1]
    page = who.get(f"/admin/import/{token}?show=all")
    assert page.status_code == 200
    return page.get_data(as_text=True), token


def outcomes(html: str) -> dict[int, str]:
    return {int(n): o for n, o in re.findall(r'data-row="(\d+)" data-outcome="(\w+)"', html)}


def row_details(html: str) -> dict[str, str]:
    """Each row's table row, by its number in the file."""
    return dict(re.findall(r'<tr data-row="(\d+)"(.*?)</tr>', html, re.S))


def api_import(who, content: bytes, *, apply=False, filename="licences.csv"):
    return who.open("/api/v1/admin/import" + ("?apply=true" if apply else ""), method="POST",
                    headers={"X-CSRFToken": who.csrf}, **multipart(content, filename))


def users(session) -> dict[str, User]:
    session.expire_all()
    return {u.membership_number: u for u in session.scalars(
        sa.select(User).where(User.membership_number.is_not(None)))}


def found_by_search(client, name: str, where="LS6 3QS") -> bool:
    body = client.get(f"/api/v1/search?where={where}&radius_km=50").get_json()
    return any(result["name"] == name for section in ("results", "online")
               for result in body[section])


# --- dry run and apply ------------------------------------------------------------------


def test_a_dry_run_shows_each_rows_outcome_and_changes_nothing(as_admin, session, admin):
    content = as_csv([supporter_row(), coach_row(),
                      supporter_row("UKA300", "Bad Email", "not-an-email")])
    html, token = dry_run(as_admin, content)

    assert outcomes(html) == {2: "create", 3: "create", 4: "error"}
    assert "enter the email, like name@example.org" in html.lower()
    assert "Nothing has been written yet" in html
    assert users(session) == {}
    event = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "licence_import.dry_run"))
    assert event.actor_id == admin.id
    assert event.details["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 1,
                                       "total": 3}
    # Errors keep the Apply button away, and say so.
    assert "nothing can be written" in html
    assert f"/admin/import/{token}/apply" not in html


def test_applying_creates_members_verified_searchable_and_invited(
        as_admin, session, admin, client, mailbox):
    content = as_csv([supporter_row(), coach_row()])
    html, token = dry_run(as_admin, content)
    assert f"/admin/import/{token}/apply" in html
    assert not found_by_search(client, "Sue Supporter")

    response = as_admin.post(f"/admin/import/{token}/apply")
    assert response.status_code == 302
    page = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Applied: 2 created" in page

    members = users(session)
    assert set(members) == {"UKA100", "UKA200"}  # trimmed and upper-cased
    sue, cai = members["UKA100"], members["UKA200"]
    assert sue.role_names == {"supporter"} and cai.role_names == {"coach"}
    profile = sue.supporter_profile
    assert profile.verified_by_id == admin.id and profile.verified_at is not None
    assert [r.key for r in profile.roles] == ["mentor", "coach_developer"]
    assert profile.capacity == 3
    assert profile.safeguarding_scheme == "DBS"
    assert profile.safeguarding_checked_on == TODAY - timedelta(days=30)
    assert profile.licence_expires_on == NEXT_YEAR == profile.safeguarding_expires_on
    # Placed exactly as the profile form places anyone: sector centre, outward code, town.
    expected = SupporterProfile()
    place_publicly(expected, geodata.geocode("LS6 3QS"))
    assert (profile.outward_code, profile.place_label, profile.search_latitude,
            profile.search_longitude) == ("LS6", expected.place_label,
                                          expected.search_latitude, expected.search_longitude)
    assert profile.postcode == "LS6 3QS" and profile.latitude is not None
    assert cai.coach_profile.qualification.key == "uk_sessional_coach"
    assert [g.key for g in cai.coach_profile.event_groups] == ["endurance"]
    assert sue.password_hash is None and sue.email_verified_at is None

    # Search follows at once.
    assert found_by_search(client, "Sue Supporter")

    # Each new person is invited to choose a password, which confirms their address.
    mailbox.deliver()
    assert [len(mailbox.to(a)) for a in ("sue@example.com", "cai@example.com")] == [1, 1]
    link = mailbox.links("sue@example.com")[0]
    assert link.startswith("http://localhost/invitation?token=")
    path = link.removeprefix("http://localhost")
    sue_browser = Visitor(client)
    assert "choose your password" in sue_browser.get(path).get_data(as_text=True).lower()
    answer = sue_browser.post("/invitation", data={
        "token": path.split("token=", 1)[1], "password": PASSWORD,
        "password_again": PASSWORD})
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]
    session.expire_all()
    assert sue.email_verified_at is not None and sue.password_hash
    signed_in = sue_browser.post("/sign-in", data={"email": "sue@example.com",
                                                    "password": PASSWORD})
    assert signed_in.status_code == 302 and "/sign-in" not in signed_in.headers["Location"]
    assert sue_browser.get(path).status_code == 400  # the link works once

    applied = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "licence_import.applied"))
    assert applied.details["counts"]["create"] == 2
    record = session.scalar(sa.select(LicenceImport))
    assert record.status == "applied" and record.content == b""  # no list kept once applied


def test_the_same_file_again_changes_nothing(as_admin, session):
    content = as_csv([supporter_row(), coach_row()], bom=True)
    _, token = dry_run(as_admin, content)
    as_admin.post(f"/admin/import/{token}/apply")
    before = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))

    html, token = dry_run(as_admin, content)
    assert outcomes(html) == {2: "unchanged", 3: "unchanged"}
    as_admin.post(f"/admin/import/{token}/apply")
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before
    assert len(users(session)) == 2


def test_any_row_in_error_writes_nothing(as_admin, session):
    content = as_csv([supporter_row(), coach_row(),
                      supporter_row("UKA300", "Bad Date", "bad@example.com",
                                    licence="31/02/2027")])
    response = api_import(as_admin, content, apply=True)
    assert response.status_code == 422
    body = response.get_json()
    assert "Nothing was written" in body["message"]
    assert body["errors"] == {"rows.4.licence_expires_on": [
        "31/02/2027 is not a day of the calendar."]}
    assert users(session) == {}
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    refused = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "licence_import.refused"))
    assert refused.details["counts"]["error"] == 1


def test_existing_members_are_found_by_membership_number_and_dates_apply_at_once(
        as_admin, session, client, make_supporter, make_account):
    sue = make_account(roles=["supporter"], name="Sue Supporter", email="sue@example.com",
                       membership_number="UKA100")
    make_supporter(user=sue, roles=["mentor"], capacity=2)
    assert found_by_search(client, "Sue Supporter")

    html, token = dry_run(as_admin, as_csv([
        supporter_row("uka100 ", email="Sue.New@Example.com", roles="", groups="",
                      qualification="", licence=dmy(TODAY - timedelta(days=1)),
                      postcode="", capacity="")]))
    assert outcomes(html) == {2: "update"}
    assert "Not in search: the licence expired on" in html
    assert found_by_search(client, "Sue Supporter")  # a dry run changes nothing

    as_admin.post(f"/admin/import/{token}/apply")
    session.expire_all()
    assert sue.email == "sue.new@example.com"
    assert sue.supporter_profile.licence_expires_on == TODAY - timedelta(days=1)
    assert [r.key for r in sue.supporter_profile.roles] == ["mentor"]  # empty cell: kept
    assert sue.role_names == {"supporter"}
    assert not found_by_search(client, "Sue Supporter")


def test_an_email_belonging_to_another_member_is_an_error_on_email(as_admin, session,
                                                                      make_account):
    make_account(email="taken@example.com", membership_number="UKA999")
    make_account(email="mine@example.com", membership_number="UKA100")
    # An existing member moving to a taken address; a new member with an existing one's.
    html, _ = dry_run(as_admin, as_csv([supporter_row("UKA100", email="taken@example.com"),
                                        coach_row("UKA555", email="mine@example.com")]))
    assert outcomes(html) == {2: "error", 3: "error"}
    rows = row_details(html)
    assert "<strong>Email</strong>" in rows["2"] and "<strong>Email</strong>" in rows["3"]
    assert "taken@example.com belongs to another member (membership number UKA999)" \
        in rows["2"]
    assert "mine@example.com belongs to another member (membership number UKA100)" in rows["3"]
    assert {u.email for u in users(session).values()} == {"taken@example.com",
                                                           "mine@example.com"}


def test_an_account_without_a_membership_number_is_linked_by_its_email(
        as_admin, session, make_account):
    cai = make_account(email="cai@example.com", roles=["coach"], name="Cai Coach")
    _, token = dry_run(as_admin, as_csv([coach_row()]))
    as_admin.post(f"/admin/import/{token}/apply")
    assert users(session)["UKA200"].id == cai.id
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_membership_number_twice_is_an_error_on_every_row_naming_the_others(as_admin):
    html, _ = dry_run(as_admin, as_csv([supporter_row("UKA1"), coach_row("uka1"),
                                        coach_row("UKA1", email="third@example.com")]))
    assert outcomes(html) == {2: "error", 3: "error", 4: "error"}
    assert "UKA1 is also on row 3, 4" in html
    assert "UKA1 is also on row 2, 4" in html
    assert "UKA1 is also on row 2, 3" in html


def test_real_files_bom_crlf_both_date_forms_aliases_and_formulas(as_admin, session):
    header = ["URN", "Full Name", "E-mail", "ROLES", "Events", "Award", "Framework",
              "License Expiry (DD/MM/YYYY)", "DBS date", "DBS expiry", "Check type",
              "ZIP code", "Places", "Shoe size"]
    good = [["A-1", "Ana Ash", "ana@example.com", "Mentor|co_coach", "Jumps; throws", "Coach",
             "UK", "05/04/2027", "2025-01-02", "02/01/2028", "dbs", "LS1 4DY", "1", "9"],
            ["A-5", "Ed Elm", "ed@example.com", "technical advisor", "", "Level 2", "", "",
             "", "", "", "90210", "", ""]]
    bad = [["A-2", '=HYPERLINK("http://evil.example")', "bo@example.com"] + [""] * 11,
           ["A-3", "'=Escaped", "cy@example.com"] + [""] * 11,
           ["A-4", "Di Dee", "di@example.com"] + [""] * 9 + ["-1", ""],
           ["A-6", "Fi Fir", "fi@example.com", "mentor", "", "", "", "", "", "", "@import",
            "LS1 4DY", "", ""]]
    html, _ = dry_run(as_admin, as_csv(good + bad, header, bom=True))
    assert outcomes(html) == {2: "create", 3: "create", 4: "error", 5: "error", 6: "error",
                              7: "error"}
    assert "Columns left out (not understood): Shoe size." in html
    errors = row_details(html)
    for row, field in (("4", "Name"), ("5", "Name"), ("7", "Safeguarding scheme")):
        assert f"<strong>{field}</strong>" in errors[row]
        assert "which a spreadsheet runs as a formula" in errors[row]
    assert "<strong>Capacity</strong>" in errors["6"] and "Between 0 and 50" in errors["6"]

    _, token = dry_run(as_admin, as_csv(good, header, bom=True))
    as_admin.post(f"/admin/import/{token}/apply")
    ana, ed = users(session)["A-1"], users(session)["A-5"]
    profile = ana.supporter_profile
    assert sorted(r.key for r in profile.roles) == ["co_coach", "mentor"]
    assert sorted(g.key for g in profile.event_groups) == ["jumps", "throws"]
    assert profile.qualification.key == "uk_coach"
    assert (profile.licence_expires_on, profile.safeguarding_checked_on,
            profile.safeguarding_expires_on) == (date(2027, 4, 5), date(2025, 1, 2),
                                                 date(2028, 1, 2))
    assert profile.safeguarding_scheme == "DBS" and profile.capacity == 1
    assert ed.supporter_profile.qualification.key == "us_level_2"
    assert ed.supporter_profile.country == "US" and ed.supporter_profile.postcode == "90210"
    assert ed.supporter_profile.capacity == 2  # the default


@pytest.mark.parametrize("cell, value, field, message", [
    (8, "31/02/2027", "Safeguarding expiry", "is not a day of the calendar"),
    (6, "next year", "Licence expiry", "Not a date"),
    (11, "-1", "Capacity", "Between 0 and 50"),
    (11, "lots", "Capacity", "must be a whole number"),
    (3, "wizard", "Support roles", "Unknown support role: wizard"),
    (4, "pole vault", "Event groups", "Unknown event group: pole vault"),
    (5, "Level 9", "Qualification", "Unknown qualification Level 9"),
    (10, "ZZ99 9ZZ", "Postcode or ZIP", "ZZ99"),
    (1, "x" * 5000, "Name", "Too long (5,000 characters)"),
    (1, "Nul\x00Byte", "Name", "control characters"),
    (0, "#1!", "Membership number", "Use letters and digits"),
    (7, dmy(TODAY + timedelta(days=3)), "Safeguarding check date", "is in the future"),
])
def test_bad_cells_are_errors_naming_the_field_never_crashes(as_admin, session, cell, value,
                                                              field, message):
    row = supporter_row()
    row[cell] = value
    html, _ = dry_run(as_admin, as_csv([row]))
    assert outcomes(html) == {2: "error"}
    details = row_details(html)["2"]
    assert f"<strong>{field}</strong>" in details
    assert message in details
    assert users(session) == {}


# --- whole files that cannot be imported ------------------------------------------------


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty"),
    (b"Name,Email\r\nAl,al@example.com\r\n", "The file has no membership number column"),
    ("Membership number,Name,Email\r\n1,Zoë,z@example.com\r\n".encode("latin-1"),
     "not UTF-8"),
    (b"Membership number,Name,Email,URN\r\n", "both give the membership number"),
    (b'Membership number,Name,Email\r\n1,"Al,al@example.com\r\n' + b"x" * 140_000,
     "longer than csv allows"),
])
def test_a_file_that_cannot_be_read_is_refused_naming_the_file(as_admin, content, message):
    response = upload(as_admin, content)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="file-error"' in html and message in html


def test_too_many_rows_or_too_many_bytes_are_refused_clearly(as_admin, session):
    rows = "".join(f"M{n},Person {n},p{n}@example.com\r\n" for n in range(50_001))
    response = upload(as_admin, f"Membership number,Name,Email\r\n{rows}".encode())
    assert response.status_code == 422
    assert "more than 50,000 members" in response.get_data(as_text=True)

    just_over = b"Membership number,Name,Email\r\n" + b"#" * (10 * 1024 * 1024)
    response = upload(as_admin, just_over)
    assert response.status_code == 422
    assert "larger than 10 MB" in response.get_data(as_text=True)

    response = upload(as_admin, b"x" * (11 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than 10 MB" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(LicenceImport)) == 0


def test_uploading_no_file_says_so_beside_the_field(as_admin):
    response = as_admin.post("/admin/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the licence list (a CSV file) to upload." in response.get_data(as_text=True)


# --- failed rows, and applying exactly what was seen -------------------------------------


def test_the_failed_rows_download_holds_the_rows_in_error_with_why(as_admin, session):
    content = as_csv([supporter_row(), supporter_row("UKA2", "=cmd|' /C calc'!A0",
                                                     "two@example.com"),
                      coach_row(email="nope")], bom=True)
    html, token = dry_run(as_admin, content)
    assert f"/admin/import/{token}/failed.csv" in html
    response = as_admin.get(f"/admin/import/{token}/failed.csv")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "licences-failed-rows.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [*HEADER, "error"]
    assert [r[0] for r in rows[1:]] == ["UKA2", "UKA200"]
    assert rows[1][1] == "'=cmd|' /C calc'!A0"  # guarded: a spreadsheet will not run it
    assert rows[1][-1].startswith("Name: Starts with '='")
    assert rows[2][-1].startswith("Email: Enter the email, like name@example.org.")
    assert session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "licence_import.failed_rows")).details == {"rows": 2}


def test_applying_refuses_when_members_changed_since_the_dry_run(as_admin, session,
                                                                make_account):
    cai = make_account(email="cai@example.com", membership_number="UKA200", name="Cai Coach")
    html, token = dry_run(as_admin, as_csv([coach_row(), supporter_row()]))
    assert outcomes(html) == {2: "update", 3: "create"}  # a coach profile to add
    # Meanwhile the account changes: the row would now change its name too.
    cai.display_name = "Cai Changed"
    session.commit()

    response = as_admin.post(f"/admin/import/{token}/apply")
    page = unescape(as_admin.get(response.headers["Location"]).get_data(as_text=True))
    assert "Nothing was written: members' records changed since your dry run" in page
    assert "Cai Changed → Cai Coach" in page  # the dry run, brought up to date
    assert set(users(session)) == {"UKA200"} and cai.coach_profile is None

    as_admin.post(f"/admin/import/{token}/apply")  # as now shown
    assert set(users(session)) == {"UKA100", "UKA200"}
    assert cai.display_name == "Cai Coach"


def test_a_previewed_file_is_applied_once_and_only_by_its_admin(as_admin, visitor,
                                                                make_account, session):
    _, token = dry_run(as_admin, as_csv([coach_row()]))
    other_admin = visitor(make_account(roles=["admin"]))
    assert other_admin.post(f"/admin/import/{token}/apply").status_code == 404
    assert users(session) == {}

    assert as_admin.api("post", f"/api/v1/admin/import/{token}/apply").status_code == 200
    again = as_admin.api("post", f"/api/v1/admin/import/{token}/apply")
    assert again.status_code == 409 and "applied already" in again.get_json()["message"]
    assert len(users(session)) == 1


# --- people already here ---------------------------------------------------------------


def test_a_coach_on_the_list_with_support_roles_becomes_a_verified_supporter(
        as_admin, session, admin, make_account, client):
    cai = make_account(roles=["coach"], email="cai@example.com", membership_number="UKA200",
                       name="Cai Coach")
    html, token = dry_run(as_admin, as_csv([supporter_row("UKA200", "Cai Coach",
                                                          "cai@example.com")]))
    details = row_details(html)["2"]
    assert "New supporter profile" in details and "Account roles" in details
    as_admin.post(f"/admin/import/{token}/apply")
    session.expire_all()
    assert cai.role_names == {"coach", "supporter"}
    assert cai.supporter_profile.verified_by_id == admin.id
    assert found_by_search(client, "Cai Coach")


def test_a_supporter_leaving_search_has_waiting_coaches_told_at_once(
        as_admin, session, make_account, make_supporter):
    from app.models import SupportRequest, SupportRole

    sue = make_account(roles=["supporter"], membership_number="UKA100", name="Sue Supporter",
                       email="sue@example.com")
    profile = make_supporter(user=sue)
    coach = make_account(roles=["coach"], email="waiting@example.com")
    waiting = SupportRequest(coach_id=coach.id, supporter_id=profile.id,
                             role_id=session.scalar(sa.select(SupportRole.id).where(
                                 SupportRole.key == "mentor")), message="Hello")
    session.add(waiting)
    session.commit()

    expired = supporter_row(roles="mentor", check_expires=dmy(TODAY - timedelta(days=2)),
                            checked=dmy(TODAY - timedelta(days=400)))
    _, token = dry_run(as_admin, as_csv([expired]))
    as_admin.post(f"/admin/import/{token}/apply")
    session.expire_all()
    assert waiting.status == "declined"
    assert session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.to_address == "waiting@example.com")).kind == "request_closed_unavailable"


def test_a_deleted_account_is_not_brought_back(as_admin, make_account):
    make_account(membership_number="UKA200", deleted_at=datetime.now(UTC), active=False,
                 email="deleted-9@invalid")
    html, _ = dry_run(as_admin, as_csv([coach_row()]))
    assert outcomes(html) == {2: "error"}
    assert "belongs to an account that was deleted" in html


def test_an_invitation_link_expires(app, as_admin, session, client):
    import time_machine

    _, token = dry_run(as_admin, as_csv([coach_row()]))
    as_admin.post(f"/admin/import/{token}/apply")
    body = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "invitation")).body
    path = re.search(r"http://localhost(/invitation\?token=\S+)", body).group(1)
    assert client.get(path).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(days=15)):
        answer = client.get(path)
    assert answer.status_code == 400 and "expired" in answer.get_data(as_text=True)


# --- the API and who may use it ---------------------------------------------------------


def test_the_api_dry_runs_keeps_the_file_and_applies_it_by_token(as_admin, session):
    response = api_import(as_admin, as_csv([supporter_row(), coach_row()], bom=True))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "previewed"
    assert body["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0, "total": 2}
    assert [(r["row"], r["outcome"], r["kind"]) for r in body["rows"]] == [
        (2, "create", "supporter"), (3, "create", "coach")]
    assert body["columns"]["membership_number"] == "Membership number"
    assert body["notes"] == ["Licence and safeguarding dates are kept for supporters only: "
                             "those of 1 coach are not stored."]
    assert users(session) == {}

    fetched = as_admin.get(f"/api/v1/admin/import/{body['token']}").get_json()
    assert fetched["rows"] == body["rows"]
    applied = as_admin.api("post", f"/api/v1/admin/import/{body['token']}/apply")
    assert applied.status_code == 200 and applied.get_json()["status"] == "applied"
    assert set(users(session)) == {"UKA100", "UKA200"}

    again = api_import(as_admin, as_csv([supporter_row(), coach_row()]), apply=True)
    assert again.status_code == 200
    assert again.get_json()["counts"]["unchanged"] == 2


def test_the_api_refuses_json_and_needs_the_file(as_admin):
    as_json = as_admin.api("post", "/api/v1/admin/import", json={"file": "a,b"})
    assert as_json.status_code == 422
    assert as_admin.open("/api/v1/admin/import", method="POST", data="a,b",
                         content_type="text/csv",
                         headers={"X-CSRFToken": as_admin.csrf}).status_code == 415
    missing = as_admin.open("/api/v1/admin/import", method="POST", data={},
                            content_type="multipart/form-data",
                            headers={"X-CSRFToken": as_admin.csrf})
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == {
        "file": ["Choose the licence list (a CSV file) to upload."]}


@pytest.mark.parametrize("method, url", [
    ("get", "/admin/import"), ("post", "/admin/import"), ("get", "/admin/import/template.csv"),
    ("get", "/admin/import/TOKEN"), ("post", "/admin/import/TOKEN/apply"),
    ("get", "/admin/import/TOKEN/failed.csv"), ("get", "/admin/exports"),
    ("get", "/admin/exports/supporters.csv"), ("get", "/api/v1/admin/import/TOKEN"),
    ("post", "/api/v1/admin/import"), ("post", "/api/v1/admin/import/TOKEN/apply"),
    ("get", "/api/v1/admin/import/TOKEN/failed.csv"), ("get", "/api/v1/admin/exports"),
    ("get", "/api/v1/admin/exports/requests.csv"),
])
def test_anyone_but_an_admin_gets_404(as_admin, visitor, make_account, session, method, url):
    _, token = dry_run(as_admin, as_csv([coach_row()]))
    url = url.replace("TOKEN", token)

    def send(who):
        if method == "get":
            return who.get(url)
        if not url.endswith("/import"):
            return who.api("post", url) if url.startswith("/api/") else who.post(url)
        headers = {"X-CSRFToken": who.csrf} if url.startswith("/api/") else {}
        fields = {} if url.startswith("/api/") else {"csrf_token": who.csrf}
        return who.open(url, method="POST", headers=headers,
                        **multipart(as_csv([supporter_row()]), **fields))

    coach = visitor(make_account(roles=["coach", "supporter", "coach_developer"]))
    assert send(coach).status_code == 404
    assert send(visitor()).status_code == (401 if url.startswith("/api/") else 302)
    assert users(session) == {}


def test_the_openapi_description_documents_the_upload_and_the_csv_downloads(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/admin/import"]["post"]
    body = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    name = body["$ref"].rsplit("/", 1)[1]
    assert spec["components"]["schemas"][name]["properties"]["file"]["format"] == "binary"
    assert {"200", "404", "413", "422"} <= set(post["responses"])
    for path in ("/api/v1/admin/import/{token}/failed.csv",
                 "/api/v1/admin/exports/{kind}.csv"):
        assert "text/csv" in spec["paths"][path]["get"]["responses"]["200"]["content"]
    (kinds,) = spec["paths"]["/api/v1/admin/exports/{kind}.csv"]["parameters"]
    assert kinds["schema"]["enum"] == ["supporters", "engagements", "requests"]


# --- the nightly command ----------------------------------------------------------------


def test_the_command_dry_runs_applies_and_fails_on_errors(runner, tmp_path, session, admin):
    good = tmp_path / "good.csv"
    good.write_bytes(as_csv([supporter_row(), coach_row()], bom=True))
    result = runner.invoke(args=["import-licences", str(good)])
    assert result.exit_code == 0, result.output
    assert re.search(r"create\s+2", result.output) and "Dry run" in result.output
    assert users(session) == {}

    result = runner.invoke(args=["import-licences", str(good), "--apply", "--as",
                                 "ada@example.com"])
    assert result.exit_code == 0, result.output
    assert "Applied" in result.output
    assert users(session)["UKA100"].supporter_profile.verified_by_id == admin.id
    event = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "licence_import.applied"))
    assert event.actor_id == admin.id and event.details["counts"]["create"] == 2

    result = runner.invoke(args=["import-licences", str(good), "--apply"])
    assert result.exit_code == 0 and re.search(r"unchanged\s+2", result.output)

    bad = tmp_path / "bad.csv"
    bad.write_bytes(as_csv([supporter_row(licence="2027-13-01"),
                            coach_row("UKA999", email="new@example.com")]))
    failed = tmp_path / "failed.csv"
    result = runner.invoke(args=["import-licences", str(bad), "--apply", "--failed-rows",
                                 str(failed)])
    assert result.exit_code == 1
    assert "Row 2: Licence expiry: 2027-13-01 is not a day of the calendar." in result.output
    assert "Nothing was written" in result.output
    assert "UKA999" not in users(session)
    rows = list(csv.reader(io.StringIO(failed.read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows] == ["Membership number", "uka100"]
    assert rows[1][-1] == "Licence expiry: 2027-13-01 is not a day of the calendar."

    result = runner.invoke(args=["import-licences", str(good), "--as", "nobody@example.com"])
    assert result.exit_code == 2 and "not an admin" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(args=["import-licences", str(empty)])
    assert result.exit_code == 2 and "The file is empty" in result.output


def test_a_semicolon_separated_file_with_a_kind_column(as_admin, session):
    content = ("\ufeffURN;Name;Email;Kind;Roles;Postcode\r\n"
               'S1;Sam Semi;sam@example.com;Supporter;"mentor; co_coach";LS1 4DY\r\n'
               "S2;Cy Colon;cy@example.com;coach;;\r\n"
               "\r\n"
               "S3;Di Dash;di@example.com;robot;;\r\n").encode()
    html, _ = dry_run(as_admin, content)
    assert outcomes(html) == {2: "create", 3: "create", 5: "error"}  # row 4 is blank
    assert "Write coach or supporter" in row_details(html)["5"]


def test_the_list_overrules_a_supporters_waiting_claim_about_the_same_fields(
        as_admin, session, visitor, make_supporter, make_account):
    from app.models import ProfileChange

    sue = make_account(roles=["supporter"], name="Sue Supporter", email="sue@example.com",
                       membership_number="UKA100")
    profile = make_supporter(user=sue, roles=["mentor"], bio="Jumps.")
    later = (NEXT_YEAR + timedelta(days=300)).isoformat()
    session.add(ProfileChange(profile_id=profile.id, submitted_at=datetime.now(UTC), message="",
                              proposed={"licence_expires_on": later, "bio": "Jumps and more."}))
    session.commit()

    html, token = dry_run(as_admin, as_csv([supporter_row("UKA100", roles="mentor")]))
    as_admin.post(f"/admin/import/{token}/apply")
    session.expire_all()
    change = session.scalar(sa.select(ProfileChange).where(
        ProfileChange.profile_id == profile.id))
    # The licence date is the governing body's to say; the bio is still the admin's to check.
    assert change.status == "pending" and change.proposed == {"bio": "Jumps and more."}
    assert sue.supporter_profile.licence_expires_on == NEXT_YEAR
