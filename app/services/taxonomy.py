"""Load the athletics taxonomy from its data file, and read it back."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import matching
from app.models import EventGroup, Need, Qualification, QualificationFramework, SupportRole

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "taxonomy.json"


def seed_taxonomy(session: Session, path: Path = TAXONOMY_FILE) -> dict[str, int]:
    """Create or update every taxonomy row from ``path``; return counts by kind.

    Rows are matched by ``key``, so running it again changes nothing, and an
    admin's later additions (new keys) are left alone.
    """
    data = json.loads(Path(path).read_text())
    counts: dict[str, int] = {}

    def upsert(model, key: str, **fields):
        row = session.scalar(select(model).where(model.key == key))
        if row is None:
            row = model(key=key)
            session.add(row)
        for name, value in fields.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        return row

    for order, item in enumerate(data["support_roles"]):
        rule = item.get("ladder_rule", "above")
        if rule not in matching.LADDER_RULES:  # search could not rank the role
            raise ValueError(f"support role {item['key']!r}: unknown ladder_rule {rule!r}; "
                             f"use one of {', '.join(matching.LADDER_RULES)}")
        upsert(SupportRole, item["key"], name=item["name"],
               description=item.get("description", ""), ladder_rule=rule, sort_order=order)
    counts["support_roles"] = len(data["support_roles"])

    groups = {}
    for order, item in enumerate(data["event_groups"]):
        groups[item["key"]] = upsert(
            EventGroup, item["key"], name=item["name"], kind=item.get("kind", "event_group"),
            description=item.get("description", ""), sort_order=order)
    for item in data["event_groups"]:
        wanted = [groups[k] for k in item.get("related", [])]
        if [g.key for g in groups[item["key"]].related] != [g.key for g in wanted]:
            groups[item["key"]].related = wanted
    counts["event_groups"] = len(groups)

    for order, item in enumerate(data["needs"]):
        upsert(Need, item["key"], name=item["name"], category=item.get("category", ""),
               description=item.get("description", ""), sort_order=order)
    counts["needs"] = len(data["needs"])

    counts["qualifications"] = 0
    for item in data["qualification_frameworks"]:
        framework = upsert(QualificationFramework, item["key"], name=item["name"],
                           country=item["country"])
        session.flush()
        for rank, rung in enumerate(item["ladder"]):
            upsert(Qualification, rung["key"], framework_id=framework.id, name=rung["name"],
                   rank=rank, level=rung["level"], description=rung.get("description", ""),
                   supporter_only=rung.get("supporter_only", False))
            counts["qualifications"] += 1
    counts["qualification_frameworks"] = len(data["qualification_frameworks"])
    session.flush()
    return counts


def load_taxonomy(session: Session) -> dict:
    """Return every taxonomy list in display order (active needs only)."""
    return {
        "support_roles": list(session.scalars(select(SupportRole).order_by(
            SupportRole.sort_order))),
        "event_groups": list(session.scalars(select(EventGroup).order_by(
            EventGroup.sort_order))),
        "needs": list(session.scalars(select(Need).where(Need.active).order_by(
            Need.sort_order))),
        "ladders": list(session.scalars(select(QualificationFramework).order_by(
            QualificationFramework.id))),
    }
