"""Helpers for Pilot and snapshot tests: an app on a test store, and waiting for it.

Pilot tests drive the app by keys only, then assert what the store holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.worker import WorkerState

from frontdesk.app import FrontdeskApp
from frontdesk.clock import Clock
from frontdesk.config import Settings

BUSY = (WorkerState.PENDING, WorkerState.RUNNING)
ASKING = ("confirm", "ask")
"""Worker groups that wait for a dialog's answer: idle, not busy, while their dialog is up."""


def make_app(
    store_url: str,
    clock: Clock,
    *,
    staff: str | None = "Maria",
    site: str | None = None,
    terminal: str = "stand",
    watch_store: bool = False,
    pin: str | None = None,
    **settings: Any,
) -> FrontdeskApp:
    """The app on `store_url` with the clock pinned; the change feed off unless asked.

    `staff` is signed in with their PIN from DESK_PINS (or `pin`; "" leaves it to be typed), through the sign-in service.
    """
    from tests.conftest import DESK_PINS

    return FrontdeskApp(
        Settings(database_url=store_url, staff=staff, site=site, terminal=terminal, **settings),
        clock=clock,
        watch_store=watch_store,
        pin=DESK_PINS.get(staff or "") if pin is None else pin,
    )


def _busy(app: Any) -> list[Any]:
    asking = isinstance(app.screen, ModalScreen)
    return [worker for worker in app.workers
            if worker.state in BUSY and worker.group != "feed" and not (asking and worker.group in ASKING)]


async def settle(pilot: Pilot[Any], timeout: float = 10.0) -> None:
    """Wait until every worker but the change feed (and one waiting for an open dialog) has finished."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        busy = _busy(app)
        if not busy:
            await pilot.pause()
            if not _busy(app):
                return
            continue
        if loop.time() > deadline:
            raise TimeoutError(f"workers still busy: {[worker.name for worker in busy]}")
        await asyncio.sleep(0.02)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait (letting the app run) until `condition` holds, then settle: for what arrives through a worker."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the screen never got there")
        await pilot.pause(0.02)
    await settle(pilot, timeout)


async def ready(pilot: Pilot[Any], timeout: float = 10.0) -> FrontdeskApp:
    """Wait until the store is open and the staff member is known."""
    app = pilot.app
    assert isinstance(app, FrontdeskApp)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.desk is None:
        if app.store_problem:
            raise AssertionError(f"store problem: {app.store_problem}")
        if loop.time() > deadline:
            raise TimeoutError("the desk never became ready")
        await asyncio.sleep(0.02)
    await settle(pilot, timeout)
    return app


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type `text` key by key, as a person would."""
    await pilot.press(*text)


def screen_text(app: FrontdeskApp) -> str:
    """What the terminal shows right now, one line per row, as plain text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def at_the_stand(pilot: Pilot[Any]) -> Any:
    """Wait for the desk and return the greet screen (typed as Any: this module imports no screens)."""
    await ready(pilot)
    from frontdesk.screens.greet import GreetScreen

    screen = pilot.app.screen
    assert isinstance(screen, GreetScreen)
    return screen
