"""The audit trail screen (F5, then t; or the palette), by keys only: a manager's, filtered by staff,
customer, record and days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.message import Message
from textual.widgets import DataTable

from frontdesk.clock import FixedClock
from frontdesk.screens.audit import AuditScreen
from frontdesk.services import customers
from frontdesk.services.context import Actor
from tests.conftest import PINNED_NOW
from tests.test_greet import add_customer, at, log, notifications, url_of
from tests.ui import make_app, ready, screen_text, settle, type_text, until

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def evening(desk: Actor) -> dict[str, int]:
    """Ana on file since Wednesday; checked in tonight by Hana; an incident logged by Maria."""
    ana = add_customer(desk, "Ana García", since=PINNED_NOW - timedelta(days=2))
    ben = add_customer(desk, "Ben Ortiz", since=PINNED_NOW - timedelta(days=1))
    hana = desk.as_staff(3 + 1)  # Maria 1, Lena 2, Tom 3, Hana 4
    visit = customers.check_in(at(hana, PINNED_NOW - timedelta(minutes=40)), ana)
    result = log(desk, ana, PINNED_NOW - timedelta(minutes=20), severity="major")
    return {"ana": ana, "ben": ben, "visit": visit, "incident": result.incident_id}


def rows(app: Any) -> list[tuple[str, ...]]:
    table = app.screen.query_one(DataTable)
    return [tuple(str(cell) for cell in table.get_row_at(index)) for index in range(table.row_count)]


async def open_trail(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("t")
    await until(pilot, lambda: isinstance(pilot.app.screen, AuditScreen) and pilot.app.screen.query_one(DataTable).row_count > 0)


async def test_a_manager_filters_by_staff_customer_record_and_days(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = evening(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_trail(pilot)
        assert rows(app)[0][1:5] == ("Maria", "stand", "sign_in", "staff:1")  # newest first: her sign-in as the app opened
        await type_text(pilot, "hana")
        await pilot.press("enter")
        await until(pilot, lambda: len(rows(app)) == 1)
        assert rows(app)[0][1:5] == ("Hana", "stand", "check_in", f"visit:{ids['visit']}")

        await pilot.press("ctrl+r", "tab")  # reset, then the customer field
        await type_text(pilot, str(ids["ana"]))
        await pilot.press("enter")
        await until(pilot, lambda: all(row[4].split(":")[0] != "customer" or row[4] == f"customer:{ids['ana']}"
                                       for row in rows(app)) and len(rows(app)) > 3)
        assert f"customer:{ids['ben']}" not in {row[4] for row in rows(app)}
        assert {f"incident:{ids['incident']}", f"visit:{ids['visit']}"} <= {row[4] for row in rows(app)}

        await pilot.press("tab")
        await type_text(pilot, f"incident:{ids['incident']}")
        await pilot.press("enter")
        await until(pilot, lambda: len(rows(app)) == 1)

        await pilot.press("ctrl+r", "tab", "tab", "tab")  # the from field
        await type_text(pilot, "2026-11-19")
        await pilot.press("tab")
        await type_text(pilot, "2026-11-19")
        await pilot.press("enter")
        await until(pilot, lambda: len(rows(app)) == 1)
        assert rows(app)[0][4] == f"customer:{ids['ben']}"

        await pilot.press("end", "ctrl+u")  # empty the "to" field
        await type_text(pilot, "2026-02-30")
        await pilot.press("enter")
        await until(pilot, lambda: "⚠ To: give a date as YYYY-MM-DD" in screen_text(app))
        assert app.focused is not None and app.focused.id == "audit-to"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AuditScreen)


async def test_only_a_manager_opens_the_trail(sqlite_desk: Actor, clock: FixedClock) -> None:
    app = make_app(url_of(sqlite_desk), clock, staff="Lena")
    seen: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await ready(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert not isinstance(app.screen, AuditScreen)
        assert "The audit trail needs a manager." in notifications(seen), notifications(seen)


async def test_the_palette_opens_the_trail(sqlite_desk: Actor, clock: FixedClock) -> None:
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "audit trail")
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))


@SIZES
def test_audit_trail(snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]) -> None:
    """"Audit trail · 16 events" above two rows of filters (Staff, Customer, Record; From, To and the hint
    "Enter: apply · Tab: next"), then the events newest first in site-local time: Maria's sign_in of
    staff:1 at 19:30 (as the app opened), her incident at
    19:15 (create follow_up:4 … follow_up:1, alert:1, flag:1, incident:1 with their field names), Hana's
    check_in of visit:1 at 18:50, the two customers created, and setup's staff (name, pin_hash, role,
    site_id: field names only) and site ("nobody": no one
    was signed in). Mode bar on F5 Reports; Footer esc Back, ^r Reset. No customer's name anywhere."""
    evening(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    assert snap_compare(app, terminal_size=size, run_before=open_trail)
