"""Child-process entry points for tests/stress/test_conflicts.py: two or four terminals racing on one record.

Each function runs in a process of its own (from the stress forkserver), opens
the store itself, and reports over a pipe what every attempt ended in: "won",
"conflict" with the sentence the person was told, or "error" (an apology).
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any

from frontdesk.errors import Conflict
from frontdesk.services import customers, incidents
from frontdesk.services.customers import SameCustomer
from frontdesk.store.migrate import open_store
from tests.stress.workers import _actor, _error, _ready_then_wait


def race_edits(url: str, now_iso: str, site_id: int, staff_id: int, kind: str, ids: list[int], go: Any,
               barrier: Any, conn: Connection) -> None:
    """One terminal: for each record, read it, meet the other terminal, then change it with the version read."""
    store = open_store(url, upgrade=False)
    try:
        actor = _actor(store, now_iso, site_id, staff_id, f"racer-{staff_id}")
        results: list[tuple[str, str]] = []
        _ready_then_wait(conn, go)
        for record_id in ids:
            try:
                if kind == "customer":
                    card = customers.customer_card(actor, record_id)
                    edit = customers.parse_customer(actor, {"name": card.name, "phone": card.phone,
                                                            "notes": f"edited at racer-{staff_id}"})
                    barrier.wait(30)
                    customers.edit_customer(actor, record_id, card.version, edit)
                else:
                    detail = incidents.incident_detail(actor, record_id)
                    amend = incidents.parse_amend(actor, {"product": f"amended at racer-{staff_id}"})
                    barrier.wait(30)
                    incidents.amend_incident(actor, record_id, detail.version, amend)
                results.append(("won", ""))
            except Conflict as exc:
                results.append(("conflict", str(exc)))
            except Exception as exc:  # noqa: BLE001 - anything else is an apology, counted
                results.append(("error", _error(exc)))
        conn.send(("done", results))
    except BaseException as exc:
        conn.send(("failed", _error(exc)))
        raise
    finally:
        store.dispose()


def race_creates(url: str, now_iso: str, site_id: int, staff_id: int, people: list[tuple[str, str]], go: Any,
                 barrier: Any, conn: Connection) -> None:
    """One terminal: for each (name, phone), meet the others, then put that guest on file."""
    store = open_store(url, upgrade=False)
    try:
        actor = _actor(store, now_iso, site_id, staff_id, f"racer-{staff_id}")
        results: list[tuple[str, int | str]] = []
        _ready_then_wait(conn, go)
        for name, phone in people:
            try:
                details = customers.parse_customer(actor, {"name": name, "phone": phone})
                barrier.wait(30)
                results.append(("won", customers.create_customer(actor, details)))
            except SameCustomer as exc:
                results.append(("told", exc.matches[0].customer_id))
            except Exception as exc:  # noqa: BLE001 - anything else is an apology, counted
                results.append(("error", _error(exc)))
        conn.send(("done", results))
    except BaseException as exc:
        conn.send(("failed", _error(exc)))
        raise
    finally:
        store.dispose()
