"""Supporter and coach profiles.

Exact locations and full postcodes are private: only ``outward_code`` and
``place_label`` (a coarse, public description) ever leave the server, until an
accepted request shares contact details.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column, updated_at_column
from app.models.taxonomy import EventGroup, Need, Qualification, SupportRole

supporter_roles = Table(
    "supporter_roles", db.metadata,
    Column("supporter_id", ForeignKey("supporter_profiles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("role_id", ForeignKey("support_roles.id", ondelete="CASCADE"), primary_key=True),
)
supporter_event_groups = Table(
    "supporter_event_groups", db.metadata,
    Column("supporter_id", ForeignKey("supporter_profiles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("event_group_id", ForeignKey("event_groups.id", ondelete="CASCADE"),
           primary_key=True),
)
supporter_expertise = Table(
    "supporter_expertise", db.metadata,
    Column("supporter_id", ForeignKey("supporter_profiles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
)
coach_event_groups = Table(
    "coach_event_groups", db.metadata,
    Column("coach_id", ForeignKey("coach_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("event_group_id", ForeignKey("event_groups.id", ondelete="CASCADE"),
           primary_key=True),
)

def _location_checks() -> tuple[CheckConstraint, ...]:
    """Return fresh location constraints (a constraint belongs to one table)."""
    return (
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)",
                        name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)",
                        name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)",
                        name="latitude_with_longitude"),
    )


class SupporterProfile(db.Model):
    __tablename__ = "supporter_profiles"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("capacity <= 50", name="capacity_sane"),
        CheckConstraint("travel_km >= 0 AND travel_km <= 1000", name="travel_km_range"),
        CheckConstraint("years_coaching >= 0 AND years_coaching <= 80",
                        name="years_coaching_range"),
        CheckConstraint("length(bio) <= 5000", name="bio_length"),
        CheckConstraint("missed_in_a_row >= 0", name="missed_not_negative"),
        CheckConstraint("search_area IN ('sector', 'district')", name="search_area_known"),
        CheckConstraint("(search_latitude IS NULL) = (search_longitude IS NULL)",
                        name="search_latitude_with_longitude"),
        *_location_checks(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    qualification_id: Mapped[int | None] = mapped_column(
        ForeignKey("qualifications.id", ondelete="SET NULL"))
    years_coaching: Mapped[int] = mapped_column(Integer, default=0)
    club: Mapped[str | None] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text, default="")

    # Private: exact position and the full postcode or address typed in.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    postcode: Mapped[str | None] = mapped_column(String(16))
    # Public: coarse location only.
    outward_code: Mapped[str | None] = mapped_column(String(8), index=True)
    place_label: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2), default="GB")
    # Where search places them: the centroid of their postcode sector (or ZIP
    # code), or of their district if they choose. Search never reads the exact
    # position, so no run of searches can locate them more precisely than this.
    search_area: Mapped[str] = mapped_column(String(8), default="sector",
                                             server_default="sector")
    search_latitude: Mapped[float | None] = mapped_column(Float)
    search_longitude: Mapped[float | None] = mapped_column(Float)

    travel_km: Mapped[float] = mapped_column(Float, default=15.0)
    offers_online: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(Integer, default=2)

    safeguarding_expires_on: Mapped[date | None] = mapped_column(Date)
    # When the check was done and under which scheme (DBS, PVG, SafeSport...).
    safeguarding_checked_on: Mapped[date | None] = mapped_column(Date)
    safeguarding_scheme: Mapped[str | None] = mapped_column(String(40))
    licence_expires_on: Mapped[date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The name coaches see: the account name as an admin last verified it
    # (None until the first verification). A new name waits like a new bio.
    public_name: Mapped[str | None] = mapped_column(String(120))

    visible: Mapped[bool] = mapped_column(default=True)
    paused: Mapped[bool] = mapped_column(default=False)
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    last_active_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Requests let expire without an answer since the last answer; at
    # STALE_EXPIRED_LIMIT the supporter is paused and asked if still available.
    missed_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    user: Mapped[User] = relationship(  # noqa: F821
        back_populates="supporter_profile", foreign_keys=[user_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])  # noqa: F821
    qualification: Mapped[Qualification | None] = relationship()
    roles: Mapped[list[SupportRole]] = relationship(
        secondary=supporter_roles, order_by=SupportRole.sort_order)
    event_groups: Mapped[list[EventGroup]] = relationship(
        secondary=supporter_event_groups, order_by=EventGroup.sort_order)
    expertise: Mapped[list[Need]] = relationship(
        secondary=supporter_expertise, order_by=Need.sort_order)

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def shown_name(self) -> str:
        """The name coaches see: the verified one, while a new one waits for an admin."""
        return self.public_name or self.user.display_name

    def __repr__(self) -> str:
        return f"<SupporterProfile {self.id}>"


class CoachProfile(db.Model):
    __tablename__ = "coach_profiles"
    __table_args__ = _location_checks()

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    qualification_id: Mapped[int | None] = mapped_column(
        ForeignKey("qualifications.id", ondelete="SET NULL"))
    club: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    postcode: Mapped[str | None] = mapped_column(String(16))
    outward_code: Mapped[str | None] = mapped_column(String(8))
    place_label: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2), default="GB")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    user: Mapped[User] = relationship(back_populates="coach_profile")  # noqa: F821
    qualification: Mapped[Qualification | None] = relationship()
    event_groups: Mapped[list[EventGroup]] = relationship(
        secondary=coach_event_groups, order_by=EventGroup.sort_order)

    def __repr__(self) -> str:
        return f"<CoachProfile {self.id}>"
