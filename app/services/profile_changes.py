"""Verifying supporter profiles: each change waits beside the verified version.

The profile's own columns are what coaches see and search ranks: the version an
admin last verified. A change to something an admin checks (the fields in
``CHECKED_FIELDS``) waits in an open :class:`ProfileChange` until an admin
approves it, rejects it with a reason or asks for changes, so a supporter stays
in search, with their verified profile, while it waits.

Eligibility always wins: an expiry date moved earlier (or into the past) takes
effect at once; only a later date, which needs a new certificate, waits.
A profile never verified has no public version: its changes apply at once and
it waits, as a whole, for its first verification.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    EventGroup,
    Need,
    ProfileChange,
    Qualification,
    SupporterProfile,
    SupportRole,
    User,
)
from app.models.profile_changes import OPEN_STATUSES
from app.services import audit, mailer
from app.services.permissions import require_admin

#: What an admin checks before it is public, with the words pages use for it.
CHECKED_FIELDS = {
    "name": "Name",
    "roles": "Support offered",
    "event_groups": "Event groups",
    "expertise": "Expertise",
    "qualification": "Qualification",
    "years_coaching": "Years coaching",
    "club": "Club",
    "bio": "About them",
    "safeguarding_expires_on": "Safeguarding check valid until",
    "licence_expires_on": "Licence valid until",
}
EXPIRY_FIELDS = ("safeguarding_expires_on", "licence_expires_on")
_LISTS = {"roles": SupportRole, "event_groups": EventGroup, "expertise": Need}
DECISIONS = ("approve", "reject", "request_changes")
NOT_WAITING = "No profile with that id is waiting for verification."


def verified_content(profile: SupporterProfile) -> dict:
    """Return the checked fields as they are public now (keys, text, ISO dates)."""
    return {
        "name": profile.shown_name,
        "roles": [r.key for r in profile.roles],
        "event_groups": [g.key for g in profile.event_groups],
        "expertise": [n.key for n in profile.expertise],
        "qualification": profile.qualification.key if profile.qualification else None,
        "years_coaching": profile.years_coaching,
        "club": profile.club or "",
        "bio": profile.bio or "",
        "safeguarding_expires_on": _iso(profile.safeguarding_expires_on),
        "licence_expires_on": _iso(profile.licence_expires_on),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def open_change(session: Session, profile: SupporterProfile) -> ProfileChange | None:
    """Return the profile's change waiting for an admin or for the supporter, if any."""
    return session.scalar(
        select(ProfileChange)
        .where(ProfileChange.profile_id == profile.id,
               ProfileChange.status.in_(OPEN_STATUSES))
        .order_by(ProfileChange.id.desc()).limit(1))


def latest_change(session: Session, profile: SupporterProfile) -> ProfileChange | None:
    return session.scalar(
        select(ProfileChange).where(ProfileChange.profile_id == profile.id)
        .order_by(ProfileChange.id.desc()).limit(1))


def apply_values(session: Session, profile: SupporterProfile, values: dict) -> None:
    """Make ``values`` (checked fields, as stored in a change) the profile's own."""
    for field, model in _LISTS.items():
        if field in values:
            keys = values[field]
            rows = {r.key: r for r in session.scalars(select(model).where(model.key.in_(keys)))}
            setattr(profile, field, [rows[k] for k in keys if k in rows])
    if "qualification" in values:
        key = values["qualification"]
        profile.qualification = key and session.scalar(
            select(Qualification).where(Qualification.key == key))
    for field in EXPIRY_FIELDS:
        if field in values:
            setattr(profile, field, values[field] and date.fromisoformat(values[field]))
    if "years_coaching" in values:
        profile.years_coaching = values["years_coaching"]
    if "club" in values:
        profile.club = values["club"] or None
    if "bio" in values:
        profile.bio = values["bio"]
    if "name" in values:
        profile.public_name = values["name"]


def _takes_effect_at_once(field: str, value, verified: dict, today: date) -> bool:
    """Whether an expiry date may skip the queue: only one that shortens eligibility."""
    if field not in EXPIRY_FIELDS:
        return False
    if value is None or value < today.isoformat():
        return True
    return verified[field] is not None and value <= verified[field]


def stage(session: Session, profile: SupporterProfile, actor: User, wanted: dict, *,
          now: datetime, created: bool = False) -> ProfileChange | None:
    """Record what the supporter wants the checked fields to say; return the open change.

    ``wanted`` holds the submitted checked fields only. On a verified profile,
    what differs from the verified version waits for an admin (merged into the
    open change), except an expiry date that shortens eligibility, which
    applies at once. On a profile never verified everything applies at once and
    the whole profile waits for its first verification.
    """
    if profile.verified_at is None:
        before = None if created else verified_content(profile)
        apply_values(session, profile, wanted)
        session.flush()
        change = open_change(session, profile)
        changed = created or verified_content(profile) != before
        if change is not None and change.status == "pending" and not changed:
            return change
        if changed or change is not None:
            return _submit(session, profile, actor, change, {}, now=now, new=True)
        return None

    verified = verified_content(profile)
    change = open_change(session, profile)
    at_once = {f: v for f, v in wanted.items()
               if _takes_effect_at_once(f, v, verified, now.date())}
    apply_values(session, profile, at_once)
    proposed = {**(change.proposed if change else {}),
                **{f: v for f, v in wanted.items() if f not in at_once}}
    proposed = {f: v for f, v in proposed.items()
                if f not in at_once and v != verified[f]}
    if proposed == (change.proposed if change else {}) and (
            change is None or change.status == "pending"):
        return change
    if not proposed:
        change.status, change.decided_at = "withdrawn", now
        audit.record(session, "profile.change_withdrawn", actor=actor, subject=profile,
                     details={"change_id": change.id})
        return None
    return _submit(session, profile, actor, change, proposed, now=now, new=False)


def _submit(session: Session, profile: SupporterProfile, actor: User,
            change: ProfileChange | None, proposed: dict, *, now: datetime,
            new: bool) -> ProfileChange:
    if change is None:
        change = ProfileChange(profile_id=profile.id, new=new, submitted_at=now, message="")
        session.add(change)
    elif change.status != "pending":  # the supporter answers an admin's request
        change.submitted_at = now
    change.status, change.proposed, change.new = "pending", proposed, new
    session.flush()
    audit.record(session, "profile.submitted_for_verification", actor=actor, subject=profile,
                 details={"change_id": change.id, "new": new, "changed": sorted(proposed)})
    return change


def overrule(session: Session, fields_by_profile: dict[int, set[str]], *,
             now: datetime) -> None:
    """Drop fields the governing body's own records just set from waiting changes.

    An imported licence list is the record: a supporter's claim about the same
    field, still waiting, would otherwise undo it when approved. A change left
    with nothing is withdrawn.
    """
    if not fields_by_profile:
        return
    for change in session.scalars(select(ProfileChange).where(
            ProfileChange.profile_id.in_(fields_by_profile),
            ProfileChange.status.in_(OPEN_STATUSES), ProfileChange.new.is_(False))):
        kept = {f: v for f, v in change.proposed.items()
                if f not in fields_by_profile[change.profile_id]}
        if kept != change.proposed:
            change.proposed = kept
            if not kept:
                change.status, change.decided_at = "withdrawn", now


# --- the admins' queue ---------------------------------------------------------------------


def _waiting():
    return (select(ProfileChange).where(ProfileChange.status == "pending")
            .join(SupporterProfile, SupporterProfile.id == ProfileChange.profile_id)
            .join(User, User.id == SupporterProfile.user_id).where(User.deleted_at.is_(None)))


def verification_queue(session: Session, admin: User, *, offset: int = 0,
                       limit: int | None = None) -> list[dict]:
    """Return each change waiting for an admin, oldest first, field by field."""
    require_admin(admin)
    profile = selectinload(ProfileChange.profile)
    changes = list(session.scalars(
        _waiting().options(profile.selectinload(SupporterProfile.user),
                           profile.selectinload(SupporterProfile.roles),
                           profile.selectinload(SupporterProfile.event_groups),
                           profile.selectinload(SupporterProfile.expertise),
                           profile.selectinload(SupporterProfile.qualification))
        .order_by(ProfileChange.submitted_at, ProfileChange.id).offset(offset).limit(limit)))
    names = _taxonomy_names(session)
    earlier = _earlier_decisions(session, changes)
    return [_queued(change, names, earlier[change.id]) for change in changes]


def waiting(session: Session) -> tuple[int, datetime | None]:
    """Return how many changes wait for an admin, and since when the oldest has."""
    changes = _waiting().subquery()
    count, oldest = session.execute(
        select(func.count(), func.min(changes.c.submitted_at))).one()
    return count or 0, oldest


def _queued(change: ProfileChange, names: dict, earlier: list[dict]) -> dict:
    """One change as the admin reviews it: who, since when, and what changes."""
    profile = change.profile
    verified = verified_content(profile)
    if change.new:
        before, after = {}, verified
    else:
        before, after = verified, {**verified, **change.proposed}
    return {
        "id": profile.id,
        "change_id": change.id,
        "profile": profile,
        "name": profile.user.display_name,
        "email_verified": profile.user.email_verified_at is not None,
        "new": change.new,
        "status": change.status,
        "submitted_at": change.submitted_at,
        "changes": [_field_change(field, before.get(field), after[field], names)
                    for field in CHECKED_FIELDS
                    if (field in change.proposed or change.new) and after[field] not in
                    (None, "", [])],
        "earlier": earlier,
    }


def _earlier_decisions(session: Session, changes: list[ProfileChange]) -> dict[int, list]:
    """Return, for each change, the last three decisions on its profile, newest first."""
    earlier: dict[int, list] = {change.id: [] for change in changes}
    decided = session.scalars(
        select(ProfileChange).where(
            ProfileChange.profile_id.in_({c.profile_id for c in changes}),
            ProfileChange.status.in_(("rejected", "changes_requested", "approved")),
            ProfileChange.decided_at.is_not(None))
        .order_by(ProfileChange.id.desc())).all() if changes else []
    for change in changes:
        found = earlier[change.id]
        if change.decided_at is not None:  # sent back after an admin asked for changes
            found.append({"status": "changes_requested", "decided_at": change.decided_at,
                          "message": change.message})
        found.extend({"status": r.status, "decided_at": r.decided_at, "message": r.message}
                     for r in decided if r.profile_id == change.profile_id)
        del found[3:]
    return earlier


def _taxonomy_names(session: Session) -> dict[str, dict[str, str]]:
    names = {field: dict(session.execute(select(model.key, model.name)).all())
             for field, model in _LISTS.items()}
    names["qualification"] = dict(session.execute(select(Qualification.key,
                                                         Qualification.name)).all())
    return names


def _field_change(field: str, before, after, names: dict) -> dict:
    """Describe one field's change in words, with what was added and removed."""
    def words(value):
        if value is None or value == "" or value == []:
            return ""
        if field in _LISTS:
            return ", ".join(names[field].get(k, k) for k in value)
        if field == "qualification":
            return names["qualification"].get(value, value)
        if field in EXPIRY_FIELDS:
            return f"{date.fromisoformat(value):%d %B %Y}"
        return str(value)

    item = {"field": field, "label": CHECKED_FIELDS[field], "before": before, "after": after,
            "before_text": words(before), "after_text": words(after),
            "added": [], "removed": [], "segments": []}
    if field in _LISTS:
        item["added"] = [names[field].get(k, k) for k in after or [] if k not in (before or [])]
        item["removed"] = [names[field].get(k, k) for k in before or []
                           if k not in (after or [])]
    elif field in ("bio", "club", "name") and before:
        item["segments"] = text_diff(before or "", after or "")
    return item


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Split two texts into ("same" | "removed" | "added", words) runs, word by word.

    >>> text_diff("Jumps coach for 12 years.", "Jumps coach for 13 years.")
    [('same', 'Jumps coach for '), ('removed', '12'), ('added', '13'), ('same', ' years.')]
    """
    old, new = re.findall(r"\s+|\S+", before), re.findall(r"\s+|\S+", after)
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            runs.append(("added", "".join(new[j1:j2])))
    return runs


# --- decisions -------------------------------------------------------------------------------


def decide(session: Session, admin: User, profile_id: int, decision: str = "approve",
           message: str | None = None, *, now: datetime | None = None) -> SupporterProfile:
    """Approve, reject (with a reason) or ask for changes to (with a message) a waiting change.

    The supporter is emailed the outcome, and it is audited. Approving makes
    the change public at once; rejecting keeps the verified version as it is.
    """
    now = now or datetime.now(UTC)
    require_admin(admin, NOT_WAITING)
    message = (message or "").strip()
    if decision not in DECISIONS:
        raise InvalidInput("Choose approve, reject or request changes.",
                           errors={"decision": [f"Must be one of: {', '.join(DECISIONS)}."]})
    if decision != "approve" and not message:
        what = "why" if decision == "reject" else "what to change"
        raise InvalidInput(f"Tell the supporter {what}.",
                           errors={"message": [f"Say {what}: the supporter reads it."]})
    profile = session.scalar(select(SupporterProfile).where(SupporterProfile.id == profile_id)
                             .with_for_update())
    if profile is None or profile.user.deleted_at is not None:
        raise NotFound(NOT_WAITING)
    change = open_change(session, profile)
    if change is None or change.status != "pending":
        raise Conflict("Nothing of this profile is waiting for verification"
                       + (": the supporter was asked for changes." if change else "."))
    change.decided_at, change.decided_by_id, change.message = now, admin.id, message
    if decision == "approve":
        _approve(session, admin, profile, change, now)
    else:
        change.status = "rejected" if decision == "reject" else "changes_requested"
        audit.record(session, f"profile.{change.status}", actor=admin, subject=profile,
                     details={"change_id": change.id, "new": change.new,
                              "fields": sorted(change.proposed)})
        _email(session, profile, change, now)
    return profile


def _approve(session: Session, admin: User, profile: SupporterProfile, change: ProfileChange,
             now: datetime) -> None:
    if change.new and profile.user.email_verified_at is None:
        raise Conflict("This supporter has not confirmed their email address yet.")
    verified = verified_content(profile)
    change.replaced = {f: verified[f] for f in change.proposed}
    apply_values(session, profile, change.proposed)
    if change.new:
        profile.public_name = profile.user.display_name
    profile.verified_at, profile.verified_by_id = now, admin.id
    change.status = "approved"
    audit.record(session, "profile.verified", actor=admin, subject=profile,
                 details={"user_id": profile.user_id, "change_id": change.id,
                          "new": change.new, "fields": sorted(change.proposed)})
    _email(session, profile, change, now)


_EMAILS = {
    "approved": ("profile_verified", "Your supporter profile is verified"),
    "rejected": ("profile_change_rejected", "Your supporter profile: not accepted"),
    "changes_requested": ("profile_changes_requested",
                          "Your supporter profile: please make a change"),
}


def _email(session: Session, profile: SupporterProfile, change: ProfileChange,
           now: datetime) -> None:
    template, subject = _EMAILS[change.status]
    if change.status == "approved" and not change.new:
        subject = "Your profile changes are verified"
    mailer.queue(session, to=profile.user, kind=template, subject=subject, template=template,
                 context={"profile": profile, "change": change,
                          "fields": [CHECKED_FIELDS[f] for f in CHECKED_FIELDS
                                     if f in change.proposed],
                          "url": mailer.absolute_url("web.supporter", supporter_id=profile.id),
                          "edit_url": mailer.absolute_url("support.supporter_profile")},
                 now=now)


# --- the supporter's side ----------------------------------------------------------------------


def owner_view(session: Session, profile: SupporterProfile) -> dict:
    """What the supporter sees of their changes: what waits, and an admin's last word."""
    change = open_change(session, profile)
    latest = change or latest_change(session, profile)
    decided = latest if latest is not None and latest.status in ("rejected",
                                                                  "changes_requested") else None
    return {
        "pending_change": None if change is None else {
            "status": change.status,
            "new": change.new,
            "submitted_at": change.submitted_at,
            "fields": [CHECKED_FIELDS[f] for f in CHECKED_FIELDS if f in change.proposed],
            "proposed": dict(change.proposed),
        },
        "last_decision": None if decided is None else {
            "status": decided.status, "message": decided.message,
            "decided_at": decided.decided_at},
    }


def owner_notes(view: dict) -> list[str]:
    """Say in words where the supporter's changes stand."""
    change, decided = view["pending_change"], view["last_decision"]
    notes = []
    if decided is not None:
        if decided["status"] == "changes_requested":
            notes.append(f"An admin asks you to change your profile: “{decided['message']}” "
                         "Edit it below and save to send it again.")
        else:
            notes.append(f"An admin did not accept your last change: “{decided['message']}”")
    if change is not None and change["status"] == "pending" and not change["new"]:
        notes.append(f"Your changes to {_words(change['fields'])} wait for an admin's check: "
                     "until then coaches see your verified profile.")
    return notes


def _words(items: list[str]) -> str:
    items = [i.lower() if i != "Name" else "your name" for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
