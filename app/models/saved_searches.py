"""Saved searches ("tell me when"): a search kept so its owner hears of new matches.

A saved search belongs to an account, or to an email address alone (someone
who saved without signing in). An address alone is never written to before
its owner follows the confirmation link (``confirmed_at``); unconfirmed rows
are deleted after a few days.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column


class SavedSearch(db.Model):
    """A search as ``SearchArgs`` loads it (``params``), and who hears about it.

    ``params`` leaves out how a page of results is shown (page, limit, sort):
    it is what the coach looks for and where.
    """

    __tablename__ = "saved_searches"
    __table_args__ = (
        # An account's, or an address's: never both, never neither.
        CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="one_owner"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Someone without an account: their address, deleted when they unsubscribe.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    params: Mapped[dict] = mapped_column(JSON)
    # The place searched as search named it when saved ("LS6 3QS", "Leeds").
    place: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    # When the address was confirmed (an account's searches: when saved).
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When a digest last told of new matches of this search.
    last_alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<SavedSearch {self.id}>"


class SavedSearchMatch(db.Model):
    """A supporter a saved search already matched: found when saved, or told of since.

    Only supporters missing here are news, so nobody is announced twice.
    """

    __tablename__ = "saved_search_matches"

    saved_search_id: Mapped[int] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="CASCADE"), primary_key=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter_profiles.id", ondelete="CASCADE"), primary_key=True)
