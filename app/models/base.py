"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Return the current time in UTC (a callable default, never a constant)."""
    return datetime.now(UTC)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def updated_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                         nullable=False)


def choice(*values: str, name: str):
    """A string column limited to ``values`` by a CHECK constraint on every backend."""
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)
