"""CSV exports for programme admins: supporters, engagements and outcomes, requests.

Each is one file an admin opens in a spreadsheet: every cell guarded against
formulas (``app.services.csv_files``), read in a few batched queries, and every
download audited (the kind and the number of rows, nothing personal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.errors import NotFound
from app.models import (
    DevelopmentPlan,
    Engagement,
    PlanGoal,
    Qualification,
    ReflectiveLogEntry,
    SupporterProfile,
    SupportRequest,
    User,
)
from app.services import audit, csv_files
from app.services.capacity import active_engagements_by_supporter
from app.services.eligibility import searchable, supporter_status
from app.services.permissions import require_admin
from app.services.profile_fields import public_town


@dataclass(frozen=True)
class Export:
    kind: str
    title: str
    description: str
    rows: Callable[[Session, date], tuple[list[str], Iterable[list]]]


def _supporters(session: Session, today: date) -> tuple[list[str], Iterable[list]]:
    header = ["supporter_id", "user_id", "membership_number", "name", "email", "phone",
              "roles", "event_groups", "qualification", "framework", "club", "postcode",
              "area", "town", "country", "online", "travel_km", "capacity", "coaches_now",
              "places_left", "verified_at", "verified_by", "licence_expires_on",
              "safeguarding_checked_on", "safeguarding_scheme", "safeguarding_expires_on",
              "visible", "paused", "searchable", "status", "last_active_at", "created_at"]
    profiles = session.scalars(
        select(SupporterProfile).join(User, User.id == SupporterProfile.user_id)
        .where(User.deleted_at.is_(None))
        .options(selectinload(SupporterProfile.user), selectinload(SupporterProfile.roles),
                 selectinload(SupporterProfile.event_groups),
                 selectinload(SupporterProfile.verified_by),
                 selectinload(SupporterProfile.qualification)
                 .selectinload(Qualification.framework))
        .order_by(SupporterProfile.id)).all()
    in_search = set(session.scalars(
        select(SupporterProfile.id).join(User, User.id == SupporterProfile.user_id)
        .where(searchable(today))))
    engaged = active_engagements_by_supporter(session)

    def rows():
        for p in profiles:
            found = p.id in in_search
            notes = [] if found else supporter_status(p, today) or _other_reasons(p)
            qualification = p.qualification
            yield [p.id, p.user_id, p.user.membership_number, p.user.display_name, p.user.email,
                   p.user.phone, "; ".join(r.key for r in p.roles),
                   "; ".join(g.key for g in p.event_groups),
                   qualification.key if qualification else None,
                   qualification.framework.key if qualification else None, p.club, p.postcode,
                   p.outward_code, public_town(p.outward_code, p.place_label), p.country,
                   p.offers_online, p.travel_km,
                   p.capacity, engaged.get(p.id, 0), max(p.capacity - engaged.get(p.id, 0), 0),
                   p.verified_at, p.verified_by.email if p.verified_by else None,
                   p.licence_expires_on, p.safeguarding_checked_on, p.safeguarding_scheme,
                   p.safeguarding_expires_on, p.visible, p.paused, found,
                   "In search" if found else " ".join(notes), p.last_active_at, p.created_at]

    return header, rows()


def _other_reasons(profile: SupporterProfile) -> list[str]:
    """Why a supporter whose checks are all fine is still not in search."""
    if not profile.user.active:
        return ["The account is switched off."]
    if profile.search_latitude is None:
        return ["No postcode or ZIP code: search cannot place them."]
    return ["Not in search."]


def _engagements(session: Session, today: date) -> tuple[list[str], Iterable[list]]:
    header = ["engagement_id", "status", "role", "started_on", "ended_on", "outcome",
              "coach_id", "coach_membership_number", "coach_name", "coach_email",
              "supporter_id", "supporter_membership_number", "supporter_name",
              "supporter_email", "request_id", "plan_id", "programme", "plan_status",
              "plan_outcome", "goals", "goals_achieved", "log_entries", "log_minutes"]
    coach, supporter = aliased(User), aliased(User)
    goals = dict(session.execute(
        select(PlanGoal.plan_id, func.count()).group_by(PlanGoal.plan_id)).all())
    achieved = dict(session.execute(
        select(PlanGoal.plan_id, func.count()).where(PlanGoal.status == "achieved")
        .group_by(PlanGoal.plan_id)).all())
    logs = {plan_id: (count, minutes) for plan_id, count, minutes in session.execute(
        select(ReflectiveLogEntry.plan_id, func.count(),
               func.coalesce(func.sum(ReflectiveLogEntry.minutes), 0))
        .group_by(ReflectiveLogEntry.plan_id))}
    result = session.execute(
        select(Engagement, coach, supporter, DevelopmentPlan)
        .join(coach, coach.id == Engagement.coach_id)
        .join(SupporterProfile, SupporterProfile.id == Engagement.supporter_id)
        .join(supporter, supporter.id == SupporterProfile.user_id)
        .outerjoin(DevelopmentPlan, DevelopmentPlan.id == Engagement.plan_id)
        .options(selectinload(Engagement.role))
        .order_by(Engagement.started_on, Engagement.id)).all()

    def rows():
        for e, c, s, plan in result:
            count, minutes = logs.get(e.plan_id, (0, 0))
            yield [e.id, e.status, e.role.key, e.started_on, e.ended_on, e.outcome,
                   c.id, c.membership_number, c.display_name, _email(c), e.supporter_id,
                   s.membership_number, s.display_name, _email(s), e.request_id, e.plan_id,
                   plan.programme if plan else None, plan.status if plan else None,
                   plan.outcome if plan else None, goals.get(e.plan_id, 0),
                   achieved.get(e.plan_id, 0), count, minutes]

    return header, rows()


def _email(user: User) -> str | None:
    return None if user.deleted_at is not None else user.email


def _requests(session: Session, today: date) -> tuple[list[str], Iterable[list]]:
    header = ["request_id", "created_at", "status", "role", "coach_id",
              "coach_membership_number", "coach_name", "coach_email", "supporter_id",
              "supporter_membership_number", "supporter_name", "supporter_email", "plan_id",
              "expires_at", "responded_at", "closed_at", "engagement_id"]
    coach, supporter = aliased(User), aliased(User)
    engagement_of = dict(session.execute(
        select(Engagement.request_id, Engagement.id).where(Engagement.request_id.is_not(None)))
        .all())
    result = session.execute(
        select(SupportRequest, coach, supporter)
        .join(coach, coach.id == SupportRequest.coach_id)
        .join(SupporterProfile, SupporterProfile.id == SupportRequest.supporter_id)
        .join(supporter, supporter.id == SupporterProfile.user_id)
        .options(selectinload(SupportRequest.role))
        .order_by(SupportRequest.created_at, SupportRequest.id)).all()

    def rows():
        for r, c, s in result:
            yield [r.id, r.created_at, r.status, r.role.key, c.id, c.membership_number,
                   c.display_name, _email(c), r.supporter_id, s.membership_number,
                   s.display_name, _email(s), r.plan_id, r.expires_at, r.responded_at,
                   r.closed_at, engagement_of.get(r.id)]

    return header, rows()


EXPORTS: dict[str, Export] = {export.kind: export for export in (
    Export("supporters", "Supporters",
           "Every supporter: contact, roles, event groups, qualification, capacity, "
           "licence and safeguarding dates, whether they are in search and, if not, why.",
           _supporters),
    Export("engagements", "Engagements and outcomes",
           "Every engagement between a coach and a supporter: dates, status and outcome, "
           "with the plan's programme, goals achieved and reflective-log time.", _engagements),
    Export("requests", "Support requests",
           "Every request a coach sent: who to, for which role, its status and when it "
           "was answered or closed (not the messages themselves).", _requests),
)}


def exports(admin: User) -> list[Export]:
    """The exports an admin can download."""
    require_admin(admin)
    return list(EXPORTS.values())


def export(session: Session, admin: User, kind: str, *,
           today: date | None = None) -> tuple[str, str]:
    """Return (file name, CSV text) of one export; the download is audited."""
    require_admin(admin)
    today = today or date.today()
    found = EXPORTS.get(kind)
    if found is None:
        raise NotFound(f"No export called {kind!r}.")
    header, rows = found.rows(session, today)
    counted = _Counted(rows)
    text = csv_files.as_csv(header, counted, bom=True)
    audit.record(session, "export.downloaded", actor=admin,
                 details={"kind": kind, "rows": counted.count})
    return csv_files.download_name(kind, today), text


class _Counted:
    """Rows passed through, counted on the way (for the audit record)."""

    def __init__(self, rows: Iterable):
        self._rows, self.count = rows, 0

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            yield row

