"""Reports (F5): grouping by category, hour and weekday; follow-through; coming back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from frontdesk.clock import FixedClock
from frontdesk.errors import InvalidInput
from frontdesk.schemas.inputs import OutcomeInput
from frontdesk.services import customers, followups, incidents, reports
from frontdesk.services.context import Actor


def _history(actor: Actor, clock: FixedClock) -> dict[str, int]:
    """Three incidents at known local times, a promise kept, a follow-up done on time, a return visit."""
    ana = customers.create_customer(actor, customers.parse_customer(actor, {"name": "Ana García"}))
    ben = customers.create_customer(actor, customers.parse_customer(actor, {"name": "Ben [/]"}))
    customers.check_in(actor, ana)
    incidents.log_incident(actor, incidents.parse_incident(actor, {
        "customer_id": ana, "occurred_at": "19:10", "category": "food", "severity": "major",
        "product": "Risotto [special]", "description": "cold", "remedy_kind": "comped", "remedy_cost": "14.00",
        "promise_text": "call back", "promise_due_at": "tomorrow 12:00", "promise_likelihood": "likely"}))
    incidents.log_incident(actor, incidents.parse_incident(actor, {
        "customer_id": ben, "occurred_at": "19:20", "category": "food", "severity": "minor",
        "product": "Risotto [special]", "description": "salty"}))
    incidents.log_incident(actor, incidents.parse_incident(actor, {
        "occurred_at": "yesterday 13:05", "category": "wait", "severity": "moderate", "description": "slow"}))
    promise = next(i for i in incidents.todays_incidents(actor) if i.customer_id == ana)
    detail = incidents.incident_detail(actor, promise.id)
    incidents.amend_incident(actor, promise.id, detail.version, incidents.parse_amend(actor, {"promise_status": "kept"}))
    clock.advance(timedelta(days=1))
    first = followups.due_queue(actor).items[0]
    followups.complete(actor, first.id, first.version, OutcomeInput.parse({"outcome": "reached_satisfied"}))
    clock.advance(timedelta(days=3))
    customers.check_in(actor, ana)
    return {"ana": ana, "ben": ben}


def test_report_groups_in_site_local_time_and_measures_follow_through(desk: Actor, clock: FixedClock) -> None:
    _history(desk, clock)
    result = reports.report(desk, 30)
    assert result.incidents == 3
    assert [(c.key, c.count) for c in result.by_category] == [("food", 2), ("wait", 1)]
    assert result.by_category[0].label == "Food and drink"
    assert [(c.label, c.count) for c in result.by_product] == [("Risotto [special]", 2)]
    hours = {c.label: c.count for c in result.by_hour}
    assert hours["19"] == 2 and hours["13"] == 1 and sum(hours.values()) == 3
    weekdays = {c.label: c.count for c in result.by_weekday}
    assert weekdays == {"Mon": 0, "Tue": 0, "Wed": 0, "Thu": 1, "Fri": 2, "Sat": 0, "Sun": 0}
    assert {c.key: c.count for c in result.by_severity} == {"minor": 1, "moderate": 1, "major": 1, "critical": 0}
    assert result.remedy_totals == {"EUR": 1400}
    assert (result.promises_made, result.promises_kept, result.promises_broken, result.promises_pending) == (1, 1, 0, 0)
    assert result.follow_ups_on_time == 1
    assert result.follow_ups_overdue == 4  # every planned step but the one done was due before day four
    assert result.follow_ups_due == result.follow_ups_on_time + result.follow_ups_late + result.follow_ups_overdue
    # the four open ones, each overdue by a local day and more, and the check-in done a day late
    assert result.follow_ups_escalated == 5
    assert (result.customers_with_incidents, result.customers_returned) == (2, 1)


def test_a_shorter_period_leaves_older_incidents_out(desk: Actor, clock: FixedClock) -> None:
    _history(desk, clock)
    assert reports.report(desk, 7).incidents == 3
    clock.advance(timedelta(days=30))
    assert reports.report(desk, 7).incidents == 0
    assert reports.report(desk, 90).incidents == 3


def test_named_periods_end_today_in_the_sites_zone() -> None:
    friday = date(2026, 11, 20)
    assert reports.period_days("week", friday) == (date(2026, 11, 16), friday)
    assert reports.period_days("4w", friday) == (date(2026, 10, 24), friday)
    assert reports.period_days("quarter", friday) == (date(2026, 10, 1), friday)
    assert reports.period_days("quarter", date(2026, 3, 31)) == (date(2026, 1, 1), date(2026, 3, 31))
    with pytest.raises(InvalidInput):
        reports.period_days("fortnight", friday)


def test_the_screens_one_call_counts_the_named_period_or_the_typed_days(desk: Actor, clock: FixedClock) -> None:
    """F5's view: the period by name or typed, scope and category checked as the command checks them, and
    the categories to choose from."""
    _history(desk, clock)  # incidents on Thursday 19 and Friday 20 Nov; the clock is now four days on
    week = reports.view(desk, period="week")
    assert (week.report.first_day, week.report.last_day) == (date(2026, 11, 23), date(2026, 11, 24))
    assert week.report.incidents == 0
    four_weeks = reports.view(desk)
    assert four_weeks.period == "4w" and four_weeks.report.incidents == 3
    assert four_weeks.report == reports.build(desk, reports.parse_scope(desk))
    typed = reports.view(desk, period="custom", first_day="2026-11-20", last_day="2026-11-20", category="food")
    assert (typed.report.incidents, typed.report.category) == (2, "food")
    assert ("food", "Food and drink") in typed.categories
    with pytest.raises(InvalidInput) as refused:
        reports.view(desk, period="custom", first_day="2026-11-20", last_day="2026-11-19")
    assert "to" in refused.value.errors
