"""The Textual internals `frontdesk.compat` leans on still behave as it assumes.

If a Textual release renames or changes them, these fail here, by name,
instead of the app quietly printing tracebacks with customer data or
restyling every screen twice.
"""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.command import CommandInput, CommandList, CommandPalette
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label
from textual.worker import WorkerFailed

from frontdesk.compat import QuietCrashes, palette_list_gone, styled


class Boom(Message):
    """Raises in its handler, on the UI thread."""


class _Crashy(QuietCrashes):
    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[Exception] = []

    def compose(self) -> ComposeResult:
        yield Label("guest Canarybird")

    def crashed(self, error: Exception) -> str:
        self.recorded.append(error)
        return "sorry FD-TEST"

    def on_boom(self, _: Boom) -> None:
        raise RuntimeError("Canarybird")


async def test_an_exception_in_a_handler_reaches_crashed_and_stops_the_app() -> None:
    app = _Crashy()
    async with app.run_test():
        app.post_message(Boom())
        while app.is_running:
            await asyncio.sleep(0.01)
    assert [type(error) for error in app.recorded] == [RuntimeError]
    assert app.return_code == 1


def test_textual_still_has_the_hook_and_the_counter() -> None:
    assert callable(App._handle_exception), "Textual renamed App._handle_exception: see frontdesk/compat.py"
    assert isinstance(App()._css_update_count, int), "Textual renamed _css_update_count: see frontdesk/compat.py"
    assert Screen()._css_update_count == -1, "a new screen no longer starts unstyled: styled() may be moot"


async def test_styled_marks_a_new_screen_as_current() -> None:
    app = App[None]()
    async with app.run_test():
        screen = styled(Screen())
        assert screen._css_update_count == app._css_update_count


async def test_the_palettes_search_finding_its_list_gone_is_let_pass_and_nothing_else() -> None:
    """Textual's palette search worker, run after the palette's list is taken down (the race random keys met),
    fails with NoMatches for CommandList: the app carries on. Any other failure still reaches `crashed`."""
    app = _Crashy()
    async with app.run_test() as pilot:
        app.action_command_palette()
        await pilot.wait_for_scheduled_animations()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await palette.query_one(CommandList).remove()
        palette.query_one(CommandInput).value = "qu"  # starts the search worker, which looks for the list
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.recorded == [], "Textual changed its palette search: see compat.palette_list_gone"
        assert not palette_list_gone(WorkerFailed(NoMatches("No nodes match 'Label'")))
