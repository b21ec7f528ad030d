"""How the follow-ups queue (F4) looks, at 80×24 and at 120×40, on the shift `fill_queue` makes.

Each docstring says what the picture must show; customer names and texts
with brackets ("Smith [/]", "[@click=app.quit]x[/]") must appear literally.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_followups_screen import Shift, add_unflagged_check_in, app_for, fill_queue, open_queue, press

from tests.ui import type_text

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def shift(sqlite_desk: Any) -> Shift:
    return fill_queue(sqlite_desk)


@pytest.mark.parametrize("size", SIZES)
def test_queue(snap_compare: Any, shift: Shift, clock: Any, size: tuple[int, int]) -> None:
    """The queue: counts (1 overdue · 2 due today · 6 this week) and the filters on top; Ana García
    "! 2 days overdue" first and highlighted, then "today 22:00" Smith [/], "today 23:30" unknown guest
    (finish deposition), "tomorrow 10:00" [@click=app.quit]x[/]; at 120×40 also "! tomorrow 15:00"
    Smith [/] with 3 tries. At 80×24 each incident is on its own line under its row; at 120×40 it is the
    last column. Ana's detail below; the footer shows Done, Resched., Reassign, Skip, Notes. Above the counts
    the alert bar says "! 2 follow-ups escalated to the leads · F4: the queue": Maria, a manager, hears of both
    levels (issue 15)."""

    async def run_before(pilot: Any) -> None:
        await open_queue(pilot)

    assert snap_compare(app_for(shift.desk, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_detail_panel(snap_compare: Any, shift: Shift, clock: Any, size: tuple[int, int]) -> None:
    """Smith [/]'s check-in call, tried three times, with the detail panel focused (Tab) and grown:
    "! For the lead: three tries without reaching them.", the incident "Wrong wine served [bold]twice[/]"
    literally, three tries by Lena (no answer), contact "call: yes · text: no consent", the address with
    "note: yes", "no suggested words", and the keys o (card) and i (incident)."""

    async def run_before(pilot: Any) -> None:
        await open_queue(pilot)
        await press(pilot, "end", "up", "tab")

    assert snap_compare(app_for(shift.desk, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_outcome_dialog(snap_compare: Any, shift: Shift, clock: Any, size: tuple[int, int]) -> None:
    """The done dialog over the queue for Ana García (check-in by call, due 2 days overdue): the four
    outcomes numbered 1–4 with what each leads to, "3 no answer" highlighted, the note "Rang at 19:30"
    typed, and the keys line at the bottom; nothing is cut off at 80×24."""

    async def run_before(pilot: Any) -> None:
        await open_queue(pilot)
        await press(pilot, "enter", "3", "tab")
        await type_text(pilot, "Rang at 19:30")

    assert snap_compare(app_for(shift.desk, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_close_dialog_with_a_root_cause(snap_compare: Any, shift: Shift, clock: Any, size: tuple[int, int]) -> None:
    """Issue 15: Ana García's check-in done (reached, satisfied), and the close dialog: "Why did it happen?"
    with the root causes numbered (1 Staffing … 5 Supplier in view, a scroll bar), "2 Training" chosen and
    focused; beside it "Was the customer recovered?" with "1 recovered" highlighted and "proposed from the
    last follow-up"; below, "Promise kept? A free dessert on the next visit" and "Their flag (hosts see it):",
    neither chosen; the keys line at the bottom. Nothing is cut off at 80×24."""

    async def run_before(pilot: Any) -> None:
        await open_queue(pilot)
        await press(pilot, "enter", "1", "enter", "2")

    assert snap_compare(app_for(shift.desk, clock), terminal_size=size, run_before=run_before)


def test_closing_with_nothing_to_choose(snap_compare: Any, shift: Shift, clock: Any) -> None:
    """Issue 17 item 4, then issue 15: Bo Lind's check-in done, and the close dialog for an episode with no
    flag and no promise: "Close the episode for Bo Lind", only the root causes (none chosen, focused) and
    the outcome ("1 recovered" proposed), no promise or flag rows, and the keys "Digits or arrows: choose ·
    Tab: next · Enter: close it · Esc: not now"."""
    add_unflagged_check_in(shift)

    async def run_before(pilot: Any) -> None:
        await open_queue(pilot)
        await press(pilot, "enter", "1", "enter")

    assert snap_compare(app_for(shift.desk, clock), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_notes_to_write(snap_compare: Any, shift: Shift, clock: Any, size: tuple[int, int],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Notes to write today at Bistro Berlin: "1. Smith [/]" with the address Torstraße 9 / 10119 Berlin,
    what it is about, the suggested words "Thank them for staying [red]with us[/]" literally, the owner
    Lena; below, the file name /home/lead/frontdesk-notes-2026-11-20.txt and the keys (F10 saves)."""
    monkeypatch.setenv("HOME", "/home/lead")

    async def run_before(pilot: Any) -> None:
        await open_queue(pilot)
        await press(pilot, "n")

    assert snap_compare(app_for(shift.desk, clock), terminal_size=size, run_before=run_before)


def test_refused_action_is_said_plainly(snap_compare: Any, shift: Shift, clock: Any) -> None:
    """After Tom completed Ana's call at another terminal, our "done" is refused: the message line under
    the filters reads "Not saved: already done by Tom at 19:30 (reached – satisfied). Nothing was
    changed." and the queue no longer lists Ana; Smith [/]'s note is first and highlighted."""
    from frontdesk.schemas.inputs import OutcomeInput
    from frontdesk.services import followups

    async def run_before(pilot: Any) -> None:
        await open_queue(pilot)
        await press(pilot, "enter", "1")
        call = shift.follow_ups["ana_call"]
        followups.complete(shift.desk.as_staff(shift.staff["Tom"]), call, None,
                           OutcomeInput.parse({"outcome": "reached_satisfied"}))
        await press(pilot, "enter")

    assert snap_compare(app_for(shift.desk, clock), terminal_size=(80, 24), run_before=run_before)
