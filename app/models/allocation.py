"""Cohort allocation: a proposal of coach / coach developer pairs, until published.

A run stores what ``matching.allocate`` proposed, with each pair's score and
reasons and each unplaced coach's reason, so a programme admin can review it,
lock pairs, re-run and finally publish. Nothing else is created before
publication; publishing creates the engagements and records them here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column, updated_at_column

RUN_STATUSES = ("proposed", "published", "discarded")


class AllocationRun(db.Model):
    __tablename__ = "allocation_runs"
    __table_args__ = (CheckConstraint("reruns >= 0", name="reruns_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(80))
    # The support role the cohort is allocated for (a taxonomy key).
    role_key: Mapped[str] = mapped_column(String(40), default="coach_developer")
    status: Mapped[str] = mapped_column(choice(*RUN_STATUSES, name="allocation_status"),
                                        default="proposed")
    # How the proposal was made: radius, mode, objective, most per supporter,
    # and the pool of supporter ids the admin kept.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    total_score: Mapped[float] = mapped_column(Float, default=0.0)
    reruns: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    placements: Mapped[list[AllocationPlacement]] = relationship(
        back_populates="run", cascade="all, delete-orphan",
        order_by="AllocationPlacement.id")

    def __repr__(self) -> str:
        return f"<AllocationRun {self.id} {self.status}>"


class AllocationPlacement(db.Model):
    """A coach of the cohort: paired with a supporter (score, reasons) or not (reason)."""

    __tablename__ = "allocation_placements"
    __table_args__ = (
        UniqueConstraint("run_id", "coach_id", name="uq_allocation_placements_run_coach"),
        CheckConstraint("supporter_id IS NOT NULL OR locked = false", name="locked_has_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("allocation_runs.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("development_plans.id", ondelete="SET NULL"))
    supporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supporter_profiles.id", ondelete="CASCADE"))
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    # Why the coach is not placed (only when supporter_id is empty).
    unplaced_reason: Mapped[str | None] = mapped_column(String(300))
    locked: Mapped[bool] = mapped_column(default=False)
    engagement_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagements.id", ondelete="SET NULL"))

    run: Mapped[AllocationRun] = relationship(back_populates="placements")
    coach: Mapped[User] = relationship()  # noqa: F821
    supporter: Mapped[SupporterProfile | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<AllocationPlacement {self.run_id}:{self.coach_id}>"
