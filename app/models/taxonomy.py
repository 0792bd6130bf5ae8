"""The athletics taxonomy: support roles, event groups, needs and ladders.

All of it is data, seeded from ``app/data/taxonomy.json`` and editable by
programme admins; nothing else in the code hard-codes these lists.

Items are retired, never deleted: ``retired_at`` takes a role, event group,
need or qualification out of every new choice while the profiles, plans and
records that hold it keep reading it by its key and name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

event_group_relations = Table(
    "event_group_relations",
    db.metadata,
    Column("group_id", ForeignKey("event_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("related_id", ForeignKey("event_groups.id", ondelete="CASCADE"), primary_key=True),
    CheckConstraint("group_id <> related_id", name="not_self"),
)


class Retirable:
    """An item that can be retired: out of new choices, still readable on old records."""

    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class SupportRole(Retirable, db.Model):
    __tablename__ = "support_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    # Which side of the ladder this role sits relative to the coach.
    ladder_rule: Mapped[str] = mapped_column(String(20), default="above")
    sort_order: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<SupportRole {self.key}>"


class EventGroup(Retirable, db.Model):
    __tablename__ = "event_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    # "event_group" for the disciplines, "specialism" for the cross-cutting ones
    # (para, youth, running fitness) that behave like event groups in search.
    kind: Mapped[str] = mapped_column(String(20), default="event_group")
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    related: Mapped[list[EventGroup]] = relationship(
        secondary=event_group_relations,
        primaryjoin=lambda: EventGroup.id == event_group_relations.c.group_id,
        secondaryjoin=lambda: EventGroup.id == event_group_relations.c.related_id,
        order_by=lambda: EventGroup.sort_order,
    )

    def __repr__(self) -> str:
        return f"<EventGroup {self.key}>"


class Need(Retirable, db.Model):
    """A development-plan need area, which supporters offer as expertise."""

    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Need {self.key}>"


class QualificationFramework(db.Model):
    """An ordered ladder of coaching qualifications (UK style, US style...)."""

    __tablename__ = "qualification_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))

    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="framework", order_by=lambda: Qualification.rank,
        cascade="all, delete-orphan",
    )


class Qualification(Retirable, db.Model):
    """One rung of a ladder.

    ``rank`` orders the rungs within their framework; ``level`` places the rung
    on one common scale (0 = assistant level) so coaches and supporters from
    different frameworks can be compared by the matcher.
    """

    __tablename__ = "qualifications"
    __table_args__ = (
        db.UniqueConstraint("framework_id", "rank", name="uq_qualifications_framework_rank"),
        CheckConstraint("rank >= 0", name="rank_not_negative"),
        CheckConstraint("level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("qualification_frameworks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    # A credential held only by supporters (e.g. the US Instructor).
    supporter_only: Mapped[bool] = mapped_column(Boolean, default=False)

    framework: Mapped[QualificationFramework] = relationship(back_populates="qualifications")

    def __repr__(self) -> str:
        return f"<Qualification {self.key}>"
