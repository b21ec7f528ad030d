"""Child-process entry points for the stress tests: terminals that race, a writer that gets killed.

Every function here runs in a process of its own, opens the store itself and
goes through frontdesk's services exactly as a terminal would; it reports to
the test over a `multiprocessing` pipe. The processes come from a forkserver
that has imported frontdesk once (`context()`): importing SQLAlchemy's ORM,
pydantic and the services costs about a second of CPU, and the crash test
alone starts twenty writers (two hundred with --deep) on two shared cores.
Each child is still a fresh process with its own connections, so a SIGKILL
is a real crash of a real terminal.

`python -m tests.stress.workers check STORE.db` prints the store's
consistency report (the crash test's checks) for a store left behind.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import configure_mappers

from frontdesk.clock import FixedClock
from frontdesk.errors import Conflict, FrontdeskError
from frontdesk.schemas.inputs import CustomerInput, OutcomeInput
from frontdesk.schemas.vocab import SERIOUS
from frontdesk.services import customers, followups, incidents, search
from frontdesk.services.context import Actor
from frontdesk.services.playbooks import plan_steps
from frontdesk.store.db import Store
from frontdesk.store.migrate import open_store
from frontdesk.store.models import (
    Alert,
    AuditEvent,
    Episode,
    Flag,
    FollowUp,
    Incident,
)

configure_mappers()  # once, in the forkserver, not in every child

ALREADY_DONE = re.compile(r"^already done by (?P<who>.+) at \d\d:\d\d \(reached – satisfied\)$")
CHANGED_MEANWHILE = re.compile(r"^changed by (?P<who>.+) at \d\d:\d\d meanwhile; look again and retry$")
SATISFIED = {"outcome": "reached_satisfied", "note": "Happy in the end"}


def context() -> BaseContext:
    """A forkserver context whose server has frontdesk imported already."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def _actor(store: Store, now_iso: str, site_id: int, staff_id: int, terminal: str) -> Actor:
    return Actor(store, FixedClock(datetime.fromisoformat(now_iso)), site_id, terminal, staff_id)


def _error(exc: BaseException) -> str:
    """One line naming an unexpected exception and where it came from."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({os.path.basename(frame.filename)}:{frame.lineno})" if frame else ""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}{where}"[:400]


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of a list of milliseconds (zeros when empty)."""
    if not samples:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "n": 0}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 1), "n": len(ordered)}


def _ready_then_wait(conn: Connection, go: Any) -> None:
    conn.send(("ready", os.getpid()))
    if not go.wait(120):
        raise SystemExit("never told to start")


# 1. Many terminals completing the same follow-ups -------------------------------------------


@dataclass
class CompletionTally:
    """What one terminal saw while trying to complete every follow-up once."""

    staff_id: int
    wins: list[int] = field(default_factory=list)
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    """(follow-up id, the winner named in the message)."""
    raced: int = 0
    """Conflicts on items still open in this terminal's latest view of the queue: a lost race, not a stale list."""
    odd_messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    complete_ms: list[float] = field(default_factory=list)
    queue_reads: int = 0
    cpu_seconds: float = 0.0


REFRESH_EVERY = 100
"""Attempts between two reads of the queue, as the change feed would refresh a screen."""


def queue_versions(actor: Actor) -> dict[int, int]:
    """The open follow-ups and their versions, read page by page as the F4 queue shows them."""
    versions: dict[int, int] = {}
    offset = 0
    while True:
        page = followups.due_queue(actor, offset=offset, limit=followups.PAGE)
        versions.update((item.id, item.version) for item in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return versions


def _complete_each(actor: Actor, ids: list[int], seed: int) -> CompletionTally:
    """Work through every id in a shuffled order, completing it with the version the queue showed."""
    tally = CompletionTally(actor.staff_id or 0)
    outcome = OutcomeInput.parse(SATISFIED)
    order = list(ids)
    random.Random(seed).shuffle(order)
    seen: dict[int, int] = {}
    latest: dict[int, int] = {}
    cpu = time.thread_time()
    for number, follow_up_id in enumerate(order):
        try:
            if number % REFRESH_EVERY == 0:
                latest = queue_versions(actor)
                seen.update(latest)
                tally.queue_reads += 1
            if follow_up_id not in seen:  # paged past while others finished items: open it by id
                seen[follow_up_id] = followups.follow_up_detail(actor, follow_up_id).item.version
            started = time.perf_counter()
            try:
                followups.complete(actor, follow_up_id, seen[follow_up_id], outcome)
            finally:
                tally.complete_ms.append((time.perf_counter() - started) * 1000)
            tally.wins.append(follow_up_id)
        except Conflict as exc:
            message = str(exc)
            if match := ALREADY_DONE.match(message):
                tally.conflicts.append((follow_up_id, match["who"]))
                tally.raced += follow_up_id in latest
            else:
                tally.odd_messages.append(message)
        except Exception as exc:  # noqa: BLE001 - every unexpected error is counted and reported
            tally.errors.append(_error(exc))
    tally.cpu_seconds = time.thread_time() - cpu
    return tally


def race_completions(url: str, now_iso: str, site_id: int, terminals: list[tuple[int, int]], ids: list[int],
                     go: Any, conn: Connection) -> None:
    """One process: each (staff id, seed) is a terminal (a thread) completing every id in its own order."""
    store = open_store(url, upgrade=False)
    try:
        actors = [(_actor(store, now_iso, site_id, staff_id, f"racer-{staff_id}"), seed)
                  for staff_id, seed in terminals]
        tallies: list[CompletionTally | None] = [None] * len(actors)

        def run(index: int) -> None:
            actor, seed = actors[index]
            tallies[index] = _complete_each(actor, ids, seed)

        _ready_then_wait(conn, go)
        threads = [threading.Thread(target=run, args=(index,)) for index in range(len(actors))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        conn.send(("done", tallies))
    except BaseException as exc:
        conn.send(("failed", _error(exc)))
        raise
    finally:
        store.dispose()


# 2. Complete against reschedule, one row at a time ------------------------------------------


def race_complete_or_reschedule(url: str, now_iso: str, site_id: int, staff_id: int, role: str, ids: list[int],
                                go: Any, barrier: Any, conn: Connection) -> None:
    """One of two terminals: both read each follow-up, meet, then one completes and one reschedules it."""
    store = open_store(url, upgrade=False)
    try:
        actor = _actor(store, now_iso, site_id, staff_id, f"{role}-{staff_id}")
        outcome = OutcomeInput.parse(SATISFIED)
        results: list[tuple[int, str, str]] = []
        _ready_then_wait(conn, go)
        for follow_up_id in ids:
            try:
                version = followups.follow_up_detail(actor, follow_up_id).item.version
                barrier.wait(30)
                if role == "complete":
                    followups.complete(actor, follow_up_id, version, outcome)
                else:
                    followups.reschedule_by_days(actor, follow_up_id, version, 1)
                results.append((follow_up_id, "won", ""))
            except Conflict as exc:
                results.append((follow_up_id, "conflict", str(exc)))
            except Exception as exc:  # noqa: BLE001
                results.append((follow_up_id, "error", _error(exc)))
        conn.send(("done", results))
    except BaseException as exc:
        conn.send(("failed", _error(exc)))
        raise
    finally:
        store.dispose()


# 3. One writer, several readers --------------------------------------------------------------


def _customer_details(customer_id: int, edit: int) -> CustomerInput:
    return CustomerInput.parse(
        {"name": f"Guest {customer_id} Edit{edit}", "notes": f"edited {edit} times", "consent_call": edit % 2 == 0},
        region="DE",
    )


def busy_writer(url: str, now_iso: str, site_id: int, staff_id: int, customer_ids: list[int],
                follow_up_ids: list[int], edits: int, go: Any, stop: Any, conn: Connection) -> None:
    """Make `edits` changes, alternating a customer's details and a follow-up's due day."""
    store = open_store(url, upgrade=False)
    try:
        actor = _actor(store, now_iso, site_id, staff_id, "writer")
        customer_versions = {customer_id: customers.customer_card(actor, customer_id).version
                             for customer_id in customer_ids}
        follow_up_versions = {follow_up_id: followups.follow_up_detail(actor, follow_up_id).item.version
                              for follow_up_id in follow_up_ids}
        errors: Counter[str] = Counter()
        refused: Counter[str] = Counter()
        write_ms: list[float] = []
        done = 0
        _ready_then_wait(conn, go)
        started_all = time.perf_counter()
        for number in range(edits):
            started = time.perf_counter()
            try:
                if number % 2 == 0:
                    customer_id = customer_ids[(number // 2) % len(customer_ids)]
                    customer_versions[customer_id] = customers.edit_customer(
                        actor, customer_id, customer_versions[customer_id], _customer_details(customer_id, number)
                    )
                else:
                    follow_up_id = follow_up_ids[(number // 2) % len(follow_up_ids)]
                    followups.reschedule_by_days(actor, follow_up_id, follow_up_versions[follow_up_id], 1)
                    follow_up_versions[follow_up_id] += 1
                done += 1
            except FrontdeskError as exc:
                refused[str(exc)] += 1
            except Exception as exc:  # noqa: BLE001
                errors[_error(exc)] += 1
            write_ms.append((time.perf_counter() - started) * 1000)
        elapsed = time.perf_counter() - started_all
        stop.set()
        conn.send(("done", {"edits": done, "errors": dict(errors), "refused": dict(refused),
                            "write_ms": percentiles(write_ms), "seconds": round(elapsed, 2)}))
    except BaseException as exc:
        stop.set()
        conn.send(("failed", _error(exc)))
        raise
    finally:
        store.dispose()


POLL_PAUSE_S = 0.02
"""Between two reads of a polling desk: fifty refreshes a second, far more than the change feed asks for,
while leaving the writer a share of the two cores."""


def poll_reader(url: str, now_iso: str, site_id: int, staff_id: int, customer_ids: list[int], seed: int,
                go: Any, stop: Any, conn: Connection) -> None:
    """Poll what a desk shows (the due queue, a customer card, a search) until the writer is done."""
    store = open_store(url, upgrade=False)
    try:
        actor = _actor(store, now_iso, site_id, staff_id, f"reader-{seed}")
        rng = random.Random(seed)
        calls: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        read_ms: list[float] = []
        reads: list[tuple[str, Callable[[], object]]] = [
            ("due_queue", lambda: followups.due_queue(actor)),
            ("customer_card", lambda: customers.customer_card(actor, rng.choice(customer_ids))),
            ("search", lambda: search.find_customers(store, rng.choice(("gue", "guest 1", "edit", "guest 42")))),
        ]
        _ready_then_wait(conn, go)
        while not stop.is_set():
            name, read = reads[sum(calls.values()) % len(reads)]
            started = time.perf_counter()
            try:
                read()
            except Exception as exc:  # noqa: BLE001
                errors[_error(exc)] += 1
            read_ms.append((time.perf_counter() - started) * 1000)
            calls[name] += 1
            stop.wait(POLL_PAUSE_S)
        conn.send(("done", {"calls": dict(calls), "errors": dict(errors), "read_ms": percentiles(read_ms)}))
    except BaseException as exc:
        conn.send(("failed", _error(exc)))
        raise
    finally:
        store.dispose()


# 4. A writer that gets killed ----------------------------------------------------------------

SEVERITIES = ("minor", "moderate", "major", "critical")
TAG = re.compile(r"^crash-test g(?P<generation>\d+) n(?P<number>\d+)")


def _deposition(rng: random.Random, generation: int, number: int, customer_ids: list[int],
                staff_ids: list[int]) -> tuple[str, dict[str, Any]]:
    """A varied deposition tagged with who wrote it: quick or full, with or without customer, promise, hand-off."""
    fields: dict[str, Any] = {
        "category": rng.choice(("food", "service", "billing", "wait")),
        "severity": rng.choice(SEVERITIES),
        "description": f"crash-test g{generation} n{number}: the soup was cold and the bill was wrong",
        "occurred_at": rng.choice(("now", "20m ago", "19:00", "2h ago")),
    }
    if rng.random() < 0.8:
        fields["customer_id"] = rng.choice(customer_ids)
    else:
        fields["guest_description"] = "tall man in a grey coat, table 7"
    if rng.random() < 0.25:
        return "quick", fields
    fields["ally_id"] = rng.choice(staff_ids)
    if rng.random() < 0.4:
        fields.update(promise_text="A table by the window next time", promise_due_at="+3d",
                      promise_likelihood="likely")
    if rng.random() < 0.3:
        fields.update(handoff_to="kitchen", handoff_expected_at="+1d")
    if rng.random() < 0.3:
        fields.update(remedy_kind="refund", remedy_cost=rng.randint(100, 5000))
    return "full", fields


def crash_writer(url: str, now_iso: str, site_id: int, staff_ids: list[int], customer_ids: list[int],
                 generation: int, seed: int, conn: Connection) -> None:
    """Log depositions until killed; say "begin n" before each and "ack n id" once it returned."""
    conn.send(("started", os.getpid()))
    store = open_store(url)
    actor = _actor(store, now_iso, site_id, staff_ids[0], f"crash-{generation}")
    rng = random.Random(seed)
    conn.send(("ready", os.getpid()))
    for number in range(1_000_000):
        kind, fields = _deposition(rng, generation, number, customer_ids, staff_ids)
        conn.send(("begin", number))
        if kind == "quick":
            result = incidents.quick_log(actor, incidents.parse_quick_log(actor, fields))
        else:
            result = incidents.log_incident(actor, incidents.parse_incident(actor, fields))
        conn.send(("ack", number, result.incident_id))


def check_depositions(store: Store) -> dict[str, Any]:
    """Every incident is whole: its episode, its planned follow-ups, flag and alert as its severity says.

    Returns counts and a list of problems (empty when the store is consistent).
    """
    problems: list[str] = []
    with store.read() as session:
        rows = list(session.scalars(select(Incident).order_by(Incident.id)))
        episodes = Counter(session.scalars(select(Episode.incident_id)))
        follow_ups = Counter(session.scalars(select(FollowUp.incident_id)))
        quick_reminders = Counter(session.scalars(
            select(FollowUp.incident_id).where(FollowUp.kind == "incomplete_deposition")))
        flags = Counter(session.scalars(select(Flag.incident_id)))
        alerts = Counter(session.scalars(select(Alert.incident_id)))
        audited = Counter(
            (row.record_type, row.record_id)
            for row in session.execute(select(AuditEvent.record_type, AuditEvent.record_id)
                                       .where(AuditEvent.action == "create"))
        )
        follow_up_ids = session.execute(select(FollowUp.id, FollowUp.incident_id)).all()
        steps: dict[tuple[str, str], int] = {}
        for incident in rows:
            key = (incident.severity, incident.category)
            if key not in steps:
                steps[key] = len(plan_steps(session, incident.severity, incident.category))
            expected = steps[key] + (incident.handoff_to is not None) + (incident.promise_text is not None)
            expected += 0 if incident.complete else 1
            serious = incident.severity in SERIOUS
            checks = {
                "episode": (episodes[incident.id], 1),
                "follow-ups": (follow_ups[incident.id], expected),
                "incomplete-deposition reminder": (quick_reminders[incident.id], 0 if incident.complete else 1),
                "flag": (flags[incident.id], 1 if serious and incident.customer_id is not None else 0),
                "alert": (alerts[incident.id], 1 if serious else 0),
                "audit of its creation": (audited[("incident", incident.id)], 1),
            }
            for what, (found, wanted) in checks.items():
                if found != wanted:
                    problems.append(f"incident {incident.id}: {found} {what}, expected {wanted}")
        for follow_up_id, incident_id in follow_up_ids:
            if audited[("follow_up", follow_up_id)] != 1:
                problems.append(f"follow-up {follow_up_id} of incident {incident_id} has no creation audit")
        orphans = session.scalar(select(func.count()).select_from(Episode)
                                 .where(Episode.incident_id.not_in(select(Incident.id)))) or 0
        if orphans:
            problems.append(f"{orphans} episodes without an incident")
    return {"incidents": len(rows), "follow_ups": len(follow_up_ids), "problems": problems}


def _main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "check":
        store = Store(f"sqlite:///{argv[1]}")
        report = check_depositions(store)
        store.dispose()
        print(f"{report['incidents']} incidents, {report['follow_ups']} follow-ups, "
              f"{len(report['problems'])} problems")
        for problem in report["problems"][:50]:
            print(" ", problem)
        return 1 if report["problems"] else 0
    print(__doc__.strip().splitlines()[-1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
