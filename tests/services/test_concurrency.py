"""Two terminals acting on one follow-up: exactly one wins, the other is told who and when.

On PostgreSQL both sessions read the open follow-up inside their transactions
and wait for each other at a barrier before either writes (READ COMMITTED:
the second UPDATE finds the version changed, StaleDataError, Conflict). On
SQLite a write transaction begins IMMEDIATE, so the second terminal waits
for the first to commit and then reads a finished follow-up.

The hook sits in `followups._touch`, which every change calls after reading
the row and before it is flushed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from _support import follow_ups_of, step, utc
from sqlalchemy import event, func, select

from frontdesk.errors import Conflict
from frontdesk.schemas.inputs import OutcomeInput, RescheduleInput
from frontdesk.services import followups, incidents
from frontdesk.store.models import AuditEvent, FollowUpAttempt

SATISFIED = OutcomeInput.parse({"outcome": "reached_satisfied", "note": "Happy"})
UNHAPPY = OutcomeInput.parse({"outcome": "reached_unhappy", "note": "Still upset"})


@pytest.fixture
def follow_up_id(desk, staff, log) -> int:
    result = log(occurred_at="19:00", ally_id=staff["Tom"], plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])])
    return follow_ups_of(desk, result.incident_id)[0].id


def _run(index: int, action: Callable[[], Any], results: list[Any]) -> None:
    try:
        results[index] = ("ok", action())
    except Exception as exc:  # noqa: BLE001 - the test inspects what each terminal got
        results[index] = ("error", exc)


def race_in_open_transactions(monkeypatch, first: Callable[[], Any], second: Callable[[], Any]) -> list[Any]:
    """PostgreSQL: both read the row, meet at a barrier, then both write."""
    barrier = threading.Barrier(2, timeout=10)
    real_touch = followups._touch
    arrived: list[int] = []

    def touch(actor, row):  # type: ignore[no-untyped-def]
        arrived.append(row.version)
        barrier.wait()
        real_touch(actor, row)

    monkeypatch.setattr(followups, "_touch", touch)
    results: list[Any] = [None, None]
    threads = [threading.Thread(target=_run, args=(i, action, results)) for i, action in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert arrived == [1, 1], "both terminals read the same version of the follow-up before either wrote"
    return results


def race_serialised(store, monkeypatch, first: Callable[[], Any], second: Callable[[], Any]) -> list[Any]:  # type: ignore[no-untyped-def]
    """SQLite: the first holds its write transaction open while the second asks for one and has to wait.

    The proof is the order of what the driver was asked: the second's BEGIN IMMEDIATE is issued while the
    first is inside, and returns only after the first commits.
    """
    first_inside, release = threading.Event(), threading.Event()
    real_touch = followups._touch
    calls: list[int] = []
    order: list[str] = []
    asked = threading.Event()

    def touch(actor, row):  # type: ignore[no-untyped-def]
        calls.append(row.version)
        if len(calls) == 1:
            first_inside.set()
            assert release.wait(10)
        real_touch(actor, row)

    def before(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
        if threading.current_thread() is two and statement == "BEGIN IMMEDIATE":
            order.append("second asks")
            asked.set()

    def after(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
        if threading.current_thread() is two and statement == "BEGIN IMMEDIATE":
            order.append("second begins")

    def committed(conn):  # type: ignore[no-untyped-def]
        if threading.current_thread() is one and first_inside.is_set():
            order.append("first commits")

    monkeypatch.setattr(followups, "_touch", touch)
    results: list[Any] = [None, None]
    one = threading.Thread(target=_run, args=(0, first, results))
    two = threading.Thread(target=_run, args=(1, second, results))
    listeners = (("before_cursor_execute", before), ("after_cursor_execute", after), ("commit", committed))
    for name, listener in listeners:
        event.listen(store.engine, name, listener)
    try:
        one.start()
        assert first_inside.wait(10)
        two.start()
        assert asked.wait(10), "the second terminal asks for its write transaction"
        release.set()
        one.join(20)
        two.join(20)
    finally:
        for name, listener in listeners:
            event.remove(store.engine, name, listener)
    assert order == ["second asks", "first commits", "second begins"], \
        "the second write transaction waits for the first (BEGIN IMMEDIATE)"
    assert calls == [1], "the second terminal never got to change the row"
    return results


def race(store, monkeypatch, first, second):  # type: ignore[no-untyped-def]
    if store.is_sqlite:
        return race_serialised(store, monkeypatch, first, second)
    return race_in_open_transactions(monkeypatch, first, second)


def audit_actions(desk, follow_up_id: int) -> list[str]:
    with desk.store.read() as session:
        return list(session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.record_type == "follow_up", AuditEvent.record_id == follow_up_id)
            .order_by(AuditEvent.id)
        ))


def attempt_count(desk, follow_up_id: int) -> int:
    with desk.store.read() as session:
        return session.scalar(
            select(func.count()).select_from(FollowUpAttempt).where(FollowUpAttempt.follow_up_id == follow_up_id)
        ) or 0


def test_double_completion_one_wins(desk, store, as_staff, monkeypatch, follow_up_id):
    version = followups.follow_up_detail(desk, follow_up_id).item.version
    lena, tom = as_staff("Lena"), as_staff("Tom")

    results = race(
        store, monkeypatch,
        lambda: followups.complete(lena, follow_up_id, version, SATISFIED),
        lambda: followups.complete(tom, follow_up_id, version, UNHAPPY),
    )

    outcomes = [kind for kind, _ in results]
    assert sorted(outcomes) == ["error", "ok"], results
    winner = "Lena" if results[0][0] == "ok" else "Tom"
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, Conflict), error
    assert str(error).startswith(f"already done by {winner} at 19:30")
    detail = followups.follow_up_detail(desk, follow_up_id)
    assert (detail.status, detail.completed_by) == ("done", winner)
    assert detail.outcome == ("reached_satisfied" if winner == "Lena" else "reached_unhappy")
    assert attempt_count(desk, follow_up_id) == 1, "the loser's attempt was rolled back"
    assert audit_actions(desk, follow_up_id) == ["create", "complete"]
    open_items = [row for row in follow_ups_of(desk, detail.item.incident_id) if row.status == "open"]
    assert len(open_items) == (1 if winner == "Tom" else 0), "only the winner's outcome had consequences"


def test_complete_against_reschedule_one_wins(desk, store, as_staff, monkeypatch, follow_up_id):
    version = followups.follow_up_detail(desk, follow_up_id).item.version
    later = RescheduleInput.parse({"due_at": "2026-11-23 15:00"}, **incidents.context(desk))

    results = race(
        store, monkeypatch,
        lambda: followups.complete(as_staff("Lena"), follow_up_id, version, SATISFIED),
        lambda: followups.reschedule(as_staff("Tom"), follow_up_id, version, later),
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, Conflict), error
    detail = followups.follow_up_detail(desk, follow_up_id)
    if results[0][0] == "ok":
        assert str(error).startswith("already done by Lena at 19:30")
        assert (detail.status, detail.item.due_at) == ("done", utc(2026, 11, 21, 9))
        assert audit_actions(desk, follow_up_id) == ["create", "complete"]
    else:
        assert str(error) == "changed by Tom at 19:30 meanwhile; look again and retry"
        assert (detail.status, detail.item.due_at, detail.item.attempts) == ("open", utc(2026, 11, 23, 14), 0)
        assert audit_actions(desk, follow_up_id) == ["create", "reschedule"]
        assert attempt_count(desk, follow_up_id) == 0


def test_stale_expected_version_changes_nothing(desk, as_staff, follow_up_id):
    """Tom's screen shows version 1; Lena reschedules meanwhile; Tom's completion is refused."""
    seen = followups.follow_up_detail(desk, follow_up_id).item
    later = RescheduleInput.parse({"due_at": "2026-11-23 15:00"}, **incidents.context(desk))
    followups.reschedule(as_staff("Lena"), follow_up_id, seen.version, later)

    with pytest.raises(Conflict) as refused:
        followups.complete(as_staff("Tom"), follow_up_id, seen.version, SATISFIED)

    assert str(refused.value) == "changed by Lena at 19:30 meanwhile; look again and retry"
    now = followups.follow_up_detail(desk, follow_up_id)
    assert (now.status, now.item.attempts, now.item.due_at) == ("open", 0, utc(2026, 11, 23, 14))
    assert now.item.version == seen.version + 1
    assert attempt_count(desk, follow_up_id) == 0
    assert audit_actions(desk, follow_up_id) == ["create", "reschedule"]


def test_completing_a_finished_follow_up_says_who_and_when(desk, clock, as_staff, follow_up_id):
    version = followups.follow_up_detail(desk, follow_up_id).item.version
    followups.complete(as_staff("Lena"), follow_up_id, version, SATISFIED)
    clock.set(utc(2026, 11, 21, 10))  # the next morning: the time names the day

    with pytest.raises(Conflict) as refused:
        followups.complete(as_staff("Tom"), follow_up_id, version, UNHAPPY)

    assert str(refused.value) == "already done by Lena at Fri 20 Nov 19:30 (reached – satisfied)"
    assert followups.follow_up_detail(desk, follow_up_id).outcome == "reached_satisfied"
