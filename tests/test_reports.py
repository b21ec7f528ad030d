"""Reports (F5): grouping by category, hour and weekday; follow-through; coming back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from frontdesk.clock import FixedClock
from frontdesk.schemas.inputs import OutcomeInput
from frontdesk.services import customers, followups, incidents, reports
from frontdesk.services.context import Actor
from tests.ui import make_app, ready, screen_text


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


async def test_reports_screen_by_keys(sqlite_desk: Actor, clock: FixedClock) -> None:
    _history(sqlite_desk, clock)
    app = make_app(sqlite_desk.store.url.render_as_string(hide_password=False), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("f5")
        await ready(pilot)
        text = screen_text(app)
        assert "Last 30 days" in text and "Incidents                    3 · minor 1" in text
        assert "Came back after an incident  1 of 2 customers" in text
        assert "…" not in text.split("By category")[1], "at 80 columns every bar ends inside its column"
        food = next(line for line in text.splitlines() if "Food and drink" in line)
        await pilot.resize_terminal(120, 40)
        await ready(pilot)
        wide = next(line for line in screen_text(app).splitlines() if "Food and drink" in line)
        assert wide.count("█") == 24 > food.count("█"), "bars are drawn again for the new width"
        await pilot.press("p")
        await ready(pilot)
        assert "Last 90 days" in screen_text(app)
        await pilot.press("a")
        await ready(pilot)
        assert "all sites" in screen_text(app)


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")])
def test_reports_snapshot(snap_compare, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Last 30 days at Bistro Berlin: 3 incidents, follow-through lines (label, then figures that wrap in
    their own column at 80), bars by category, product (the bracketed product shown literally), weekday
    and hour, the longest bar of each chart ending inside its column."""
    _history(sqlite_desk, clock)
    app = make_app(sqlite_desk.store.url.render_as_string(hide_password=False), clock)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await ready(pilot)
        await pilot.press("f5")
        await ready(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
