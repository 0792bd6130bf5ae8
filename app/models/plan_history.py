"""How a development plan changes: proposals from either side and the versions they made.

The coach and their supporter write the plan together. Either side proposes a
change (the whole proposed plan, as JSON); the other side accepts or rejects
it. Every change that is applied, a proposal accepted or an edit made while
no supporter is engaged, leaves a numbered ``PlanVersion`` snapshot.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column

CHANGE_STATUSES = ("proposed", "accepted", "rejected", "withdrawn")
PLAN_SIDES = ("coach", "supporter")


class PlanChange(db.Model):
    """A proposed change to a plan, waiting for (or given) the other side's answer."""

    __tablename__ = "plan_changes"
    __table_args__ = (
        CheckConstraint("length(note) <= 2000", name="note_length"),
        CheckConstraint("base_version >= 0", name="base_version_not_negative"),
        # One open proposal per plan at a time, enforced by the database itself.
        Index("uq_plan_changes_open_per_plan", "plan_id", unique=True,
              sqlite_where=text("status = 'proposed'"),
              postgresql_where=text("status = 'proposed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    proposer_side: Mapped[str] = mapped_column(choice(*PLAN_SIDES, name="plan_side"))
    # The plan's version the proposal was written against: accepting it after
    # the plan moved on would silently undo the other change.
    base_version: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(choice(*CHANGE_STATUSES, name="plan_change_status"),
                                        default="proposed")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = created_at_column()

    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])  # noqa: F821
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<PlanChange {self.id} {self.status}>"


class PlanVersion(db.Model):
    """The plan as it stood after a change was applied: version 1, 2, 3 ..."""

    __tablename__ = "plan_versions"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_plan_versions_plan_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    # What changed from the version before, in words ("Goal added: ...").
    summary: Mapped[list] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    change_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_changes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[User | None] = relationship()  # noqa: F821
    change: Mapped[PlanChange | None] = relationship()

    def __repr__(self) -> str:
        return f"<PlanVersion {self.plan_id}#{self.number}>"
