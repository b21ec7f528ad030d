"""The keys panel (F1) at the sizes a stand has (issue 17 item 3).

At 80×24 Textual's HelpPanel listed twenty rows of generic keys before the screen's own, left
PageDown to the screen underneath and squeezed that screen to 50 columns. Ours lists the screen's
keys first, scrolls by PageUp/PageDown, and covers the screen at 80 columns without relaying it out.
"""

from __future__ import annotations

from typing import Any


from frontdesk.clock import FixedClock
from frontdesk.services.context import Actor
from frontdesk.widgets.keys_help import KeysHelp
from tests.test_greet import greet_scene, url_of
from tests.test_greet_snapshots import keys
from tests.ui import at_the_stand, make_app, ready, screen_text, settle


def panel_rows(app: Any) -> list[str]:
    """The panel's rows on screen, as plain text."""
    panel = app.screen.query_one(KeysHelp)
    region = panel.region
    return [line[region.x:region.right].strip() for line in screen_text(app).splitlines()[region.y:region.bottom]]


async def test_at_80_columns_the_screens_keys_come_first_and_page_down_scrolls_the_panel(
        sqlite_desk: Actor, clock: FixedClock) -> None:
    greet_scene(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        greet = await at_the_stand(pilot)
        await pilot.press("f1")
        await settle(pilot)
        rows = panel_rows(app)
        assert rows[1] == "Greet" and "Clear the search box" in "\n".join(rows[:8])
        assert "Find an arriving guest" in "\n".join(rows), "the global keys follow on the first page"
        assert not any("Scroll" in row for row in rows)
        panel = greet.query_one(KeysHelp)
        assert (panel.region.x, panel.region.width, panel.region.y) == (0, 80, 2), "covers, below the mode bar"
        assert greet.query_one("#greet-main").size.width == 80, "the screen underneath is not squeezed"
        assert "f1 Help" in screen_text(app).splitlines()[-1], "the footer stays in view"
        highlighted = greet.results.highlighted_hit
        await pilot.press("pagedown")
        await settle(pilot)
        assert panel.scroll_y > 0
        assert greet.results.highlighted_hit == highlighted, "the results underneath did not move"
        await pilot.press("f1")
        await settle(pilot)
        assert not greet.query(KeysHelp)
        await pilot.press("pagedown")
        await settle(pilot)
        assert greet.results.highlighted_hit != highlighted, "without the panel PageDown is the screen's again"


async def test_at_120_columns_it_is_a_column_on_the_right(sqlite_desk: Actor, clock: FixedClock) -> None:
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        await settle(pilot)
        panel = app.screen.query_one(KeysHelp)
        assert (panel.region.right, panel.region.width) == (120, 58)
        assert app.screen.query_one("#greet-main").region.x == 0


def test_keys_panel_at_80x24(snap_compare: Any, sqlite_desk: Actor, clock: FixedClock) -> None:
    """F1 on the host stand at 80×24: under the mode bar, across the whole width, "F1 closes · PgUp PgDn
    scroll", then Greet's keys (Enter open, Esc clear, Ctrl+N new), then Everywhere (Ctrl+Q, F1, F2–F5,
    F9, Ctrl+P), then the search box's editing keys; no scrolling keys; the footer stays below."""
    greet_scene(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys("f1"))
