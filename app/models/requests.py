"""Support requests and the engagements they become when accepted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column

REQUEST_STATUSES = ("pending", "accepted", "declined", "withdrawn", "expired")
ENGAGEMENT_STATUSES = ("active", "closed")


class SupportRequest(db.Model):
    __tablename__ = "support_requests"
    __table_args__ = (
        CheckConstraint("length(message) <= 4000", name="message_length"),
        Index("ix_support_requests_supporter_status", "supporter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter_profiles.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(ForeignKey("support_roles.id"))
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("development_plans.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(choice(*REQUEST_STATUSES, name="request_status"),
                                        default="pending")
    # Why it ended the way it did: a decline reason, an expiry note, etc.
    status_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The coach's choice: withdraw this request when another supporter accepts them
    # for the same role (see ``found_support``).
    withdraw_others_on_accept: Mapped[bool] = mapped_column(Boolean, default=False,
                                                            server_default=false())

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])  # noqa: F821
    supporter: Mapped[SupporterProfile] = relationship()  # noqa: F821
    role: Mapped[SupportRole] = relationship()  # noqa: F821


class Engagement(db.Model):
    """An accepted relationship between a coach and a supporter: the caseload unit."""

    __tablename__ = "engagements"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        # One active engagement per pair and role, enforced by the database itself.
        Index("uq_engagements_active_pair_role", "coach_id", "supporter_id", "role_id",
              unique=True, sqlite_where=text("status = 'active'"),
              postgresql_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_requests.id", ondelete="SET NULL"), unique=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter_profiles.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("support_roles.id"))
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("development_plans.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(
        choice(*ENGAGEMENT_STATUSES, name="engagement_status"), default="active")
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])  # noqa: F821
    supporter: Mapped[SupporterProfile] = relationship()  # noqa: F821
    role: Mapped[SupportRole] = relationship()  # noqa: F821
    request: Mapped[SupportRequest | None] = relationship()
