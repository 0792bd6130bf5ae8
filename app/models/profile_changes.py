"""Changes to a supporter's public profile, waiting for (or past) an admin's decision.

The supporter profile's own columns are always the last verified version: the
one coaches see and search ranks. A change to what an admin checks (roles,
event groups, expertise, qualification, years, club, bio, public name, a later
expiry date) waits here until an admin approves it, rejects it or asks for
changes, so a typo fixed in a bio never takes a supporter out of search.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column

#: An open change is waiting for the admin (pending) or for the supporter
#: (changes_requested); the others are decided and kept as history.
CHANGE_STATUSES = ("pending", "changes_requested", "approved", "rejected", "withdrawn")
OPEN_STATUSES = ("pending", "changes_requested")


class ProfileChange(db.Model):
    __tablename__ = "profile_changes"
    __table_args__ = (CheckConstraint("length(message) <= 2000", name="message_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("supporter_profiles.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(choice(*CHANGE_STATUSES, name="profile_change_status"),
                                        default="pending")
    # A new profile's first verification: everything it says is new.
    new: Mapped[bool] = mapped_column(Boolean, default=False)
    # The proposed values of the changed fields only, as keys, text and ISO dates.
    proposed: Mapped[dict] = mapped_column(JSON, default=dict)
    # The verified values those fields replaced, kept when the change is decided.
    replaced: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # The admin's reason (rejected) or request (changes_requested), for the supporter.
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    profile: Mapped[SupporterProfile] = relationship()  # noqa: F821
    decided_by: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<ProfileChange {self.id} {self.status}>"
