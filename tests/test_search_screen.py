"""The greet screen's search (issue 13, item 6): a long paste says the rest was ignored; a hidden screen
does not search again when the store changes, and searches once when it is shown again."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.clock import FixedClock
from frontdesk.messages import StoreChanged
from frontdesk.services import search
from frontdesk.services.context import Actor
from tests.test_greet import greet_scene, greeting
from tests.ui import screen_text, settle, until


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every search the screens run, by the text searched."""
    texts: list[str] = []
    real = search.search_customers

    def search_customers(store: Any, text: str, limit: int = search.SCREEN_ROWS, handle: Any = None) -> Any:
        texts.append(text)
        return real(store, text, limit, handle)

    monkeypatch.setattr(search, "search_customers", search_customers)
    return texts


async def test_a_long_paste_searches_its_start_and_says_the_rest_was_ignored(
        sqlite_desk: Actor, clock: FixedClock) -> None:
    greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        box = app.screen.query_one("#search")
        box.value = "jose " + " ".join(f"word{n}" for n in range(300))  # a paste lands in one go
        await settle(pilot)
        assert "for the first 8 words (100 characters) · the rest was ignored" in screen_text(app)
        box.value = "jose"
        await settle(pilot)
        assert "the rest was ignored" not in screen_text(app) and "1 found" in screen_text(app)


async def test_a_hidden_screen_does_not_search_again_on_store_changes(
        sqlite_desk: Actor, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    greet_scene(sqlite_desk)
    texts = counted(monkeypatch)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        app.screen.query_one("#search").value = "jose"
        await settle(pilot)
        assert texts == ["jose"]
        await pilot.press("f4")
        await until(pilot, lambda: app.current_mode == "followups")
        for _ in range(5):
            app.post_message(StoreChanged())  # another terminal wrote, five times
            await settle(pilot)
        assert texts == ["jose"]
        await pilot.press("f2")
        await until(pilot, lambda: app.current_mode == "greet")
        await settle(pilot)
        assert texts == ["jose", "jose"]  # once, on being shown again
        app.post_message(StoreChanged())
        await settle(pilot)
        assert texts == ["jose", "jose", "jose"]  # showing: it does re-read
