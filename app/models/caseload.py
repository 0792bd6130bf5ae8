"""What the caseload reminders have sent, so each goes out at most once a week."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_at_column


class CaseloadReminder(db.Model):
    """One reminder sent: about which item (an overdue log or review), to whom, when."""

    __tablename__ = "caseload_reminders"
    __table_args__ = (
        Index("ix_caseload_reminders_item", "item_key", "recipient_id", "sent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "log:<plan id>" or "review:<review id>"
    item_key: Mapped[str] = mapped_column(String(60))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), index=True)
    sent_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()
