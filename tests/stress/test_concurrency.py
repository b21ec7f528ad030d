"""Terminals racing on one store, through the services: nothing done twice, nothing lost, nobody left frozen.

Each terminal is a process of its own (on PostgreSQL a process runs several
terminals as threads, so sixteen fit on two cores), and each goes through the
same service calls a screen makes: read the due queue (page by page, again
every hundred items, as the change feed would refresh it), then complete an
item with the version the queue showed. The figures are printed for CI's log.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.schemas.inputs import CustomerInput, StaffInput
from frontdesk.services import customers, incidents, setup
from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent, FollowUp, FollowUpAttempt
from tests.stress import workers

pytestmark = pytest.mark.stress

STEPS_PER_INCIDENT = 5


# Plumbing -----------------------------------------------------------------------------------


@pytest.fixture
def deep(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--deep", default=False))


class Children:
    """Child processes started from the forkserver, each with a pipe back; all killed if the test fails."""

    def __init__(self) -> None:
        self.ctx = workers.context()
        self.go = self.ctx.Event()
        self.running: list[tuple[Any, Any]] = []

    def start(self, target: Callable[..., None], *args: Any) -> None:
        receive, send = self.ctx.Pipe(duplex=False)
        process = self.ctx.Process(target=target, args=(*args, send), daemon=True)
        process.start()
        send.close()
        self.running.append((process, receive))

    def start_all_at_once(self, timeout: float = 120) -> float:
        """Wait until every child has opened the store, then let them all go; returns the start time."""
        for process, receive in self.running:
            assert receive.poll(timeout), f"child {process.pid} never got ready"
            message = receive.recv()
            assert message[0] == "ready", message
        started = time.perf_counter()
        self.go.set()
        return started

    def results(self, timeout: float = 900) -> list[Any]:
        deadline = time.monotonic() + timeout
        results = []
        for process, receive in self.running:
            assert receive.poll(max(0.1, deadline - time.monotonic())), f"child {process.pid} did not finish"
            kind, payload = receive.recv()
            assert kind == "done", f"child {process.pid} failed: {payload}"
            results.append(payload)
        for process, _ in self.running:
            process.join(30)
            assert process.exitcode == 0, f"child {process.pid} exited with {process.exitcode}"
        return results

    def kill_leftovers(self) -> None:
        for process, receive in self.running:
            if process.is_alive() and process.pid:
                os.kill(process.pid, signal.SIGKILL)
                process.join(10)
            receive.close()


@pytest.fixture
def children() -> Iterator[Children]:
    started = Children()
    try:
        yield started
    finally:
        started.kill_leftovers()


def backend(actor: Actor) -> str:
    return "SQLite" if actor.store.is_sqlite else "PostgreSQL"


def add_terminals(desk: Actor, count: int, prefix: str, role: str = "staff") -> list[int]:
    """Staff members "Racer 1" … "Racer N": one per terminal, so each completion names who did it.

    A `role` of "lead" for races on what others own (the desk's follow-ups and
    incidents): the role table lets only a lead work those.
    """
    return [
        setup.add_staff(desk.store, desk.clock, StaffInput.parse({"name": f"{prefix} {number}", "role": role}),
                        "stand", site_id=desk.site_id).id
        for number in range(1, count + 1)
    ]


def open_follow_ups(desk: Actor, count: int) -> list[int]:
    """`count` open follow-ups (calls), logged as depositions of five planned calls each."""
    owner = desk.staff_id
    ids: list[int] = []
    for number in range(-(-count // STEPS_PER_INCIDENT)):
        plan = [
            {"kind": "check_in", "channel": "call", "owner_id": owner,
             "due_at": desk.clock.now() + timedelta(days=1, hours=step)}
            for step in range(min(STEPS_PER_INCIDENT, count - len(ids)))
        ]
        result = incidents.log_incident(desk, incidents.parse_incident(desk, {
            "category": "food", "severity": "minor", "occurred_at": "19:00",
            "description": f"Race {number}: the soup arrived cold", "plan": plan,
        }))
        with desk.store.read() as session:
            ids.extend(session.scalars(
                select(FollowUp.id).where(FollowUp.incident_id == result.incident_id).order_by(FollowUp.id)))
    assert len(ids) == count
    return ids


def per_follow_up(desk: Actor, ids: list[int]) -> tuple[dict[int, FollowUp], Counter[int], Counter[tuple[int, str]]]:
    """The rows, their attempt counts, and their audit actions, read straight from the store."""
    with desk.store.read() as session:
        rows = {row.id: row for row in session.scalars(select(FollowUp).where(FollowUp.id.in_(ids)))}
        attempts = Counter(dict(session.execute(
            select(FollowUpAttempt.follow_up_id, func.count())
            .where(FollowUpAttempt.follow_up_id.in_(ids)).group_by(FollowUpAttempt.follow_up_id)).all()))
        actions = Counter({
            (record_id, action): number for record_id, action, number in session.execute(
                select(AuditEvent.record_id, AuditEvent.action, func.count())
                .where(AuditEvent.record_type == "follow_up", AuditEvent.record_id.in_(ids))
                .group_by(AuditEvent.record_id, AuditEvent.action)).all()
        })
    return rows, attempts, actions


# 1. N terminals × 500 completions of the same follow-ups --------------------------------------


def test_racing_completions(desk: Actor, store_url: str, children: Children, show, deep: bool) -> None:
    """Every terminal tries to complete every follow-up: each is done once, by the one told it succeeded.

    On SQLite eight processes share one file; on PostgreSQL sixteen terminals
    (four processes of four threads) share one database. Half the terminals
    walk the follow-ups in one shared shuffled order, so they collide on every
    item at once; the others walk their own order, so they also meet items
    already done from a list read a moment ago.
    """
    sqlite = desk.store.is_sqlite
    processes, threads = (8, 1) if sqlite else (4, 4)
    count = 2000 if deep else 500
    terminals = processes * threads
    staff_ids = add_terminals(desk, terminals, "Racer", role="lead")  # the follow-ups are the desk's
    names = {f"Racer {number}": staff_id for number, staff_id in enumerate(staff_ids, 1)}
    ids = open_follow_ups(desk, count)
    seeds = [0 if number % 2 == 0 else number for number in range(terminals)]  # even terminals share order 0

    now = desk.clock.now().isoformat()
    for process in range(processes):
        chunk = range(process * threads, (process + 1) * threads)
        children.start(workers.race_completions, store_url, now, desk.site_id,
                       [(staff_ids[number], seeds[number]) for number in chunk], ids, children.go)
    started = children.start_all_at_once()
    tallies: list[workers.CompletionTally] = [tally for batch in children.results() for tally in batch]
    seconds = time.perf_counter() - started

    winners: dict[int, list[int]] = defaultdict(list)
    for tally in tallies:
        for follow_up_id in tally.wins:
            winners[follow_up_id].append(tally.staff_id)
    rows, attempts, actions = per_follow_up(desk, ids)
    doubles = [i for i in ids if len(winners[i]) > 1 or attempts[i] > 1 or actions[(i, "complete")] > 1]
    lost = [i for i in ids if rows[i].status != "done" or not winners[i]]
    misattributed = [i for i in ids if len(winners[i]) == 1 and rows[i].completed_by_id != winners[i][0]]
    misnamed = [(i, who) for tally in tallies for i, who in tally.conflicts
                if names.get(who) != rows[i].completed_by_id]
    errors = [error for tally in tallies for error in tally.errors]
    odd = [message for tally in tallies for message in tally.odd_messages]
    won = sum(len(tally.wins) for tally in tallies)
    told = sum(len(tally.conflicts) for tally in tallies)
    raced = sum(tally.raced for tally in tallies)
    latency = workers.percentiles([ms for tally in tallies for ms in tally.complete_ms])
    cpu = sum(tally.cpu_seconds for tally in tallies)

    show(f"{terminals}×{count} completions ({backend(desk)}, {processes} processes × {threads} threads): "
         f"{len(doubles)} doubles, {len(lost)} lost, {len(errors) + len(odd)} errors · "
         f"{won} won, {told} told \"already done by …\" ({raced} while their last queue read showed it open) · "
         f"{seconds:.1f} s ({cpu:.1f} s CPU in the terminals) · "
         f"complete p50 {latency['p50']} ms, p95 {latency['p95']} ms, max {latency['max']} ms")
    assert errors == [], errors[:5]
    assert odd == [], odd[:5]
    assert doubles == [], f"completed twice: {doubles[:10]}"
    assert lost == [], f"left open or unclaimed: {lost[:10]}"
    assert misattributed == [] and misnamed == [], (misattributed[:5], misnamed[:5])
    assert won + told == terminals * count
    assert all(attempts[i] == 1 and actions[(i, "complete")] == 1 for i in ids)
    assert raced > 0, "no terminal ever lost a live race: the test did not race"


# 2. Complete against reschedule --------------------------------------------------------------


def test_complete_against_reschedule(desk: Actor, store_url: str, children: Children, show, deep: bool) -> None:
    """Two terminals read the same follow-up, then one completes it and the other moves it a day.

    Whichever commits first wins; the other is told so and changes nothing,
    so each follow-up ends either done where it was or open a day later.
    """
    rounds = 1000 if deep else 100
    completer, rescheduler = add_terminals(desk, 2, "Racer", role="lead")  # the follow-ups are the desk's
    ids = open_follow_ups(desk, rounds)
    with desk.store.read() as session:
        due_before = dict(session.execute(select(FollowUp.id, FollowUp.due_at).where(FollowUp.id.in_(ids))).all())
    barrier = children.ctx.Barrier(2)
    now = desk.clock.now().isoformat()
    for staff_id, role in ((completer, "complete"), (rescheduler, "reschedule")):
        children.start(workers.race_complete_or_reschedule, store_url, now, desk.site_id, staff_id, role, ids,
                       children.go, barrier)
    started = children.start_all_at_once()
    completes, reschedules = children.results()
    seconds = time.perf_counter() - started

    rows, attempts, actions = per_follow_up(desk, ids)
    tally: Counter[str] = Counter()
    wrong: list[str] = []
    for (follow_up_id, complete_result, complete_message), (same_id, move_result, move_message) in zip(
        completes, reschedules, strict=True
    ):
        assert follow_up_id == same_id
        row = rows[follow_up_id]
        results = (complete_result, move_result)
        if "error" in results:
            tally["error"] += 1
            wrong.append(f"{follow_up_id}: {complete_message or move_message}")
        elif results == ("won", "conflict"):
            tally["complete won"] += 1
            told = workers.ALREADY_DONE.match(move_message)
            if not (told and told["who"] == "Racer 1"):
                wrong.append(f"{follow_up_id}: the rescheduler was told {move_message!r}")
            if (row.status, row.due_at, row.completed_by_id, attempts[follow_up_id]) != (
                "done", due_before[follow_up_id], completer, 1
            ) or actions[(follow_up_id, "reschedule")]:
                wrong.append(f"{follow_up_id}: completed, but the row is {row.status} due {row.due_at}")
        elif results == ("conflict", "won"):
            tally["reschedule won"] += 1
            told = workers.CHANGED_MEANWHILE.match(complete_message)
            if not (told and told["who"] == "Racer 2"):
                wrong.append(f"{follow_up_id}: the completer was told {complete_message!r}")
            if (row.status, row.due_at, row.version, attempts[follow_up_id]) != (
                "open", due_before[follow_up_id] + timedelta(days=1), 2, 0
            ) or actions[(follow_up_id, "complete")]:
                wrong.append(f"{follow_up_id}: moved, but the row is {row.status} due {row.due_at}")
        else:
            tally["both" if results == ("won", "won") else "neither"] += 1
            wrong.append(f"{follow_up_id}: complete {complete_result}, reschedule {move_result}")

    show(f"{rounds} complete-vs-reschedule races ({backend(desk)}): "
         f"{tally['complete won'] + tally['reschedule won']} ended in exactly one state "
         f"(complete won {tally['complete won']}, reschedule won {tally['reschedule won']}), "
         f"{tally['both']} both, {tally['neither']} neither, {tally['error']} errors; "
         f"every loser told by Conflict who got there first · {seconds:.1f} s")
    assert wrong == [], wrong[:10]
    assert tally["complete won"] + tally["reschedule won"] == rounds


# 3. One writer, four readers, one SQLite file ------------------------------------------------


def test_readers_never_see_a_locked_database(sqlite_desk: Actor, sqlite_url: str, children: Children, show,
                                            deep: bool) -> None:
    """A writer makes 5,000 edits while four desks poll the queue, cards and search: no call ever fails.

    "database is locked" (an OperationalError) reaching a screen would be a
    desk that cannot greet a guest; every service call in every process is
    counted, and none may raise anything but a refusal meant for a person.
    """
    desk = sqlite_desk
    edits = 20000 if deep else 5000
    customer_ids = [
        customers.create_customer(desk, CustomerInput.parse({"name": f"Guest {number}"}, region="DE"))
        for number in range(1, 51)
    ]
    follow_up_ids = open_follow_ups(desk, 50)
    now, stop = desk.clock.now().isoformat(), children.ctx.Event()
    children.start(workers.busy_writer, sqlite_url, now, desk.site_id, desk.staff_id, customer_ids, follow_up_ids,
                   edits, children.go, stop)
    for seed in range(4):
        children.start(workers.poll_reader, sqlite_url, now, desk.site_id, desk.staff_id, customer_ids, seed,
                       children.go, stop)
    started = children.start_all_at_once()
    writer, *readers = children.results()
    seconds = time.perf_counter() - started

    everything = Counter(writer["errors"])
    for reader in readers:
        everything.update(reader["errors"])
    locked = sum(number for error, number in everything.items() if "locked" in error or "busy" in error)
    reads = sum(sum(reader["calls"].values()) for reader in readers)
    worst = max(reader["read_ms"]["max"] for reader in readers)
    p95 = max(reader["read_ms"]["p95"] for reader in readers)
    show(f"{edits} edits with 4 readers polling (SQLite): {locked} \"database is locked\", "
         f"{sum(everything.values())} errors, {sum(writer['refused'].values())} refusals · "
         f"writer {writer['edits']} edits in {writer['seconds']} s (p95 {writer['write_ms']['p95']} ms, "
         f"max {writer['write_ms']['max']} ms) · {reads} reads (worst reader p95 {p95} ms, max {worst} ms) · "
         f"{seconds:.1f} s")
    assert locked == 0
    assert not everything, dict(everything)
    assert writer["refused"] == {}, writer["refused"]
    assert writer["edits"] == edits
    assert all(sum(reader["calls"].values()) > 0 for reader in readers)
    card = customers.customer_card(desk, customer_ids[-1])
    assert card.name.startswith(f"Guest {customer_ids[-1]} Edit")
