"""The programme impact report: what the service did for coaches over a period, in counts.

Programme admins show it to funders (every coach, or the coaches one published
allocation run placed in a programme); a coach developer sees the same figures
for their own caseload. Every figure is aggregated in the database by month,
in a handful of grouped queries, whatever the number of requests:

- requests *sent* in the period, by what became of them (accepted, declined,
  withdrawn, expired, still pending), and the median time from sending to the
  supporter's first answer (accepting, declining or asking a question);
- engagements *started* and *closed* in the period (closed ones by outcome), and
  those *active at the end* of the period (and of each month);
- goals *achieved* in the period (a goal achieved now, dated by the last time it
  was recorded achieved);
- reflective log entries written about days in the period, and their minutes;
- reviews *held* in the period, and how many on time (held by their due date:
  a review is overdue once its due date passes unheld).

The report names nobody: no coach, supporter or id appears in it. Outcomes
are free text, so an outcome's wording is shown only when at least
``OUTCOME_WORDING_MIN`` engagements closed with it; rarer wordings are merged
under "Other outcomes", as words written about one coach may identify them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, extract, func, literal, or_, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from app.models import (
    AllocationPlacement,
    AllocationRun,
    DevelopmentPlan,
    Engagement,
    GoalProgress,
    PlanGoal,
    PlanReview,
    ReflectiveLogEntry,
    RequestMessage,
    SupporterProfile,
    SupportRequest,
    User,
)
from app.services import audit, csv_files
from app.services.permissions import require_admin
from app.services.plan_access import OPEN_PLAN_STATUSES, add_months

PRESETS = {
    "last_12_months": "Last 12 months",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "this_year": "This year",
    "last_year": "Last year",
}
#: A report covers at most this many calendar months (its trend has one bar each).
MAX_MONTHS = 60
#: Fewer engagements than this closing with one wording: shown as "Other outcomes".
OUTCOME_WORDING_MIN = 3
OTHER_OUTCOMES = "Other outcomes"
NO_OUTCOME = "No outcome recorded"
REQUEST_OUTCOMES = ("accepted", "declined", "withdrawn", "expired", "pending")

#: Every figure, in the order of the CSV's columns, with what it counts.
FIGURES = {
    "requests_sent": "Requests sent in the period",
    "requests_accepted": "Of those, accepted",
    "requests_declined": "Of those, declined",
    "requests_withdrawn": "Of those, withdrawn by the coach",
    "requests_expired": "Of those, expired unanswered",
    "requests_pending": "Of those, still waiting for an answer",
    "requests_answered": "Of those, answered by the supporter (accepted, declined or a "
                         "question asked)",
    "median_hours_to_first_answer": "Median hours from sending to the supporter's first "
                                    "answer, of the requests answered",
    "engagements_started": "Engagements started",
    "engagements_closed": "Engagements closed",
    "engagements_active_at_end": "Engagements active at the end (of the period, or month)",
    "goals_achieved": "Development-plan goals achieved",
    "log_entries": "Reflective log entries",
    "log_minutes": "Minutes of reflective practice logged",
    "reviews_held": "Plan reviews held",
    "reviews_on_time": "Of those, held by their due date",
}
CSV_COLUMNS = ("month", "from", "to", *FIGURES)


@dataclass(frozen=True)
class Period:
    """The days a report covers, both ends included."""

    starts_on: date
    ends_on: date
    preset: str | None = None

    def months(self) -> list[tuple[str, date, date]]:
        """Return each calendar month the period touches: ("2026-03", first day, last day)."""
        found = []
        first = self.starts_on.replace(day=1)
        while first <= self.ends_on:
            following = add_months(first, 1)
            found.append((f"{first:%Y-%m}", max(first, self.starts_on),
                          min(following - timedelta(days=1), self.ends_on)))
            first = following
        return found

    @property
    def label(self) -> str:
        return f"{self.starts_on:%-d %b %Y} to {self.ends_on:%-d %b %Y}"


@dataclass(frozen=True)
class Scope:
    """Whose figures: every coach (admins), or one coach developer's caseload."""

    kind: str                       # "admin" or "caseload"
    supporter_id: int | None = None

    @property
    def caseload(self) -> bool:
        return self.kind == "caseload"


# --- who may see which report ------------------------------------------------------------


def admin_scope(actor: User) -> Scope:
    """Return the programme-wide scope; to anyone but an admin it does not exist (404)."""
    require_admin(actor)
    return Scope("admin")


NOT_A_DEVELOPER = "Nothing was found at this address."


def caseload_scope(session: Session, actor: User) -> Scope:
    """Return a coach developer's own caseload; to anyone else it does not exist (404)."""
    if not actor.has_role("coach_developer"):
        raise NotFound(NOT_A_DEVELOPER)
    profile_id = session.scalar(
        select(SupporterProfile.id).where(SupporterProfile.user_id == actor.id))
    if profile_id is None:
        raise NotFound(NOT_A_DEVELOPER)
    return Scope("caseload", profile_id)


def programmes(session: Session, scope: Scope) -> list[str]:
    """Return the programmes one can report on: those of published allocation runs.

    A coach developer is offered the programmes that placed coaches with them.
    """
    query = (select(AllocationRun.programme).where(AllocationRun.status == "published")
             .distinct().order_by(AllocationRun.programme))
    if scope.caseload:
        query = query.join(AllocationPlacement, AllocationPlacement.run_id == AllocationRun.id
                           ).where(AllocationPlacement.supporter_id == scope.supporter_id)
    return list(session.scalars(query))


# --- the period ----------------------------------------------------------------------------


def preset_period(preset: str, today: date) -> Period:
    """Return the days of a named period, up to ``today`` at the latest."""
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    if preset == "this_quarter":
        return Period(quarter, today, preset)
    if preset == "last_quarter":
        start = add_months(quarter, -3)
        return Period(start, quarter - timedelta(days=1), preset)
    if preset == "this_year":
        return Period(today.replace(month=1, day=1), today, preset)
    if preset == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), preset)
    return Period(add_months(today.replace(day=1), -11), today, "last_12_months")


def resolve_period(args: dict, today: date) -> Period:
    """Return the period ``args`` ask for (a preset, dates, or the last 12 months).

    Raise InvalidInput naming the field for a period reaching past ``today``, or
    longer than MAX_MONTHS months.
    """
    starts_on, ends_on = args.get("from_"), args.get("to")
    if args.get("period") or (starts_on is None and ends_on is None):
        return preset_period(args.get("period") or "last_12_months", today)
    if ends_on is not None and ends_on > today:
        raise InvalidInput("The report cannot look past today.", errors={
            "to": [f"Choose a day up to today ({today:%-d %B %Y})."]})
    ends_on = ends_on or today
    if starts_on is None:
        starts_on = add_months(ends_on.replace(day=1), -11)
    if starts_on > ends_on:
        raise InvalidInput("The period starts after it ends.", errors={
            "from": [f"Choose a day on or before {ends_on:%-d %B %Y}."]})
    period = Period(starts_on, ends_on)
    if len(period.months()) > MAX_MONTHS:
        raise InvalidInput("The period is too long.", errors={
            "from": [f"A report covers at most {MAX_MONTHS // 12} years: choose a later "
                     "start."]})
    return period


# --- the report ----------------------------------------------------------------------------


def report(session: Session, scope: Scope, args: dict, *, today: date) -> dict:
    """Return the report's figures for the period and programme ``args`` ask for.

    ``args`` (``ImpactArgs``): ``from_`` and ``to`` (dates), or ``period`` (a
    preset), and ``programme`` (a published allocation run's programme; none
    for every coach). Bad values raise InvalidInput naming the field.
    """
    period = resolve_period(args, today)
    options = programmes(session, scope)
    programme = args.get("programme")
    if programme is not None and programme not in options:
        raise InvalidInput("No published allocation has that programme.", errors={
            "programme": ["Choose a programme from the list (one a published allocation "
                          "placed coaches in), or every programme."
                          if options else "There is no published programme to choose yet."]})
    cohort = _cohort(programme, scope) if programme is not None else None
    query = _Queries(session, scope, period, cohort)

    months = {key: {"month": key, "from": first, "to": last, **dict.fromkeys(FIGURES, 0)}
              for key, first, last in period.months()}
    totals = {"month": "total", "from": period.starts_on, "to": period.ends_on,
              **dict.fromkeys(FIGURES, 0)}
    query.requests(months, totals)
    query.first_answers(months, totals)
    outcomes = query.engagements(months, totals)
    query.goals(months, totals)
    query.log(months, totals)
    query.reviews(months, totals)
    return {
        "scope": scope.kind,
        "period": {"from": period.starts_on, "to": period.ends_on, "preset": period.preset,
                   "label": period.label, "months": len(months)},
        "programme": programme,
        "programmes": options,
        "generated_on": today,
        "totals": totals,
        "outcomes": outcomes,
        "months": list(months.values()),
    }


def _cohort(programme: str, scope: Scope):
    """Return (as a subquery) the coaches published allocations placed in ``programme``."""
    query = (select(AllocationPlacement.coach_id)
             .join(AllocationRun, AllocationRun.id == AllocationPlacement.run_id)
             .where(AllocationRun.status == "published", AllocationRun.programme == programme,
                    AllocationPlacement.supporter_id.is_not(None)))
    if scope.caseload:
        query = query.where(AllocationPlacement.supporter_id == scope.supporter_id)
    return query


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


class _Queries:
    """The grouped queries behind one report: each fills its figures by month and in total."""

    def __init__(self, session: Session, scope: Scope, period: Period, cohort):
        self.session = session
        self.scope = scope
        self.period = period
        self.cohort = cohort
        self.dialect = session.get_bind().dialect.name
        self.since = _start_of(period.starts_on)
        self.until = _start_of(period.ends_on + timedelta(days=1))

    # Months and durations are the only things the two databases spell differently.

    def month(self, column, *, timestamp: bool = False):
        """Return ``column``'s calendar month (timestamps in UTC), to group by.

        PostgreSQL truncates to the month's first moment (twice as fast as
        formatting text), SQLite formats "2026-03"; ``by_month`` reads both.
        """
        if self.dialect == "postgresql":
            return func.date_trunc("month", column.op("AT TIME ZONE")(literal("UTC"))
                                   if timestamp else column)
        return func.strftime("%Y-%m", column)

    def by_month(self, statement):
        """Run a query whose first column is a ``month``; yield its rows keyed "2026-03"."""
        for first, *rest in self.session.execute(statement):
            yield (first[:7] if isinstance(first, str) else f"{first:%Y-%m}"), *rest

    def hours_between(self, earlier, later):
        if self.dialect == "postgresql":
            return extract("epoch", later - earlier) / 3600.0
        return (func.julianday(later) - func.julianday(earlier)) * 24.0

    def in_period(self, column, *, timestamp: bool = False):
        if timestamp:
            return and_(column >= self.since, column < self.until)
        return column.between(self.period.starts_on, self.period.ends_on)

    # Whose rows count.

    def request_scope(self) -> list:
        where = []
        if self.scope.caseload:
            where.append(SupportRequest.supporter_id == self.scope.supporter_id)
        if self.cohort is not None:
            where.append(SupportRequest.coach_id.in_(self.cohort))
        return where

    def engagement_scope(self) -> list:
        where = []
        if self.scope.caseload:
            where.append(Engagement.supporter_id == self.scope.supporter_id)
        if self.cohort is not None:
            where.append(Engagement.coach_id.in_(self.cohort))
        return where

    def plan_scope(self, plan_id_column) -> list:
        """Plans that count: every plan, the cohort's, or those a caseload shares."""
        if self.scope.caseload:
            # An engagement shares the plan it names, or else the coach's current one.
            current = (select(func.max(DevelopmentPlan.id))
                       .where(DevelopmentPlan.coach_id == Engagement.coach_id,
                              DevelopmentPlan.status.in_(OPEN_PLAN_STATUSES))
                       .correlate(Engagement).scalar_subquery())
            shared = (select(func.coalesce(Engagement.plan_id, current))
                      .where(*self.engagement_scope()))
            return [plan_id_column.in_(shared)]
        if self.cohort is not None:
            return [plan_id_column.in_(
                select(DevelopmentPlan.id).where(DevelopmentPlan.coach_id.in_(self.cohort)))]
        return []

    # The figures.

    def requests(self, months: dict, totals: dict) -> None:
        month = self.month(SupportRequest.created_at, timestamp=True)
        rows = self.by_month(
            select(month, SupportRequest.status, func.count())
            .where(self.in_period(SupportRequest.created_at, timestamp=True),
                   *self.request_scope())
            .group_by(month, SupportRequest.status))
        for key, status, count in rows:
            for figures in (months[key], totals):
                figures["requests_sent"] += count
                figures[f"requests_{status}"] += count

    def first_answers(self, months: dict, totals: dict) -> None:
        """Count answered requests and the median hours to the first answer, by month."""
        asked = (select(RequestMessage.request_id.label("request_id"),
                        func.min(RequestMessage.created_at).label("at"))
                 .join(SupportRequest, SupportRequest.id == RequestMessage.request_id)
                 .join(SupporterProfile, and_(
                     SupporterProfile.id == SupportRequest.supporter_id,
                     SupporterProfile.user_id == RequestMessage.author_id))
                 .where(self.in_period(SupportRequest.created_at, timestamp=True),
                        *self.request_scope())
                 .group_by(RequestMessage.request_id).subquery())
        responded = SupportRequest.responded_at
        first = case((asked.c.at.is_(None), responded), (responded.is_(None), asked.c.at),
                     (asked.c.at < responded, asked.c.at), else_=responded)
        waits = (select(self.month(SupportRequest.created_at, timestamp=True).label("month"),
                        self.hours_between(SupportRequest.created_at, first).label("hours"))
                 .outerjoin(asked, asked.c.request_id == SupportRequest.id)
                 .where(self.in_period(SupportRequest.created_at, timestamp=True),
                        *self.request_scope(), or_(responded.is_not(None),
                                                   asked.c.at.is_not(None)))
                 .subquery())
        # One pass: each wait's place in its month and in the whole period. The middle
        # one (or the mean of the middle two) is the median; the period's middle ones
        # fall in one or two months, so their sums add up across the month groups.
        by_month = func.row_number().over(partition_by=waits.c.month, order_by=waits.c.hours)
        overall = func.row_number().over(order_by=waits.c.hours)
        ranked = select(waits.c.month, waits.c.hours, by_month.label("place"),
                        func.count().over(partition_by=waits.c.month).label("n"),
                        overall.label("overall_place"),
                        func.count().over().label("overall_n")).subquery()

        def middle(place, n):
            return or_(place == (n + 1) // 2, place == (n + 2) // 2)

        in_month = middle(ranked.c.place, ranked.c.n)
        in_period = middle(ranked.c.overall_place, ranked.c.overall_n)
        rows = self.by_month(
            select(ranked.c.month, func.max(ranked.c.n),
                   func.avg(case((in_month, ranked.c.hours))),
                   func.sum(case((in_period, ranked.c.hours))),
                   func.sum(case((in_period, 1), else_=0)))
            .group_by(ranked.c.month))
        middle_sum = middle_count = 0
        for key, count, median, period_sum, period_count in rows:
            months[key]["requests_answered"] = int(count)
            months[key]["median_hours_to_first_answer"] = round(float(median), 1)
            totals["requests_answered"] += int(count)
            middle_sum += float(period_sum or 0)
            middle_count += int(period_count or 0)
        totals["median_hours_to_first_answer"] = (round(middle_sum / middle_count, 1)
                                                  if middle_count else None)
        for figures in months.values():
            if not figures["requests_answered"]:
                figures["median_hours_to_first_answer"] = None

    def engagements(self, months: dict, totals: dict) -> list[dict]:
        """Started, closed (by outcome) and active at each month's end; return the outcomes.

        Active at a day's end = started by then, less ended by then: so two grouped
        queries over every engagement up to the period's end give each month's
        figure as running totals, those before the period counted in one sum.
        """
        first = self.period.starts_on
        started = self.month(Engagement.started_on)
        # One expression object in the select and the GROUP BY: one bound parameter.
        inside = Engagement.started_on >= first
        before = 0
        for key, within, count in self.by_month(
                select(started, inside, func.count())
                .where(Engagement.started_on <= self.period.ends_on, *self.engagement_scope())
                .group_by(started, inside)):
            if within:
                months[key]["engagements_started"] = count
                totals["engagements_started"] += count
            else:
                before += count

        ended = self.month(Engagement.ended_on)
        inside = Engagement.ended_on >= first
        # Outcomes only matter inside the period: before it, one group a month.
        wording = case((inside, func.lower(func.trim(func.coalesce(Engagement.outcome, "")))),
                       else_="")
        by_wording: dict[str, list] = {}
        for key, within, said, shown, count in self.by_month(
                select(ended, inside, wording, func.min(func.trim(Engagement.outcome)),
                       func.count())
                .where(Engagement.ended_on <= self.period.ends_on, *self.engagement_scope())
                .group_by(ended, inside, wording)):
            if not within:
                before -= count
                continue
            months[key]["engagements_closed"] += count
            totals["engagements_closed"] += count
            # One wording, in whatever case it was typed: shown as its first spelling.
            found = by_wording.setdefault(said, [shown or "", 0])
            found[0] = min(found[0], shown or "")
            found[1] += count

        active = before
        for figures in months.values():
            active += figures["engagements_started"] - figures["engagements_closed"]
            figures["engagements_active_at_end"] = active
        totals["engagements_active_at_end"] = active
        return _outcomes(by_wording)

    def goals(self, months: dict, totals: dict) -> None:
        achieved = (select(GoalProgress.goal_id.label("goal_id"),
                           func.max(GoalProgress.recorded_on).label("on"))
                    .where(GoalProgress.status == "achieved")
                    .group_by(GoalProgress.goal_id).subquery())
        month = self.month(achieved.c.on)
        for key, count in self.by_month(
                select(month, func.count())
                .join(PlanGoal, PlanGoal.id == achieved.c.goal_id)
                .where(PlanGoal.status == "achieved", self.in_period(achieved.c.on),
                       *self.plan_scope(PlanGoal.plan_id))
                .group_by(month)):
            months[key]["goals_achieved"] = count
            totals["goals_achieved"] += count

    def log(self, months: dict, totals: dict) -> None:
        month = self.month(ReflectiveLogEntry.occurred_on)
        for key, count, minutes in self.by_month(
                select(month, func.count(), func.coalesce(func.sum(ReflectiveLogEntry.minutes), 0))
                .where(self.in_period(ReflectiveLogEntry.occurred_on),
                       *self.plan_scope(ReflectiveLogEntry.plan_id))
                .group_by(month)):
            months[key]["log_entries"], months[key]["log_minutes"] = count, int(minutes)
            totals["log_entries"] += count
            totals["log_minutes"] += int(minutes)

    def reviews(self, months: dict, totals: dict) -> None:
        month = self.month(PlanReview.held_on)
        on_time = func.sum(case((PlanReview.held_on <= PlanReview.due_on, 1), else_=0))
        for key, count, timely in self.by_month(
                select(month, func.count(), on_time)
                .where(self.in_period(PlanReview.held_on),
                       *self.plan_scope(PlanReview.plan_id))
                .group_by(month)):
            months[key]["reviews_held"], months[key]["reviews_on_time"] = count, int(timely)
            totals["reviews_held"] += count
            totals["reviews_on_time"] += int(timely)


def _outcomes(by_wording: dict[str, list]) -> list[dict]:
    """Return closed engagements by outcome, rare wordings merged, most common first."""
    shown: list[dict] = []
    other = 0
    for said, (label, count) in by_wording.items():
        if not said:
            shown.append({"outcome": NO_OUTCOME, "count": count})
        elif count >= OUTCOME_WORDING_MIN:
            shown.append({"outcome": label[:1].upper() + label[1:], "count": count})
        else:
            other += count
    shown.sort(key=lambda o: (-o["count"], o["outcome"].casefold()))
    if other:
        shown.append({"outcome": OTHER_OUTCOMES, "count": other})
    return shown


# --- the CSV download ------------------------------------------------------------------------


def as_csv(session: Session, actor: User, view: dict) -> tuple[str, str]:
    """Return (file name, CSV text): one row per month, then the period's totals.

    The download is audited (dates and programme only).
    """
    rows = [[row[c] for c in CSV_COLUMNS] for row in (*view["months"], view["totals"])]
    text = csv_files.as_csv(CSV_COLUMNS, rows, bom=True)
    audit.record(session, "impact_report.downloaded", actor=actor,
                 details={"scope": view["scope"], "from": view["period"]["from"].isoformat(),
                          "to": view["period"]["to"].isoformat(),
                          "programme": view["programme"]})
    period = view["period"]
    return f"impact-{period['from'].isoformat()}-to-{period['to'].isoformat()}.csv", text
