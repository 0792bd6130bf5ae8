"""A development plan's content as plain values, checked, applied, versioned and put in words.

Content is what a version keeps and a proposal carries: title, dates, weighted
needs, goals and review dates, as JSON values (dates as ISO text).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.models import (
    DevelopmentPlan,
    Need,
    PlanChange,
    PlanGoal,
    PlanNeed,
    PlanReview,
    PlanVersion,
    User,
)
from app.models.plans import log_entry_goals

GOAL_STATUS_NAMES = {"not_started": "Not started", "in_progress": "In progress",
                     "achieved": "Achieved"}


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


def check_content(session: Session, plan: DevelopmentPlan | None, content: dict) -> dict[str, Need]:
    """Check content against the database: known needs, the plan's own goals, kept goals.

    A need the plan holds stays even once retired; a retired need is not added anew.
    """
    keys = [n["key"] for n in content["needs"]]
    needs = {n.key: n for n in session.scalars(
        select(Need).where(Need.key.in_(keys)))} if keys else {}
    errors: dict[str, list[str]] = {}
    unknown = [k for k in keys if k not in needs]
    held = {pn.need.key for pn in plan.needs} if plan is not None else set()
    retired = [needs[k].name for k in keys
               if k in needs and needs[k].retired_at is not None and k not in held]
    if unknown:
        errors["needs"] = [f"Unknown need: {', '.join(unknown)}. See /api/v1/taxonomy."]
    elif retired:
        errors["needs"] = [f"No longer offered: {', '.join(retired)}."]
    goals = {g.id: g for g in plan.goals} if plan is not None else {}
    wanted = {g["id"] for g in content["goals"] if g.get("id") is not None}
    strangers = sorted(wanted - set(goals))
    if strangers:
        errors["goals"] = [f"No goal {i} in this plan." for i in strangers]
    elif plan is not None:
        kept_back = goals_kept_back(session, [g for gid, g in goals.items() if gid not in wanted])
        if kept_back:
            errors["goals"] = kept_back
    if errors:
        raise InvalidInput("Some of the plan is not valid: see errors for each field.",
                           errors=errors)
    return needs


def goals_kept_back(session: Session, dropped: list[PlanGoal]) -> list[str]:
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


def apply_content(session: Session, plan: DevelopmentPlan, content: dict) -> None:
    """Make the plan's content ``content`` (already checked)."""
    needs = check_content(session, plan, content)
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


def record_version(session: Session, plan: DevelopmentPlan, before: dict | None,
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


def same_content(plan_content: dict, content: dict) -> bool:
    """Whether ``content`` would leave the plan as it is."""
    def comparable(c):
        return {**c, "needs": sorted((n["key"], n["priority"]) for n in c["needs"])}
    return comparable(plan_content) == comparable(content)
