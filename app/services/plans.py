"""Development plans, written together by a coach and their supporters, with history.

Who may do what with a plan is decided here, in ``access``, for every use case:

- the coach whose plan it is sees it and changes it;
- a supporter sees the plans of the coaches they support through an engagement
  (the engagement's plan, or the coach's current plan when the engagement names
  none): while the engagement is active they may propose changes, comment,
  record progress and reviews; once it is closed the plan is read-only to them;
- admins see every plan and change none;
- everyone else is told the plan does not exist (404).

A plan's content (title, dates, weighted needs, goals, review dates) changes in
one of two ways. While no supporter is engaged on it, the coach edits it
directly. Once someone is, either side proposes a change (the whole proposed
content) and the other side accepts or rejects it. Every applied change leaves
a numbered ``PlanVersion`` with a summary of what changed, shown on the plan page.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    DevelopmentPlan,
    Engagement,
    Need,
    PlanChange,
    PlanGoal,
    PlanNeed,
    PlanReview,
    PlanVersion,
    ReflectiveLogEntry,
    SupporterProfile,
    User,
)
from app.models.plans import log_entry_goals
from app.services import audit, mailer
from app.services.eligibility import may_share_contact

OPEN_PLAN_STATUSES = ("draft", "active")
NOT_FOUND = "No development plan with that id."
DEFAULT_REVIEW_MONTHS = (3, 6, 9)
GOAL_STATUS_NAMES = {"not_started": "Not started", "in_progress": "In progress",
                     "achieved": "Achieved"}


# --- who may see and change a plan -----------------------------------------------------


@dataclass(frozen=True)
class PlanAccess:
    """A plan as one person may use it."""

    plan: DevelopmentPlan
    side: str                              # "coach", "supporter" or "admin"
    mine: tuple[Engagement, ...]           # the actor's own engagements on it (supporters)
    active: tuple[Engagement, ...]         # every active engagement on the plan

    @property
    def can_change(self) -> bool:
        """Whether the actor takes part in the plan now (coach, or active supporter)."""
        if self.side == "coach":
            return True
        return self.side == "supporter" and any(e.status == "active" for e in self.mine)


def current_plan_id(session: Session, coach_id: int) -> int | None:
    """Return the id of the coach's open plan (the newest draft or active one)."""
    return session.scalar(
        select(DevelopmentPlan.id)
        .where(DevelopmentPlan.coach_id == coach_id,
               DevelopmentPlan.status.in_(OPEN_PLAN_STATUSES))
        .order_by(DevelopmentPlan.id.desc()).limit(1))


def engagements_on(session: Session, plan: DevelopmentPlan) -> list[Engagement]:
    """Return every engagement (active or closed) through which the plan is shared.

    An engagement shares the plan it names; one that names no plan shares the
    coach's current plan.
    """
    condition = Engagement.plan_id == plan.id
    if current_plan_id(session, plan.coach_id) == plan.id:
        condition = or_(condition, Engagement.plan_id.is_(None))
    return list(session.scalars(
        select(Engagement).where(Engagement.coach_id == plan.coach_id, condition)
        .options(selectinload(Engagement.supporter).selectinload(SupporterProfile.user),
                 selectinload(Engagement.role))
        .order_by(Engagement.started_on, Engagement.id)))


def access(session: Session, actor: User, plan_id: int, *, change: bool = False,
           lock: bool = False) -> PlanAccess:
    """Return ``actor``'s access to the plan, or raise NotFound when they may not see it.

    With ``change``, the actor must take part in the plan now: a supporter whose
    engagement has ended, or an admin, is refused (409), as they may read it.
    With ``lock``, the plan's row is locked for the rest of the transaction, so
    two changes to one plan happen one after the other.
    """
    query = select(DevelopmentPlan).where(DevelopmentPlan.id == plan_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    plan = session.scalar(query)
    if plan is None:
        raise NotFound(NOT_FOUND)
    shared = engagements_on(session, plan)
    active = tuple(e for e in shared if e.status == "active")
    mine = tuple(e for e in shared if e.supporter.user_id == actor.id)
    if plan.coach_id == actor.id:
        found = PlanAccess(plan, "coach", (), active)
    elif mine:
        found = PlanAccess(plan, "supporter", mine, active)
    elif actor.has_role("admin"):
        found = PlanAccess(plan, "admin", (), active)
    else:
        raise NotFound(NOT_FOUND)
    if change and not found.can_change:
        if found.side == "admin":
            raise Conflict("Admins can read development plans but not change them: only the "
                           "coach and the supporters working with them can.")
        raise Conflict("Your work with this coach has ended, so their plan is read-only for "
                       "you now.")
    return found


def visible_plans(session: Session, actor: User) -> list[DevelopmentPlan]:
    """Return the plans ``actor`` takes part in: their own, then their coaches' (newest first)."""
    own = list(session.scalars(select(DevelopmentPlan).where(
        DevelopmentPlan.coach_id == actor.id).order_by(DevelopmentPlan.id.desc())))
    supported = session.scalars(
        select(Engagement).join(SupporterProfile, SupporterProfile.id == Engagement.supporter_id)
        .where(SupporterProfile.user_id == actor.id)
        .order_by(Engagement.started_on.desc(), Engagement.id.desc())).all()
    seen = {p.id for p in own}
    plans = own
    for engagement in supported:
        plan_id = engagement.plan_id or current_plan_id(session, engagement.coach_id)
        if plan_id is not None and plan_id not in seen:
            seen.add(plan_id)
            plans.append(session.get(DevelopmentPlan, plan_id))
    return plans


# --- the plan's content ----------------------------------------------------------------


def content_of(plan: DevelopmentPlan) -> dict:
    """Return the plan's content as plain JSON values (what versions and proposals hold)."""
    needs = sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order, pn.need.key))
    goals = sorted(plan.goals, key=lambda g: (g.id is None, g.id or 0))
    return {
        "title": plan.title,
        "starts_on": _iso(plan.starts_on),
        "ends_on": _iso(plan.ends_on),
        "needs": [{"key": pn.need.key, "priority": pn.priority} for pn in needs],
        "goals": [{"id": g.id, "title": g.title, "success_measure": g.success_measure or "",
                   "target_date": _iso(g.target_date)} for g in goals],
        "review_dates": sorted(_iso(r.due_on) for r in plan.reviews),
    }


def content_from_args(args: dict) -> dict:
    """Return validated input (``PlanContentArgs``) as content, dates as ISO text."""
    return {
        "title": args["title"].strip(),
        "starts_on": _iso(args.get("starts_on")),
        "ends_on": _iso(args.get("ends_on")),
        "needs": [{"key": n["key"], "priority": n["priority"]} for n in args.get("needs", [])],
        "goals": [{"id": g.get("id"), "title": g["title"].strip(),
                   "success_measure": (g.get("success_measure") or "").strip(),
                   "target_date": _iso(g.get("target_date"))} for g in args.get("goals", [])],
        "review_dates": sorted({_iso(d) for d in args.get("review_dates", [])}),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def default_review_dates(starts_on: date | None, ends_on: date | None) -> list[str]:
    """Review points at 3, 6 and 9 months after the start, those before the end."""
    if starts_on is None:
        return []
    dates = [add_months(starts_on, m) for m in DEFAULT_REVIEW_MONTHS]
    return [d.isoformat() for d in dates if ends_on is None or d < ends_on]


def _check(session: Session, plan: DevelopmentPlan | None, content: dict) -> dict[str, Need]:
    """Check content against the database: known needs, the plan's own goals, kept goals."""
    keys = [n["key"] for n in content["needs"]]
    needs = {n.key: n for n in session.scalars(
        select(Need).where(Need.key.in_(keys), Need.active.is_(True)))} if keys else {}
    errors: dict[str, list[str]] = {}
    unknown = [k for k in keys if k not in needs]
    if unknown:
        errors["needs"] = [f"Unknown need: {', '.join(unknown)}. See /api/v1/taxonomy."]
    goals = {g.id: g for g in plan.goals} if plan is not None else {}
    wanted = {g["id"] for g in content["goals"] if g.get("id") is not None}
    strangers = sorted(wanted - set(goals))
    if strangers:
        errors["goals"] = [f"No goal {i} in this plan." for i in strangers]
    elif plan is not None:
        kept_back = _kept_back(session, [g for gid, g in goals.items() if gid not in wanted])
        if kept_back:
            errors["goals"] = kept_back
    if errors:
        raise InvalidInput("Some of the plan is not valid: see errors for each field.",
                           errors=errors)
    return needs


def _kept_back(session: Session, dropped: list[PlanGoal]) -> list[str]:
    """Say why goals may not be dropped: they are achieved or have log entries."""
    messages = []
    with session.no_autoflush:
        for goal in dropped:
            linked = session.scalar(select(exists().where(log_entry_goals.c.goal_id == goal.id)))
            if goal.status == "achieved" or linked:
                messages.append(f"“{goal.title}” has reflective log entries or is achieved, "
                                "so it stays in the plan (you can rename it or change its "
                                "date).")
    return messages


def _apply(session: Session, plan: DevelopmentPlan, content: dict) -> None:
    """Make the plan's content ``content`` (already checked)."""
    needs = _check(session, plan, content)
    plan.title = content["title"]
    plan.starts_on = _date(content["starts_on"])
    plan.ends_on = _date(content["ends_on"])

    current = {pn.need.key: pn for pn in plan.needs}
    wanted = {n["key"]: n["priority"] for n in content["needs"]}
    plan.needs = [pn for key, pn in current.items() if key in wanted]
    for key, priority in wanted.items():
        if key in current:
            current[key].priority = priority
        else:
            plan.needs.append(PlanNeed(need=needs[key], priority=priority))

    existing = {g.id: g for g in plan.goals}
    kept = []
    for item in content["goals"]:
        goal = existing.get(item.get("id")) if item.get("id") is not None else None
        if goal is None:
            goal = PlanGoal(status="not_started")
        goal.title = item["title"]
        goal.success_measure = item.get("success_measure") or ""
        goal.target_date = _date(item.get("target_date"))
        kept.append(goal)
    plan.goals = kept

    # Held reviews are history and stay; review points still to come follow the content.
    dates = {_date(d) for d in content["review_dates"]}
    reviews = [r for r in plan.reviews if r.held_on is not None or r.due_on in dates]
    have = {r.due_on for r in reviews}
    reviews += [PlanReview(due_on=d) for d in sorted(dates - have)]
    plan.reviews = sorted(reviews, key=lambda r: r.due_on)
    session.flush()


def current_version(session: Session, plan: DevelopmentPlan) -> int:
    """Return the number of the plan's latest version (0 before any is recorded)."""
    return session.scalar(select(func.max(PlanVersion.number))
                          .where(PlanVersion.plan_id == plan.id)) or 0


def _record_version(session: Session, plan: DevelopmentPlan, before: dict | None,
                    author: User | None, *, change: PlanChange | None = None,
                    now: datetime) -> PlanVersion:
    content = content_of(plan)
    version = PlanVersion(plan_id=plan.id, number=current_version(session, plan) + 1,
                          content=content, author_id=author.id if author else None,
                          change_id=change.id if change else None,
                          summary=describe_changes(session, before, content), created_at=now)
    session.add(version)
    session.flush()
    return version


def describe_changes(session: Session, before: dict | None, after: dict) -> list[str]:
    """Say in words what changed between two contents ("Goal added: ...")."""
    if before is None:
        return ["Plan started."]
    names = _need_names(session, [n["key"] for n in (*before["needs"], *after["needs"])])
    lines = []
    if before["title"] != after["title"]:
        lines.append(f"Title: {after['title']}.")
    for name, label in (("starts_on", "Starts"), ("ends_on", "Ends")):
        if before[name] != after[name]:
            lines.append(f"{label}: {_words(after[name]) or 'no date'}.")
    old = {n["key"]: n["priority"] for n in before["needs"]}
    new = {n["key"]: n["priority"] for n in after["needs"]}
    for key in new.keys() - old.keys():
        lines.append(f"Need added: {names.get(key, key)} (priority {new[key]}).")
    for key in old.keys() - new.keys():
        lines.append(f"Need removed: {names.get(key, key)}.")
    for key in sorted(old.keys() & new.keys()):
        if old[key] != new[key]:
            lines.append(f"Need {names.get(key, key)}: priority {old[key]} → {new[key]}.")
    old_goals = {g["id"]: g for g in before["goals"] if g.get("id") is not None}
    kept_ids = set()
    for goal in after["goals"]:
        previous = old_goals.get(goal.get("id"))
        if previous is None:
            due = f" (by {_words(goal['target_date'])})" if goal.get("target_date") else ""
            lines.append(f"Goal added: {goal['title']}{due}.")
            continue
        kept_ids.add(goal["id"])
        if previous["title"] != goal["title"]:
            lines.append(f"Goal renamed: {previous['title']} → {goal['title']}.")
        if previous.get("target_date") != goal.get("target_date"):
            lines.append(f"Goal {goal['title']}: target "
                         f"{_words(goal.get('target_date')) or 'no date'}.")
        if (previous.get("success_measure") or "") != (goal.get("success_measure") or ""):
            lines.append(f"Goal {goal['title']}: success measure changed.")
    for goal_id, goal in old_goals.items():
        if goal_id not in kept_ids:
            lines.append(f"Goal removed: {goal['title']}.")
    added = sorted(set(after["review_dates"]) - set(before["review_dates"]))
    removed = sorted(set(before["review_dates"]) - set(after["review_dates"]))
    if added:
        lines.append("Review added: " + ", ".join(_words(d) for d in added) + ".")
    if removed:
        lines.append("Review removed: " + ", ".join(_words(d) for d in removed) + ".")
    return lines


def _words(value: str | None) -> str | None:
    return f"{_date(value):%d %B %Y}".lstrip("0") if value else None


def _need_names(session: Session, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    return dict(session.execute(select(Need.key, Need.name).where(Need.key.in_(set(keys)))).all())


def _same(plan_content: dict, content: dict) -> bool:
    """Whether ``content`` would leave the plan as it is."""
    def comparable(c):
        return {**c, "needs": sorted((n["key"], n["priority"]) for n in c["needs"])}
    return comparable(plan_content) == comparable(content)


# --- use cases -------------------------------------------------------------------------


def create_plan(session: Session, actor: User, args: dict, *, coach_id: int | None = None,
                now: datetime | None = None) -> DevelopmentPlan:
    """Start a development plan: the coach for themselves, or an active supporter for them.

    Without review dates, review points fall at 3, 6 and 9 months after the
    start (those before the end). A coach has one open plan at a time.
    """
    now = now or datetime.now(UTC)
    if coach_id is None or coach_id == actor.id:
        if not actor.has_role("coach"):
            raise Conflict("Add the coach role on your account page to keep a development plan.")
        coach = actor
    else:
        coach = session.get(User, coach_id)
        supporting = coach is not None and session.scalar(select(Engagement.id).join(
            SupporterProfile, SupporterProfile.id == Engagement.supporter_id).where(
            Engagement.coach_id == coach.id, Engagement.status == "active",
            SupporterProfile.user_id == actor.id).limit(1))
        if not supporting:
            raise NotFound("No coach with that id is working with you.")
    if current_plan_id(session, coach.id) is not None:
        raise Conflict(f"{'You have' if coach is actor else coach.display_name + ' has'} an open "
                       "development plan already: change that one instead.")
    content = content_from_args(args)
    if not content["review_dates"]:
        content["review_dates"] = default_review_dates(args.get("starts_on"), args.get("ends_on"))
    plan = DevelopmentPlan(coach_id=coach.id, status="active", title=content["title"])
    session.add(plan)
    session.flush()
    _apply(session, plan, content)
    _record_version(session, plan, None, actor, now=now)
    audit.record(session, "plan.created", actor=actor, subject=plan,
                 details={"coach_id": coach.id})
    return plan


def edit_plan(session: Session, actor: User, plan_id: int, args: dict, *,
              now: datetime | None = None) -> DevelopmentPlan:
    """The coach changes their plan directly: only while no supporter is engaged on it."""
    now = now or datetime.now(UTC)
    found = access(session, actor, plan_id, change=True, lock=True)
    if found.side != "coach":
        raise Conflict("Propose the change instead: the coach accepts or rejects it.")
    if found.active:
        names = ", ".join(e.supporter.user.display_name for e in found.active)
        raise Conflict(f"You write this plan together with {names}: propose the change, and "
                       "it applies when they accept it.")
    plan = found.plan
    if plan.status not in OPEN_PLAN_STATUSES:
        raise Conflict(f"This plan is {plan.status}, so it does not change any more.")
    before = content_of(plan)
    content = content_from_args(args)
    if _same(before, content):
        return plan
    _apply(session, plan, content)
    _record_version(session, plan, before, actor, now=now)
    audit.record(session, "plan.edited", actor=actor, subject=plan)
    return plan


def after_profile_edit(session: Session, user: User, plan: DevelopmentPlan,
                       before: dict | None, *, now: datetime | None = None) -> None:
    """Keep the plan's history when the coach profile page changed its needs or goals.

    The page edits the plan directly, which is right only while no supporter
    is engaged on it; otherwise the change must be proposed (409, nothing saved).
    """
    if before is not None:
        kept = {g.id for g in plan.goals}
        dropped = [session.get(PlanGoal, g["id"]) for g in before["goals"] if g["id"] not in kept]
        kept_back = _kept_back(session, [g for g in dropped if g is not None])
        if kept_back:
            raise InvalidInput("Some goals must stay in the plan.", errors={"goals": kept_back})
    session.flush()
    after = content_of(plan)
    if before is not None and _same(before, after):
        return
    if before is not None:
        active = [e for e in engagements_on(session, plan) if e.status == "active"]
        if active:
            names = ", ".join(e.supporter.user.display_name for e in active)
            message = (f"Your plan is shared with {names}: propose changes to its needs and "
                       "goals on your plan page, and they apply when accepted.")
            raise Conflict(message, errors={"needs": [message]})
    _record_version(session, plan, before, user, now=now or datetime.now(UTC))


def propose_change(session: Session, actor: User, plan_id: int, args: dict, *,
                   now: datetime | None = None) -> PlanChange:
    """Either side proposes new content for the plan; the other side is emailed."""
    now = now or datetime.now(UTC)
    found = access(session, actor, plan_id, change=True, lock=True)
    plan = found.plan
    if plan.status not in OPEN_PLAN_STATUSES:
        raise Conflict(f"This plan is {plan.status}, so it does not change any more.")
    if not found.active:
        raise Conflict("Nobody is working on this plan with you at the moment: change it "
                       "directly instead.")
    waiting = session.scalar(select(PlanChange).where(PlanChange.plan_id == plan.id,
                                                      PlanChange.status == "proposed"))
    if waiting is not None:
        raise Conflict("A proposed change is waiting for an answer: accept, reject or "
                       "withdraw it before proposing another.")
    content = content_from_args(args)
    _check(session, plan, content)
    if _same(content_of(plan), content):
        raise InvalidInput("This proposal changes nothing in the plan.",
                           errors={"_schema": ["Change something in the plan to propose it."]})
    change = PlanChange(plan_id=plan.id, proposed_by_id=actor.id, proposer_side=found.side,
                        base_version=current_version(session, plan), content=content,
                        note=(args.get("note") or "").strip(), status="proposed",
                        created_at=now)
    session.add(change)
    session.flush()
    audit.record(session, "plan.change_proposed", actor=actor, subject=change,
                 details={"plan_id": plan.id})
    url = mailer.absolute_url("caseload.plan_detail", plan_id=plan.id)
    summary = describe_changes(session, content_of(plan), content)
    for person in _other_side(found, actor):
        mailer.queue(session, to=person, kind="plan_change_proposed", about=actor,
                     subject=f"{actor.display_name} proposes a change to the development plan",
                     template="plan_change_proposed",
                     context={"proposer": actor, "plan": plan, "summary": summary,
                              "note": change.note, "url": url}, now=now)
    return change


def _other_side(found: PlanAccess, actor: User) -> list[User]:
    if found.side == "coach":
        return [e.supporter.user for e in found.active]
    return [found.plan.coach]


def _open_change(session: Session, plan: DevelopmentPlan, change_id: int) -> PlanChange:
    change = session.scalar(select(PlanChange).where(PlanChange.id == change_id,
                                                     PlanChange.plan_id == plan.id)
                            .with_for_update().execution_options(populate_existing=True))
    if change is None:
        raise NotFound("No proposed change with that id on this plan.")
    if change.status != "proposed":
        raise Conflict(f"This proposal is {change.status} already.")
    return change


def decide_change(session: Session, actor: User, plan_id: int, change_id: int,
                  decision: str, note: str | None = None, *,
                  now: datetime | None = None) -> PlanChange:
    """The other side accepts (the plan changes, a version is kept) or rejects a proposal."""
    now = now or datetime.now(UTC)
    found = access(session, actor, plan_id, change=True, lock=True)
    plan = found.plan
    change = _open_change(session, plan, change_id)
    if change.proposed_by_id == actor.id:
        raise Conflict("You proposed this change: the other side answers it. You can "
                       "withdraw it.")
    if change.proposer_side == found.side:
        raise Conflict("This change was proposed from your side: the other side answers it.")
    if decision == "accept":
        if change.base_version != current_version(session, plan):
            raise Conflict("The plan has changed since this was proposed, so accepting it "
                           "would undo that change: reject it and propose again.")
        if plan.status not in OPEN_PLAN_STATUSES:
            raise Conflict(f"This plan is {plan.status}, so it does not change any more.")
        before = content_of(plan)
        _apply(session, plan, change.content)
        _record_version(session, plan, before, change.proposed_by, change=change, now=now)
    change.status = "accepted" if decision == "accept" else "rejected"
    change.decided_by_id = actor.id
    change.decided_at = now
    change.decision_note = (note or "").strip()[:2000] or None
    audit.record(session, f"plan.change_{change.status}", actor=actor, subject=change,
                 details={"plan_id": plan.id})
    if change.proposed_by is not None:
        mailer.queue(session, to=change.proposed_by, kind=f"plan_change_{change.status}",
                     about=actor,
                     subject=f"{actor.display_name} {change.status} your change to the plan",
                     template="plan_change_decided",
                     context={"decider": actor, "change": change, "plan": plan,
                              "url": mailer.absolute_url("caseload.plan_detail",
                                                         plan_id=plan.id)}, now=now)
    session.flush()
    return change


def withdraw_change(session: Session, actor: User, plan_id: int, change_id: int, *,
                    now: datetime | None = None) -> PlanChange:
    """The proposer takes back a proposal nobody has answered."""
    now = now or datetime.now(UTC)
    found = access(session, actor, plan_id, lock=True)
    change = _open_change(session, found.plan, change_id)
    if change.proposed_by_id != actor.id:
        raise Conflict("Only the person who proposed a change can withdraw it.")
    change.status = "withdrawn"
    change.decided_by_id = actor.id
    change.decided_at = now
    audit.record(session, "plan.change_withdrawn", actor=actor, subject=change)
    session.flush()
    return change


def set_programme(session: Session, admin: User, emails: list[str], programme: str | None, *,
                  now: datetime | None = None) -> list[DevelopmentPlan]:
    """(Admins) put coaches on a programme ("Advanced Coach pilot"), or take them off it.

    The label sits on each coach's current plan; a coach without one gets an
    empty draft plan carrying it.
    """
    if not admin.has_role("admin"):
        raise NotFound("Nothing was found at this address.")
    programme = (programme or "").strip() or None
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    users = {u.email: u for u in session.scalars(select(User).where(
        User.email.in_(wanted), User.deleted_at.is_(None)))} if wanted else {}
    unknown = [e for e in wanted if e not in users or not users[e].has_role("coach")]
    if unknown:
        raise InvalidInput("Some emails are not coaches' accounts.",
                           errors={"emails": [f"No coach account: {', '.join(unknown)}."]})
    plans = []
    for email in wanted:
        coach = users[email]
        plan_id = current_plan_id(session, coach.id)
        plan = session.get(DevelopmentPlan, plan_id) if plan_id else None
        if plan is None:
            if programme is None:
                continue
            plan = DevelopmentPlan(coach_id=coach.id, status="draft")
            session.add(plan)
        plan.programme = programme
        plans.append(plan)
    session.flush()
    for plan in plans:
        audit.record(session, "plan.programme_set", actor=admin, subject=plan,
                     details={"programme": programme})
    return plans


def programmes(session: Session) -> list[dict]:
    """Return each programme label in use on open plans, with how many coaches carry it."""
    rows = session.execute(
        select(DevelopmentPlan.programme, func.count())
        .where(DevelopmentPlan.programme.is_not(None),
               DevelopmentPlan.status.in_(OPEN_PLAN_STATUSES))
        .group_by(DevelopmentPlan.programme).order_by(DevelopmentPlan.programme)).all()
    return [{"name": name, "coaches": count} for name, count in rows]


# --- reading ---------------------------------------------------------------------------


def plan_view(session: Session, actor: User, plan_id: int, *,
              today: date | None = None) -> dict:
    """Return the plan as ``actor`` may see it, with what they may do with it."""
    from app.services.caseload import overdue_reviews

    today = today or date.today()
    found = access(session, actor, plan_id)
    plan = found.plan
    needs = sorted(plan.needs, key=lambda pn: (-pn.priority, pn.need.sort_order))
    entries_per_goal = dict(session.execute(
        select(log_entry_goals.c.goal_id, func.count()).join(
            ReflectiveLogEntry, ReflectiveLogEntry.id == log_entry_goals.c.entry_id)
        .where(ReflectiveLogEntry.plan_id == plan.id)
        .group_by(log_entry_goals.c.goal_id)).all())
    from app.services.reflective_log import progress_history

    history = progress_history(session, plan)
    overdue = {r.id for r in overdue_reviews(plan.reviews, today)}
    waiting = session.scalar(select(PlanChange).where(PlanChange.plan_id == plan.id,
                                                      PlanChange.status == "proposed"))
    versions = session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                               .options(selectinload(PlanVersion.author))
                               .order_by(PlanVersion.number.desc())).all()
    open_plan = plan.status in OPEN_PLAN_STATUSES
    can_change = found.can_change and open_plan
    can = []
    if found.side == "coach" and open_plan and not found.active:
        can.append("edit")
    if can_change and found.active and waiting is None:
        can.append("propose")
    if can_change:
        can += ["progress", "comment"]
    if found.side == "coach" and open_plan:
        can.append("log")
    if found.side == "supporter" and can_change:
        can.append("review")
    parties = found.side in ("coach", "supporter")
    engagements = engagements_on(session, plan)
    shared = {e.id: parties and e.status == "active" and may_share_contact(e.supporter, today)
              for e in engagements}
    own = [e for e in engagements if e.supporter.user_id == actor.id and e.status == "active"]
    coach_contact = found.side == "supporter" and any(shared[e.id] for e in own)
    return {
        "id": plan.id,
        "title": plan.title,
        "status": plan.status,
        "programme": plan.programme,
        "outcome": plan.outcome,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "version": versions[0].number if versions else 0,
        "your_side": found.side,
        "can": can,
        # Contact details, between the parties only, and only while the supporter's
        # safeguarding check, licence and verification are current.
        "coach": {"id": plan.coach_id, "name": plan.coach.display_name,
                  "email": plan.coach.email if coach_contact else None,
                  "phone": plan.coach.phone if coach_contact else None},
        "supporters": [{
            "engagement_id": e.id, "name": e.supporter.user.display_name,
            "role": {"key": e.role.key, "name": e.role.name}, "status": e.status,
            "started_on": e.started_on, "ended_on": e.ended_on, "outcome": e.outcome,
            "email": e.supporter.user.email if shared[e.id] else None,
            "phone": e.supporter.user.phone if shared[e.id] else None,
        } for e in engagements],
        "needs": [{"key": pn.need.key, "name": pn.need.name, "priority": pn.priority}
                  for pn in needs],
        "goals": [{
            "id": g.id, "title": g.title, "success_measure": g.success_measure or "",
            "target_date": g.target_date, "status": g.status,
            "status_name": GOAL_STATUS_NAMES[g.status],
            "entries": entries_per_goal.get(g.id, 0),
            "progress": history.get(g.id, []),
        } for g in sorted(plan.goals, key=lambda g: g.id)],
        "reviews": [{
            "id": r.id, "due_on": r.due_on, "held_on": r.held_on, "notes": r.notes or "",
            "reviewer": _name_of(session, r.reviewer_id), "overdue": r.id in overdue,
        } for r in plan.reviews],
        "proposal": _change_view(session, waiting, plan, actor, found) if waiting else None,
        "versions": [{"number": v.number, "at": v.created_at, "summary": v.summary or [],
                      "author": v.author.display_name if v.author else "Deleted user",
                      "proposal_id": v.change_id} for v in versions],
        "content": content_of(plan),
        "today": today,
    }


def _name_of(session: Session, user_id: int | None) -> str | None:
    """Return a person's display name (None when there is nobody)."""
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.display_name if user else None


def _change_view(session: Session, change: PlanChange, plan: DevelopmentPlan, actor: User,
                 found: PlanAccess) -> dict:
    stale = change.base_version != current_version(session, plan)
    decides = (found.can_change and change.proposed_by_id != actor.id
               and change.proposer_side != found.side)
    return {
        "id": change.id,
        "status": change.status,
        "proposer_side": change.proposer_side,
        "proposed_by": change.proposed_by.display_name if change.proposed_by else "Deleted user",
        "note": change.note or "",
        "created_at": change.created_at,
        "summary": describe_changes(session, content_of(plan), change.content),
        "out_of_date": stale,
        "can": (["reject"] if stale else ["accept", "reject"]) if decides else
               (["withdraw"] if change.proposed_by_id == actor.id else []),
        "content": change.content,
    }


def changes(session: Session, actor: User, plan_id: int) -> list[dict]:
    """Return every proposal made on the plan, newest first."""
    found = access(session, actor, plan_id)
    rows = session.scalars(select(PlanChange).where(PlanChange.plan_id == found.plan.id)
                           .order_by(PlanChange.id.desc())).all()
    return [{
        "id": c.id, "status": c.status, "proposer_side": c.proposer_side,
        "proposed_by": c.proposed_by.display_name if c.proposed_by else "Deleted user",
        "note": c.note or "", "created_at": c.created_at, "base_version": c.base_version,
        "decided_by": c.decided_by.display_name if c.decided_by else None,
        "decided_at": c.decided_at, "decision_note": c.decision_note, "content": c.content,
    } for c in rows]
