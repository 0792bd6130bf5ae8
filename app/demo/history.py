"""A year of requests behind the demo's engagements, and what waits now.

Every demo engagement began as a request its supporter accepted; around them,
requests declined, withdrawn, expired and waiting, answered at each
supporter's own pace (a few never answer), and engagements that ended, with
outcomes. So cards say how quickly supporters reply, the impact report has
figures, full supporters have waitlists and one coach has reported a
supporter who never answered.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.models import (
    Engagement,
    SupporterProfile,
    SupportRequest,
    UnansweredReport,
    User,
    WaitlistPlace,
)
from app.models.profiles import supporter_roles

OUTCOMES = ["Goals achieved", "Goals achieved", "Goals achieved", "Coach moved club",
            "Plan completed early", "Paused for the season"]
DECLINE_REASONS = ["My places are promised to our club's coaches this season.",
                   "Your event group is outside what I can help with well.",
                   "I am away for most of the next two months."]
WAITLIST_NOTES = ["Happy to wait for the next place.", "Jumps coach at a nearby club.",
                  "Flexible on days and times.", ""]


def seed_request_history(session: Session, rng: random.Random, now: datetime,
                         coach_ids: list[int]) -> None:
    """Add requests for a year before ``now``, closed engagements, waitlists and a report."""
    supporters = list(session.execute(select(SupporterProfile.id, SupporterProfile.capacity)
                                      .where(SupporterProfile.verified_at.is_not(None))))
    roles_of: dict[int, list[int]] = {}
    for sid, rid in session.execute(select(supporter_roles.c.supporter_id,
                                           supporter_roles.c.role_id)):
        roles_of.setdefault(sid, []).append(rid)
    # How quickly each supporter answers, in hours; one in twenty never does.
    pace = {sid: rng.choice([3, 8, 20, 30, 50, 90]) for sid, _ in supporters}
    silent = [sid for sid, _ in supporters if rng.random() < 0.05]
    for sid in silent:
        pace[sid] = None

    def answered(sid: int, asked: datetime) -> datetime:
        return asked + timedelta(hours=rng.lognormvariate(0, 0.6) * pace[sid])

    # The demo's engagements each began with an accepted request.
    for engagement_id, sid, coach_id, role_id, started in session.execute(select(
            Engagement.id, Engagement.supporter_id, Engagement.coach_id, Engagement.role_id,
            Engagement.started_on).where(Engagement.request_id.is_(None))).all():
        started_at = datetime.combine(started, now.timetz())
        asked = started_at - timedelta(days=rng.uniform(1, 5))
        request_id = session.execute(insert(SupportRequest).returning(SupportRequest.id), [{
            "coach_id": coach_id, "supporter_id": sid, "role_id": role_id,
            "message": "I would love your help with my development plan.",
            "status": "accepted", "created_at": asked, "expires_at": asked + timedelta(days=7),
            "responded_at": min(started_at, answered(sid, asked)) if pace.get(sid) else started_at,
            "closed_at": started_at}]).scalar_one()
        session.execute(update(Engagement).where(Engagement.id == engagement_id)
                        .values(request_id=request_id))

    rows, ended = [], []
    # Some supporters are asked far more often than others.
    popularity = [rng.paretovariate(1.2) for _ in supporters]
    for _ in range(len(supporters) * 2):
        sid, _ = rng.choices(supporters, popularity)[0]
        if sid not in roles_of:
            continue
        coach_id, role_id = rng.choice(coach_ids), rng.choice(roles_of[sid])
        asked = now - timedelta(days=rng.uniform(8, 365))
        row = {"coach_id": coach_id, "supporter_id": sid, "role_id": role_id,
               "message": "Could you help me with my coaching this season?",
               "created_at": asked, "expires_at": asked + timedelta(days=7)}
        if pace.get(sid) is None or rng.random() < 0.1:
            row.update(status="expired", closed_at=asked + timedelta(days=7),
                       status_reason="No answer within 7 days.")
        elif rng.random() < 0.4:  # accepted, worked together, and ended
            start = answered(sid, asked)
            row.update(status="accepted", responded_at=start, closed_at=start)
            # Ended by now: spread over the time since it began, not bunched at today.
            ends = start + timedelta(days=rng.uniform(1, max(2, (now - start).days - 1)))
            ended.append((row, start, ends))
            continue
        elif rng.random() < 0.75:
            at = answered(sid, asked)
            row.update(status="declined", responded_at=at, closed_at=at,
                       status_reason=rng.choice(DECLINE_REASONS))
        else:
            at = asked + timedelta(days=rng.uniform(0.5, 5))
            row.update(status="withdrawn", closed_at=at)
        rows.append(row)
    # Waiting now: most answered within the week, a few overdue.
    for _ in range(len(supporters) // 40):
        sid, _ = rng.choice(supporters)
        if sid in roles_of:
            asked = now - timedelta(days=rng.uniform(0.2, 6))
            rows.append({"coach_id": rng.choice(coach_ids), "supporter_id": sid,
                         "role_id": rng.choice(roles_of[sid]), "status": "pending",
                         "message": "Would you have room for me this season?",
                         "created_at": asked, "expires_at": asked + timedelta(days=7)})
    session.execute(insert(SupportRequest), rows)
    for row, start, ends in ended:
        request_id = session.execute(insert(SupportRequest).returning(SupportRequest.id),
                                     [row]).scalar_one()
        session.execute(insert(Engagement), [{
            "request_id": request_id, "coach_id": row["coach_id"],
            "supporter_id": row["supporter_id"], "role_id": row["role_id"],
            "status": "closed", "started_on": start.date(), "ended_on": ends.date(),
            "outcome": rng.choice(OUTCOMES)}])

    _seed_waitlists(session, rng, now, coach_ids, roles_of)
    _seed_report(session, now, silent)


def _seed_waitlists(session, rng, now, coach_ids, roles_of) -> None:
    """Coaches waiting for full supporters, the demo coach developer among them."""
    active = func.count(Engagement.id)
    full = session.scalars(
        select(SupporterProfile.id).join(Engagement, (Engagement.supporter_id ==
                                                      SupporterProfile.id)
                                         & (Engagement.status == "active"))
        .group_by(SupporterProfile.id, SupporterProfile.capacity)
        .having(active >= SupporterProfile.capacity)).all()
    developer = session.scalar(select(SupporterProfile.id).join(
        User, User.id == SupporterProfile.user_id).where(User.email == "developer@example.org"))
    chosen = sorted(set(rng.sample(full, k=min(40, len(full)))) | ({developer} & set(full)))
    rows = []
    for sid in chosen:
        for coach_id in rng.sample(coach_ids, k=rng.randint(1, 3)):
            rows.append({"coach_id": coach_id, "supporter_id": sid,
                         "role_id": rng.choice(roles_of[sid]), "status": "waiting",
                         "note": rng.choice(WAITLIST_NOTES),
                         "joined_at": now - timedelta(days=rng.uniform(1, 40))})
    if rows:
        session.execute(insert(WaitlistPlace), rows)


def _seed_report(session, now, silent: list[int]) -> None:
    """A coach reports one supporter who let their request expire."""
    found = session.execute(select(SupportRequest.id, SupportRequest.coach_id,
                                   SupportRequest.supporter_id)
                            .where(SupportRequest.status == "expired",
                                   SupportRequest.supporter_id.in_(silent))
                            .order_by(SupportRequest.id).limit(1)).first()
    if found is not None:
        session.execute(insert(UnansweredReport), [{
            "request_id": found.id, "reporter_id": found.coach_id,
            "supporter_id": found.supporter_id, "status": "open", "created_at": now,
            "note": "Three messages over two weeks and no reply."}])
