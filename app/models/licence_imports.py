"""Licence-list files uploaded by an admin: kept between the dry run and applying it.

Applying a file applies exactly the file that was previewed, whichever worker
or host answers the admin's next request: the text is kept here, keyed by a
random token held in the page's form. It holds members' personal data, so the
text is dropped once applied, and whole uploads after a few days.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column

LICENCE_IMPORT_STATUSES = ("previewed", "applied")


class LicenceImport(db.Model):
    __tablename__ = "licence_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    admin_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    # The file's text as UTF-8 (bytes: a cell may hold a NUL byte, which PostgreSQL
    # text cannot, and which the dry run reports); emptied once it has been applied.
    content: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    content_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(
        choice(*LICENCE_IMPORT_STATUSES, name="licence_import_status"), default="previewed")
    # Rows by outcome ({"create": 3, "error": 1, ...}).
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    # Each row's outcome, changes and errors, and the file's columns.
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    # What the dry run planned, row by row: applying refuses a different plan.
    plan_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    admin: Mapped[User | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<LicenceImport {self.id} {self.status}>"
