"""Coaches' reports that a supporter never answered their request.

A coach may report a request once (the request id is unique here). Reports
are for programme admins only: the supporter is never told who made one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column

#: ``open`` waits for an admin; an admin dismisses it, or pauses the supporter
#: (which settles every open report about them as ``supporter_paused``).
REPORT_STATUSES = ("open", "dismissed", "supporter_paused")
NOTE_MAX = 1000


class UnansweredReport(db.Model):
    __tablename__ = "unanswered_reports"
    __table_args__ = (
        CheckConstraint(f"length(note) <= {NOTE_MAX}", name="note_length"),
        Index("ix_unanswered_reports_supporter_status", "supporter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    # The request's supporter, kept here too (it never changes) so the admin's
    # list groups and counts by supporter without reading every request.
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter_profiles.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(
        choice(*REPORT_STATUSES, name="unanswered_report_status"), default="open")
    created_at: Mapped[datetime] = created_at_column()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    request: Mapped[SupportRequest] = relationship()  # noqa: F821
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])  # noqa: F821
    supporter: Mapped[SupporterProfile] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<UnansweredReport {self.id} {self.status}>"
