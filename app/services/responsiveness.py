"""How quickly supporters answer requests, as coaches see it on cards and profiles.

"Usually replies within N days" comes from the supporter's real requests of
the last 12 months, all supporters in one grouped query when the search index
is built. A request's first answer is the supporter's accept or decline
(``responded_at``) or their first question about it, whichever came first;
whole days are rounded up ("within a day" is up to 24 hours).

Honesty about silence: a request the supporter let expire (or still pending
past its expiry) counts as unanswered, and unanswered requests count as the
slowest of all. N is the median of that list (the upper one, for an even
count): the smallest number of days within which more than half of their
requests were answered. Two of three answered within 2 days gives "within 2
days"; a supporter who lets half or more expire has no such N, so their card
says nothing at all about reply times. It never shows a quick figure beside
a record of silence. Requests nobody could answer (withdrawn by the coach
first, closed because the supporter was full or paused) count neither way.

"Active this month": the supporter answered a request or saved their profile
(or paused or unpaused) in the last 30 days, as ``last_active_at`` records it.

Freshness: ``support_requests`` has no data_version trigger, on purpose. Each
answer (accept, decline, question) also writes the supporter's own row
(``last_active_at``) and each expiry writes ``missed_in_a_row``; that table is
watched, so the next search after an answer rebuilds the cards. Watching
requests too would rebuild every worker's index on every request sent, which
changes no card. A request passing its expiry before the job runs shows at
the next daily rebuild at the latest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from app.models import RequestMessage, SupporterProfile, SupportRequest

#: Requests created in this many days count.
WINDOW_DAYS = 365
#: A figure shows only once this many requests in the window were answered or let expire.
MIN_REQUESTS = 3
#: "Active this month": activity within this many days.
ACTIVE_DAYS = 30
_ACTIVE_FOR = timedelta(days=ACTIVE_DAYS)


def usual_reply_days(answers: Mapping[int | None, int]) -> int | None:
    """Return N for "usually replies within N days", or None when there is no honest N.

    ``answers`` counts requests by whole days to the first answer, with
    ``None`` counting those never answered. None too below ``MIN_REQUESTS``.

    Examples
    --------
    >>> usual_reply_days({1: 2, 3: 1})
    1
    >>> usual_reply_days({1: 2, 3: 1, None: 2})
    3
    >>> usual_reply_days({1: 2, 3: 1, None: 3}) is None
    True
    """
    total = sum(answers.values())
    if total < MIN_REQUESTS:
        return None
    # The upper median's place, counting from 0, with the unanswered last.
    place = total // 2
    seen = 0
    for days in sorted(d for d in answers if d is not None):
        seen += answers[days]
        if seen > place:
            return max(days, 1)
    return None


def active_recently(last_active_at: datetime | None, now: datetime) -> bool:
    """Whether ``last_active_at`` is within the last ``ACTIVE_DAYS`` days of ``now``."""
    return last_active_at is not None and now - last_active_at <= _ACTIVE_FOR


def reply_days_by_supporter(session: Session, *, now: datetime,
                            supporter_ids: list[int] | None = None) -> dict[int, int]:
    """Return ``{supporter_id: N}`` for every supporter (or those given) with an honest
    "within N days"."""
    figures = {}
    for supporter_id, answers in answer_counts(session, now=now,
                                               supporter_ids=supporter_ids).items():
        days = usual_reply_days(answers)
        if days is not None:
            figures[supporter_id] = days
    return figures


def answer_histories(session: Session, supporter_ids: Iterable[int], *,
                     now: datetime) -> dict[int, dict]:
    """Return each supporter's answering over the window, as an admin reads it."""
    ids = list(supporter_ids)
    counts = answer_counts(session, now=now, supporter_ids=ids) if ids else {}
    histories = {}
    for supporter_id in ids:
        answers = counts.get(supporter_id, {})
        unanswered = answers.get(None, 0)
        histories[supporter_id] = {
            "answered": sum(answers.values()) - unanswered,
            "unanswered": unanswered,
            "replies_within_days": usual_reply_days(answers),
        }
    return histories


def answer_counts(session: Session, *, now: datetime,
                  supporter_ids: list[int] | None = None) -> dict[int, dict[int | None, int]]:
    """Return ``{supporter_id: {days to first answer or None: requests}}`` in one query.

    Grouped by supporter and whole days, so the rows are a few per supporter
    whatever the number of requests.
    """
    since = now - timedelta(days=WINDOW_DAYS)
    # The supporter's first question, looked up per request through the index on
    # request_id: no plan can multiply requests by messages by supporters, as a
    # grouped join did on a table the planner believed empty (it ran for minutes).
    asked = (
        select(func.min(RequestMessage.created_at))
        .where(RequestMessage.request_id == SupportRequest.id,
               RequestMessage.author_id == SupporterProfile.user_id)
        .correlate(SupportRequest, SupporterProfile)
        .scalar_subquery())
    window = (
        select(SupportRequest.supporter_id, SupportRequest.created_at,
               SupportRequest.responded_at, SupportRequest.status, SupportRequest.expires_at,
               asked.label("asked"))
        .join(SupporterProfile, SupporterProfile.id == SupportRequest.supporter_id)
        .where(SupportRequest.created_at >= since, SupportRequest.created_at <= now))
    if supporter_ids is not None:
        window = window.where(SupportRequest.supporter_id.in_(supporter_ids))
    # Materialised, so that each request's lookup runs once, not once for each
    # mention of its answer below.
    request = window.cte("request_window").prefix_with("MATERIALIZED")
    first_answer = case(
        (and_(request.c.asked.is_not(None),
              or_(request.c.responded_at.is_(None), request.c.asked < request.c.responded_at)),
         request.c.asked),
        else_=request.c.responded_at)
    unanswered = or_(request.c.status == "expired",
                     and_(request.c.status == "pending", request.c.expires_at <= now))
    settled = (
        select(request.c.supporter_id.label("supporter_id"),
               case((first_answer.is_not(None),
                     whole_days_between(request.c.created_at, first_answer)))
               .label("days"))
        .where(or_(first_answer.is_not(None), unanswered))
        .subquery())
    counts: dict[int, dict[int | None, int]] = {}
    for supporter_id, days, n in session.execute(
            select(settled.c.supporter_id, settled.c.days, func.count())
            .group_by(settled.c.supporter_id, settled.c.days)):
        counts.setdefault(supporter_id, {})[days] = n
    return counts


class whole_days_between(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """Whole days from the first timestamp to the second, rounded up, in SQL.

    Counted in whole seconds first, so exactly 24 hours is one day on both
    databases (SQLite's Julian days would leave a rounding error).
    """

    type = Integer()
    name = "whole_days_between"
    inherit_cache = True


@compiles(whole_days_between, "postgresql")
def _whole_days_postgresql(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return (f"((CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start}))) AS INTEGER) + 86399) "
            f"/ 86400)")


@compiles(whole_days_between, "sqlite")
def _whole_days_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return (f"((CAST(ROUND((julianday({end}) - julianday({start})) * 86400) AS INTEGER) "
            f"+ 86399) / 86400)")
