"""The app while the store misbehaves: live updates paused (never an apology), problems said once,
a busy save that keeps what was typed.

The change feed's loss is played by making its reads fail (as a lost
network share or an I/O error would); the real reconnection against
PostgreSQL is in tests/test_store_faults.py and the stress suite.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import text
from textual.notifications import Notify

from frontdesk.clock import FixedClock
from frontdesk.errors import StoreFull
from frontdesk.messages import StoreChanged
from frontdesk.screens.dialogs import ApologyScreen
from frontdesk.services import search
from frontdesk.services.context import Actor
from frontdesk.store import db
from frontdesk.widgets.mode_bar import PAUSED
from tests.test_store_faults import failing_sqlite_feed
from tests.ui import make_app, ready, screen_text, settle, type_text, until


def url_of(desk: Actor) -> str:
    return desk.store.url.render_as_string(hide_password=False)


def notices(seen: list[Any]) -> list[str]:
    return [message.notification.message for message in seen if isinstance(message, Notify)]


async def test_a_lost_feed_pauses_live_updates_then_every_screen_requeries_once(
    sqlite_desk: Actor, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = failing_sqlite_feed(monkeypatch)
    seen: list[Any] = []
    app = make_app(url_of(sqlite_desk), clock, watch_store=True)
    async with app.run_test(size=(100, 24), message_hook=seen.append) as pilot:
        await ready(pilot)
        assert PAUSED not in screen_text(app)
        failing.set()
        await until(pilot, lambda: PAUSED in screen_text(app))
        assert not isinstance(app.screen, ApologyScreen) and notices(seen) == []
        before = sum(isinstance(message, StoreChanged) for message in seen)
        failing.clear()
        await until(pilot, lambda: PAUSED not in screen_text(app))
        await until(pilot, lambda: sum(isinstance(message, StoreChanged) for message in seen) > before)
        assert app.live_updates
        assert not isinstance(app.screen, ApologyScreen)


async def test_a_store_problem_is_said_once_not_on_every_keystroke(
    sqlite_desk: Actor, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(store: Any, text: str, limit: int = 0, handle: Any = None) -> Any:
        raise StoreFull(db.FULL)

    monkeypatch.setattr(search, "search_customers", full)  # what the greet screen's searches call
    seen: list[Any] = []
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await ready(pilot)
        await type_text(pilot, "Ana Garc")
        await settle(pilot)
        assert notices(seen) == [db.FULL]
        assert not isinstance(app.screen, ApologyScreen)
        app.post_message(StoreChanged())  # the store works again (someone committed): the next problem is news
        await settle(pilot)
        await type_text(pilot, "ia")
        await settle(pilot)
        assert notices(seen) == [db.FULL, db.FULL]


async def test_a_busy_save_says_so_and_keeps_what_was_typed(
    sqlite_desk: Actor, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another terminal holds the store's write lock: the new customer's form says "busy at another
    terminal", the typed name is still there, and saving again after the lock is gone works."""
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_S", 0.3)
    app = make_app(url_of(sqlite_desk), clock)
    path = sqlite_desk.store.path
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await type_text(pilot, "Neo Anderson")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        other.execute("BEGIN IMMEDIATE")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Busy at another terminal — try again" in screen_text(app))
        assert app.screen.query_one("#name").value == "Neo Anderson"
        other.execute("ROLLBACK")
        await pilot.press("ctrl+s")
        await settle(pilot)
    other.close()
    with sqlite_desk.store.read() as session:
        assert session.execute(text("SELECT count(*) FROM customers WHERE name = 'Neo Anderson'")).scalar() == 1
