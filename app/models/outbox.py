"""Email waiting to be sent: the outbox survives an SMTP outage.

Services add messages in the same transaction as the change they announce,
so an email is queued exactly when its change commits; ``flask send-email``
delivers what is due, retrying with exponential backoff.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_at_column, utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The backlog alone (sent mail is kept): what send-email and /healthz read.
        Index("ix_outbox_messages_unsent", "failed_at", "next_attempt_at",
              postgresql_where=text("sent_at IS NULL"), sqlite_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The account it is for, so erasing an account erases its mail too.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The account whose words or contact details the message carries (a coach's
    # request, a comment, a proposal), so erasing that account erases them here too.
    about_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What the message is about ("verify_email", "request_received", ...).
    kind: Mapped[str] = mapped_column(String(40))
    # Reminders that must go out once only carry a key (unique when present).
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                      index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the retries are used up (a dead letter); the message is then left
    # alone until an admin sends it again, which retries from then (retry_from).
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retry_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Where one click unsubscribes from mail like this (List-Unsubscribe), if anywhere.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind}>"
