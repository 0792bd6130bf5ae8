"""Waitlists: coaches queued, in order, for a place with a full supporter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, utcnow

#: ``waiting`` in line; ``offered`` told a place opened and held for them until
#: ``hold_until``. The rest have left the line: they sent a request, let the hold
#: run out, left it themselves, or the supporter closed their account.
WAITLIST_STATUSES = ("waiting", "offered", "requested", "lapsed", "left", "closed")
IN_LINE = ("waiting", "offered")


class WaitlistPlace(db.Model):
    """A coach's place in a supporter's line for one support role."""

    __tablename__ = "waitlist_places"
    __table_args__ = (
        CheckConstraint("length(note) <= 500", name="note_length"),
        # One place in line per coach, supporter and role, enforced by the database.
        Index("uq_waitlist_places_in_line", "coach_id", "supporter_id", "role_id",
              unique=True, sqlite_where=text("status IN ('waiting', 'offered')"),
              postgresql_where=text("status IN ('waiting', 'offered')")),
        Index("ix_waitlist_places_supporter_status", "supporter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter_profiles.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(ForeignKey("support_roles.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(choice(*WAITLIST_STATUSES, name="waitlist_status"),
                                        default="waiting")
    # The line's order: an offer handed back keeps it.
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hold_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])  # noqa: F821
    supporter: Mapped[SupporterProfile] = relationship()  # noqa: F821
    role: Mapped[SupportRole] = relationship()  # noqa: F821
