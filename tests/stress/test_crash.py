"""A terminal killed mid-write loses nothing it acknowledged and leaves nothing half-written.

A writer process logs depositions through the services (full and quick
logs, with and without a customer, promise, hand-off and refund) and tells
the test "begin n" before each call and "ack n id" once the call returned;
the test SIGKILLs it at a random moment and starts a new one, twenty times
(two hundred with --deep). Afterwards SQLite's own integrity check passes,
every acknowledged incident is there, and every incident in the store is
whole: its episode, its planned follow-ups, and the flag and alert its
severity calls for.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.schemas.inputs import CustomerInput
from frontdesk.services import customers, setup
from frontdesk.services.context import Actor
from frontdesk.store.models import Incident
from tests.stress import workers

pytestmark = pytest.mark.stress


def drain(receive: Any, messages: list[tuple[Any, ...]], timeout: float = 0.0) -> None:
    """Read whatever the writer managed to send (a killed writer's pipe ends in EOF)."""
    try:
        while receive.poll(timeout):
            messages.append(receive.recv())
    except (EOFError, OSError):
        pass


def test_killed_writer_loses_no_acknowledged_deposition(sqlite_desk: Actor, sqlite_url: str, show,
                                                       request: pytest.FixtureRequest) -> None:
    desk = sqlite_desk
    kills = 200 if request.config.getoption("--deep", default=False) else 20
    rng = random.Random(20261120)
    staff_ids = [desk.staff_id] + [info.id for info in setup.list_staff(desk.store) if info.id != desk.staff_id]
    customer_ids = [
        customers.create_customer(desk, CustomerInput.parse({"name": f"Guest {number}"}, region="DE"))
        for number in range(1, 21)
    ]

    ctx = workers.context()
    acknowledged: dict[tuple[int, int], int] = {}
    killed_inside_call = 0
    killed_before_ready = 0
    problems_after_kills: list[str] = []
    started = time.perf_counter()
    for generation in range(kills):
        receive, send = ctx.Pipe(duplex=False)
        writer = ctx.Process(target=workers.crash_writer, daemon=True, args=(
            sqlite_url, desk.clock.now().isoformat(), desk.site_id, staff_ids, customer_ids, generation,
            rng.randrange(2**32), send))
        writer.start()
        send.close()
        messages: list[tuple[Any, ...]] = []
        try:
            # One kill in five lands while the writer is still starting; the rest once it is logging.
            if rng.random() < 0.2:
                time.sleep(rng.uniform(0, 0.05))
            else:
                while not any(message[0] == "ack" for message in messages):
                    assert receive.poll(60), f"writer {generation} never logged anything"
                    messages.append(receive.recv())
                time.sleep(rng.uniform(0, 0.3))
        finally:
            assert writer.pid is not None
            os.kill(writer.pid, signal.SIGKILL)
            writer.join(30)
        drain(receive, messages)
        receive.close()
        assert writer.exitcode == -signal.SIGKILL, f"writer {generation} ended by itself: {writer.exitcode}"
        for message in messages:
            if message[0] == "ack":
                acknowledged[(generation, message[1])] = message[2]
        if not any(message[0] == "ready" for message in messages):
            killed_before_ready += 1
        elif messages[-1][0] == "begin":
            killed_inside_call += 1
        # What the other terminals see right after the crash, before anyone opens the store again.
        problems_after_kills += workers.check_depositions(desk.store)["problems"]
    seconds = time.perf_counter() - started

    path = desk.store.path
    assert path is not None
    connection = sqlite3.connect(path)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchall()
        foreign_keys = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    with desk.store.read() as session:
        stored = {row.id: row.description for row in session.scalars(select(Incident))}
    missing = {key: incident_id for key, incident_id in acknowledged.items() if incident_id not in stored}
    wrong = {
        key: incident_id for key, incident_id in acknowledged.items()
        if incident_id in stored and not stored[incident_id].startswith(f"crash-test g{key[0]} n{key[1]}:")
    }
    unacknowledged = len(stored) - len(acknowledged)
    report = workers.check_depositions(desk.store)

    show(f"{kills} SIGKILLs of a writer logging depositions (SQLite): integrity_check {integrity[0][0]}, "
         f"{len(acknowledged)} acknowledged, {len(acknowledged) - len(missing)} present, {len(missing)} lost, "
         f"{len(report['problems'])} half-written at the end, {len(problems_after_kills)} seen right after a kill · "
         f"{killed_inside_call} kills inside a log call, {killed_before_ready} while starting, "
         f"{unacknowledged} committed but killed before the ack · "
         f"{report['incidents']} incidents, {report['follow_ups']} follow-ups · {seconds:.1f} s")
    assert integrity == [("ok",)]
    assert foreign_keys == []
    assert missing == {}
    assert wrong == {}
    assert report["problems"] == [], report["problems"][:10]
    assert problems_after_kills == [], problems_after_kills[:10]
    assert 0 <= unacknowledged <= killed_inside_call
    assert len(acknowledged) >= kills - killed_before_ready, "each writer killed mid-stream had logged something"
