"""Development plans: weighted needs, goals, reviews and the reflective log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column, updated_at_column
from app.models.taxonomy import Need

PLAN_STATUSES = ("draft", "active", "completed", "withdrawn")
GOAL_STATUSES = ("not_started", "in_progress", "achieved")

log_entry_goals = Table(
    "log_entry_goals", db.metadata,
    Column("entry_id", ForeignKey("reflective_log_entries.id", ondelete="CASCADE"),
           primary_key=True),
    Column("goal_id", ForeignKey("plan_goals.id", ondelete="CASCADE"), primary_key=True),
)


class DevelopmentPlan(db.Model):
    __tablename__ = "development_plans"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on > starts_on",
                        name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    title: Mapped[str] = mapped_column(String(200), default="My development plan")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(choice(*PLAN_STATUSES, name="plan_status"),
                                        default="draft")
    outcome: Mapped[str | None] = mapped_column(Text)
    # The programme or cohort the coach is on ("Advanced Coach pilot"), set by admins;
    # cohort allocation picks coaches by it.
    programme: Mapped[str | None] = mapped_column(String(80), index=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    coach: Mapped[User] = relationship()  # noqa: F821
    needs: Mapped[list[PlanNeed]] = relationship(
        back_populates="plan", cascade="all, delete-orphan")
    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanGoal.id")
    log_entries: Mapped[list[ReflectiveLogEntry]] = relationship(
        back_populates="plan", cascade="all, delete-orphan",
        order_by="ReflectiveLogEntry.occurred_on.desc()")
    reviews: Mapped[list[PlanReview]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanReview.due_on")


class PlanNeed(db.Model):
    """A priority need of a plan; ``priority`` 1 (nice to have) to 5 (essential)."""

    __tablename__ = "plan_needs"
    __table_args__ = (CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),)

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True)
    priority: Mapped[int] = mapped_column(Integer, default=3)

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="needs")
    need: Mapped[Need] = relationship()


class PlanGoal(db.Model):
    __tablename__ = "plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    success_measure: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(choice(*GOAL_STATUSES, name="goal_status"),
                                        default="not_started")
    created_at: Mapped[datetime] = created_at_column()

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="goals")


class ReflectiveLogEntry(db.Model):
    __tablename__ = "reflective_log_entries"
    __table_args__ = (
        CheckConstraint("minutes >= 0 AND minutes <= 1440", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occurred_on: Mapped[date] = mapped_column(Date)
    what_happened: Mapped[str] = mapped_column(Text, default="")
    reflection: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at_column()

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="log_entries")
    goals: Mapped[list[PlanGoal]] = relationship(secondary=log_entry_goals)


class PlanReview(db.Model):
    """A review point of a plan (e.g. at 3, 6 and 9 months)."""

    __tablename__ = "plan_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="reviews")
