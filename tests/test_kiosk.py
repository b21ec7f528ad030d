"""Kiosk mode (--kiosk): quitting and suspending need a manager's PIN, and no key leads out to a shell."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from textual.app import App
from textual.message import Message

from frontdesk.clock import FixedClock
from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent
from tests.test_greet import notifications, url_of
from tests.ui import make_app, ready, screen_text, settle, type_text, until

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def asking_manager(app: Any) -> bool:
    return type(app.screen).__name__ == "ManagerPinScreen"


def staff_events(desk: Actor) -> list[tuple[str, int | None, int]]:
    with desk.store.read() as session:
        return [(row.action, row.staff_id, row.record_id) for row in session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("sign_in_refused", "quit"))).order_by(AuditEvent.id))]


async def test_ctrl_q_needs_a_managers_pin(sqlite_desk: Actor, clock: FixedClock) -> None:
    """Hana (a host) at the stand presses Ctrl+Q: Maria, the only manager, is asked for. Hana's own PIN and a
    wrong one are refused next to the field and the app goes on; Maria's quits with status 0, audited `quit`."""
    app = make_app(url_of(sqlite_desk), clock, staff="Hana", kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: asking_manager(app))
        assert "Quitting needs a manager's PIN" in screen_text(app) and "Maria" in screen_text(app)
        for wrong in ("3690", "1111"):  # Hana's PIN, then a wrong one
            await type_text(pilot, wrong)
            await pilot.press("enter")
            await until(pilot, lambda: "not right" in screen_text(app))
            assert asking_manager(app) and app.return_code is None
            await pilot.press("ctrl+q")  # asking already: nothing more happens
            await settle(pilot)
            assert asking_manager(app) and app.return_code is None
        assert "3 more before a lockout" in screen_text(app)
        await type_text(pilot, "2468")
        await pilot.press("enter")
        await until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0
    maria = next(staff.id for staff in app.known_staff[1] if staff.name == "Maria") if app.known_staff else -1
    assert staff_events(sqlite_desk) == [("sign_in_refused", None, maria)] * 2 + [("quit", maria, maria)]


async def test_esc_goes_back_and_the_palettes_quit_asks_too(sqlite_desk: Actor, clock: FixedClock) -> None:
    from textual.command import CommandPalette

    app = make_app(url_of(sqlite_desk), clock, staff="Tom", kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: asking_manager(app))
        await pilot.press("escape")
        await until(pilot, lambda: not asking_manager(app))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await type_text(pilot, "quit")
        await until(pilot, lambda: "Quit (Ctrl+Q)" in screen_text(app))
        await pilot.press("enter")
        await until(pilot, lambda: asking_manager(app))
        assert app.return_code is None


async def test_locked_the_quit_asks_a_manager_too(sqlite_desk: Actor, clock: FixedClock) -> None:
    app = make_app(url_of(sqlite_desk), clock, kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("f9")
        await until(pilot, lambda: app.locked)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: asking_manager(app))
        assert app.return_code is None


async def test_nothing_suspends(sqlite_desk: Actor, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """No key is bound to suspending (Ctrl+Z is the fields' undo); asked for all the same, a kiosk wants a
    manager's PIN first."""
    suspended: list[bool] = []
    monkeypatch.setattr(App, "action_suspend_process", lambda self: suspended.append(True))
    app = make_app(url_of(sqlite_desk), clock, kiosk=True)
    seen: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await ready(pilot)
        for key in ("ctrl+z", "ctrl+c", "ctrl+backslash"):
            await pilot.press(key)
            await settle(pilot)
        app.action_help_quit()  # Ctrl+C outside a field (in one it copies)
        await until(pilot, lambda: "Ctrl+Q quits, with a manager's PIN." in notifications(seen))
        assert not suspended and app.return_code is None and not asking_manager(app)
        bound = [active.binding.action for active in app.active_bindings.values()]
        assert bound and not any("suspend" in action for action in bound)
        app.action_suspend_process()
        await until(pilot, lambda: asking_manager(app))
        assert "Suspending needs a manager's PIN" in screen_text(app)
        await type_text(pilot, "2468")
        await pilot.press("enter")
        await until(pilot, lambda: bool(suspended))
        assert app.return_code is None


async def test_without_kiosk_ctrl_q_quits(sqlite_desk: Actor, clock: FixedClock) -> None:
    app = make_app(url_of(sqlite_desk), clock, staff="Hana")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0 and staff_events(sqlite_desk) == []


async def _asking(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("ctrl+q")
    await until(pilot, lambda: asking_manager(pilot.app))
    await type_text(pilot, "1111")
    await pilot.press("enter")
    await until(pilot, lambda: "not right" in screen_text(pilot.app))


@SIZES
def test_snapshot_managers_pin(snap_compare: Any, sqlite_desk: Actor, clock: FixedClock,
                               size: tuple[int, int]) -> None:
    """Ctrl+Q at a kiosk: "Quitting needs a manager's PIN", "Maria  manager" over an empty PIN field, "That PIN
    is not right (4 more before a lockout)." under it, and "⏎ OK  esc Back"."""
    app = make_app(url_of(sqlite_desk), clock, staff="Hana", kiosk=True)
    assert snap_compare(app, terminal_size=size, run_before=_asking)
