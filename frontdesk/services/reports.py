"""Reports for the manager: what recurs, and whether follow-through happens.

Every figure is an aggregate in SQL: incidents group by the site-local date,
hour and weekday stored beside each instant. Follow-ups store only their UTC
due time, so a small calendar (one row per site-local day and time zone, with
the day's UTC bounds) joins them to their local day in SQL: a follow-up is on
time when it was done before the end of the local day it was due. Python only
folds the grouped rows (a few per day, category or person), never the rows of
the period; a median comes from a histogram of days.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from time import perf_counter as time_now
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Interval,
    String,
    and_,
    case,
    column,
    exists,
    func,
    literal,
    select,
    values,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from frontdesk import timing
from frontdesk.errors import InvalidInput
from frontdesk.schemas.reads import Count, PersonFigures, Rate, RemedyLine, RepeatCustomer, Report, ReportView
from frontdesk.schemas.vocab import SEVERITIES, label
from frontdesk.services import audit, escalation
from frontdesk.services.audit import parse_day
from frontdesk.services.authority import require
from frontdesk.services.playbooks import categories
from frontdesk.services.context import Actor
from frontdesk.services.export import write_atomically
from frontdesk.store.models import (
    Category,
    Customer,
    Episode,
    FollowUp,
    Incident,
    RootCause,
    Site,
    Staff,
    UTCDateTime,
    Visit,
)

PERIODS = (7, 30, 90, 365)
TOP_PRODUCTS = 8
TOP_REPEATS = 20
DEFAULT_DAYS = 28
"""Without --from: the last 4 weeks, today included."""
LONGEST_DAYS = 366
"""A report covers at most a year (the calendar it joins has a row per day)."""
WINDOWS = (30, 90)
"""Days after an incident (or a baseline visit) in which a customer "came back"."""
OPEN_AGES = ((0, 6, "0-6"), (7, 13, "7-13"), (14, 29, "14-29"), (30, None, "30+"))
OUTCOMES = ("recovered", "not_recovered", "unknown")
FORMATS = ("text", "csv", "json")
SECTIONS = ("period", "incidents", "trend", "by_category", "by_hour", "by_category_hour", "by_weekday", "by_product",
            "root_causes", "remedies", "follow_through", "promises", "recovery", "people", "repeat_customers")
"""The JSON's sections, in order; each is computed on its own (_Figures.sections), so each can be timed."""
NAMED_PERIODS = {"week": "This week", "4w": "Last 4 weeks", "quarter": "This quarter"}
"""The periods F5 offers by name (a typed range is "custom"), each ending today."""


@dataclass(frozen=True)
class Scope:
    """What a report covers: site-local days (inclusive), one site or all, maybe one category."""

    first_day: date
    last_day: date
    site_id: int | None
    site_name: str | None
    category: str | None = None


def parse_scope(
    actor: Actor, *, first_day: str | None = None, last_day: str | None = None, site: str | None = None,
    all_sites: bool = False, category: str | None = None,
) -> Scope:
    """Check what was typed; a mistake is one sentence naming the flag. Days default to the last 4 weeks."""
    first, last = parse_day(first_day, "from"), parse_day(last_day, "to")
    if all_sites and site:
        raise InvalidInput({"site": "give --site NAME or --all-sites, not both"})
    with actor.store.read() as session:
        chosen = actor.site(session)
        if site and site.strip():
            found = session.scalar(select(Site).where(func.lower(Site.name) == site.strip().lower()))
            if found is None:
                names = ", ".join(session.scalars(select(Site.name).order_by(Site.id)))
                raise InvalidInput({"site": f"no site called {site!r} (sites: {names})"})
            chosen = found
        if category := (category or "").strip() or None:
            keys = list(session.scalars(select(Category.key).order_by(Category.position, Category.key)))
            if category not in keys:
                raise InvalidInput({"category": f"{category!r} is not a category key ({', '.join(keys)})"})
        today = timing.local(actor.now(), timing.zone(chosen.time_zone)).date()
        site_id, site_name = (None, None) if all_sites else (chosen.id, chosen.name)
    if last is None:
        last = max(today, first + timedelta(days=DEFAULT_DAYS - 1)) if first else today
    if first is None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput({"to": f"the last day ({last}) is before the first ({first})"})
    if (last - first).days >= LONGEST_DAYS:
        raise InvalidInput({"from": f"a report covers at most {LONGEST_DAYS} days (not {(last - first).days + 1})"})
    return Scope(first, last, site_id, site_name, category)


def period_days(period: str, today: date) -> tuple[date, date]:
    """The local days of a named period, up to today: the week from Monday, the 4 weeks, the calendar quarter."""
    if period == "week":
        return today - timedelta(days=today.weekday()), today
    if period == "quarter":
        return date(today.year, (today.month - 1) // 3 * 3 + 1, 1), today
    if period == "4w":
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    raise InvalidInput({"period": f"no period called {period!r} ({', '.join(NAMED_PERIODS)} or custom)"})


def view(
    actor: Actor, *, period: str = "4w", first_day: str | None = None, last_day: str | None = None,
    all_sites: bool = False, category: str | None = None,
) -> ReportView:
    """F5's one call: a named period (or typed days for "custom") checked as the command checks its flags,
    every figure, and the categories to narrow it to."""
    if period != "custom":
        with actor.store.read() as session:
            today = timing.local(actor.now(), actor.zone(session)).date()
        first_day, last_day = (day.isoformat() for day in period_days(period, today))
    scope = parse_scope(actor, first_day=first_day, last_day=last_day, all_sites=all_sites, category=category)
    return ReportView(period=period, report=build(actor, scope), categories=tuple(categories(actor.store)))


def report(actor: Actor, days: int = 30, *, all_sites: bool = False) -> Report:
    """The last `days` local days up to today, for this site or every site (what F5 shows)."""
    with actor.store.read() as session:
        site = actor.site(session)
        last_day = timing.local(actor.now(), timing.zone(site.time_zone)).date()
        scope = Scope(last_day - timedelta(days=days - 1), last_day, None if all_sites else site.id,
                      None if all_sites else site.name)
    return build(actor, scope)


def build(actor: Actor, scope: Scope, timings: dict[str, float] | None = None) -> Report:
    """Every figure of the report for `scope`, from one read transaction after the due escalations ran.

    `timings`, if given, gets the milliseconds each section took (keys SECTIONS), for `frontdesk bench`.
    """
    with actor.store.read() as session:
        require(session, actor, "reports")  # before the escalation writes anything
    escalation.escalate_due(actor, scope.site_id)  # counted as the queue would show them now
    with actor.store.read() as session:
        return _Figures(session, scope, actor).report(timings)


class _Figures:
    """The report's queries for one scope, sharing its filters and its calendar."""

    def __init__(self, session: Session, scope: Scope, actor: Actor) -> None:
        self.session, self.scope, self.now = session, scope, actor.now()
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        zones = session.scalars(select(Site.time_zone).distinct() if scope.site_id is None
                                else select(Site.time_zone).where(Site.id == scope.site_id)).all()
        here = actor.site(session) if scope.site_id is None else session.get_one(Site, scope.site_id)
        self.tz = timing.zone(here.time_zone)
        self.today = timing.local(self.now, self.tz).date()
        self.calendar, self.earliest, self.latest = _calendar(
            zones, scope.first_day - timedelta(days=1), max(scope.last_day, self.today) + timedelta(days=1))
        self.period = values(
            column("tz", String), column("starts", UTCDateTime()), column("ends", UTCDateTime()), name="period",
        ).data([(name, timing.at_local(scope.first_day, time(0), timing.zone(name)),
                 timing.at_local(scope.last_day + timedelta(days=1), time(0), timing.zone(name))) for name in zones]
               ).cte("period")
        self.in_period = self.incidents_until(scope.last_day)
        self.any_category = self.incidents_until(scope.last_day, any_category=True)

    def incidents_until(self, last_day: date, *, any_category: bool = False) -> list[ColumnElement[bool]]:
        """The scope's incidents from its first day to `last_day` (one bound each way, for the index)."""
        where: list[ColumnElement[bool]] = [Incident.local_date >= self.scope.first_day, Incident.local_date <= last_day]
        if self.scope.site_id is not None:
            where.append(Incident.site_id == self.scope.site_id)
        if self.scope.category is not None and not any_category:
            where.append(Incident.category == self.scope.category)
        return where

    def grouped(self, *columns: Any, where: list[ColumnElement[bool]] | None = None) -> list[Any]:
        statement = select(*columns, func.count()).where(*(where or self.in_period)).group_by(*columns)
        return [row for row in self.session.execute(statement) if row[0] is not None]

    def report(self, timings: dict[str, float] | None = None) -> Report:
        """Every section in turn (`timings`, if given, gets each one's wall time in ms)."""
        fields: dict[str, Any] = {}
        for name, section in self.sections().items():
            started = time_now()
            fields.update(section())
            if timings is not None:
                timings[name] = (time_now() - started) * 1000
        return Report(**fields)

    def sections(self) -> dict[str, Callable[[], dict[str, Any]]]:
        """The report's fields by the JSON section that shows them (SECTIONS, in that order).

        What two sections share (the follow-ups and promises per person, the
        category labels) is computed by the first that needs it.
        """
        return {
            "period": self.period_fields, "incidents": self.incident_fields, "trend": self.trend_fields,
            "by_category": self.by_category, "by_hour": self.by_hour, "by_category_hour": self.by_category_hour,
            "by_weekday": self.by_weekday, "by_product": self.by_product, "root_causes": self.root_cause_fields,
            "remedies": self.remedy_fields, "follow_through": self.follow_through_fields,
            "promises": self.promise_fields, "recovery": self.recovery_fields, "people": self.people_fields,
            "repeat_customers": self.repeat_fields,
        }

    def period_fields(self) -> dict[str, Any]:
        scope = self.scope
        return {"first_day": scope.first_day, "last_day": scope.last_day, "site_name": scope.site_name,
                "category": scope.category}

    def incident_fields(self) -> dict[str, Any]:
        total = self.session.scalar(select(func.count()).select_from(Incident).where(*self.in_period)) or 0
        by_severity = dict(self.grouped(Incident.severity))
        return {"incidents": total, "by_severity": tuple(
            Count(key=severity, label=label(severity), count=by_severity.get(severity, 0)) for severity in SEVERITIES
        )}

    def trend_fields(self) -> dict[str, Any]:
        return {"trend": self.trend()}

    def by_category(self) -> dict[str, Any]:
        return {"by_category": _counts(self.grouped_by_count(Incident.category), self.categories)}

    def by_hour(self) -> dict[str, Any]:
        by_hour = dict(self.grouped(Incident.local_hour))
        return {"by_hour": tuple(Count(key=str(hour), label=f"{hour:02d}", count=by_hour.get(hour, 0))
                                 for hour in range(24))}

    def by_category_hour(self) -> dict[str, Any]:
        categories = self.categories
        return {"by_category_hour": tuple(
            Count(key=f"{category}|{hour}", label=f"{categories.get(category, category)} {hour:02d}", count=count)
            for category, hour, count in sorted(self.grouped(Incident.category, Incident.local_hour))
        )}

    def by_weekday(self) -> dict[str, Any]:
        by_weekday = dict(self.grouped(Incident.local_weekday))
        return {"by_weekday": tuple(Count(key=str(day), label=timing.WEEKDAY_NAMES[day][:3],
                                          count=by_weekday.get(day, 0)) for day in range(7))}

    def by_product(self) -> dict[str, Any]:
        return {"by_product": _counts(self.grouped_by_count(Incident.product, limit=TOP_PRODUCTS))}

    def root_cause_fields(self) -> dict[str, Any]:
        return {"root_causes": self.root_causes()}

    def remedy_fields(self) -> dict[str, Any]:
        remedies = self.remedies(self.categories)
        totals: dict[str, int] = defaultdict(int)
        for line in remedies:
            totals[line.currency] += line.total
        return {"remedies": remedies, "remedy_totals": dict(totals)}

    def follow_through_fields(self) -> dict[str, Any]:
        owners = self.owners
        due = {key: sum(figures[key] for figures in owners.values())
               for key in ("due", "on_time", "late", "overdue", "escalated")}
        histogram = self.first_contact_histogram()
        return {
            "follow_ups_due": due["due"], "follow_ups_on_time": due["on_time"], "follow_ups_late": due["late"],
            "follow_ups_overdue": due["overdue"], "follow_ups_escalated": due["escalated"],
            "median_days_to_first_contact": _median(histogram), "first_contacts": sum(histogram.values()),
            "episodes_open": self.episodes_open(),
        }

    def promise_fields(self) -> dict[str, Any]:
        promised = {status: sum(by_ally.get(status, 0) for by_ally in self.promises.values())
                    for status in ("kept", "broken", "pending")}
        return {"promises_made": sum(promised.values()), "promises_kept": promised["kept"],
                "promises_broken": promised["broken"], "promises_pending": promised["pending"]}

    def recovery_fields(self) -> dict[str, Any]:
        customers, returned = self.came_back_ever()
        return {"customers_with_incidents": customers, "customers_returned": returned, "outcomes": self.outcomes(),
                "came_back": self.came_back_within(), "came_back_by_category": self.came_back_by_category()}

    def people_fields(self) -> dict[str, Any]:
        return {"people": self.people(self.owners, self.promises)}

    def repeat_fields(self) -> dict[str, Any]:
        return {"repeat_customers": self.repeat_customers()}

    @cached_property
    def categories(self) -> dict[str, str]:
        return dict(self.session.execute(select(Category.key, Category.label)).all())

    @cached_property
    def owners(self) -> dict[int, dict[str, int]]:
        return self.follow_through()

    @cached_property
    def promises(self) -> dict[int, dict[str, int]]:
        """Promises of the period's incidents per ally, by status (pending if unsettled)."""
        promises: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for ally, status, count in self.session.execute(
            select(Incident.ally_id, Incident.promise_status, func.count())
            .where(*self.in_period, Incident.promise_text.is_not(None))
            .group_by(Incident.ally_id, Incident.promise_status)
        ):
            promises[ally][status or "pending"] += count
        return promises

    def grouped_by_count(self, column_: Any, limit: int | None = None) -> list[Any]:
        statement = (select(column_, func.count()).where(*self.in_period).group_by(column_)
                     .order_by(func.count().desc(), column_))
        if limit:
            statement = statement.limit(limit)
        return [row for row in self.session.execute(statement) if row[0] is not None]

    def trend(self) -> tuple[Count, ...]:
        """Incidents per week from the first day (the last week may be shorter)."""
        weeks: dict[int, int] = defaultdict(int)
        for day, count in self.grouped(Incident.local_date):
            weeks[(day - self.scope.first_day).days // 7] += count
        span = (self.scope.last_day - self.scope.first_day).days // 7 + 1
        starts = [self.scope.first_day + timedelta(days=7 * week) for week in range(span)]
        return tuple(Count(key=start.isoformat(), label=f"{start:%d %b}", count=weeks.get(week, 0))
                     for week, start in enumerate(starts))

    def root_causes(self) -> tuple[Count, ...]:
        """Closed episodes by root cause, most frequent first: a Pareto list."""
        labels = dict(self.session.execute(select(RootCause.key, RootCause.label)).all())
        rows = self.session.execute(
            select(Episode.root_cause, func.count()).join(Incident, Incident.id == Episode.incident_id)
            .where(*self.in_period, Episode.status == "closed", Episode.root_cause.is_not(None))
            .group_by(Episode.root_cause).order_by(func.count().desc(), Episode.root_cause)
        ).all()
        return _counts(rows, labels)

    def outcomes(self) -> tuple[Count, ...]:
        found = dict(self.session.execute(
            select(Episode.outcome, func.count()).join(Incident, Incident.id == Episode.incident_id)
            .where(*self.in_period, Episode.status == "closed").group_by(Episode.outcome)
        ).all())
        return tuple(Count(key=outcome, label=outcome.replace("_", " "), count=found.get(outcome, 0))
                     for outcome in OUTCOMES)

    def episodes_open(self) -> tuple[Count, ...]:
        """Open episodes of the period's incidents, by their age in local days today."""
        ages: dict[str, int] = defaultdict(int)
        for day, count in self.session.execute(
            select(Incident.local_date, func.count()).join(Episode, Episode.incident_id == Incident.id)
            .where(*self.in_period, Episode.status == "open").group_by(Incident.local_date)
        ):
            age = (self.today - day).days
            ages[next(name for low, high, name in OPEN_AGES if age >= low and (high is None or age <= high))
                 if age >= 0 else OPEN_AGES[0][2]] += count
        return tuple(Count(key=name, label=f"{name} days", count=ages.get(name, 0)) for _, _, name in OPEN_AGES)

    def remedies(self, categories: dict[str, str]) -> tuple[RemedyLine, ...]:
        rows = self.session.execute(
            select(Incident.category, Site.currency, func.count(), func.sum(Incident.remedy_cost))
            .join(Site, Site.id == Incident.site_id)
            .where(*self.in_period, Incident.remedy_cost > 0)
            .group_by(Incident.category, Site.currency).order_by(Incident.category, Site.currency)
        )
        return tuple(RemedyLine(category=category, label=categories.get(category, category), currency=currency,
                                incidents=count, total=int(amount or 0)) for category, currency, count, amount in rows)

    def follow_through(self) -> dict[int, dict[str, int]]:
        """Follow-ups due in the period (skipped ones left out), per owner: done on time, late, overdue now, escalated.

        Escalated counts those whose level stands above 0 (done while escalated
        included); a lead's restart of the clock takes one out of it.
        """
        day = self.calendar
        done = FollowUp.status == "done"
        statement = (
            select(
                FollowUp.owner_id,
                func.count(),
                func.sum(case((and_(done, FollowUp.completed_at < day.c.ends), 1), else_=0)),
                func.sum(case((and_(done, FollowUp.completed_at >= day.c.ends), 1), else_=0)),
                func.sum(case((and_(FollowUp.status == "open", FollowUp.due_at < self.now), 1), else_=0)),
                func.sum(case((FollowUp.escalation > 0, 1), else_=0)),
                func.sum(case((and_(done, FollowUp.kind == "handoff_check"), 1), else_=0)),
            )
            .join(Site, Site.id == FollowUp.site_id)
            .join(day, and_(day.c.tz == Site.time_zone, FollowUp.due_at >= day.c.starts, FollowUp.due_at < day.c.ends))
            # Each day's own bounds are the index range (site, status, due): not `status != "skipped"`, and no
            # bounds of the whole period, which SQLite took instead and so read the period once a day.
            .where(FollowUp.status.in_(("open", "done")),
                   day.c.day >= self.scope.first_day.toordinal(), day.c.day <= self.scope.last_day.toordinal())
            .group_by(FollowUp.owner_id)
        )
        if self.scope.site_id is not None:
            statement = statement.where(FollowUp.site_id == self.scope.site_id)
        if self.scope.category is not None:
            statement = statement.join(Incident, Incident.id == FollowUp.incident_id).where(
                Incident.category == self.scope.category)
        keys = ("due", "on_time", "late", "overdue", "escalated", "handoffs")
        return {owner: dict(zip(keys, (int(value or 0) for value in figures), strict=True))
                for owner, *figures in self.session.execute(statement)}

    def first_contact_histogram(self) -> dict[int, int]:
        """How many of the period's incidents had their first follow-up done N local days after them."""
        first = (
            select(Incident.local_date.label("local_date"), Incident.site_id.label("site_id"),
                   func.min(FollowUp.completed_at).label("at"))
            .join(FollowUp, FollowUp.incident_id == Incident.id)
            .where(*self.in_period, FollowUp.status == "done", FollowUp.completed_at.is_not(None))
            .group_by(Incident.id, Incident.local_date, Incident.site_id)
            .subquery()
        )
        contact, happened = aliased(self.calendar, name="contact"), aliased(self.calendar, name="happened")
        days = (contact.c.day - happened.c.day).label("days")
        rows = self.session.execute(
            select(days, func.count())
            .select_from(first)
            .join(Site, Site.id == first.c.site_id)
            .join(happened, and_(happened.c.tz == Site.time_zone, happened.c.local_day == first.c.local_date))
            .join(contact, and_(contact.c.tz == Site.time_zone, first.c.at >= contact.c.starts,
                                first.c.at < contact.c.ends))
            .group_by(days)
        )
        return {int(gap): count for gap, count in rows}

    def came_back_ever(self) -> tuple[int, int]:
        """Customers with an incident in the period, and how many checked in again afterwards."""
        customers = self.session.scalar(
            select(func.count(func.distinct(Incident.customer_id))).where(*self.in_period,
                                                                          Incident.customer_id.is_not(None))
        ) or 0
        returned = self.session.scalar(
            select(func.count(func.distinct(Incident.customer_id))).where(
                *self.in_period, Incident.customer_id.is_not(None), _came_back_after_incident())
        ) or 0
        return customers, returned

    def came_back_within(self) -> dict[str, Rate]:
        """Came back within 30 and 90 days: customers with an incident, and visitors without one (the baseline).

        Each customer counts from their first incident (baseline: their first
        visit) in the period, and only once that is at least the window ago.
        """
        rates: dict[str, Rate] = {}
        for window in WINDOWS:
            cutoff = self.now - timedelta(days=window)
            for name, source in (("", self.first_incidents(cutoff)), ("baseline_", self.first_visits(cutoff))):
                n, count = self.session.execute(self.came_back_rate(source, window)).one() if self.reaches(cutoff) \
                    else (0, 0)
                rates[f"{name}{window}d"] = Rate(count=int(count or 0), n=n)
        return {f"{name}{window}d": rates[f"{name}{window}d"] for name in ("", "baseline_") for window in WINDOWS}

    def reaches(self, cutoff: datetime) -> bool:
        """Whether anything in the period can be before `cutoff` (the last 4 weeks are never 30 days ago)."""
        return cutoff >= self.earliest

    def first_incidents(self, cutoff: datetime, *by: Any) -> Any:
        """Each customer's first incident in the period (per `by`, e.g. category), for those whose first is before
        `cutoff`.

        A customer's first is before the cutoff exactly when one of theirs is,
        so the incidents after it are left out before grouping: the same
        customers and the same first instants, without reading the recent rows
        (a local day is within a day of the UTC one, so none after the next).
        """
        last_day = min(self.scope.last_day, cutoff.date() + timedelta(days=1))
        return (
            select(Incident.customer_id.label("customer_id"), *by, func.min(Incident.occurred_at).label("at"))
            .where(*self.incidents_until(last_day), Incident.customer_id.is_not(None), Incident.occurred_at <= cutoff)
            .group_by(Incident.customer_id, *by).subquery()
        )

    def first_visits(self, cutoff: datetime) -> Any:
        """The baseline: each visitor's first visit in the period, for visitors without an incident in it and whose
        first visit is before `cutoff` (left out before grouping, as in first_incidents)."""
        visit, period = Visit, self.period
        # One row of UTC bounds per time zone (not the calendar of days): SQLite would scan the visits once a day.
        baseline_visit = (
            select(visit.customer_id.label("customer_id"), func.min(visit.checked_in_at).label("at"))
            .join(Site, Site.id == visit.site_id)
            .join(period, and_(period.c.tz == Site.time_zone, visit.checked_in_at >= period.c.starts,
                               visit.checked_in_at < period.c.ends))
            .where(visit.checked_in_at >= self.earliest,
                   visit.checked_in_at <= cutoff if cutoff < self.latest else visit.checked_in_at < self.latest,
                   # not a correlated NOT EXISTS: SQLite searched the period's incidents by site for every visit
                   visit.customer_id.not_in(select(Incident.customer_id).where(
                       *self.any_category, Incident.customer_id.is_not(None))))
            .group_by(visit.customer_id)
        )
        if self.scope.site_id is not None:
            baseline_visit = baseline_visit.where(visit.site_id == self.scope.site_id)
        return baseline_visit.subquery()

    def came_back_by_category(self) -> dict[str, dict[str, Rate]]:
        """Came back within 30 and 90 days, per category, from each customer's first incident of it."""
        rates: dict[str, dict[str, Rate]] = defaultdict(dict)
        for window in WINDOWS:
            cutoff = self.now - timedelta(days=window)
            if not self.reaches(cutoff):
                continue
            start = self.first_incidents(cutoff, Incident.category.label("category"))
            rows = self.session.execute(self.came_back_rate(start, window, start.c.category)
                                        .group_by(start.c.category).order_by(start.c.category))
            for category, n, count in rows:
                rates[category][f"{window}d"] = Rate(count=int(count or 0), n=n)
        return {category: {f"{window}d": by_window.get(f"{window}d", Rate(count=0, n=0)) for window in WINDOWS}
                for category, by_window in rates.items()}

    def came_back_rate(self, source: Any, window: int, *group: Any) -> Any:
        """n (customers at least `window` days past their start) and how many checked in again within it."""
        later = aliased(Visit)
        back = exists().where(later.customer_id == source.c.customer_id, later.checked_in_at > source.c.at,
                              self.within(later.checked_in_at, source.c.at, window))
        return (select(*group, func.count(), func.sum(case((back, 1), else_=0)))
                .select_from(source).where(source.c.at <= self.now - timedelta(days=window)))

    def within(self, later: ColumnElement[datetime] | InstrumentedAttribute[datetime], earlier: ColumnElement[datetime],
               days: int) -> ColumnElement[bool]:
        """`later` at most `days` days after `earlier`, on either backend."""
        if self.sqlite:
            gap: ColumnElement[float] = func.julianday(later) - func.julianday(earlier)
            return gap <= days
        return later <= earlier + literal(timedelta(days=days), Interval())

    def people(
        self, owners: dict[int, dict[str, int]], promises: dict[int, dict[str, int]]
    ) -> tuple[PersonFigures, ...]:
        """Per staff member: loops closed (follow-ups on time, promises kept, hand-offs checked, recoveries)."""
        recoveries = dict(self.session.execute(
            select(Incident.ally_id, func.count(func.distinct(Incident.customer_id)))
            .where(*self.in_period, Incident.customer_id.is_not(None), _came_back_after_incident())
            .group_by(Incident.ally_id)
        ).all())
        ids = set(owners) | set(promises) | set(recoveries)
        names = dict(self.session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all()) if ids else {}
        people = [
            PersonFigures(
                staff_id=staff_id, name=names.get(staff_id, str(staff_id)),
                follow_ups_owned=owners.get(staff_id, {}).get("due", 0),
                follow_ups_on_time=owners.get(staff_id, {}).get("on_time", 0),
                promises_made=sum(promises.get(staff_id, {}).values()),
                promises_kept=promises.get(staff_id, {}).get("kept", 0),
                handoffs_checked=owners.get(staff_id, {}).get("handoffs", 0),
                recoveries=recoveries.get(staff_id, 0),
            )
            for staff_id in ids
        ]
        return tuple(sorted(people, key=lambda person: (person.name.casefold(), person.staff_id)))


    def repeat_customers(self) -> tuple[RepeatCustomer, ...]:
        """Customers with two or more incidents in the period, with tenure, visits and remedies ever."""
        incidents = func.count().label("incidents")
        repeats = dict(self.session.execute(
            select(Incident.customer_id, incidents).where(*self.in_period, Incident.customer_id.is_not(None))
            .group_by(Incident.customer_id).having(func.count() >= 2)
            .order_by(incidents.desc(), Incident.customer_id).limit(TOP_REPEATS)
        ).all())
        if not repeats:
            return ()
        visits = dict(self.session.execute(
            select(Visit.customer_id, func.count()).where(Visit.customer_id.in_(repeats)).group_by(Visit.customer_id)
        ).all())
        ever: dict[int, int] = defaultdict(int)
        remedies: dict[int, dict[str, int]] = defaultdict(dict)
        for customer_id, currency, count, amount in self.session.execute(
            select(Incident.customer_id, Site.currency, func.count(), func.sum(Incident.remedy_cost))
            .join(Site, Site.id == Incident.site_id).where(Incident.customer_id.in_(repeats))
            .group_by(Incident.customer_id, Site.currency)
        ):
            if customer_id is None:
                continue
            ever[customer_id] += count
            if amount:
                remedies[customer_id][currency] = int(amount)
        found = []
        for customer_id, name, since, imported in self.session.execute(
            select(Customer.id, Customer.name, Customer.customer_since, Customer.imported_visits)
            .where(Customer.id.in_(repeats))
        ):
            seen = visits.get(customer_id, 0) + (imported or 0)
            first = timing.local(since, self.tz).date()
            found.append(RepeatCustomer(
                customer_id=customer_id, name=name, customer_since=first, tenure_days=(self.today - first).days,
                visits=seen, incidents=repeats[customer_id], incidents_ever=ever[customer_id],
                incidents_per_visit=round(ever[customer_id] / seen, 2) if seen else None,
                remedy_totals=remedies[customer_id],
            ))
        return tuple(sorted(found, key=lambda repeat: (-repeat.incidents, repeat.customer_id)))


def _came_back_after_incident() -> ColumnElement[bool]:
    """The incident's customer checked in again after it (the visit it happened in does not count)."""
    later = aliased(Visit)
    return exists().where(
        later.customer_id == Incident.customer_id,
        later.checked_in_at > Incident.occurred_at,
        and_(Incident.visit_id.is_(None)) | (later.id != Incident.visit_id),
    )


def _calendar(zones: Any, first: date, last: date) -> tuple[Any, datetime, datetime]:
    """A row per time zone and local day from `first` to `last`: its ordinal, date and UTC bounds."""
    rows = []
    for name in zones:
        tz = timing.zone(name)
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            rows.append((name, day.toordinal(), day, timing.at_local(day, time(0), tz),
                         timing.at_local(day + timedelta(days=1), time(0), tz)))
    calendar = values(
        column("tz", String), column("day", Integer), column("local_day", Date), column("starts", UTCDateTime()),
        column("ends", UTCDateTime()), name="calendar",
    ).data(rows).cte("calendar")
    earliest = min((row[3] for row in rows), default=timing.utc_now())
    latest = max((row[4] for row in rows), default=earliest)
    return calendar, earliest, latest


def _counts(rows: Any, labels: dict[str, str] | None = None) -> tuple[Count, ...]:
    return tuple(
        Count(key=str(key), label=(labels or {}).get(str(key), str(key)), count=count)
        for key, count in rows
    )


def _median(histogram: dict[int, int]) -> float | None:
    """The median of a histogram {value: how many}, without expanding it."""
    n = sum(histogram.values())
    if not n:
        return None
    middle, seen, ordered = [], 0, sorted(histogram.items())
    for wanted in sorted({(n - 1) // 2, n // 2}):
        for value, count in ordered:
            if wanted < seen + count:
                middle.append(value)
                break
            seen += count
        seen = 0
    return sum(middle) / len(middle) if len(middle) == 2 else float(middle[0])


def as_json(report: Report) -> dict[str, Any]:
    """One key per section (README lists every named figure)."""

    def counts(items: tuple[Count, ...]) -> list[dict[str, Any]]:
        return [{"key": item.key, "label": item.label, "count": item.count} for item in items]

    def rate(value: Rate | None) -> dict[str, Any]:
        value = value or Rate(count=0, n=0)
        return {"count": value.count, "n": value.n, "share": value.share}

    on_time = Rate(count=report.follow_ups_on_time, n=report.follow_ups_due)
    labels = {item.key: item.label for item in report.by_category}
    outcomes = {item.key: item.count for item in report.outcomes}
    return {
        "period": {"first_day": report.first_day.isoformat(), "last_day": report.last_day.isoformat(),
                   "site": report.site_name, "all_sites": report.site_name is None, "category": report.category},
        "incidents": {"total": report.incidents, **{item.key: item.count for item in report.by_severity}},
        "trend": counts(report.trend),
        "by_category": counts(report.by_category),
        "by_hour": counts(report.by_hour),
        "by_category_hour": counts(report.by_category_hour),
        "by_weekday": counts(report.by_weekday),
        "by_product": counts(report.by_product),
        "root_causes": counts(report.root_causes),
        "remedies": [line.model_dump() for line in report.remedies],
        "follow_through": {
            "due": report.follow_ups_due, "on_time": report.follow_ups_on_time, "on_time_share": on_time.share,
            "late": report.follow_ups_late, "overdue": report.follow_ups_overdue,
            "escalated": report.follow_ups_escalated,
            "median_days_to_first_contact": report.median_days_to_first_contact,
            "first_contacts": report.first_contacts,
            "episodes_open": counts(report.episodes_open),
        },
        "promises": {"made": report.promises_made, "kept": report.promises_kept, "broken": report.promises_broken,
                     "pending": report.promises_pending},
        "recovery": {
            **{outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
            **{f"came_back_{window}d": rate(report.came_back.get(f"{window}d")) for window in WINDOWS},
            **{f"baseline_came_back_{window}d": rate(report.came_back.get(f"baseline_{window}d"))
               for window in WINDOWS},
            "by_category": [
                {"key": key, "label": labels.get(key, key),
                 **{f"came_back_{window}d": rate(by_window.get(f"{window}d")) for window in WINDOWS}}
                for key, by_window in report.came_back_by_category.items()
            ],
        },
        "people": [person.model_dump() for person in report.people],
        "repeat_customers": [{**repeat.model_dump(), "customer_since": repeat.customer_since.isoformat()}
                             for repeat in report.repeat_customers],
    }


def csv_rows(figures: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """Long form `section,key,label,value`: a count per item, a figure per name, a rate's parts as `name|part`."""
    for section, body in figures.items():
        if isinstance(body, dict):
            for name, value in body.items():
                if isinstance(value, dict):
                    for part, inner in value.items():
                        yield section, f"{name}|{part}", part, inner
                elif isinstance(value, list):
                    for item in value:
                        if "count" in item:
                            yield section, f"{name}|{item['key']}", item["label"], item["count"]
                            continue
                        for part, rate in item.items():  # recovery.by_category: a rate per window
                            if isinstance(rate, dict):
                                for inner, figure in rate.items():
                                    yield section, f"{name}|{item['key']}|{part}|{inner}", item["label"], figure
                else:
                    yield section, name, name.replace("_", " "), value
        elif isinstance(body, list):
            for item in body:
                if "count" in item and "key" in item:
                    yield section, item["key"], item["label"], item["count"]
                elif section == "remedies":
                    for part in ("incidents", "total"):
                        yield section, f"{item['category']}|{item['currency']}", f"{item['label']} {part}", item[part]
                else:  # people and repeat customers: one row a figure, keyed by their id, labelled with the name
                    who = item.get("staff_id", item.get("customer_id"))
                    for part, value in item.items():
                        if isinstance(value, dict):
                            for currency, amount in value.items():
                                yield section, f"{who}|{part}|{currency}", item["name"], amount
                        elif part not in ("staff_id", "customer_id", "name"):
                            yield section, f"{who}|{part}", item["name"], value


def as_text(report: Report) -> Iterator[str]:
    """Readable lines: the title, then each section's figures."""
    figures = as_json(report)
    where = report.site_name or "all sites"
    category = f" · category {report.category}" if report.category else ""
    yield f"Report {report.first_day} – {report.last_day} · {where}{category}"
    section = None
    for name, key, text, value in csv_rows(figures):
        if name != section:
            section = name
            yield ""
            yield name.replace("_", " ").capitalize()
        shown = "-" if value is None else value
        yield f"  {text}: {shown}" if "|" not in key else f"  {key} ({text}): {shown}"


def write_report(report: Report, out: TextIO, form: str) -> None:
    """The report as readable text, long-form spreadsheet-safe CSV, or JSON with one key per section."""
    from frontdesk.csvsafe import SafeWriter
    from frontdesk.text import visible

    if form == "json":
        json.dump(as_json(report), out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif form == "csv":
        writer = SafeWriter(out)
        writer.writerow(("section", "key", "label", "value"))
        writer.writerows(csv_rows(as_json(report)))
    else:
        for line in as_text(report):
            out.write(visible(line) + "\n")


def csv_name(report: Report) -> str:
    """The file name of a saved report: its site (or "all-sites"), category if narrowed, and days."""
    from frontdesk.text import fold

    where = re.sub(r"[^a-z0-9]+", "-", fold(report.site_name or "all sites")).strip("-") or "site"
    category = f"-{re.sub(r'[^a-z0-9]+', '-', fold(report.category)).strip('-')}" if report.category else ""
    return f"frontdesk-report-{where}{category}-{report.first_day}-to-{report.last_day}.csv"


def save_csv(actor: Actor, report: Report, folder: Path) -> Path:
    """F5's `s`: the report shown, as `frontdesk report --format csv` writes it (`write_report`), into `folder`
    as an owner-only file named by `csv_name`, replaced whole or not at all. Exporting needs the `export`
    permission; audited as `report_export` (the site, or the store for all sites), only once the file is there."""
    target = folder / csv_name(report)
    with actor.store.begin() as session:
        require(session, actor, "export")
        write_atomically(target, lambda out: write_report(report, out, "csv"))
        if report.site_name is None:
            audit.record(session, actor, "report_export", "store", 0)
        else:
            audit.record(session, actor, "report_export", "site", actor.site_id)
    return target
