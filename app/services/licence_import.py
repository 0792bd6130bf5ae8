"""Import supporters and coaches from the governing body's licence list (a CSV file).

Each row is a member, keyed by their membership number (a URN or member id).
A dry run says what each row would do (create, update, unchanged, or error,
naming the field and why); applying writes every row or none, in the caller's
transaction, and running the same file again changes nothing.

A row with support roles makes a supporter, one without a coach (a ``kind``
column may say which); someone already here keeps the roles they have. New
supporters from the governing body's own list count as verified by the admin
importing it, and search places them by their postcode's sector at once;
licence and safeguarding dates take effect at once too (a date in the past
hides a supporter from search that moment). New people are emailed an
invitation to choose their password.

The work is batched: existing members are loaded by membership number and
email in a few queries, whatever the size of the file, and the taxonomy once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from marshmallow import ValidationError
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

import geodata
from app.errors import Conflict, DomainError, InvalidInput, NotFound, flatten_errors
from app.models import (
    CoachProfile,
    EventGroup,
    LicenceImport,
    Qualification,
    QualificationFramework,
    SupporterProfile,
    SupportRole,
    User,
    UserRole,
)
from app.models.profiles import coach_event_groups, supporter_event_groups, supporter_roles
from app.models.users import email_key
from app.schemas.licence_import import LicenceRowArgs
from app.services import audit, csv_files, geocoding, invitations, profile_changes
from app.services.capacity import lock_supporter
from app.services.permissions import require_admin
from app.services.profile_fields import public_place
from app.services.request_closing import close_waiting

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
#: No cell of a licence list is longer; a longer one is a mistake, named as such.
MAX_CELL_CHARS = 1_000
#: Values in one ``IN (...)``: well within SQLite's and PostgreSQL's limits.
BATCH = 5_000
#: Uploads (members' personal data) are kept this long for their dry run.
KEEP_UPLOADS = timedelta(days=7)
#: A new supporter takes this many coaches at a time unless the file says.
DEFAULT_CAPACITY = 2

OUTCOMES = ("create", "update", "unchanged", "error")

#: Each field: how people call it, and the column names it is read from (compared
#: lower-cased, with punctuation as spaces, "license" as "licence", and anything
#: in brackets left out: "Licence expiry (DD/MM/YYYY)" is "licence expiry").
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("Name", ("name", "full name", "display name", "member name")),
    "first_name": ("First name", ("first name", "forename", "given name")),
    "last_name": ("Last name", ("last name", "surname", "family name")),
    "email": ("Email", ("email", "e mail", "email address", "e mail address")),
    "membership_number": ("Membership number", (
        "membership number", "membership no", "membership id", "member number", "member no",
        "member id", "urn", "membership")),
    "qualification": ("Qualification", (
        "qualification", "qualification key", "qualification name", "coaching qualification",
        "award", "level")),
    "framework": ("Framework", ("framework", "qualification framework", "ladder")),
    "licence_expires_on": ("Licence expiry", (
        "licence expiry", "licence expiry date", "licence expires", "licence expires on",
        "licence expiration", "licence expiration date", "licence valid until",
        "licence end date")),
    "safeguarding_checked_on": ("Safeguarding check date", (
        "safeguarding check date", "safeguarding checked", "safeguarding checked on",
        "safeguarding check", "safeguarding date", "check date", "dbs date",
        "dbs check date")),
    "safeguarding_expires_on": ("Safeguarding expiry", (
        "safeguarding expiry", "safeguarding expiry date", "safeguarding expires",
        "safeguarding expires on", "safeguarding valid until", "dbs expiry",
        "dbs expiry date")),
    "safeguarding_scheme": ("Safeguarding scheme", (
        "safeguarding scheme", "scheme", "check scheme", "safeguarding check type",
        "check type")),
    "postcode": ("Postcode or ZIP", (
        "postcode", "post code", "postal code", "zip", "zip code", "zipcode",
        "postcode or zip", "postcode zip")),
    "roles": ("Support roles", ("roles", "support roles", "support role", "role")),
    "kind": ("Kind", ("kind", "type", "member type", "account type")),
    "event_groups": ("Event groups", ("event groups", "event group", "events",
                                      "disciplines")),
    "capacity": ("Capacity", ("capacity", "places", "max coaches", "coaches at a time")),
}
REQUIRED = ("membership_number", "email", "name")
LABELS = {name: label for name, (label, _) in COLUMNS.items()}
LABELS.update({"row": "Row", "file": "File"})
_ALIASES = {alias: name for name, (_, aliases) in COLUMNS.items() for alias in aliases}
#: Known safeguarding schemes, written as their owners write them.
SCHEMES = {"dbs": "DBS", "pvg": "PVG", "access ni": "AccessNI", "accessni": "AccessNI",
           "safesport": "SafeSport", "safe sport": "SafeSport", "garda vetting": "Garda Vetting",
           "wwcc": "WWCC"}
#: Free-text cells a spreadsheet would run as a formula (numbers and dates are checked
#: by their own format instead).
_TEXT_FIELDS = ("name", "safeguarding_scheme")
#: What the licence list says about a supporter's licence and safeguarding check.
_CHECK_FIELDS = ("licence_expires_on", "safeguarding_checked_on", "safeguarding_expires_on",
                 "safeguarding_scheme")


# --- reading the file -----------------------------------------------------------------


@dataclass
class SourceRow:
    number: int  # as in the file: the header is row 1
    cells: list[str]
    values: dict[str, str]


@dataclass
class LicenceFile:
    header: list[str]
    columns: dict[str, str]  # field -> the column of the file it is read from
    ignored: list[str]
    rows: list[SourceRow]


def refuse_file(message: str) -> InvalidInput:
    return InvalidInput(message, errors={"file": [message]})


def check_size(size: int) -> None:
    """Refuse a file of ``size`` bytes over the limit, saying what to do."""
    if size > MAX_BYTES:
        raise refuse_file(f"The file is larger than {MAX_BYTES // 1_048_576} MB, the most "
                          "imported at once: split it into smaller files and import each.")


def read_text(data: bytes | str) -> str:
    """Return an uploaded file's text, or raise InvalidInput naming ``file``."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    check_size(len(data))
    if not data.strip():
        raise refuse_file("The file is empty: choose the licence list (a CSV file).")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is fine, and dropped
    except UnicodeDecodeError as err:
        raise refuse_file("The file is not UTF-8 text: in Excel, save it as \"CSV UTF-8 "
                          "(comma delimited)\" and try again.") from err
    return text


def _header_key(text: str) -> str:
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text.lower())
    text = text.replace("license", "licence")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _delimiter(text: str) -> str:
    """The delimiter of the header line: a comma, or a semicolon or tab where it is one."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def parse(text: str) -> LicenceFile:
    """Read a licence list's rows under its header, or raise InvalidInput naming ``file``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    number = 0
    records: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            number += 1
            if number == 1:
                header = record
                continue
            if not any(cell.strip() for cell in record):
                continue  # a blank line: keep counting, nothing to import
            if len(records) >= MAX_ROWS:
                raise refuse_file(f"The file has more than {MAX_ROWS:,} members: split it "
                                  "into smaller files.")
            records.append((number, record))
    except csv.Error as err:
        where = number + 1
        if "field larger" in str(err):
            raise refuse_file(f"Row {where} has a cell longer than csv allows: is this the "
                              "licence list?") from err
        raise refuse_file(f"Row {where} cannot be read as CSV ({err}): check its quotes.") \
            from err
    if number == 0 or not any(cell.strip() for cell in header):
        raise refuse_file("The first row must name the columns (membership number, email, "
                          "name ...).")

    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, heading in enumerate(header):
        name = _ALIASES.get(_header_key(heading))
        if name is None:
            if heading.strip():
                ignored.append(heading.strip()[:60])
            continue
        if name in columns:
            raise refuse_file(f"The columns \"{columns[name]}\" and \"{heading.strip()}\" "
                              f"both give the {LABELS[name].lower()}: keep one.")
        columns[name], positions[name] = heading.strip()[:60], position
    if "name" not in columns and {"first_name", "last_name"} <= columns.keys():
        columns["name"] = f"{columns['first_name']} + {columns['last_name']}"
    missing = [LABELS[name].lower() for name in REQUIRED if name not in columns]
    if missing:
        raise refuse_file(f"The file has no {' or '.join(missing)} column. The first row "
                          "must name the columns; see the list of columns on this page.")

    rows = []
    for number, record in records:
        values = {}
        for name, position in positions.items():
            values[name] = record[position].strip() if position < len(record) else ""
        if "name" not in positions and "first_name" in positions:
            values["name"] = " ".join(
                part for part in (values.pop("first_name", ""), values.pop("last_name", ""))
                if part)
        values.pop("first_name", None)
        values.pop("last_name", None)
        if any(cell.strip() for cell in record[len(header):]):
            values["_extra"] = (f"This row has {len(record)} cells but the header names "
                                f"{len(header)} columns: a cell may hold an unquoted comma.")
        rows.append(SourceRow(number, record, values))
    columns.pop("first_name", None)
    columns.pop("last_name", None)
    return LicenceFile(header, columns, ignored, rows)


# --- planning -------------------------------------------------------------------------


@dataclass
class RowPlan:
    number: int
    outcome: str = "error"
    membership_number: str | None = None
    name: str | None = None
    kind: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # What applying needs: the row's values and what they resolve to.
    data: dict = field(default_factory=dict)
    user: User | None = None
    location: geodata.Location | None = None
    qualification: Qualification | None = None
    roles: list[SupportRole] = field(default_factory=list)
    event_groups: list[EventGroup] = field(default_factory=list)
    new_roles: list[str] = field(default_factory=list)
    leaves_search: bool = False
    dates_not_kept: bool = False  # a coach's licence dates: kept for supporters only

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def change(self, name: str, before, after) -> None:
        self.changes.append({"field": name, "before": _shown(before), "after": _shown(after)})

    def as_dict(self) -> dict:
        return {"row": self.number, "outcome": self.outcome,
                "membership_number": self.membership_number, "name": self.name,
                "kind": self.kind, "changes": self.changes, "errors": self.errors,
                "notes": self.notes}


@dataclass
class ImportPlan:
    file: LicenceFile
    rows: list[RowPlan]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            counts[row.outcome] += 1
        counts["total"] = len(self.rows)
        return counts

    @property
    def digest(self) -> str:
        """What the plan would do, row by row: applying refuses anything else."""
        plan = [[r.number, r.outcome, r.membership_number, r.kind,
                 [[c["field"], c["after"]] for c in r.changes]] for r in self.rows]
        return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()

    @property
    def notes(self) -> list[str]:
        """What the admin should know about the file as a whole."""
        coaches = sum(row.dates_not_kept for row in self.rows)
        if not coaches:
            return []
        return [f"Licence and safeguarding dates are kept for supporters only: those of "
                f"{coaches:,} {'coach' if coaches == 1 else 'coaches'} are not stored."]

    def result(self) -> dict:
        return {"columns": self.file.columns, "ignored_columns": self.file.ignored,
                "notes": self.notes, "rows": [row.as_dict() for row in self.rows]}


def _shown(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return "; ".join(str(v) for v in value)
    return str(value)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


class _Taxonomy:
    """The roles, event groups and ladders, loaded once and found by key or name."""

    def __init__(self, session: Session):
        self.roles = self._index(session.scalars(select(SupportRole)
                                                 .order_by(SupportRole.sort_order)).all())
        self.groups = self._index(session.scalars(select(EventGroup)
                                                  .order_by(EventGroup.sort_order)).all())
        self.frameworks = session.scalars(select(QualificationFramework)).all()
        self.qualifications: dict[str, list[Qualification]] = defaultdict(list)
        for qualification in session.scalars(
                select(Qualification).options(selectinload(Qualification.framework))):
            for text in {_norm(qualification.key), _norm(qualification.name)}:
                self.qualifications[text].append(qualification)
        self.role_keys = ", ".join(r.key for r in self.roles[None])
        self.group_keys = ", ".join(g.key for g in self.groups[None])

    @staticmethod
    def _index(rows) -> dict:
        found: dict = {None: list(rows)}
        for row in rows:
            found[_norm(row.key)] = row
            found[_norm(row.name)] = row
        return found

    def many(self, plan: RowPlan, name: str, texts: list[str]) -> list:
        index, known = ((self.roles, self.role_keys) if name == "roles"
                        else (self.groups, self.group_keys))
        found, unknown = [], []
        for text in texts:
            row = index.get(_norm(text))
            if row is None:
                unknown.append(text)
            elif row not in found:
                found.append(row)
        if unknown:
            what = "support role" if name == "roles" else "event group"
            plan.error(name, f"Unknown {what}{'s' if len(unknown) > 1 else ''}: "
                             f"{', '.join(unknown)} (one of: {known}).")
        return found

    def qualification(self, plan: RowPlan, text: str | None,
                      framework_text: str | None) -> Qualification | None:
        if not text:
            return None
        framework = None
        if framework_text:
            wanted = _norm(framework_text)
            framework = next((f for f in self.frameworks if wanted in {
                _norm(f.key), _norm(f.name), _norm(f.country)}), None)
            if framework is None:
                plan.error("framework", f"Unknown framework {framework_text} (one of: "
                                        f"{', '.join(f.key for f in self.frameworks)}).")
                return None
        matches = [q for q in self.qualifications.get(_norm(text), ())
                   if framework is None or q.framework_id == framework.id]
        if len(matches) == 1:
            return matches[0]
        if matches:
            plan.error("qualification", f"{text} is on more than one ladder: add the "
                                        "framework (" + ", ".join(
                                            sorted({q.framework.key for q in matches})) + ").")
        else:
            where = f" in the {framework.key} framework" if framework else ""
            plan.error("qualification", f"Unknown qualification {text}{where}: use its key "
                                        "or name, e.g. uk_coach or Level 2.")
        return None


def _rows_by(session: Session, column, values: set[str]) -> dict[str, User]:
    """Load the users whose ``column`` is among ``values``, with their profiles, in batches."""
    found: dict[str, User] = {}
    ordered = sorted(values)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start:start + BATCH]
        for user in session.scalars(
                select(User).where(column.in_(chunk)).options(
                    joinedload(User.supporter_profile).selectinload(SupporterProfile.roles),
                    joinedload(User.supporter_profile).selectinload(
                        SupporterProfile.event_groups),
                    joinedload(User.coach_profile).selectinload(CoachProfile.event_groups))
        ).unique():
            found[getattr(user, column.key)] = user
    return found


def plan_import(session: Session, licence_file: LicenceFile, *, today: date) -> ImportPlan:
    """Say what each row of ``licence_file`` would do, changing nothing."""
    schema = LicenceRowArgs()
    taxonomy = _Taxonomy(session)
    plans: list[RowPlan] = []
    for source in licence_file.rows:
        plan = RowPlan(source.number)
        plans.append(plan)
        plan.membership_number = (source.values.get("membership_number") or "").strip() \
            .upper()[:40] or None
        plan.name = (source.values.get("name") or "")[:120] or None
        _validate_cells(plan, source, schema, today)
        plan.qualification = taxonomy.qualification(
            plan, plan.data.get("qualification"), plan.data.get("framework"))
        plan.roles = taxonomy.many(plan, "roles", plan.data.get("roles", []))
        plan.event_groups = taxonomy.many(plan, "event_groups",
                                          plan.data.get("event_groups", []))
    _flag_duplicates(plans)

    numbers = {p.data["membership_number"] for p in plans if "membership_number" in p.data}
    emails = {p.data["email"] for p in plans if "email" in p.data}
    by_number = _rows_by(session, User.membership_number, numbers)
    # Members found by number are loaded once: only other addresses are looked up.
    by_email = {user.email: user for user in by_number.values()}
    by_email.update(_rows_by(session, User.email, emails - by_email.keys()))
    places: dict[str, geodata.Location | DomainError] = {}
    for plan in plans:
        if plan.data.get("postcode"):
            plan.location = _locate(session, plan, plan.data["postcode"], places)
        if plan.data and not plan.errors:
            _match(plan, by_number, by_email)
        if plan.data and not plan.errors:
            _plan_changes(plan, today, taxonomy)
        if plan.errors:
            plan.outcome = "error"
            plan.changes = []
    return ImportPlan(licence_file, plans)


def _validate_cells(plan: RowPlan, source: SourceRow, schema: LicenceRowArgs,
                    today: date) -> None:
    values = {}
    for name, text in source.values.items():
        if name == "_extra":
            plan.error("row", text)
            continue
        text = csv_files.unescape(text)
        if len(text) > MAX_CELL_CHARS:
            plan.error(name, f"Too long ({len(text):,} characters): is this the right "
                             "column?")
            continue
        if name in _TEXT_FIELDS and text.startswith(csv_files.FORMULA_STARTS):
            plan.error(name, f"Starts with {text[0]!r}, which a spreadsheet runs as a "
                             "formula: remove it.")
            continue
        values[name] = text
    try:
        plan.data = data = schema.load(values)
    except ValidationError as err:
        refused = set(plan.errors)  # said why already: not "missing" as well
        for name, messages in flatten_errors(err.messages).items():
            for message in messages if name not in refused else ():
                plan.error(name, message)
        # What is valid still finds duplicates and unknown roles, for a complete list.
        data = plan.data = dict(err.valid_data) if isinstance(err.valid_data, dict) else {}
    if data.get("email"):
        data["email"] = email_key(data["email"])
    if data.get("safeguarding_scheme"):
        scheme = data["safeguarding_scheme"]
        data["safeguarding_scheme"] = SCHEMES.get(_norm(scheme), scheme)
    checked = data.get("safeguarding_checked_on")
    if checked and checked > today:
        plan.error("safeguarding_checked_on", f"{checked:%d/%m/%Y} is in the future: a "
                                              "check is dated the day it was done.")
    if plan.errors:
        return
    plan.membership_number, plan.name = data["membership_number"], data["name"]


def _flag_duplicates(plans: list[RowPlan]) -> None:
    """Each member once per file, each email address for one member only."""
    by_number: dict[str, list[RowPlan]] = defaultdict(list)
    for plan in plans:
        if plan.data.get("membership_number"):
            by_number[plan.data["membership_number"]].append(plan)
    for rows in by_number.values():
        for plan in rows if len(rows) > 1 else ():
            others = ", ".join(str(r.number) for r in rows if r is not plan)
            plan.error("membership_number", f"{plan.data['membership_number']} is also on "
                                            f"row {others}: list each member once.")
    by_email: dict[str, list[RowPlan]] = defaultdict(list)
    for plan in plans:
        if plan.data.get("email"):
            by_email[plan.data["email"]].append(plan)
    for rows in by_email.values():
        numbers = {r.data.get("membership_number") for r in rows}
        for plan in rows if len(numbers) > 1 else ():
            others = ", ".join(str(r.number) for r in rows if r is not plan)
            plan.error("email", f"{plan.data['email']} is also on row {others}, for another "
                                "member: each member needs their own email address.")


def _match(plan: RowPlan, by_number: dict[str, User], by_email: dict[str, User]) -> None:
    """Find the member's account: by membership number, else one with their email and none."""
    number, email = plan.data["membership_number"], plan.data["email"]
    user = by_number.get(number)
    holder = by_email.get(email)
    if user is None and holder is not None:
        if holder.membership_number is None and holder.deleted_at is None:
            user = holder  # signed up here before the first import: the same person
        else:
            plan.error("email", f"{email} belongs to another member (membership number "
                                f"{holder.membership_number}).")
            return
    if user is not None and user.deleted_at is not None:
        plan.error("membership_number", f"{number} belongs to an account that was deleted: "
                                        "the member can sign up again themselves.")
        return
    if user is not None and holder is not None and holder.id != user.id:
        whose = (f"another member (membership number {holder.membership_number})"
                 if holder.membership_number else "another account")
        plan.error("email", f"{email} belongs to {whose}.")
        return
    plan.user = user


def _locate(session: Session, plan: RowPlan, text: str,
            places: dict[str, geodata.Location | DomainError]) -> geodata.Location | None:
    key = " ".join(text.upper().split())
    if key not in places:
        try:
            places[key] = geocoding.resolve_place(session, text, field="postcode").location
        except DomainError as err:
            places[key] = err
    found = places[key]
    if isinstance(found, DomainError):
        for message in found.errors.get("postcode") or [found.message]:
            plan.error("postcode", message)
        return None
    return found


def _same_place(profile, location: geodata.Location) -> bool:
    if profile is None or profile.latitude is None:
        return False
    if location.postcode:
        return (profile.postcode or "").upper() == location.postcode.upper() \
            and profile.country == (location.country or "GB")
    return (abs(profile.latitude - location.lat) < 1e-9
            and abs(profile.longitude - location.lon) < 1e-9)


def _plan_changes(plan: RowPlan, today: date, taxonomy: _Taxonomy) -> None:
    data, user = plan.data, plan.user
    supporter = user.supporter_profile if user is not None else None
    coach = user.coach_profile if user is not None else None
    kind = data.get("kind")
    if kind is None:
        kind = "supporter" if plan.roles or supporter is not None else "coach"
    plan.kind = kind

    if kind == "supporter":
        if supporter is None and not plan.roles:
            plan.error("roles", "A supporter needs at least one support role (one of: "
                                f"{taxonomy.role_keys}).")
        if supporter is None and not data.get("postcode"):
            plan.error("postcode", "A new supporter needs a postcode or ZIP code: search "
                                   "finds supporters near coaches by it.")
    else:
        if data.get("capacity") is not None:
            plan.error("capacity", "Only supporters have a capacity: give this row support "
                                   "roles (or kind supporter), or leave capacity empty.")
        if plan.qualification is not None and plan.qualification.supporter_only:
            plan.error("qualification", f"{plan.qualification.name} is a supporter "
                                        "credential: give this row support roles.")
    if plan.errors:
        return

    if user is None:
        plan.outcome = "create"
    else:
        if user.display_name != data["name"]:
            plan.change("name", user.display_name, data["name"])
        if user.email != data["email"]:
            plan.change("email", user.email, data["email"])
        if user.membership_number != data["membership_number"]:
            plan.change("membership_number", user.membership_number, data["membership_number"])
    if user is None or kind not in user.role_names:
        plan.new_roles = [kind]
        if user is not None:
            plan.change("account roles", sorted(user.role_names),
                        sorted(user.role_names | {kind}))

    dates = _CHECK_FIELDS
    if kind == "supporter":
        _plan_profile(plan, supporter, ("qualification", "postcode", "roles", "event_groups",
                                        "capacity") + dates, today)
    else:
        _plan_profile(plan, coach, ("qualification", "postcode", "event_groups"), today)
        if supporter is not None:
            _plan_profile(plan, supporter, dates, today, prefix="supporter ")
        elif any(data.get(name) for name in dates):
            plan.dates_not_kept = True
    if plan.outcome != "create":
        plan.outcome = "update" if plan.changes or plan.new_roles else "unchanged"


def _plan_profile(plan: RowPlan, profile, names: tuple[str, ...], today: date, *,
                  prefix: str = "") -> None:
    """Note each change the row makes to ``profile`` (None: a profile to create)."""
    data = plan.data
    is_supporter = "licence_expires_on" in names
    if profile is None:
        if plan.user is not None and (is_supporter or plan.location or plan.qualification
                                      or plan.event_groups):
            plan.change(f"new {plan.kind} profile", None, "yes")
        if is_supporter:
            _supporter_notes(plan, data.get("licence_expires_on"),
                             data.get("safeguarding_expires_on"), today)
        return
    for name in names:
        if name == "qualification":
            if plan.qualification is not None and profile.qualification_id != \
                    plan.qualification.id:
                before = profile.qualification.key if profile.qualification else None
                plan.change(prefix + name, before, plan.qualification.key)
        elif name == "postcode":
            if plan.location is not None and not _same_place(profile, plan.location):
                plan.change(prefix + name, profile.postcode or profile.place_label,
                            plan.location.postcode or plan.location.label)
        elif name in ("roles", "event_groups"):
            wanted = plan.roles if name == "roles" else plan.event_groups
            current = profile.roles if name == "roles" else profile.event_groups
            if wanted and {r.id for r in wanted} != {r.id for r in current}:
                plan.change(prefix + name, [r.key for r in current], [r.key for r in wanted])
        elif data.get(name) is not None and getattr(profile, name) != data[name]:
            plan.change(prefix + name, getattr(profile, name), data[name])
    if is_supporter:
        licence = data.get("licence_expires_on") or profile.licence_expires_on
        check = data.get("safeguarding_expires_on") or profile.safeguarding_expires_on
        _supporter_notes(plan, licence, check, today)
        was_eligible = all(d is not None and d >= today for d in (
            profile.licence_expires_on, profile.safeguarding_expires_on))
        plan.leaves_search = was_eligible and bool(plan.notes)


def _supporter_notes(plan: RowPlan, licence: date | None, check: date | None,
                     today: date) -> None:
    for label, day in (("licence", licence), ("safeguarding check", check)):
        if day is None:
            plan.notes.append(f"Not in search: no {label} expiry date.")
        elif day < today:
            plan.notes.append(f"Not in search: the {label} expired on {day:%d/%m/%Y}.")


# --- applying -------------------------------------------------------------------------


def _write(session: Session, plan: ImportPlan, actor: User | None, now: datetime) -> None:
    """Write every planned create and update; the caller's transaction makes it all or none."""
    leaving: list[SupporterProfile] = []
    overruled: dict[int, set[str]] = {}
    for row in plan.rows:
        if row.outcome == "update":
            user = row.user
            user.display_name = row.data["name"]
            user.email = row.data["email"]
            user.membership_number = row.data["membership_number"]
            for role in row.new_roles:
                user.roles.append(UserRole(role=role))
            _write_profiles(session, row, user, actor, now)
            supporter = user.supporter_profile
            if supporter is not None and supporter.id is not None:
                # A coach's row sets only a supporter profile's dates.
                fields = (profile_changes.CHECKED_FIELDS if row.kind == "supporter"
                          else profile_changes.EXPIRY_FIELDS)
                overruled[supporter.id] = {
                    field for field in fields
                    if field == "name" or row.data.get(field) not in (None, "", [])}
            if row.leaves_search and supporter is not None:
                leaving.append(supporter)
    profile_changes.overrule(session, overruled, now=now)
    try:
        session.flush()  # updates first: an address one member leaves, another may take
        created = _create(session, [row for row in plan.rows if row.outcome == "create"],
                          actor, now)
    except IntegrityError as err:
        raise Conflict("Someone else changed these members at the same moment: nothing was "
                       "written. Run the import again.") from err
    invitations.invite_all(session, created, now=now)
    for profile in leaving:
        # Coaches waiting for an answer are told at once, kindly, to look elsewhere.
        close_waiting(session, lock_supporter(session, profile.id), now)


def _create(session: Session, rows: list[RowPlan], actor: User | None,
            now: datetime) -> list[SimpleNamespace]:
    """Insert new members, their roles and profiles a thousand at a time; return who they are.

    A first import brings in the whole list: one statement per table and batch,
    not several per person (on PostgreSQL the search version's triggers then run
    once per statement, not once per row).
    """
    if not rows:
        return []
    user_ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
        {**_defaults(User), "email": row.data["email"], "display_name": row.data["name"],
         "membership_number": row.data["membership_number"], "created_at": now}
        for row in rows]).all()
    # (RETURNING batches the rows into multi-row statements, as for _link below.)
    session.execute(insert(UserRole).returning(UserRole.user_id), [
        {"user_id": user_id, "role": role, "granted_at": now}
        for user_id, row in zip(user_ids, rows, strict=True) for role in row.new_roles])
    supporters = [(user_id, row) for user_id, row in zip(user_ids, rows, strict=True)
                  if row.kind == "supporter"]
    coaches = [(user_id, row) for user_id, row in zip(user_ids, rows, strict=True)
               if row.kind == "coach" and (row.location or row.qualification
                                           or row.event_groups)]
    if supporters:
        verified = {"verified_at": now, "verified_by_id": actor.id if actor else None,
                    "last_active_at": now}
        profile_ids = _insert_profiles(session, SupporterProfile, [
            {**_profile_values(SupporterProfile, user_id, row, now), **verified,
             "capacity": DEFAULT_CAPACITY if row.data.get("capacity") is None
             else row.data["capacity"],
             "public_name": row.data["name"],
             **{name: row.data.get(name) for name in _CHECK_FIELDS}}
            for user_id, row in supporters])
        _link(session, supporter_roles, [(profile_id, role.id) for profile_id, (_, row)
                                         in zip(profile_ids, supporters, strict=True)
                                         for role in row.roles])
        _link(session, supporter_event_groups, [
            (profile_id, group.id) for profile_id, (_, row)
            in zip(profile_ids, supporters, strict=True) for group in row.event_groups])
    if coaches:
        profile_ids = _insert_profiles(session, CoachProfile, [
            _profile_values(CoachProfile, user_id, row, now) for user_id, row in coaches])
        _link(session, coach_event_groups, [
            (profile_id, group.id) for profile_id, (_, row)
            in zip(profile_ids, coaches, strict=True) for group in row.event_groups])
    # What an invitation needs to know of each new person.
    return [SimpleNamespace(id=user_id, email=row.data["email"], display_name=row.data["name"],
                            session_version=1)
            for user_id, row in zip(user_ids, rows, strict=True)]


_PLACE_FIELDS = ("latitude", "longitude", "postcode", "country", "outward_code", "place_label",
                 "search_latitude", "search_longitude")


def _defaults(model) -> dict:
    """The model's own plain default values, for rows inserted in bulk."""
    return {column.key: column.default.arg for column in model.__table__.columns
            if column.default is not None and column.default.is_scalar}


def _profile_values(model, user_id: int, row: RowPlan, now: datetime) -> dict:
    """A new profile's columns; its place is set exactly as every profile's is."""
    profile = model()  # never added: it only works out the place, as locate would
    if row.location is not None:
        _set_profile(profile, row, ("postcode",))
    values = {**_defaults(model), "user_id": user_id, "created_at": now, "updated_at": now,
              "qualification_id": row.qualification.id if row.qualification else None}
    values.update({name: getattr(profile, name) for name in _PLACE_FIELDS
                   if hasattr(model, name)})
    values["country"] = values["country"] or "GB"
    return values


def _insert_profiles(session: Session, model, values: list[dict]) -> list[int]:
    return session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True),
                           values).all()


def _link(session: Session, table, pairs: list[tuple[int, int]]) -> None:
    """Insert association rows in batches of many rows to a statement.

    (RETURNING makes SQLAlchemy batch the rows into multi-row statements on every
    backend; a plain executemany is one statement, and one trigger, per row.)
    """
    if not pairs:
        return
    owner, other = table.primary_key.columns
    session.execute(table.insert().returning(owner),
                    [{owner.key: a, other.key: b} for a, b in pairs])


def _write_profiles(session: Session, row: RowPlan, user: User, actor: User | None,
                    now: datetime) -> None:
    data, dates = row.data, _CHECK_FIELDS
    supporter = user.supporter_profile
    if row.kind == "supporter":
        if supporter is None:
            # From the governing body's own list: verified by the admin importing it.
            supporter = SupporterProfile(user=user, capacity=DEFAULT_CAPACITY, visible=True,
                                         paused=False, verified_at=now,
                                         verified_by_id=actor.id if actor else None,
                                         public_name=data["name"], last_active_at=now)
            session.add(supporter)
        _set_profile(supporter, row, ("qualification", "postcode", "roles", "event_groups",
                                      "capacity") + dates)
        if supporter.verified_at is not None:
            supporter.public_name = data["name"]  # the governing body's own record
        return
    coach = user.coach_profile
    if coach is None and (row.location or row.qualification or row.event_groups):
        coach = CoachProfile(user=user)
        session.add(coach)
    if coach is not None:
        _set_profile(coach, row, ("qualification", "postcode", "event_groups"))
    if supporter is not None:
        _set_profile(supporter, row, dates)


#: Public area and town by search point: members of one postcode sector share both.
_PUBLIC_PLACES: dict[tuple, tuple[str | None, str | None]] = {}


def _place_publicly(profile, location: geodata.Location) -> None:
    """``profile_fields.place_publicly``, remembering each search point's area and town.

    Finding the nearest town is the slow part of placing someone, and depends
    only on the point search places them at (their sector's centre), which a
    whole list shares sector by sector.
    """
    area = getattr(profile, "search_area", None) or "sector"
    point = geocoding.search_position(location, area)
    key = (point, area, location.precision,
           location.label if location.precision == "place" else None)
    if key not in _PUBLIC_PLACES:
        if len(_PUBLIC_PLACES) > 100_000:
            _PUBLIC_PLACES.clear()
        _PUBLIC_PLACES[key] = public_place(location, area=area)
    profile.outward_code, profile.place_label = _PUBLIC_PLACES[key]
    if isinstance(profile, SupporterProfile):
        profile.search_latitude, profile.search_longitude = point.lat, point.lon


def _set_profile(profile, row: RowPlan, names: tuple[str, ...]) -> None:
    for name in names:
        if name == "qualification":
            if row.qualification is not None:
                profile.qualification = row.qualification
        elif name == "postcode":
            if row.location is not None and not _same_place(profile, row.location):
                profile.latitude, profile.longitude = row.location.lat, row.location.lon
                profile.postcode = row.location.postcode
                profile.country = row.location.country or "GB"
                _place_publicly(profile, row.location)
        elif name == "roles":
            if row.roles and {r.id for r in row.roles} != {r.id for r in profile.roles}:
                profile.roles = list(row.roles)
        elif name == "event_groups":
            if row.event_groups and {g.id for g in row.event_groups} != {
                    g.id for g in profile.event_groups}:
                profile.event_groups = list(row.event_groups)
        elif row.data.get(name) is not None and getattr(profile, name) != row.data[name]:
            setattr(profile, name, row.data[name])


# --- the use cases --------------------------------------------------------------------


def _check_actor(actor: User | None) -> None:
    """An admin, or None: the command line, run by whoever runs the service."""
    if actor is not None:
        require_admin(actor)


def preview(session: Session, actor: User | None, data: bytes | str, *, filename: str = "",
            now: datetime | None = None, keep: bool = True
            ) -> tuple[ImportPlan, LicenceImport | None]:
    """Dry-run a licence list: what each row would do; nothing about members changes.

    With ``keep``, the file is kept (for a few days) so that exactly it can be
    applied later by its token; the command line keeps nothing.
    """
    _check_actor(actor)
    now = now or datetime.now(UTC)
    text = read_text(data)
    plan = plan_import(session, parse(text), today=now.date())
    record = None
    if keep:
        session.execute(delete(LicenceImport).where(LicenceImport.created_at < now - KEEP_UPLOADS))
        record = LicenceImport(
            token=secrets.token_urlsafe(24), admin_id=actor.id if actor else None,
            filename=_file_name(filename), content=text.encode(),
            content_sha256=hashlib.sha256(text.encode()).hexdigest(),
            counts=plan.counts, result=plan.result(), plan_sha256=plan.digest,
            created_at=now)
        session.add(record)
        session.flush()
    audit.record(session, "licence_import.dry_run", actor=actor, subject=record,
                 details={"counts": plan.counts, **_via(actor)})
    return plan, record


def _file_name(filename: str | None) -> str:
    name = re.sub(r"[\x00-\x1f\x7f]", "", (filename or "").replace("\\", "/")
                  .rsplit("/", 1)[-1]).strip()
    return name[:200]


def _via(actor: User | None) -> dict:
    return {} if actor is not None else {"via": "command line"}


def apply(session: Session, actor: User | None, plan: ImportPlan,
          record: LicenceImport | None = None, *, now: datetime | None = None) -> bool:
    """Write a planned import, all or nothing; return False (writing nothing) on any error.

    With a kept ``record`` its result is brought up to date either way.
    """
    _check_actor(actor)
    now = now or datetime.now(UTC)
    counts = plan.counts
    if counts["error"]:
        audit.record(session, "licence_import.refused", actor=actor, subject=record,
                     details={"counts": counts, "reason": "errors", **_via(actor)})
        if record is not None:
            _keep_result(record, plan)
        return False
    _write(session, plan, actor, now)
    if record is not None:
        _keep_result(record, plan)
        record.status, record.applied_at, record.content = "applied", now, b""
    audit.record(session, "licence_import.applied", actor=actor, subject=record,
                 details={"counts": counts, **_via(actor)})
    return True


def _keep_result(record: LicenceImport, plan: ImportPlan) -> None:
    record.counts, record.result, record.plan_sha256 = plan.counts, plan.result(), plan.digest


def upload(session: Session, admin: User, token: str) -> LicenceImport:
    """Return an admin's own kept upload by its token; anyone else is told there is none."""
    require_admin(admin, "No such import: upload the file again.")
    record = session.scalar(select(LicenceImport).where(LicenceImport.token == token))
    if record is None or record.admin_id != admin.id:
        raise NotFound("No such import: it was made by someone else, or more than "
                       f"{KEEP_UPLOADS.days} days ago. Upload the file again.")
    return record


def apply_previewed(session: Session, admin: User, token: str, *,
                    now: datetime | None = None) -> tuple[LicenceImport, str]:
    """Apply exactly the file an admin dry-ran; return the upload and what happened.

    ``"applied"``; ``"errors"`` (a row is in error now: nothing written); or
    ``"changed"``: the members' records changed since the dry run, so the rows
    would not do what the admin saw: nothing written, and the dry run is
    brought up to date to look at again. Applying twice is refused.
    """
    now = now or datetime.now(UTC)
    record = upload(session, admin, token)
    if record.status == "applied":
        raise Conflict("This file has been applied already. Upload the licence list again "
                       "to bring members up to date.")
    plan = plan_import(session, parse(record.content.decode()), today=now.date())
    if plan.digest != record.plan_sha256 and not plan.counts["error"]:
        audit.record(session, "licence_import.refused", actor=admin, subject=record,
                     details={"counts": plan.counts, "reason": "changed since the dry run"})
        _keep_result(record, plan)
        return record, "changed"
    return record, "applied" if apply(session, admin, plan, record, now=now) else "errors"


def failed_rows(session: Session, admin: User, token: str) -> tuple[str, str]:
    """Return (file name, CSV) of the rows in error, as in the file, with an error column."""
    record = upload(session, admin, token)
    errors = {row["row"]: row["errors"] for row in record.result.get("rows", [])
              if row["outcome"] == "error"}
    licence_file = parse(record.content.decode()) if record.content else None
    audit.record(session, "licence_import.failed_rows", actor=admin, subject=record,
                 details={"rows": len(errors)})
    stem = re.sub(r"\.csv$", "", record.filename or "", flags=re.I) or "licences"
    return f"{stem}-failed-rows.csv", failed_rows_csv(licence_file, errors)


def failed_rows_csv(licence_file: LicenceFile | None, errors: dict[int, dict]) -> str:
    """The rows of ``licence_file`` in ``errors`` (by row), as they were, with why."""
    header = licence_file.header if licence_file else []
    rows = [row for row in licence_file.rows if row.number in errors] if licence_file else []
    body = ([*row.cells, *[""] * (len(header) - len(row.cells)),
             describe_errors(errors[row.number])] for row in rows)
    return csv_files.as_csv([*header, "error"], body, bom=True)


def field_label(name: str) -> str:
    """How a person calls a field of a row or of a change: "Licence expiry"."""
    if name.startswith("supporter "):
        label = field_label(name.removeprefix("supporter "))
        return "Supporter's " + label[0].lower() + label[1:]
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def describe_errors(errors: dict[str, list[str]]) -> str:
    """One line naming each field in error and why."""
    return " ".join(f"{field_label(name)}: {' '.join(messages)}"
                    for name, messages in errors.items())


def template_csv() -> str:
    """A licence list to start from: every column, a coach and a supporter."""
    header = [LABELS[name] for name in ("membership_number", "name", "email", "kind", "roles",
                                        "event_groups", "qualification", "framework",
                                        "licence_expires_on", "safeguarding_checked_on",
                                        "safeguarding_expires_on", "safeguarding_scheme",
                                        "postcode", "capacity")]
    rows = [["UKA123456", "Alex Example", "alex@example.org", "supporter",
             "mentor; coach developer", "jumps|sprints_hurdles_relays", "uk_advanced_coach",
             "uk", "31/03/2027", "15/01/2025", "15/01/2028", "DBS", "LS6 3QS", "2"],
            ["UKA654321", "Sam Sample", "sam@example.org", "coach", "", "endurance",
             "Sessional Coach", "uk", "2027-03-31", "", "", "", "M1 1AD", ""]]
    return csv_files.as_csv(header, rows, bom=True)


def summary(counts: dict[str, int]) -> str:
    """"3 to create, 1 to update, 10 unchanged, 2 in error" in words."""
    return (f"{counts['create']:,} to create, {counts['update']:,} to update, "
            f"{counts['unchanged']:,} unchanged, {counts['error']:,} in error")

