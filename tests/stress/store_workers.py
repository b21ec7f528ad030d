"""Child-process entry points for the store's fault tests: openers that race, a writer that freezes,
a writer that never stops.

Like tests/stress/workers.py, the children come from a forkserver that has
imported frontdesk once, so starting four at once costs little; each is
still a process of its own with its own connections.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import configure_mappers

from frontdesk.clock import FixedClock
from frontdesk.schemas.inputs import CustomerInput
from frontdesk.services import customers, export, incidents
from frontdesk.services.context import Actor
from frontdesk.store.migrate import open_store, upgrade_store

configure_mappers()


def context() -> BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def open_when_told(url: str, upgrade: bool, go: Any, conn: Connection) -> None:
    """Open (or `db upgrade`) the store the moment `go` is set; report None or the error's one line."""
    conn.send(("ready", os.getpid()))
    go.wait(60)
    try:
        if upgrade:
            upgrade_store(url)
        else:
            open_store(url).dispose()
        conn.send(("done", None))
    except Exception as exc:  # noqa: BLE001 - every failure is what the test counts
        conn.send(("done", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))


def freeze_mid_save(url: str, customer_id: int, conn: Connection) -> None:
    """A terminal that stops dead halfway through saving a customer, holding the row's lock."""
    store = open_store(url)
    with store.begin() as session:
        session.execute(text("UPDATE customers SET notes = 'frozen' WHERE id = :id"), {"id": customer_id})
        conn.send(("locked", os.getpid()))
        os.kill(os.getpid(), signal.SIGSTOP)


def log_for_new_guest(actor: Actor, name: str) -> None:
    """One write touching several tables: a customer, a serious incident, its flag, alert and follow-ups."""
    guest = customers.create_customer(actor, CustomerInput.parse({"name": name}, region="DE"))
    incidents.log_incident(actor, incidents.parse_incident(actor, {
        "category": "food", "severity": "major", "description": "Soup arrived cold", "customer_id": guest}))


def keep_writing(url: str, now_iso: str, site_id: int, staff_id: int, stop: Any, conn: Connection) -> None:
    """Log guests with serious incidents until told to stop; report how many."""
    store = open_store(url)
    actor = Actor(store, FixedClock(datetime.fromisoformat(now_iso)), site_id, "bar", staff_id)
    conn.send(("ready", os.getpid()))
    written = 0
    while not stop.is_set():
        log_for_new_guest(actor, f"Guest {written}")
        written += 1
        time.sleep(0.005)
    store.dispose()
    conn.send(("done", written))


def dangling(data: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every foreign key in an export whose row is not in the export."""
    tables = {model.__tablename__: name for name, model in export.SECTIONS}
    ids = {name: {row["id"] for row in rows if "id" in row} for name, rows in data.items()}
    missing: list[str] = []
    for name, model in export.SECTIONS:
        for column in model.__table__.columns:
            for key in column.foreign_keys:
                target = tables.get(key.column.table.name)
                if target is not None:
                    missing += [f"{name}.{column.key}={row[column.key]}" for row in data[name]
                                if row.get(column.key) is not None and row[column.key] not in ids[target]]
    return missing
