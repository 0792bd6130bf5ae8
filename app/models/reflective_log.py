"""Around the reflective log: comments on entries and goal progress evidenced by them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column
from app.models.plans import GOAL_STATUSES


class LogComment(db.Model):
    """A supporter's (or the coach's) comment on a reflective log entry."""

    __tablename__ = "log_comments"
    __table_args__ = (CheckConstraint("length(body) <= 4000", name="body_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("reflective_log_entries.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[User | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<LogComment {self.id}>"


class GoalProgress(db.Model):
    """A goal's status recorded on a day, with the log entry that shows it."""

    __tablename__ = "goal_progress"
    __table_args__ = (CheckConstraint("length(note) <= 2000", name="note_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("plan_goals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(choice(*GOAL_STATUSES, name="goal_progress_status"))
    evidence_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflective_log_entries.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    recorded_by: Mapped[User | None] = relationship()  # noqa: F821
    evidence: Mapped[ReflectiveLogEntry | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<GoalProgress {self.goal_id} {self.status}>"
