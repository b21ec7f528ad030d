"""Flaws the 80×24 snapshots had baked in (issue 17 item 13), each checked on the screen itself.

The reports' summary broke "critical 0" across two lines; the queue ran "finish deposition" into
"in person"; the card's footer had no palette key although its snapshot's docstring promised one.
"""

from __future__ import annotations

from typing import Any

from frontdesk.screens.reports import figures
from tests.test_followups_screen import Shift, app_for, open_queue, shift  # noqa: F401
from tests.ui import at_the_stand, screen_text, settle, type_text, until


def test_figures_break_between_parts_never_inside_one() -> None:
    parts = ["4", "minor 1", "moderate 3", "major 0", "critical 0"]
    assert figures(parts, 45).plain == "4 · minor 1 · moderate 3 · major 0 ·\ncritical 0"
    assert figures(parts, 0).plain == "4 · minor 1 · moderate 3 · major 0 · critical 0"


async def test_reports_queue_and_card_at_80_columns(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        greet = await at_the_stand(pilot)
        await type_text(pilot, "Ana")
        await until(pilot, lambda: bool(greet.results.hits))
        await pilot.press("enter")
        await until(pilot, lambda: greet.card is not None)
        assert screen_text(app).splitlines()[-1].rstrip().endswith("^p palette")

        await pilot.press("f5")
        await until(pilot, lambda: "critical" in screen_text(app))
        lines = screen_text(app).splitlines()
        assert any(line.rstrip().endswith("critical 0") for line in lines), "a figure keeps its count"
        assert any("still open past due 1" in line for line in lines)

        await open_queue(pilot)
        await settle(pilot)
        assert any("finish deposition  in person  Maria" in line for line in screen_text(app).splitlines())
