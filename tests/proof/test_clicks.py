"""Clicks: a click, a double-click and a triple-click on every list and table of every screen never
break the app.

The random-key proof never clicks, and a triple-click on the greet screen's
results crashed the app: Textual selects a widget's text on a triple-click
through `DOMNode.query`, which `SearchResults.query` (a string) hid. Each scene
below brings up a screen or dialog on the seeded Friday evening; every list
and table showing there is clicked once, twice and three times, each from a
fresh copy of the scene (a click may open something). After each: the app
is running, no apology screen was shown and nothing reached the crash log.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, ListView, OptionList, Tree

from frontdesk import crash
from frontdesk.app import FrontdeskApp
from frontdesk.screens.dialogs import ApologyScreen
from frontdesk.screens.sign_in import SignInScreen
from frontdesk.widgets.in_house import InHouseList
from frontdesk.widgets.search_results import SearchResults
from tests.ui import make_app, ready, settle, type_text

LISTS = (OptionList, DataTable, ListView, Tree, SearchResults, InHouseList)
"""What counts as a list or a table (DueRows and PlanPreview are OptionLists)."""
CLICKS = (1, 2, 3)

Scene = Callable[[Any], Awaitable[None]]


async def keys(pilot: Any, *pressed: str) -> None:
    for key in pressed:
        await pilot.press(key)
        await settle(pilot)


async def greet_searching(pilot: Any) -> None:
    await keys(pilot, "f2")
    await type_text(pilot, "an")
    await settle(pilot)


async def greet_card(pilot: Any) -> None:
    await greet_searching(pilot)
    await keys(pilot, "enter")


async def picking(pilot: Any, *before: str) -> None:
    """A customer picker showing the customers found for "an"."""
    await keys(pilot, *before)
    await type_text(pilot, "an")
    await settle(pilot)


SCENES: dict[str, Scene] = {
    "greet": lambda pilot: keys(pilot, "f2"),
    "greet, searching": greet_searching,
    "greet, a card": greet_card,
    "incident": lambda pilot: keys(pilot, "f3"),
    "incident, picking a customer": lambda pilot: picking(pilot, "f3"),
    "incident, today's incidents": lambda pilot: keys(pilot, "f3", "f8"),
    "incident, quick log": lambda pilot: picking(pilot, "f3", "f6"),
    "follow-ups": lambda pilot: keys(pilot, "f4"),
    "follow-ups, done": lambda pilot: keys(pilot, "f4", "enter"),
    "follow-ups, reschedule": lambda pilot: keys(pilot, "f4", "r"),
    "follow-ups, reassign": lambda pilot: keys(pilot, "f4", "a"),
    "reports": lambda pilot: keys(pilot, "f5"),
    "sign-in, the names": lambda pilot: keys(pilot, "f9", "escape"),  # F9 locks on the PIN; Esc: the names
}


NO_LISTS = {("greet, a card", (80, 24))}
"""Scenes with nothing to click at a size: at 80 columns the card covers the results and the in-house list."""


class Failures:
    """What went wrong, counted as the random-key proof counts it: crash-log entries and apologies."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.errors: list[str] = []
        record = crash.record
        apology_init = ApologyScreen.__init__

        def recorded(error: BaseException, where: str = "app") -> str:
            self.errors.append(f"in {where}: " + "".join(traceback.format_exception(error)))
            return record(error, where)

        def apology(screen: ApologyScreen, reference: str) -> None:
            self.errors.append(f"an apology screen ({reference})")
            apology_init(screen, reference)

        monkeypatch.setattr(crash, "record", recorded)
        monkeypatch.setattr(ApologyScreen, "__init__", apology)


TEXT_TABLES = ("#report-heat", "#report-products")
"""The reports' tables, drawn as text in a Static each."""


def lists_shown(app: FrontdeskApp) -> list[Widget]:
    """The lists and tables on the current screen that take up room on it."""
    return [widget for widget in app.screen.query(Widget)
            if (isinstance(widget, LISTS) or any(widget.id == name[1:] for name in TEXT_TABLES))
            and widget.display and widget.region.width and widget.region.height]


async def back_home(app: FrontdeskApp, pilot: Any) -> None:
    """Close whatever dialogs are open, without answering them; the lock (F9) is left as its own person
    leaves it, the same person resuming (popped unanswered, the app would stay locked and F9 do nothing)."""
    while isinstance(app.screen, ModalScreen):
        if isinstance(app.screen, SignInScreen) and app.locked:
            app.screen.dismiss(app.staff)
        else:
            app.pop_screen()
        await settle(pilot)


async def on_screen(pilot: Any, widget: Widget) -> tuple[int, int]:
    """Where to click `widget` (relative to it), on its second row where it has one, scrolled into view first."""
    widget.scroll_visible(animate=False)
    await settle(pilot)
    shown = widget.region.intersection(pilot.app.screen.region)
    assert shown.area, f"{name_of(widget)} cannot be brought into view"
    return (shown.x - widget.region.x + min(2, shown.width - 1), shown.y - widget.region.y + min(1, shown.height - 1))


def name_of(widget: Widget) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget.id else type(widget).__name__


@pytest.mark.parametrize("size", [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")])
async def test_clicking_every_list_and_table_of_every_screen(shop: Any, clock: Any, private_dirs: Any,
                                                             monkeypatch: pytest.MonkeyPatch, show: Any,
                                                             size: tuple[int, int]) -> None:
    failures = Failures(monkeypatch)
    monkeypatch.setattr(FrontdeskApp, "action_quit", lambda app: None)  # a click never quits by accident
    url = shop.desk.store.url.render_as_string(hide_password=False)
    clicked: list[str] = []
    app = make_app(url, clock, terminal="clicker")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        for scene, bring_up in SCENES.items():
            await back_home(app, pilot)
            await bring_up(pilot)
            shown = len(lists_shown(app))
            assert shown or (scene, size) in NO_LISTS, f"{scene}: no list or table to click (is the scene still right?)"
            for index in range(shown):
                for times in CLICKS:
                    await back_home(app, pilot)
                    await bring_up(pilot)
                    targets = lists_shown(app)
                    if index >= len(targets):
                        continue
                    target = targets[index]
                    where = f"{scene}: {name_of(target)} clicked {times}×"
                    await pilot.click(target, offset=await on_screen(pilot, target), times=times)
                    await settle(pilot)
                    assert app.is_running, f"the app stopped after {where}"
                    assert not failures.errors, f"after {where}:\n" + "\n".join(failures.errors)
                    clicked.append(where)
    show(f"{len(clicked)} clicks (1, 2 and 3 at a time) on every list and table of {len(SCENES)} scenes at "
         f"{size[0]}x{size[1]}: 0 errors")
