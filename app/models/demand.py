"""Where coaches look for support, and whether they find it: searches counted by area."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import choice

DEMAND_PERIODS = ("day", "month")
DEMAND_SOURCES = ("site", "api", "widget")
#: ``limited``: from a client refused by a rate limit lately; ``bot``: a crawler.
DEMAND_TRAFFIC = ("person", "limited", "bot")


class SearchDemand(db.Model):
    """How many searches of one kind were made in one area on one day (or month).

    Nothing here says who searched: the place is a postcode district (``LS6``)
    or a US ZIP3 area (``100``), never finer; there is no address, user or
    time of day. List columns hold taxonomy keys between commas
    (``",mentor,technical_advisor,"``, ``""`` for any) so a filter is a
    ``LIKE '%,mentor,%'``. ``key`` hashes every column but the counts, so the
    same kind of search on the same day is one row, counted up by an upsert.

    Counts: ``searches``; of them, those that ``met_in_person`` (found someone
    in person with a place free) and ``met_online`` (someone online with a
    place free); ``requests`` sent from their results.
    """

    __tablename__ = "search_demand"
    __table_args__ = (
        Unique("period", "day", "key"),
        Index("ix_search_demand_day_area", "day", "country", "area"),
        # Every column the coverage map reads, in area order: a year of counts is summed
        # as it is read, without a sort (app/services/coverage.py looks for it by name).
        Index("ix_search_demand_coverage", "country", "area", "traffic", "mode", "day",
              "period", "searches", "met_in_person", "met_online", "requests", "roles",
              "event_groups", "source", "widget_key_id"),
        CheckConstraint("searches >= 0 AND met_in_person >= 0 AND met_online >= 0 "
                        "AND requests >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(choice(*DEMAND_PERIODS, name="demand_period"),
                                        default="day")
    # The day, or the first day of the month for a month's row.
    day: Mapped[date] = mapped_column(Date)
    key: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    area: Mapped[str] = mapped_column(String(8))
    roles: Mapped[str] = mapped_column(String(400), default="")
    event_groups: Mapped[str] = mapped_column(String(400), default="")
    needs: Mapped[str] = mapped_column(String(1000), default="")
    mode: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(choice(*DEMAND_SOURCES, name="demand_source"))
    widget_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("widget_keys.id", ondelete="SET NULL"))
    traffic: Mapped[str] = mapped_column(choice(*DEMAND_TRAFFIC, name="demand_traffic"),
                                         default="person")
    searches: Mapped[int] = mapped_column(Integer, default=0)
    met_in_person: Mapped[int] = mapped_column(Integer, default=0)
    met_online: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
