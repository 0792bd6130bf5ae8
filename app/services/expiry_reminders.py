"""Warn supporters before their safeguarding check or licence expires.

On the day a check expires the supporter drops out of search by themselves
(``eligibility.searchable``); these reminders come first, at each of
EXPIRY_WARNING_DAYS (30 and 7 days before by default). Each reminder is sent
once: its outbox key names the profile, the certificate, its date and the
threshold, so a daily run, a missed day or a rerun never repeats one.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import SupporterProfile, User
from app.services import mailer

CHECKS = (("safeguarding", "safeguarding check", SupporterProfile.safeguarding_expires_on),
          ("licence", "coaching licence", SupporterProfile.licence_expires_on))


def remind_expiring_checks(session: Session, *, today: date) -> int:
    """Queue the reminders due ``today``; return how many were queued."""
    thresholds = sorted(current_app.config["EXPIRY_WARNING_DAYS"])
    if not thresholds:
        return 0
    horizon = today + timedelta(days=thresholds[-1])
    window = or_(*(and_(column >= today, column <= horizon) for _, _, column in CHECKS))
    candidates = session.scalars(
        select(SupporterProfile).join(User, User.id == SupporterProfile.user_id)
        .where(window, User.active.is_(True), User.deleted_at.is_(None))
        .options(selectinload(SupporterProfile.user)).order_by(SupporterProfile.id)).all()
    queued = 0
    for profile in candidates:
        for key, label, column in CHECKS:
            expires = getattr(profile, column.key)
            if expires is None or not today <= expires <= horizon:
                continue
            days_left = (expires - today).days
            threshold = next(t for t in thresholds if days_left <= t)
            message = mailer.queue(
                session, to=profile.user, kind=f"{key}_expiring",
                subject=f"Your {label} expires on {expires:%d %B %Y}",
                template="check_expiring",
                context={"label": label, "expires": expires, "days_left": days_left,
                         "url": mailer.absolute_url("support.supporter_profile")},
                dedupe_key=f"expiry:{key}:{profile.id}:{expires.isoformat()}:{threshold}")
            queued += message is not None
    session.flush()
    return queued
