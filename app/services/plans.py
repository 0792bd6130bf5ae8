"""Development plans' use cases: start, edit, propose, decide, withdraw, programmes.

A plan's content (title, dates, weighted needs, goals, review dates) changes in
one of two ways. While no supporter is engaged on it, the coach edits it
directly (on the plan page, or its needs and goals on their coach profile).
Once someone is, either side proposes a change (the whole proposed content) and
the other side accepts or rejects it. Every applied change leaves a numbered
``PlanVersion`` with a summary of what changed, shown on the plan page. Who may
do what is decided in ``plan_access``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput, NotFound
from app.models import DevelopmentPlan, Engagement, PlanChange, SupporterProfile, User
from app.services import audit, mailer
from app.services.permissions import require_admin
from app.services.plan_access import (
    OPEN_PLAN_STATUSES,
    PlanAccess,
    access,
    current_plan_id,
    default_review_dates,
)
from app.services.plan_content import (
    apply_content,
    check_content,
    content_from_args,
    content_of,
    current_version,
    describe_changes,
    record_version,
    same_content,
)


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
    apply_content(session, plan, content)
    record_version(session, plan, None, actor, now=now)
    audit.record(session, "plan.created", actor=actor, subject=plan,
                 details={"coach_id": coach.id})
    return plan


def edit_plan(session: Session, actor: User, plan_id: int, args: dict, *,
              now: datetime | None = None) -> DevelopmentPlan:
    """The coach changes their plan directly: only while no supporter is engaged on it."""
    return _edit_directly(session, actor, plan_id, lambda _: content_from_args(args), now=now)


def edit_needs_and_goals(session: Session, coach: User, *, needs: list[dict] | None = None,
                         goals: list[dict] | None = None,
                         now: datetime | None = None) -> DevelopmentPlan:
    """The coach profile's part of the plan: its weighted needs and its goals.

    Starts the coach's plan when they have none. Goals are kept by id (their
    success measures with them), new ones added, the ones left out removed.
    The same rule as ``edit_plan``: once a supporter is engaged, changes are
    proposed on the plan page instead (409, nothing saved).
    """
    plan_id = current_plan_id(session, coach.id)
    if plan_id is None:
        return create_plan(session, coach, {"title": "My development plan",
                                            "needs": needs or [], "goals": goals or []},
                           now=now)

    def content(plan: DevelopmentPlan) -> dict:
        current = content_of(plan)
        if needs is not None:
            current["needs"] = [{"key": n["key"], "priority": n["priority"]} for n in needs]
        if goals is not None:
            measures = {g["id"]: g["success_measure"] for g in current["goals"]}
            current["goals"] = [{
                "id": g.get("id"), "title": g["title"].strip(),
                "success_measure": measures.get(g.get("id"), "") if g.get("id") else "",
                "target_date": g["target_date"].isoformat() if g.get("target_date") else None,
            } for g in goals]
        return current

    return _edit_directly(session, coach, plan_id, content, now=now)


def _edit_directly(session: Session, actor: User, plan_id: int,
                   new_content: Callable[[DevelopmentPlan], dict], *,
                   now: datetime | None) -> DevelopmentPlan:
    now = now or datetime.now(UTC)
    found = access(session, actor, plan_id, change=True, lock=True)
    if found.side != "coach":
        raise Conflict("Propose the change instead: the coach accepts or rejects it.")
    plan = found.plan
    if plan.status not in OPEN_PLAN_STATUSES:
        raise Conflict(f"This plan is {plan.status}, so it does not change any more.")
    before = content_of(plan)
    content = new_content(plan)
    if same_content(before, content):
        return plan
    if found.active:
        names = ", ".join(e.supporter.user.display_name for e in found.active)
        raise Conflict(f"You write this plan together with {names}: propose changes on your "
                       "plan page, and they apply when accepted.", errors={"needs": [
                           "Shared with your supporters: propose changes on your plan page."]})
    apply_content(session, plan, content)
    record_version(session, plan, before, actor, now=now)
    audit.record(session, "plan.edited", actor=actor, subject=plan)
    return plan


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
    check_content(session, plan, content)
    if same_content(content_of(plan), content):
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
        apply_content(session, plan, change.content)
        record_version(session, plan, before, change.proposed_by, change=change, now=now)
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
    require_admin(admin)
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
