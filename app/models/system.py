"""Operational records: widget keys, audit log, geocode cache, data version, weights."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column, updated_at_column


class WidgetKey(db.Model):
    """A club's key for the embeddable search widget."""

    __tablename__ = "widget_keys"
    __table_args__ = (
        CheckConstraint("rate_limit_per_minute > 0", name="rate_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    club_name: Mapped[str] = mapped_column(String(120))
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)
    presets: Mapped[dict] = mapped_column(JSON, default=dict)
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship()  # noqa: F821


class AuditEvent(db.Model):
    """Who did what, when: sign-ins, role changes, verification, request outcomes."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64))


class GeocodeCacheEntry(db.Model):
    """A remembered geocoding answer, keyed by the normalised query."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_key: Mapped[str] = mapped_column(String(200), unique=True)
    result: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20), default="offline")
    created_at: Mapped[datetime] = created_at_column()


class DataVersion(db.Model):
    """A single-row counter bumped whenever anything that affects search changes.

    Each worker compares it with the version its search index was built from.
    """

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = updated_at_column()


class SearchChange(db.Model):
    """A supporter whose searchable details changed, under the data version it made.

    Written by the database's own triggers (migration 0019), whoever writes.
    Each worker applies the supporters changed since its index's version; a
    row naming nobody (the taxonomy or the weights changed) means: rebuild.
    """

    __tablename__ = "search_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, index=True)
    # No foreign keys: the row outlives a deleted profile, which is the news.
    supporter_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True,
                                                 server_default=func.now())


class RankingWeights(db.Model):
    """A saved set of ranking weights; the newest row is the one in force."""

    __tablename__ = "ranking_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    weights: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
