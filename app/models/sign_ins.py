"""Sign-in sessions, kept on the server so that signing out really ends one.

The browser's cookie holds a random token; only its SHA-256 is stored. A
copied cookie stops working the moment its session ends: signing out, a
password change elsewhere, an idle or absolute timeout, erasure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_at_column


class SignIn(db.Model):
    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "signed_out", "idle", "expired", "password_changed", "erased"
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    def __repr__(self) -> str:
        return f"<SignIn {self.id} of user {self.user_id}>"
