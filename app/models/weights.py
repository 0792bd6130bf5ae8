"""What admins try ranking weights on: saved sample searches and searches counted per day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column


class WeightSampleSearch(db.Model):
    """A search an admin keeps for previewing new ranking weights on.

    ``params`` holds the search as the search page takes it (``where``,
    ``radius_km``, ``mode``, ``roles``, ``event_groups``, ``needs``...).
    """

    __tablename__ = "weight_sample_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    created_by: Mapped[User | None] = relationship()  # noqa: F821


class DailySearchCount(db.Model):
    """How often one coarse search was made on one day.

    Coarse: the place is an outward code (``LS6``), a ZIP code or a town, never
    a postcode or a position, and nothing says who searched. ``params`` is the
    search as canonical JSON text and ``key`` its hash, so the same search on
    the same day is one row, counted up by an upsert.
    """

    __tablename__ = "daily_search_counts"
    __table_args__ = (
        Unique("day", "key"),
        CheckConstraint("searches > 0", name="searches_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    key: Mapped[str] = mapped_column(String(64))
    params: Mapped[str] = mapped_column(Text)
    searches: Mapped[int] = mapped_column(Integer)
