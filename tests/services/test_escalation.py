"""Escalation (issue 15 item 1): overdue follow-ups rise to the leads, then the managers, on a pinned clock.

The site is in Berlin; thresholds are local days at the same local time of
day (the defaults: 1 day to the leads, 3 to the managers). Only a lead's or
manager's reschedule with a reason, or a reassignment, restarts the clock.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from _support import follow_ups_of, step, utc
from sqlalchemy import select, text

from frontdesk.errors import NotAllowed
from frontdesk.schemas.inputs import OutcomeInput
from frontdesk.schemas.reads import EscalationCounts
from frontdesk.services import audit, escalation, followups, incidents, settings
from frontdesk.store.db import LOCK_TIMEOUT
from frontdesk.store.models import AuditEvent, FollowUp

DUE = utc(2026, 11, 16, 9)
"""Monday 16 Nov, 10:00 in Berlin."""


@pytest.fixture
def call(desk, clock, staff, log) -> int:
    """A call owned by Tom, due Monday 10:00 local, logged that morning."""
    clock.set(utc(2026, 11, 16, 8))
    result = log(occurred_at="08:30", plan=[step("check_in", DUE, staff["Tom"])])
    return follow_ups_of(desk, result.incident_id)[0].id


def level(desk, follow_up_id: int) -> tuple[int, object]:
    with desk.store.read() as session:
        row = session.get(FollowUp, follow_up_id)
        assert row is not None
        return row.escalation, row.escalated_at


def escalate_events(desk, follow_up_id: int) -> list[tuple[object, int | None]]:
    with desk.store.read() as session:
        return [(row.at, row.staff_id) for row in session.execute(
            select(AuditEvent.at, AuditEvent.staff_id).where(
                AuditEvent.action == "escalate", AuditEvent.record_id == follow_up_id).order_by(AuditEvent.id))]


def test_each_threshold_on_a_pinned_clock(desk, clock, call):
    """Not at 23 h 59 overdue, the leads at a day, not yet the managers at 2 days 23 h 59, the managers at 3."""
    clock.set(utc(2026, 11, 17, 8, 59))
    assert escalation.escalate_due(desk) == 0
    assert level(desk, call) == (0, None)

    clock.set(utc(2026, 11, 17, 9))  # Tuesday 10:00 local
    assert escalation.escalate_due(desk) == 1
    assert level(desk, call) == (1, utc(2026, 11, 17, 9))
    assert escalation.escalate_due(desk) == 0, "idempotent: run again, nothing more"

    clock.set(utc(2026, 11, 19, 8, 59))
    assert escalation.escalate_due(desk) == 0
    assert level(desk, call)[0] == 1

    clock.set(utc(2026, 11, 19, 12))  # later than the threshold: escalated_at is the threshold, not now
    assert followups.due_queue(desk).items[0].escalation == 2, "the queue escalates as it loads"
    assert level(desk, call) == (2, utc(2026, 11, 19, 9))
    assert escalate_events(desk, call) == [(utc(2026, 11, 17, 9), None), (utc(2026, 11, 19, 12), None)]
    assert escalation.counts(desk) == EscalationCounts(leads=0, managers=1)


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # SQLite has one writer: a second waits, by design
def test_a_terminal_escalating_a_backlog_holds_no_other_terminal_up(desk, clock, staff, log, as_staff, monkeypatch):
    """PostgreSQL (issue 19): terminal "bar" sits inside its escalation's last open transaction, its rows locked.

    The queue at "stand" completes a follow-up of an earlier batch and runs
    the escalation itself: neither waits (both finish well inside
    `lock_timeout`; a whole backlog in one transaction made them wait past it),
    nothing rises twice, and "bar" raises everything once it commits.
    """
    clock.set(utc(2026, 11, 16, 8))
    ids = sorted(follow_ups_of(desk, log(occurred_at="08:30", plan=[step("check_in", DUE, staff["Tom"])]).incident_id)[0].id
                 for _ in range(6))
    monkeypatch.setattr(escalation, "ESCALATION_BATCH", 3)
    clock.set(utc(2026, 11, 17, 9))  # a day overdue: all six rise to the leads
    bar = replace(desk, terminal="bar")
    holding, release = threading.Event(), threading.Event()
    raised_at_bar: list[int] = []
    real_record = audit.record

    def record(session, actor, action, record_type, record_id, fields=()):  # type: ignore[no-untyped-def]
        real_record(session, actor, action, record_type, record_id, fields)
        if actor.terminal == "bar" and action == "escalate":
            raised_at_bar.append(record_id)
            if len(raised_at_bar) == len(ids):  # the last batch's rows are locked, not yet committed
                holding.set()
                assert release.wait(30)

    monkeypatch.setattr(audit, "record", record)
    result: list[int] = []
    holder = threading.Thread(target=lambda: result.append(escalation.escalate_due(bar)))
    holder.start()
    try:
        assert holding.wait(30), "bar reached its last batch"
        budget = float(LOCK_TIMEOUT.removesuffix("s"))

        started = time.monotonic()
        followups.complete(as_staff("Tom"), ids[0], None, OutcomeInput.parse({"outcome": "reached_satisfied", "note": "Happy"}))
        completing = time.monotonic() - started
        started = time.monotonic()
        assert escalation.escalate_due(desk) == 0, "bar holds the rest: stand skips them"
        escalating = time.monotonic() - started
    finally:
        release.set()
        holder.join(30)
    assert completing < budget / 2 and escalating < budget / 2, (completing, escalating)
    assert result == [6]
    assert [len(escalate_events(desk, follow_up_id)) for follow_up_id in ids] == [1] * 6, "each escalated once"
    assert [level(desk, follow_up_id)[0] for follow_up_id in ids] == [1] * 6
    assert escalation.escalate_due(desk) == 0


def test_local_days_across_the_clocks_going_back(desk, clock, staff, log):
    """Due Saturday 24 Oct 10:00 CEST; a local day later is Sunday 10:00 CET, 25 hours on."""
    clock.set(utc(2026, 10, 24, 7))
    result = log(occurred_at="08:30", plan=[step("check_in", utc(2026, 10, 24, 8), staff["Tom"])])
    follow_up_id = follow_ups_of(desk, result.incident_id)[0].id
    clock.set(utc(2026, 10, 25, 8, 30))  # 24 h 30 later: still Sunday 09:30 local
    escalation.escalate_due(desk)
    assert level(desk, follow_up_id) == (0, None)
    clock.set(utc(2026, 10, 25, 9))
    escalation.escalate_due(desk)
    assert level(desk, follow_up_id) == (1, utc(2026, 10, 25, 9))


def test_the_sites_settings_move_the_thresholds(desk, clock, call):
    settings.set_setting(desk, "escalate_lead_after_days", "2")
    settings.set_setting(desk, "escalate_manager_after_days", "5")
    clock.set(utc(2026, 11, 18, 8))
    escalation.escalate_due(desk)
    assert level(desk, call)[0] == 0
    clock.set(utc(2026, 11, 18, 9))
    escalation.escalate_due(desk)
    assert level(desk, call)[0] == 1
    clock.set(utc(2026, 11, 21, 9))
    escalation.escalate_due(desk)
    assert level(desk, call)[0] == 2


def test_the_owners_attempts_and_reschedules_do_not_restart_the_clock(desk, clock, as_staff, call):
    """Tom tries and moves his call each day: it still reaches the managers three days after it was due."""
    tom = as_staff("Tom")
    clock.set(utc(2026, 11, 16, 9, 30))
    followups.complete(tom, call, None, OutcomeInput(outcome="no_answer"))
    clock.set(utc(2026, 11, 17, 9, 30))
    assert followups.due_queue(tom).items[0].escalation == 1, "overdue by a day from the first due time"
    followups.reschedule_by_days(tom, call, None, 7, reason="Guest on holiday")
    assert level(desk, call)[0] == 1, "the owner's reason does not restart it"
    clock.set(utc(2026, 11, 19, 9))
    escalation.escalate_due(desk)
    assert level(desk, call) == (2, utc(2026, 11, 19, 9))


def test_a_leads_reschedule_with_a_reason_restarts_the_clock(desk, clock, as_staff, call):
    lena = as_staff("Lena")
    clock.set(utc(2026, 11, 17, 12))
    escalation.escalate_due(desk)
    assert level(desk, call)[0] == 1

    followups.reschedule_by_days(lena, call, None, 1)
    assert level(desk, call)[0] == 1, "without a reason: moved, not restarted"

    moved = followups.reschedule(lena, call, None, {"due_at": "thu 10:00", "reason": "Guest asked for Thursday"})
    assert moved.escalation == 0
    with desk.store.read() as session:
        row = session.get(FollowUp, call)
        assert row is not None
        assert (row.escalation, row.escalated_at, row.escalation_clock_at, row.due_at, row.reschedule_reason) == (
            0, None, utc(2026, 11, 19, 9), utc(2026, 11, 19, 9), "Guest asked for Thursday")
    assert followups.follow_up_detail(desk, call).reschedule_reason == "Guest asked for Thursday"
    clock.set(utc(2026, 11, 20, 8, 59))
    escalation.escalate_due(desk)
    assert level(desk, call)[0] == 0
    clock.set(utc(2026, 11, 20, 9))
    escalation.escalate_due(desk)
    assert level(desk, call) == (1, utc(2026, 11, 20, 9))


def test_a_reassignment_restarts_the_clock_from_now(desk, clock, staff, as_staff, call):
    clock.set(utc(2026, 11, 19, 12))
    escalation.escalate_due(desk)
    assert level(desk, call)[0] == 2
    followups.reassign(as_staff("Lena"), call, None, staff["Hana"])
    assert level(desk, call) == (0, None)
    clock.set(utc(2026, 11, 20, 12))
    escalation.escalate_due(desk)
    assert level(desk, call) == (1, utc(2026, 11, 20, 12))


def test_three_unanswered_tries_escalate_to_the_leads_at_once(desk, clock, as_staff, call):
    tom = as_staff("Tom")
    for day in (16, 17, 18):
        clock.set(utc(2026, 11, day, 8, 55))  # each try before it is overdue by a day from the try before
        tried = followups.complete(tom, call, None, OutcomeInput(outcome="no_answer"))
    assert tried.escalation == 1
    assert level(desk, call)[0] >= 1


def test_escalations_lists_what_is_escalated_for_leads_and_the_shell(desk, clock, as_staff, call, log, staff):
    clock.set(utc(2026, 11, 16, 8))
    log(occurred_at="08:30", plan=[step("check_in", utc(2026, 11, 18, 9), staff["Lena"])])
    clock.set(utc(2026, 11, 19, 12))
    listed = escalation.escalations(as_staff("Lena"))
    assert [(item.follow_up_id, item.escalation, item.escalated_at, item.owner) for item in listed] == [
        (call, 2, utc(2026, 11, 19, 9), "Tom"), (call + 1, 1, utc(2026, 11, 19, 9), "Lena")]
    with pytest.raises(NotAllowed, match="lead or manager"):
        escalation.escalations(as_staff("Tom"))


def test_0009_turns_needs_lead_into_escalation_1(empty_url, clock):
    """A store at 0008 with one follow-up marked needs_lead and one not: upgraded, escalation 1 and 0."""
    from alembic import command

    from frontdesk.store.migrate import alembic_config, open_store, upgrade_store
    from tests.conftest import set_up_desk

    store = open_store(empty_url)
    desk = set_up_desk(store, clock)
    logged = incidents.log_incident(desk, incidents.parse_incident(desk, {
        "category": "food", "severity": "minor", "description": "Soup arrived cold",
        "plan": [step("check_in", utc(2026, 11, 21, 9), desk.staff_id), step("wrap_up", utc(2026, 11, 22, 9),
                                                                             desk.staff_id)]}))
    with store.migration_lock() as connection:
        command.downgrade(alembic_config(connection), "0008")
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE follow_ups SET needs_lead = (id = (SELECT min(id) FROM follow_ups))"))
    store.dispose()
    if empty_url.startswith("sqlite"):
        store = open_store(empty_url)
    else:
        upgrade_store(empty_url)
        store = open_store(empty_url)
    try:
        with store.read() as session:
            rows = session.scalars(select(FollowUp).where(FollowUp.incident_id == logged.incident_id)
                                   .order_by(FollowUp.id)).all()
            assert [(row.escalation, row.escalation_clock_at) for row in rows] == [
                (1, utc(2026, 11, 21, 9)), (0, utc(2026, 11, 22, 9))]
            assert rows[0].escalated_at == rows[0].updated_at and rows[1].escalated_at is None
    finally:
        store.dispose()


@pytest.mark.parametrize("zone, now", [
    ("Europe/Berlin", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),     # spring forward, at now
    ("Europe/Berlin", datetime(2026, 3, 30, 12, 0, tzinfo=UTC)),     # a day after it: near the boundary
    ("America/New_York", datetime(2026, 11, 2, 7, 0, tzinfo=UTC)),   # fall back
    ("America/New_York", datetime(2026, 11, 4, 5, 30, tzinfo=UTC)),  # near a 3-day boundary
    ("Australia/Lord_Howe", datetime(2026, 4, 5, 15, 0, tzinfo=UTC)),  # half-hour change
    ("Pacific/Apia", datetime(2011, 12, 31, 12, 0, tzinfo=UTC)),     # the day Samoa skipped
    ("Pacific/Apia", datetime(2012, 1, 2, 12, 0, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2026, 6, 1, 9, 45, tzinfo=UTC)),
])
def test_the_candidate_filter_keeps_every_follow_up_that_crossed(zone: str, now: datetime) -> None:
    """Every clock start whose threshold is reached by now passes the SQL pre-filter, across clock changes."""
    from zoneinfo import ZoneInfo

    from frontdesk.services.escalation import candidate_cut, threshold

    tz = ZoneInfo(zone)
    for days in (0, 1, 2, 3, 7):
        cut = candidate_cut(now, tz, days)
        for step in range(-6 * 24 * 4, 3 * 24 * 4):  # every 15 minutes, from 6 days before to 3 after the boundary
            clock_at = now - timedelta(days=days) + timedelta(minutes=15 * step)
            if threshold(clock_at, days, tz) <= now:
                assert clock_at < cut, (zone, days, clock_at)


@pytest.mark.parametrize(("role", "leads", "managers", "said"), [
    ("lead", 2, 1, "! 2 follow-ups escalated to the leads · F4: the queue"),
    ("lead", 0, 1, ""),
    ("manager", 2, 0, "! 2 follow-ups escalated to the leads · F4: the queue"),
    ("manager", 0, 1, "!! 1 follow-up escalated to the managers · F4: the queue"),
    ("manager", 2, 1, "!! 3 escalated (managers 1, leads 2) · F4: the queue"),
    ("manager", 0, 0, ""),
])
def test_a_manager_hears_of_both_levels_a_lead_of_the_first(role, leads, managers, said):
    assert escalation.notice(role, EscalationCounts(leads=leads, managers=managers)) == said
