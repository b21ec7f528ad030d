"""How the host stand looks, at 80×24 and 120×40, on a Friday evening (see `greet_scene`).

Keys are pressed in `run_before`, waiting for the workers, so each picture
shows the answer and not a moment before it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from frontdesk.clock import FixedClock
from frontdesk.services.context import Actor
from tests.test_greet import greet_scene, url_of
from tests.ui import make_app, ready, settle, type_text

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def keys(*steps: str) -> Callable[[Any], Awaitable[None]]:
    """Wait for the desk, then each step, settling after each: "type:ana" types text,
    "clear_notifications" dismisses the toasts, anything else is a key."""

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        for step in steps:
            if step.startswith("type:"):
                await type_text(pilot, step.removeprefix("type:"))
            elif step == "clear_notifications":
                pilot.app.clear_notifications()
            else:
                await pilot.press(step)
            await settle(pilot)

    return run_before


def snapshot(snap_compare: Any, desk: Actor, clock: FixedClock, size: tuple[int, int], *steps: str) -> bool:
    greet_scene(desk)
    app = make_app(url_of(desk), clock)
    return bool(snap_compare(app, terminal_size=size, run_before=keys(*steps)))


@SIZES
def test_empty_search(snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]) -> None:
    """Recent guests, flagged first: ⚑ priority Ana, ⚑ care Anton and [red]Bob[/red], ⚑ info Annika, then
    Smith [/], [@click=app.quit]x[/], Anna and José, each with a masked phone (••• ••• 1234) and last visit;
    the first row marked ▶. In house with a flag or incident: Smith [/] (service incident today), [red]Bob[/red] and Anton
    with their neutral headlines; below the results at 80 columns, a column on the right at 120. Names
    are literal, never markup."""
    assert snapshot(snap_compare, sqlite_desk, clock, size)


@SIZES
def test_results_with_flagged_and_unflagged_guests(
    snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]
) -> None:
    """"an" typed: 4 found; ⚑ priority Ana García, ⚑ care Anton Weber, ⚑ info Annika Berg, then Anna
    Kowalski with no marker; the second row (Anton) highlighted after one Down."""
    assert snapshot(snap_compare, sqlite_desk, clock, size, "type:an", "down")


@SIZES
def test_card_with_an_active_flag_headline_only(
    snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]
) -> None:
    """Ana's card: the banner first with ⚑ priority and only the neutral headline "Food and drink
    follow-up · 13 Nov", "promise open · due Fri 20 Nov" (no words of the promise) and "F6: the story
    and how to greet"; no description on screen. Then her name,
    not in house, masked phone, consent, customer since, 12 visits, 2 incidents in 12 visits, remedies
    24.00 EUR, notes, "A promise" due today 22:00 (what was promised shows with F6). Footer, whole at 80 columns: f8 Check in,
    f10 Ack, ^r Clear, f11 Incident, f12 Edit, f1 Help and the palette key; "F9 Maria · Bistro Berlin"
    in the mode bar. Above the card, where the results' title was, the buttons for a tablet: F6 Story, F8 Check in,
    F10 Ack."""
    assert snapshot(snap_compare, sqlite_desk, clock, size, "type:ana g", "enter")


@SIZES
def test_card_with_an_active_flag_and_its_story(
    snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]
) -> None:
    """F6 pressed: under the headline, When (Fri 13 Nov 18:30), Story (late, cold main; remedy comped
    24.00 EUR; the promise), Greet (acknowledge what happened on Friday…), Logged by Maria, Read by nobody
    yet, in two aligned columns that wrap under their value. Under Open promises the promise's words, "promised
    by Maria, Fri 13 Nov 18:30", due today 22:00, likely."""
    assert snapshot(snap_compare, sqlite_desk, clock, size, "type:ana g", "enter", "f6")


@SIZES
def test_check_in_offers_to_mark_the_promise_kept(
    snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]
) -> None:
    """F8 on Ana's card: a dialog "Check in Ana García", "An open promise: a promise, due today 22:00.
    Honour it now?" (the story is closed, so not its words) and the keys [y] Check in, mark it kept,
    [n] Check in only, [Esc] Not yet, over the card."""
    assert snapshot(snap_compare, sqlite_desk, clock, size, "type:ana g", "enter", "f8")


@SIZES
def test_card_with_a_long_history(
    snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]
) -> None:
    """Ana's card scrolled a page down: the History, newest first, dates on the left: follow-ups with
    their outcome (reached – satisfied · Maria), the incident of Fri 13 Nov as category and severity only
    (its description and remedy show with F6), monthly visits (checked out, 1 incident on the 13th) back to last year."""
    assert snapshot(snap_compare, sqlite_desk, clock, size, "type:ana g", "enter", "pagedown")


@SIZES
def test_in_house_list_after_a_flagged_guest_checks_in(
    snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]
) -> None:
    """Ana checked in (F8), then Esc twice (the toast dismissed): In house with a flag or incident · 4, by check-in time:
    Smith [/] (service incident today), [red]Bob[/red] and Anton (⚑ care, neutral headlines) and Ana
    (19:30, ⚑ priority, "Food and drink follow-up · 13 Nov"). The Footer offers no Esc: the box is empty."""
    assert snapshot(snap_compare, sqlite_desk, clock, size, "type:ana g", "enter", "f8", "escape", "escape",
                    "clear_notifications")


def test_new_customer_with_a_phone_already_on_file(
    snap_compare: Any, sqlite_desk: Actor, clock: FixedClock
) -> None:
    """The new-customer dialog at 80×24: name "Ana Twin" (from the search box), phone 030 1234 5678 marked
    "already on file (below)", the line "Another name, same phone/email: Enter opens, Ctrl+S adds" (whole,
    not cut) and the list offering Ana García (••• ••• 5678) to open instead; consent
    boxes show [ ] without relying on colour; the Footer shows Save and Cancel. The dialog stays below the
    mode bar (F2 … F9 Maria · Bistro Berlin in sight) and scrolls: its keys line is below the fold."""
    assert snapshot(snap_compare, sqlite_desk, clock, (80, 24), "type:Ana Twin", "ctrl+n", "tab",
                    "type:030 1234 5678", "ctrl+s")
