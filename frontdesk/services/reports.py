"""Reports for the manager: what recurs, and whether follow-through happens.

Incidents are grouped by the site-local date, hour and weekday stored beside
each instant, so the grouping runs in SQL on any backend. A follow-up counts
as on time when it was done by the end of the local day it was due; a
recovered customer "came back" when they checked in again after the incident
(the visit it happened in does not count).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from frontdesk import timing
from frontdesk.schemas.reads import Count, Report
from frontdesk.schemas.vocab import SEVERITIES, label
from frontdesk.services import escalation
from frontdesk.services.authority import require
from frontdesk.services.context import Actor
from frontdesk.store.models import Category, FollowUp, Incident, Site, Visit

PERIODS = (7, 30, 90, 365)
TOP_PRODUCTS = 8


def _counts(rows: list[tuple[object, int]], labels: dict[str, str] | None = None) -> tuple[Count, ...]:
    return tuple(
        Count(key=str(key), label=(labels or {}).get(str(key), str(key)), count=count)
        for key, count in rows
    )


def report(actor: Actor, days: int = 30, *, all_sites: bool = False) -> Report:
    """The last `days` local days up to today, for this site or every site."""
    with actor.store.read() as session:
        require(session, actor, "reports")  # before the escalation writes anything
    escalation.escalate_due(actor)  # counted as the queue would show them now
    with actor.store.read() as session:
        site = actor.site(session)
        tz = timing.zone(site.time_zone)
        last_day = timing.local(actor.now(), tz).date()
        first_day = last_day - timedelta(days=days - 1)
        in_period = [Incident.local_date >= first_day, Incident.local_date <= last_day]
        if not all_sites:
            in_period.append(Incident.site_id == site.id)
        total = session.scalar(select(func.count()).select_from(Incident).where(*in_period)) or 0

        def grouped(column, order_by_count: bool = True, limit: int | None = None):  # type: ignore[no-untyped-def]
            statement = select(column, func.count()).where(*in_period).group_by(column)
            statement = statement.order_by(func.count().desc(), column) if order_by_count else statement.order_by(column)
            if limit:
                statement = statement.limit(limit)
            return [(key, count) for key, count in session.execute(statement) if key is not None]

        categories = dict(session.execute(select(Category.key, Category.label)).all())
        by_hour = dict(grouped(Incident.local_hour, order_by_count=False))
        by_weekday = dict(grouped(Incident.local_weekday, order_by_count=False))
        by_severity = dict(grouped(Incident.severity))
        remedies: dict[str, int] = defaultdict(int)
        for currency, amount in session.execute(
            select(Site.currency, func.sum(Incident.remedy_cost))
            .join(Site, Site.id == Incident.site_id)
            .where(*in_period)
            .group_by(Site.currency)
        ):
            if amount:
                remedies[currency] += int(amount)
        follow_ups, escalated = _follow_through(session, site.id if not all_sites else None, first_day, last_day, tz, actor)
        promises = dict(
            session.execute(
                select(Incident.promise_status, func.count())
                .where(*in_period, Incident.promise_text.is_not(None))
                .group_by(Incident.promise_status)
            ).all()
        )
        customers, returned = _recovery(session, in_period)
        return Report(
            first_day=first_day,
            last_day=last_day,
            site_name=None if all_sites else site.name,
            incidents=total,
            by_category=_counts(grouped(Incident.category), categories),
            by_product=_counts(grouped(Incident.product, limit=TOP_PRODUCTS)),
            by_hour=tuple(Count(key=str(hour), label=f"{hour:02d}", count=by_hour.get(hour, 0)) for hour in range(24)),
            by_weekday=tuple(
                Count(key=str(day), label=timing.WEEKDAY_NAMES[day][:3], count=by_weekday.get(day, 0))
                for day in range(7)
            ),
            by_severity=tuple(
                Count(key=severity, label=label(severity), count=by_severity.get(severity, 0))
                for severity in SEVERITIES
            ),
            remedy_totals=dict(remedies),
            follow_ups_due=sum(follow_ups.values()),
            follow_ups_on_time=follow_ups["on_time"],
            follow_ups_late=follow_ups["late"],
            follow_ups_overdue=follow_ups["overdue"],
            follow_ups_escalated=escalated,
            promises_made=sum(promises.values()),
            promises_kept=promises.get("kept", 0),
            promises_broken=promises.get("broken", 0),
            promises_pending=promises.get("pending", 0),
            customers_with_incidents=customers,
            customers_returned=returned,
        )


def _follow_through(
    session: Session, site_id: int | None, first_day: date, last_day: date, tz: ZoneInfo, actor: Actor
) -> tuple[dict[str, int], int]:
    """Follow-ups due in the period: done on time, done late, or still open past due; and how many escalated.

    Escalated counts those whose level stands above 0 (done while escalated
    included); a lead's restart of the clock takes one out of it.
    """
    start = timing.at_local(first_day, time(0), tz)
    end = timing.at_local(last_day + timedelta(days=1), time(0), tz)
    now = actor.now()
    statement = select(FollowUp.due_at, FollowUp.completed_at, FollowUp.status, FollowUp.escalation).where(
        FollowUp.due_at >= start, FollowUp.due_at < end, FollowUp.status != "skipped"
    )
    if site_id is not None:
        statement = statement.where(FollowUp.site_id == site_id)
    tally = {"on_time": 0, "late": 0, "overdue": 0}
    escalated = 0
    for due_at, completed_at, status, level in session.execute(statement):
        escalated += level > 0
        if status == "done" and completed_at is not None:
            deadline = timing.at_local(timing.local(due_at, tz).date() + timedelta(days=1), time(0), tz)
            tally["on_time" if completed_at < deadline else "late"] += 1
        elif due_at < now:
            tally["overdue"] += 1
    return tally, escalated


def _recovery(session: Session, in_period: list[ColumnElement[bool]]) -> tuple[int, int]:
    """Customers with an incident in the period, and how many checked in again afterwards."""
    later = aliased(Visit)
    came_back = exists().where(
        later.customer_id == Incident.customer_id,
        later.checked_in_at > Incident.occurred_at,
        and_(Incident.visit_id.is_(None)) | (later.id != Incident.visit_id),
    )
    customers = session.scalar(
        select(func.count(func.distinct(Incident.customer_id))).where(*in_period, Incident.customer_id.is_not(None))
    ) or 0
    returned = session.scalar(
        select(func.count(func.distinct(Incident.customer_id))).where(
            *in_period, Incident.customer_id.is_not(None), came_back
        )
    ) or 0
    return customers, returned
