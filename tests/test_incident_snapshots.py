"""How the incident screen (F3) looks, at 80×24 and at 120×40, with the clock pinned to Friday
20 Nov 2026, 19:30 in Berlin.

Each docstring says what the picture must show; customer text with brackets
("Smith [/]", "[@click=app.quit]x[/]") must appear literally.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_incident import app_for, open_form, shown

from frontdesk.services import customers, incidents
from tests.ui import settle, type_text

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_empty_form(snap_compare: Any, sqlite_desk: Any, clock: Any, size: tuple[int, int]) -> None:
    """"New incident" on top; the Customer field focused (its caption reversed) with "unknown guest, unless
    you type a name or phone" under it; When "→ Fri 20 Nov 19:30"; category, severity, remedy and
    likelihood at "—"; Original ally [Maria]. At 120×40 every field is on screen with "Saving will create"
    on the right (Flag: none, no customer attached; Follow-ups: choose a severity and category); at
    80×24 the form scrolls. Footer: ^s Save, f6 Quick log, f8 Today, f1 Help."""
    assert snap_compare(app_for(sqlite_desk, clock), terminal_size=size, run_before=open_form)


@pytest.mark.parametrize("size", SIZES)
def test_form_with_errors(snap_compare: Any, sqlite_desk: Any, clock: Any, size: tuple[int, int]) -> None:
    """After Ctrl+S: "⚠ not a time: try 19:40, …" under When (focused, still holding "teatime"),
    "⚠ required" under What went wrong and "⚠ must be an amount like 12.50" under Remedy cost (at 80×24
    below the fold); the guest "Smith [/]" and food / moderate are still filled in."""

    async def run_before(pilot: Any) -> None:
        await open_form(pilot)
        await type_text(pilot, "Smith [/]")
        await pilot.press("tab")
        await type_text(pilot, "teatime")
        await pilot.press("tab", "right", "right", "tab", "right", "right", *["tab"] * 6)
        await type_text(pilot, "twelve")
        await pilot.press("ctrl+s")
        await shown(pilot)

    assert snap_compare(app_for(sqlite_desk, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_plan_preview(snap_compare: Any, sqlite_desk: Any, clock: Any, size: tuple[int, int]) -> None:
    """A major food incident for "[@click=app.quit]x[/]" (attached, shown literally), a promise for
    tomorrow 12:00 and a hand-off to the kitchen. The plan is focused (its first step highlighted):
    Sat 21 Nov 10:00 hand-off check (the next morning, no "fixed by" given) and check-in, 12:00 promise
    check, Sun 22 Nov 11:00 wrap-up call, Fri 27 Nov 10:00 wrap-up note, Fri 04 Dec 11:00 check-in, all
    Maria's. Above it the flag [flag the customer] with the headline "Food and drink follow-up · 20 Nov",
    the story (with "Promised: a call from the chef by Sat 21 Nov 12:00") and the greeting. The footer
    offers Edit and Remove."""
    desk = sqlite_desk
    customers.create_customer(desk, customers.parse_customer(
        desk, {"name": "[@click=app.quit]x[/]", "phone": "+49 151 23456789"}))

    async def run_before(pilot: Any) -> None:
        await open_form(pilot)
        await type_text(pilot, "click")
        await shown(pilot)
        await pilot.press("enter", "tab", "right", "right", "tab", "right", "right", "right", "tab", "tab", "tab")
        await type_text(pilot, "Soup arrived cold")
        await pilot.press("tab", "tab", "tab", "tab")
        await type_text(pilot, "a call from the chef")
        await pilot.press("tab")
        await type_text(pilot, "tomorrow 12:00")
        await pilot.press("tab", "right", "tab", "tab")
        await type_text(pilot, "kitchen")
        await pilot.press(*["tab"] * 6)
        await shown(pilot)

    assert snap_compare(app_for(sqlite_desk, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_quick_log(snap_compare: Any, sqlite_desk: Any, clock: Any, size: tuple[int, int]) -> None:
    """The quick log dialog over the form: Who "Smith [/]" (not on file: kept as a description), Category
    [Food and drink] (or ◀ … ▶), Severity [moderate], What happened "soup cold" focused; the note says a
    follow-up to finish within 4 hours is created. Footer: ^s Save, esc Cancel."""

    async def run_before(pilot: Any) -> None:
        await open_form(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await type_text(pilot, "Smith [/]")
        await pilot.press("tab", "right", "right", "tab", "right", "right", "tab")
        await type_text(pilot, "soup cold")
        await shown(pilot)

    assert snap_compare(app_for(sqlite_desk, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_alert(snap_compare: Any, sqlite_desk: Any, clock: Any, size: tuple[int, int]) -> None:
    """A major incident logged at terminal "bar": under the screens row the bar "⚠ Food and drink
    follow-up · 20 Nov  major · bar 19:30  F7: acknowledge" (no customer name), above an empty form;
    the footer offers f7 Ack alert."""
    bar = replace(sqlite_desk, terminal="bar")
    incidents.log_incident(bar, incidents.parse_incident(bar, {
        "category": "food", "severity": "major", "description": "Soup arrived cold", "guest_description": "Smith [/]"}))
    assert snap_compare(app_for(sqlite_desk, clock), terminal_size=size, run_before=open_form)


@pytest.mark.parametrize("size", SIZES)
def test_amend_view(snap_compare: Any, sqlite_desk: Any, clock: Any, size: tuple[int, int]) -> None:
    """Incident #1 opened from F8 Today: "Amending incident #1 · logged Fri 20 Nov 19:30 by Maria" on top;
    the form holds Smith [/] (attached), 2026-11-20 19:10, Food and drink, [moderate], "[b]not bold[/b]"
    literally, the promise "a call from the chef" pending, hand-off to kitchen pending, an empty Root
    cause; the right side is "On file": the care flag and the follow-ups with their status. Footer:
    ^s Save, esc Close."""
    desk = sqlite_desk
    customer_id = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Smith [/]"}))
    incidents.log_incident(desk, incidents.parse_incident(desk, {
        "customer_id": customer_id, "occurred_at": "19:10", "category": "food", "severity": "moderate",
        "description": "[b]not bold[/b]", "promise_text": "a call from the chef", "promise_due_at": "tomorrow 12:00",
        "promise_likelihood": "likely", "handoff_to": "kitchen"}))

    async def run_before(pilot: Any) -> None:
        await open_form(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_for(sqlite_desk, clock), terminal_size=size, run_before=run_before)
