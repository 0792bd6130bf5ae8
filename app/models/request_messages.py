"""Messages exchanged on a pending support request (questions and answers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column


class RequestMessage(db.Model):
    """A supporter's question about a request, or the coach's answer."""

    __tablename__ = "request_messages"
    __table_args__ = (CheckConstraint("length(body) <= 4000", name="body_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[User | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<RequestMessage {self.id}>"
