"""(Admins) editing the taxonomy: add, rename, reorder, retire and restore its items.

Four kinds of item are edited here: support roles, event groups, needs and
the qualifications (rungs) of each ladder. Keys never change (they are in
URLs and saved searches); names, descriptions, order and the kind-specific
fields do. Nothing is ever deleted: a retired item leaves every new choice
and stays readable wherever it is held. Every change bumps the search data
version (triggers, migration 0007), so each worker's search index, form
choices and explanations follow at its next search.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import matching
from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    CoachProfile,
    EventGroup,
    Need,
    PlanNeed,
    Qualification,
    QualificationFramework,
    SupporterProfile,
    SupportRole,
    User,
)
from app.models.profiles import (
    coach_event_groups,
    supporter_event_groups,
    supporter_expertise,
    supporter_roles,
)
from app.services import audit
from app.services.permissions import require_admin


@dataclass(frozen=True)
class ItemKind:
    """One kind of taxonomy item: how URLs, audit entries and messages name it."""

    name: str  # in audit details and the API: "event_group"
    path: str  # in URLs: "event-groups"
    label: str  # in sentences: "event group"
    model: type


ROLE = ItemKind("support_role", "roles", "support role", SupportRole)
EVENT_GROUP = ItemKind("event_group", "event-groups", "event group", EventGroup)
NEED = ItemKind("need", "needs", "need", Need)
QUALIFICATION = ItemKind("qualification", "qualifications", "qualification", Qualification)
#: The kinds by their URL name.
KINDS = {k.path: k for k in (ROLE, EVENT_GROUP, NEED, QUALIFICATION)}

#: Fields each kind may change besides name and description.
_FIELDS = {ROLE: ("ladder_rule",), EVENT_GROUP: ("kind", "related"), NEED: ("category",),
           QUALIFICATION: ("level", "supporter_only")}


def kind_of(path: str) -> ItemKind:
    """Return the kind named ``path`` in a URL ("event-groups"), or raise NotFound."""
    kind = KINDS.get(path)
    if kind is None:
        raise NotFound("No such kind of taxonomy item.")
    return kind


# --- ladder rules in words -------------------------------------------------------------


def _levels(gap: float) -> str:
    if gap == 0:
        return "the same level as"
    count = int(abs(gap))
    return f"{count} level{'s' if count != 1 else ''} {'above' if gap > 0 else 'below'}"


def describe_ladder_rule(rule: matching.LadderRule) -> str:
    """Return what a ladder rule means for a coach, in a sentence.

    >>> describe_ladder_rule(matching.LADDER_RULES["peer"])
    "Supporters from 1 level below to 1 level above the coach's qualification; \
the same level as the coach fits best."
    """
    if math.isinf(rule.highest_gap):
        allowed = f"at least {_levels(rule.lowest_gap)}"
    else:
        allowed = f"from {_levels(rule.lowest_gap)} to {_levels(rule.highest_gap)}"
    low, high = rule.preferred_gap
    if low == high:
        best = f"{_levels(low)} the coach fits best"
    elif low > 0:
        best = f"{low} to {high} levels above fit best"
    else:
        best = f"from {_levels(low)} to {_levels(high)} the coach fit best"
    return f"Supporters {allowed} the coach's qualification; {best}."


def ladder_rules() -> list[dict]:
    """Return the ladder rules search knows, each with its meaning."""
    return [{"key": key, "meaning": describe_ladder_rule(rule)}
            for key, rule in matching.LADDER_RULES.items()]


def role_ladder_meaning(role: SupportRole) -> str:
    """Return what ``role``'s ladder rule means, with the role's own preferred range."""
    try:
        return describe_ladder_rule(matching.Role.from_taxonomy(role.key, role.ladder_rule).ladder)
    except matching.InvalidInput:
        return f"Unknown rule {role.ladder_rule!r}: search leaves this role out."


# --- reading ---------------------------------------------------------------------------


def editor_view(session: Session, admin: User) -> dict:
    """Return every item of the taxonomy, retired ones too, with its place and its use."""
    require_admin(admin)
    in_use = _in_use(session)
    frameworks = session.scalars(select(QualificationFramework)
                                 .order_by(QualificationFramework.id)).all()
    return {
        "support_roles": [_describe(ROLE, row, i, in_use) for i, row in
                          enumerate(_siblings(session, ROLE))],
        "event_groups": [_describe(EVENT_GROUP, row, i, in_use) for i, row in
                         enumerate(_siblings(session, EVENT_GROUP))],
        "needs": [_describe(NEED, row, i, in_use) for i, row in
                  enumerate(_siblings(session, NEED))],
        "ladders": [{"key": f.key, "name": f.name, "country": f.country,
                     "qualifications": [_describe(QUALIFICATION, row, i, in_use) for i, row
                                        in enumerate(_rungs(session, f.id))]}
                    for f in frameworks],
        "ladder_rules": ladder_rules(),
    }


def item_view(session: Session, admin: User, kind: ItemKind, key: str) -> dict:
    """Return one item as the editor shows it (retired or not)."""
    row = get_item(session, admin, kind, key)
    siblings = _siblings(session, kind, row)
    return _describe(kind, row, siblings.index(row), _in_use(session, kind))


def get_item(session: Session, admin: User, kind: ItemKind, key: str):
    """Return the item of ``kind`` with ``key``, or raise NotFound."""
    require_admin(admin)
    row = session.scalar(select(kind.model).where(kind.model.key == key))
    if row is None:
        raise NotFound(f"No {kind.label} with the key {key!r}.")
    return row


def frameworks(session: Session, admin: User) -> list[QualificationFramework]:
    """Return the qualification ladders, for choosing where a new rung goes."""
    require_admin(admin)
    return list(session.scalars(select(QualificationFramework)
                                .order_by(QualificationFramework.id)))


def _describe(kind: ItemKind, row, index: int, in_use: dict) -> dict:
    item = {"key": row.key, "name": row.name, "description": row.description or "",
            "position": index + 1, "retired_at": row.retired_at,
            "in_use": in_use.get(kind, {}).get(row.id, 0)}
    if kind is ROLE:
        item.update(ladder_rule=row.ladder_rule, ladder_rule_meaning=role_ladder_meaning(row))
    elif kind is EVENT_GROUP:
        item.update(kind=row.kind, related=[g.key for g in row.related],
                    related_names=[g.name for g in row.related])
    elif kind is NEED:
        item.update(category=row.category)
    else:
        item.update(framework=row.framework.key, rank=row.rank, level=row.level,
                    supporter_only=row.supporter_only)
    return item


def _in_use(session: Session, only: ItemKind | None = None) -> dict[ItemKind, dict[int, int]]:
    """Count the profiles and plans holding each item, by kind and id."""
    sources = {
        ROLE: [(supporter_roles.c.role_id, supporter_roles)],
        EVENT_GROUP: [(supporter_event_groups.c.event_group_id, supporter_event_groups),
                      (coach_event_groups.c.event_group_id, coach_event_groups)],
        NEED: [(supporter_expertise.c.need_id, supporter_expertise),
               (PlanNeed.need_id, PlanNeed)],
        QUALIFICATION: [(SupporterProfile.qualification_id, SupporterProfile),
                        (CoachProfile.qualification_id, CoachProfile)],
    }
    counts: dict[ItemKind, dict[int, int]] = {}
    for kind, columns in sources.items():
        if only is not None and kind is not only:
            continue
        found = counts.setdefault(kind, {})
        for column, table in columns:
            for item_id, count in session.execute(
                    select(column, func.count()).select_from(table)
                    .where(column.is_not(None)).group_by(column)):
                found[item_id] = found.get(item_id, 0) + count
    return counts


def _siblings(session: Session, kind: ItemKind, row=None) -> list:
    """Return the list ``row`` is ordered in: its kind, or (a rung) its own ladder."""
    if kind is QUALIFICATION:
        return _rungs(session, row.framework_id)
    model = kind.model
    return list(session.scalars(select(model).order_by(model.sort_order, model.id)))


def _rungs(session: Session, framework_id: int) -> list[Qualification]:
    return list(session.scalars(select(Qualification)
                                .where(Qualification.framework_id == framework_id)
                                .order_by(Qualification.rank)))


# --- changing --------------------------------------------------------------------------


def create_item(session: Session, admin: User, kind: ItemKind, args: dict):
    """Add an item of ``kind`` from validated ``args``; it goes last in its list.

    A rung goes to ``rank`` on its ladder if given (a rank the ladder does not
    use yet), else to the top.
    """
    require_admin(admin)
    errors: dict[str, list[str]] = {}
    model = kind.model
    if session.scalar(select(model.id).where(model.key == args["key"])) is not None:
        errors["key"] = [f"The key {args['key']!r} is taken by another {kind.label}: "
                         "choose another (keys never change once made)."]
    framework = None
    if kind is QUALIFICATION:
        framework = session.scalar(select(QualificationFramework).where(
            QualificationFramework.key == args["framework"]))
        if framework is None:
            errors["framework"] = [f"No ladder with the key {args['framework']!r}."]
    fields = {"name": args["name"], "description": args.get("description", "")}
    if kind is ROLE:
        fields["ladder_rule"] = args.get("ladder_rule", "above")
    elif kind is EVENT_GROUP:
        fields["kind"] = args.get("kind", "event_group")
    elif kind is NEED:
        fields["category"] = args.get("category", "")
        if not fields["category"]:
            errors["category"] = ["Give the category the need is listed under."]
    else:
        fields.update(level=args["level"], supporter_only=args.get("supporter_only", False))
    related = []
    if kind is EVENT_GROUP:
        related = _related_groups(session, args.get("related", []), args["key"], errors)
    if framework is not None:
        fields["framework_id"] = framework.id
        rungs = _rungs(session, framework.id)
        if "rank" in args:
            _check_rank_free(rungs, args["rank"], None, errors)
            fields["rank"] = args["rank"]
        else:
            fields["rank"] = max((r.rank for r in rungs), default=-1) + 1
    if kind is not QUALIFICATION or framework is not None:  # a rung's name is its ladder's
        _check_name(session, kind, fields["name"], None, framework.id if framework else None,
                    errors)
    if errors:
        raise InvalidInput(f"The {kind.label} was not added: see the errors by field.",
                           errors=errors)
    if kind is not QUALIFICATION:
        highest = session.scalar(select(func.max(model.sort_order)))
        fields["sort_order"] = 0 if highest is None else highest + 1
    row = model(key=args["key"], **fields)
    session.add(row)
    session.flush()
    if related:
        _relate(row, related)
        session.flush()
    audit.record(session, "taxonomy.created", actor=admin, subject=row,
                 details={"kind": kind.name, "key": row.key})
    return row


def update_item(session: Session, admin: User, kind: ItemKind, key: str, args: dict):
    """Change the fields of ``args`` (name, description and the kind's own); the key stays.

    A new name shows at once wherever the item is named: search forms, cards,
    reasons, profiles, plans and records.
    """
    row = get_item(session, admin, kind, key)
    errors: dict[str, list[str]] = {}
    if "name" in args:
        _check_name(session, kind, args["name"], row,
                    row.framework_id if kind is QUALIFICATION else None, errors)
    related = None
    if kind is EVENT_GROUP and "related" in args:
        related = _related_groups(session, args["related"], row.key, errors)
    if errors:
        raise InvalidInput(f"The {kind.label} was not changed: see the errors by field.",
                           errors=errors)

    renamed = {name: (getattr(row, name), args[name]) for name in ("name", "description")
               if name in args and getattr(row, name) != args[name]}
    changed = {name: (getattr(row, name), args[name]) for name in _FIELDS[kind]
               if name in args and name != "related" and getattr(row, name) != args[name]}
    for name, (_, new) in {**renamed, **changed}.items():
        setattr(row, name, new)
    if related is not None and {g.key for g in row.related} != {g.key for g in related}:
        changed["related"] = (sorted(g.key for g in row.related), sorted(g.key for g in related))
        _relate(row, related)
    session.flush()

    details = {"kind": kind.name, "key": row.key}
    if renamed:
        audit.record(session, "taxonomy.renamed", actor=admin, subject=row, details={
            **details, "changed": sorted(renamed),
            **({"from": renamed["name"][0], "to": renamed["name"][1]} if "name" in renamed
               else {})})
    if changed:
        audit.record(session, "taxonomy.changed", actor=admin, subject=row, details={
            **details, "changed": {name: {"from": old, "to": new}
                                   for name, (old, new) in changed.items()}})
    return row


def retire_item(session: Session, admin: User, kind: ItemKind, key: str, *,
                now: datetime | None = None):
    """Take an item out of every new choice; whoever holds it keeps it, named as before."""
    row = get_item(session, admin, kind, key)
    if row.retired_at is not None:
        raise Conflict(f"{row.name} is retired already.")
    if kind is ROLE and not session.scalar(select(func.count()).select_from(SupportRole).where(
            SupportRole.retired_at.is_(None), SupportRole.id != row.id)):
        raise Conflict("Keep at least one support role: supporters must offer one.")
    row.retired_at = now or datetime.now(UTC)
    session.flush()
    audit.record(session, "taxonomy.retired", actor=admin, subject=row,
                 details={"kind": kind.name, "key": row.key})
    return row


def restore_item(session: Session, admin: User, kind: ItemKind, key: str):
    """Offer a retired item again, under the same key."""
    row = get_item(session, admin, kind, key)
    if row.retired_at is None:
        raise Conflict(f"{row.name} is not retired.")
    row.retired_at = None
    session.flush()
    audit.record(session, "taxonomy.restored", actor=admin, subject=row,
                 details={"kind": kind.name, "key": row.key})
    return row


def move_item(session: Session, admin: User, kind: ItemKind, key: str, *,
              direction: str | None = None, position: int | None = None):
    """Move an item one place ``up`` or ``down`` its list, or to ``position`` (1 = first).

    Roles, event groups and needs are ordered among their kind; a rung on its
    own ladder, where its rank is its place (0 = lowest).
    """
    row = get_item(session, admin, kind, key)
    siblings = _siblings(session, kind, row)
    start = siblings.index(row)
    if direction is not None:
        target = start - 1 if direction == "up" else start + 1
        if not 0 <= target < len(siblings):
            raise Conflict(f"{row.name} is {'first' if direction == 'up' else 'last'} already.")
    else:
        if position is None or not 1 <= position <= len(siblings):
            raise InvalidInput("There is no such place in the list.", errors={"position": [
                f"Give a position from 1 to {len(siblings)}."]})
        target = position - 1
    if target == start:
        return row
    siblings.insert(target, siblings.pop(start))
    _renumber(session, kind, siblings)
    audit.record(session, "taxonomy.moved", actor=admin, subject=row,
                 details={"kind": kind.name, "key": row.key, "from": start + 1,
                          "to": target + 1})
    return row


def _renumber(session: Session, kind: ItemKind, ordered: list) -> None:
    if kind is not QUALIFICATION:
        for index, row in enumerate(ordered):
            if row.sort_order != index:
                row.sort_order = index
        session.flush()
        return
    # A ladder's ranks are unique at every moment (PostgreSQL checks each row):
    # rungs that move go out of the way first, above every rank in use.
    moving = [(index, row) for index, row in enumerate(ordered) if row.rank != index]
    clear = max(r.rank for r in ordered) + len(ordered) + 1
    for offset, (_, row) in enumerate(moving):
        row.rank = clear + offset
    session.flush()
    for index, row in moving:
        row.rank = index
    session.flush()


# --- checks ----------------------------------------------------------------------------


def _check_name(session: Session, kind: ItemKind, name: str, row, framework_id: int | None,
                errors: dict) -> None:
    """Refuse a name another item of the same list has (in any letter case)."""
    model = kind.model
    query = select(model.name).where(func.lower(model.name) == name.lower())
    if row is not None:
        query = query.where(model.id != row.id)
    if framework_id is not None:
        query = query.where(Qualification.framework_id == framework_id)
    if session.scalar(query.limit(1)) is not None:
        where = "on this ladder" if kind is QUALIFICATION else f"among the {kind.label}s"
        errors["name"] = [f"{name!r} is taken {where} (retired ones count): people could "
                          "not tell them apart."]


def _check_rank_free(rungs: list[Qualification], rank: int, row, errors: dict) -> None:
    taken = next((r for r in rungs if r.rank == rank and r is not row), None)
    if taken is not None:
        errors["rank"] = [f"Rank {rank} is {taken.name}'s on this ladder: choose a free rank, "
                          "or add the rung and then move it."]


def _related_groups(session: Session, keys: Iterable[str], own_key: str,
                    errors: dict) -> list:
    keys = list(dict.fromkeys(keys))
    groups = {g.key: g for g in session.scalars(select(EventGroup).where(
        EventGroup.key.in_(keys)))} if keys else {}
    unknown = [k for k in keys if k not in groups and k != own_key]
    if own_key in keys:
        errors["related"] = ["An event group cannot be related to itself."]
    elif unknown:
        errors["related"] = [f"No event group with the key: {', '.join(unknown)}."]
    return [groups[k] for k in keys if k in groups]


def _relate(group: EventGroup, related: list[EventGroup]) -> None:
    """Make ``group``'s related groups ``related``, both ways (each lists the other)."""
    for old in list(group.related):
        if old not in related and group in old.related:
            old.related.remove(group)
    group.related = list(related)
    for new in related:
        if group not in new.related:
            new.related.append(group)
