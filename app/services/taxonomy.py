"""Load the athletics taxonomy from its data file, and read it back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

import matching
from app.models import EventGroup, Need, Qualification, QualificationFramework, SupportRole

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "taxonomy.json"

#: The lists of the taxonomy by name, as ``load_taxonomy`` and ``held=`` name them.
LISTS = {"support_roles": SupportRole, "event_groups": EventGroup, "needs": Need,
         "qualifications": Qualification}


def seed_taxonomy(session: Session, path: Path = TAXONOMY_FILE) -> dict[str, int]:
    """Create the taxonomy items of ``path`` that the database lacks; return counts by kind.

    Items are matched by ``key``. An item the database already has is left
    exactly as it is: its name, description, order, ladder rule, level,
    related groups and retirement are the admins' to edit (``/admin/taxonomy``),
    so seeding again never renames, reorders or un-retires anything. A missing
    item is created with everything the file says, placed after the existing
    ones (a new rung goes to the top of its ladder). Running it twice changes
    nothing. The counts are of the items in the file.
    """
    data = json.loads(Path(path).read_text())
    counts: dict[str, int] = {}

    def existing(model) -> dict:
        return {row.key: row for row in session.scalars(select(model))}

    def next_order(model, column, *where) -> int:
        highest = session.scalar(select(func.max(column)).where(*where))
        return 0 if highest is None else highest + 1

    roles = existing(SupportRole)
    for item in data["support_roles"]:
        rule = item.get("ladder_rule", "above")
        if rule not in matching.LADDER_RULES:  # search could not rank the role
            raise ValueError(f"support role {item['key']!r}: unknown ladder_rule {rule!r}; "
                             f"use one of {', '.join(matching.LADDER_RULES)}")
        if item["key"] not in roles:
            session.add(SupportRole(
                key=item["key"], name=item["name"], description=item.get("description", ""),
                ladder_rule=rule, sort_order=next_order(SupportRole, SupportRole.sort_order)))
            session.flush()
    counts["support_roles"] = len(data["support_roles"])

    groups = existing(EventGroup)
    created = []
    for item in data["event_groups"]:
        if item["key"] not in groups:
            group = EventGroup(
                key=item["key"], name=item["name"], kind=item.get("kind", "event_group"),
                description=item.get("description", ""),
                sort_order=next_order(EventGroup, EventGroup.sort_order))
            session.add(group)
            session.flush()
            groups[item["key"]] = group
            created.append(item)
    for item in created:  # once every group exists, so a relation may point forward
        groups[item["key"]].related = [groups[k] for k in item.get("related", [])]
    counts["event_groups"] = len(data["event_groups"])

    needs = existing(Need)
    for item in data["needs"]:
        if item["key"] not in needs:
            session.add(Need(key=item["key"], name=item["name"],
                             category=item.get("category", ""),
                             description=item.get("description", ""),
                             sort_order=next_order(Need, Need.sort_order)))
            session.flush()
    counts["needs"] = len(data["needs"])

    frameworks = existing(QualificationFramework)
    rungs = existing(Qualification)
    counts["qualifications"] = 0
    for item in data["qualification_frameworks"]:
        framework = frameworks.get(item["key"])
        if framework is None:
            framework = QualificationFramework(key=item["key"], name=item["name"],
                                               country=item["country"])
            session.add(framework)
            session.flush()
        for rung in item["ladder"]:
            counts["qualifications"] += 1
            if rung["key"] in rungs:
                continue
            session.add(Qualification(
                key=rung["key"], framework_id=framework.id, name=rung["name"],
                rank=next_order(Qualification, Qualification.rank,
                                Qualification.framework_id == framework.id),
                level=rung["level"], description=rung.get("description", ""),
                supporter_only=rung.get("supporter_only", False)))
            session.flush()
    counts["qualification_frameworks"] = len(data["qualification_frameworks"])
    session.flush()
    return counts


@dataclass(frozen=True)
class Ladder:
    """A qualification framework with the rungs a list shows, lowest first."""

    key: str
    name: str
    country: str
    qualifications: list[Qualification]


def load_taxonomy(session: Session, *, include_retired: bool = False,
                  held: Mapping[str, Iterable[str | None]] | None = None) -> dict:
    """Return every taxonomy list in display order, as new choices offer them.

    Retired items are left out, unless ``include_retired``, or unless their key
    is in ``held`` under the list's name (``{"needs": ["talent_pathway"]}``,
    lists as in :data:`LISTS`): a form shows what its record holds already, so
    saving it unchanged keeps a retired item.
    """
    held = {name: {k for k in keys if k} for name, keys in (held or {}).items()}

    def shown(name: str, rows) -> list:
        keep = held.get(name, set())
        return [row for row in rows
                if include_retired or row.retired_at is None or row.key in keep]

    def ordered(model):
        return session.scalars(select(model).order_by(model.sort_order, model.id))

    frameworks = session.scalars(
        select(QualificationFramework).order_by(QualificationFramework.id)
        .options(selectinload(QualificationFramework.qualifications)))
    return {
        "support_roles": shown("support_roles", ordered(SupportRole)),
        "event_groups": shown("event_groups", ordered(EventGroup)),
        "needs": shown("needs", ordered(Need)),
        "ladders": [Ladder(f.key, f.name, f.country,
                           shown("qualifications", f.qualifications)) for f in frameworks],
    }
