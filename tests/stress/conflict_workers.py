"""Child-process entry points for tests/stress/test_conflicts.py: two or four terminals racing on one record.

Each terminal runs in a process of its own (from the stress forkserver), opens
the store itself, and reports over a pipe what every attempt ended in: "won",
"conflict" or "told" with what the person was told, or "error" (an apology).
"""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from frontdesk.errors import Conflict
from frontdesk.services import customers, incidents
from frontdesk.services.context import Actor
from frontdesk.services.customers import SameCustomer
from frontdesk.store.migrate import open_store
from tests.stress.workers import _actor, _error, _ready_then_wait


def _terminal(url: str, now_iso: str, site_id: int, staff_id: int, go: Any, conn: Connection, items: list[Any],
              attempt: Callable[[Actor, Any], tuple[str, Any]]) -> None:
    """Open the store, wait for the start, try each item, and send back every outcome."""
    store = open_store(url, upgrade=False)
    try:
        actor = _actor(store, now_iso, site_id, staff_id, f"racer-{staff_id}")
        _ready_then_wait(conn, go)
        conn.send(("done", [attempt(actor, item) for item in items]))
    except BaseException as exc:
        conn.send(("failed", _error(exc)))
        raise
    finally:
        store.dispose()


def race_edits(url: str, now_iso: str, site_id: int, staff_id: int, kind: str, ids: list[int], go: Any,
               barrier: Any, conn: Connection) -> None:
    """One terminal: for each record, read it, meet the other terminal, then change it with the version read."""

    def attempt(actor: Actor, record_id: int) -> tuple[str, str]:
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
            return ("won", "")
        except Conflict as exc:
            return ("conflict", str(exc))
        except Exception as exc:  # noqa: BLE001 - anything else is an apology, counted
            return ("error", _error(exc))

    _terminal(url, now_iso, site_id, staff_id, go, conn, ids, attempt)


def race_creates(url: str, now_iso: str, site_id: int, staff_id: int, people: list[tuple[str, str]], go: Any,
                 barrier: Any, conn: Connection) -> None:
    """One terminal: for each (name, phone), meet the others, then put that guest on file."""

    def attempt(actor: Actor, person: tuple[str, str]) -> tuple[str, int | str]:
        name, phone = person
        try:
            details = customers.parse_customer(actor, {"name": name, "phone": phone})
            barrier.wait(30)
            return ("won", customers.create_customer(actor, details))
        except SameCustomer as exc:
            return ("told", exc.matches[0].customer_id)
        except Exception as exc:  # noqa: BLE001 - anything else is an apology, counted
            return ("error", _error(exc))

    _terminal(url, now_iso, site_id, staff_id, go, conn, people, attempt)
