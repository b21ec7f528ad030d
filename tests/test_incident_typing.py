"""Typing on the incident screen (F3) is never lost: not to a writer that lands between two keys, not to a
kill a moment after the last key, not to Ctrl+Q.

The draft keeper's and the save preview's timers are held here (`HandTimers`) and fired by hand, so
every interleaving below happens exactly where the test puts it: type half a field, let a writer land
(a plan preview, a draft write, the store's lists, a change at another terminal), type the rest, and
check every field. The clock is pinned to Friday 20 Nov 2026, 19:30 in Berlin (18:30 UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from test_incident import (
    app_for,
    new_customer,
    only_incident,
    open_form,
    staff_ids,
    utc,
)
from textual import events

from frontdesk.clock import FixedClock
from frontdesk.messages import StoreChanged
from frontdesk.screens.incident_dialogs import QuitQuestion
from frontdesk.services import drafts, incidents, playbooks
from frontdesk.store.models import Incident
from frontdesk.widgets.deposition import FIELDS, Deposition
from frontdesk.widgets.draft_keeper import DraftKeeper
from frontdesk.widgets.save_preview import SavePreview
from tests.ui import screen_text, settle, type_text, until


@dataclass
class HeldTimer:
    owner: Any
    delay: float
    callback: Callable[[], object] | None
    stopped: bool = False

    def stop(self) -> None:
        self.stopped = True


class HandTimers:
    """The draft keeper's and the preview's timers, held for the test to fire: nothing fires by itself."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.held: list[HeldTimer] = []

        def set_timer(owner: Any, delay: float, callback: Callable[[], object] | None = None, **_: Any) -> HeldTimer:
            self.held.append(timer := HeldTimer(owner, delay, callback))
            return timer

        for kind in (DraftKeeper, SavePreview):
            monkeypatch.setattr(kind, "set_timer", set_timer)

    def waiting(self, kind: type) -> list[HeldTimer]:
        return [timer for timer in self.held if isinstance(timer.owner, kind) and not timer.stopped]

    def fire(self, kind: type) -> None:
        for timer in self.waiting(kind):
            timer.stopped = True
            if timer.callback is not None:
                timer.callback()


@pytest.fixture
def timers(monkeypatch: pytest.MonkeyPatch) -> HandTimers:
    return HandTimers(monkeypatch)


def kept(desk: Any) -> dict[str, Any] | None:
    """The incident draft in the store, as the keeper wrote it."""
    draft = drafts.load_draft(desk, "incident")
    return draft[0] if draft else None


class Writers:
    """Everything that can land on the screen while the person types, each by hand."""

    def __init__(self, desk: Any, pilot: Any, timers: HandTimers) -> None:
        self.pilot, self.timers, self.app = pilot, timers, pilot.app
        self.previews = [  # two other depositions' suggestions, taken in turn, so each one differs
            incidents.preview_log(desk, {"category": "billing", "severity": "critical", "description": "Charged twice",
                                         "promise_text": "a refund", "promise_due_at": "mon 12:00",
                                         "promise_likelihood": "likely"}),
            incidents.preview_log(desk, {"category": "wait", "severity": "major", "description": "An hour late"}),
        ]
        self.lists = (playbooks.categories(desk.store) + [("extra", "Extra category")],
                      [(str(staff_id), name) for name, staff_id in staff_ids(desk).items()])
        self.landed = 0

    async def land(self, writer: str) -> None:
        screen = self.app.screen
        if writer == "preview":
            preview = self.previews[self.landed % 2]
            screen.creates.post_message(SavePreview.Ready(screen.creates.number, preview))
        elif writer == "draft":
            self.timers.fire(DraftKeeper)
        elif writer == "lists":
            screen.post_message(screen.ListsLoaded(*self.lists))
        elif writer == "store changed":
            screen.post_message(StoreChanged())
        self.landed += 1
        await settle(self.pilot)


WRITERS = ["preview", "draft", "lists", "store changed"]
HALVES = {"occurred_at": ("19:", "10"), "remedy_cost": ("18.", "50"), "promise_due_at": ("tomorrow ", "12:00"),
          "handoff_expected_at": ("21:", "00")}
"""Times and the cost are typed as such; every other text field gets "Qq" then "Zz"."""


@pytest.mark.parametrize("writer", WRITERS)
async def test_a_writer_landing_between_two_keys_loses_nothing_in_any_field(sqlite_desk, clock, timers, writer):
    """Every field of a new incident, the flag's words included: half typed, the writer lands, the rest typed.
    Every field then holds all that was typed (a choice moved twice is two options on), and the draft the
    keeper writes last is the form as it stands."""
    desk = sqlite_desk
    new_customer(desk)
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        writers = Writers(desk, pilot, timers)
        screen = app.screen
        await type_text(pilot, "An")
        await writers.land(writer)
        await type_text(pilot, "a")
        await until(pilot, lambda: bool(screen.form.picker.hits))
        await pilot.press("enter")  # attach Ana García
        expected: dict[str, Any] = {}
        for item in FIELDS:
            if not item.new or item.kind == "customer":
                continue
            control = screen.query_one(f"#{item.name}")
            control.focus()
            await pilot.pause()
            if item.kind == "choice":
                start = [value for value, _ in control.options].index(control.value)
                expected[item.name] = control.options[(start + 2) % len(control.options)][0]
                await pilot.press("right")
                await writers.land(writer)
                await pilot.press("right")
            else:
                first, rest = HALVES.get(item.name, ("Qq", "Zz"))
                expected[item.name] = first + rest
                await type_text(pilot, first)
                await writers.land(writer)
                await type_text(pilot, rest)
        assert screen.query_one("#raise_flag").value == "yes"  # Ana, moderate: the flag's words are shown
        for name in ("flag-headline", "flag-message", "flag-greeting"):
            control = screen.query_one(f"#{name}")
            control.focus()
            await type_text(pilot, "Qq")
            before = control.value if hasattr(control, "value") else control.text
            await writers.land(writer)
            await type_text(pilot, "Zz")
            after = control.value if hasattr(control, "value") else control.text
            assert after == before.replace("Qq", "QqZz", 1), name
        form = screen.form.read()
        assert (form.customer.name, form.customer.guest) == ("Ana García", "")
        assert {name: getattr(form, name) for name in expected} == expected
        timers.fire(DraftKeeper)
        await settle(pilot)
        assert Deposition.from_json(kept(desk)["values"]) == form


async def test_the_remedy_cost_typed_after_a_discard_is_saved(sqlite_desk, clock, timers):
    """Issue 17's steps: discard a form; F3, attach a customer, … Tab c Tab 18.50, with every writer landing
    between every two keys from the remedy on. The cost saved is 18.50."""
    desk = sqlite_desk
    customer_id = new_customer(desk)
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        writers = Writers(desk, pilot, timers)

        async def everything_lands() -> None:
            for writer in WRITERS:
                await writers.land(writer)

        await type_text(pilot, "Mr Braun")
        timers.fire(DraftKeeper)
        await settle(pilot)
        await pilot.press("escape", "y")  # discard it
        await settle(pilot)
        await pilot.press("f2", "f3")
        await type_text(pilot, "Ana")
        await until(pilot, lambda: bool(app.screen.form.picker.hits))
        await pilot.press("enter", "tab", "right", "right", "tab", "right", "right", "tab", "tab", "tab")
        await type_text(pilot, "Soup arrived cold")
        await pilot.press("tab", "tab")
        for key in ("c", "tab", "1", "8", ".", "5", "0"):
            await everything_lands()
            await pilot.press(key)
        await everything_lands()
        assert app.screen.query_one("#remedy_cost").value == "18.50"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Incident #1 logged" in screen_text(app)
    incident = only_incident(desk)
    assert (incident.customer_id, incident.remedy_kind, incident.remedy_cost) == (customer_id, "comped", 1850)
    assert kept(desk) is None


KEY_NAMES = {" ": "space", ".": "full_stop", ":": "colon"}


async def read_at_once(pilot: Any, *keys: str) -> None:
    """Keys as a fast typist sends them to a busy terminal: all read before any field has handled one."""
    for key in keys:
        pilot.app.post_message(events.Key(KEY_NAMES.get(key, key), key if len(key) == 1 else None))
    await settle(pilot)


async def test_keys_read_before_the_fields_settle_land_in_the_field_they_were_typed_for(sqlite_desk, clock, timers):
    """Enter (attach) and Tab move the focus as soon as they are read, so text typed right after them goes to
    the next field even when no field has handled a key yet: nothing lands in the field just left, and a
    cost typed after "Tab c Tab" is the cost (issue 17's lost 18.50)."""
    desk = sqlite_desk
    customer_id = new_customer(desk)
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Ana")
        await until(pilot, lambda: bool(app.screen.form.picker.hits))
        await read_at_once(pilot, "enter", *"20m ago", "tab", "f", "tab", "m", "m", "m", "tab", *"fish soup", "tab",
                           "tab", *"Soup arrived cold", "tab", *"upset", "tab", "c", "tab", *"18.50", "shift+tab", "v")
        form = app.screen.form.read()
        assert (form.customer.customer_id, form.occurred_at, form.category, form.severity) == (
            customer_id, "20m ago", "food", "major")
        assert (form.product, form.location, form.description, form.reaction) == (
            "fish soup", "", "Soup arrived cold", "upset")
        assert (form.remedy_kind, form.remedy_cost) == ("voucher", "18.50")


async def test_an_incident_loading_while_the_form_is_typed_into_asks_first(sqlite_desk, clock, timers):
    """F8 picked an incident, and the form was typed into before it arrived: the typing is not replaced
    without asking; "n" keeps it."""
    desk = sqlite_desk
    incident_id = incidents.log_incident(desk, incidents.parse_incident(desk, {
        "category": "food", "severity": "minor", "description": "Soup arrived cold"})).incident_id
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Mr Braun")
        screen = app.screen
        screen.post_message(screen.IncidentLoaded(incidents.incident_detail(desk, incident_id), None))
        await settle(pilot)
        assert "Discard what you typed?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert screen.amending is None and screen.form.read().customer.guest == "Mr Braun"


async def test_the_draft_is_kept_once_typing_pauses_and_on_leaving_a_field(sqlite_desk, clock, timers):
    """The draft is written 0.3 s after the last change (the quiet timer, restarted by each key; at least
    every second while typing goes on) and at once when the person leaves a field, timer or not."""
    desk = sqlite_desk
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Mr Braun")
        assert sorted(timer.delay for timer in timers.waiting(DraftKeeper)) == [0.3, 1.0]  # quiet, longest
        await settle(pilot)
        assert kept(desk) is None  # nothing until a timer fires
        timers.fire(DraftKeeper)
        await until(pilot, lambda: (kept(desk) or {}).get("values", {}).get("guest") == "Mr Braun")
        await type_text(pilot, " Jr")
        await pilot.press("tab")  # leaving the field: no timer fires
        await until(pilot, lambda: kept(desk)["values"]["guest"] == "Mr Braun Jr")
        assert all(not timer.stopped for timer in timers.waiting(DraftKeeper))


async def test_a_draft_write_while_another_terminal_holds_the_store_goes_again_quietly(
        sqlite_desk, clock, timers, monkeypatch):
    """The store is busy (another terminal's write lock) when the draft is kept: no notice, no apology (a
    background save is no news), and the draft goes again once the quiet timer fires after the lock is gone."""
    import sqlite3

    from textual.notifications import Notify

    from frontdesk.screens.dialogs import ApologyScreen
    from frontdesk.store import db

    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_S", 0.3)
    seen: list[Any] = []
    other = sqlite3.connect(sqlite_desk.store.path, isolation_level=None)
    app = app_for(sqlite_desk, clock)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await open_form(pilot)
        other.execute("BEGIN IMMEDIATE")
        await type_text(pilot, "Mr Braun")
        await pilot.press("tab")  # keeps the draft at once: the store is busy
        keeper = app.screen.keeper
        await until(pilot, lambda: keeper.writing is not None and not keeper.busy  # tried and refused,
                    and len(timers.waiting(DraftKeeper)) == 2)  # then set to go again
        assert kept(sqlite_desk) is None
        other.execute("ROLLBACK")
        timers.fire(DraftKeeper)
        await until(pilot, lambda: (kept(sqlite_desk) or {}).get("values", {}).get("guest") == "Mr Braun")
        assert not isinstance(app.screen, ApologyScreen)
        assert [message for message in seen if isinstance(message, Notify)] == []
    other.close()


@pytest.mark.parametrize(("typed", "meant"), [("", utc(2026, 11, 20, 18, 30)), ("20m ago", utc(2026, 11, 20, 18, 10))])
async def test_a_resumed_draft_keeps_its_time_marked_from_the_draft(sqlite_desk, timers, typed, meant):
    """When left at "now" (or "20m ago") at 19:30 and resumed two hours later, "When" is the time the draft
    recorded, marked "from the draft" in its hint, and the incident is saved at that time, not moved."""
    desk = sqlite_desk
    first = app_for(desk, FixedClock(utc(2026, 11, 20, 18, 30)))
    async with first.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Mr Braun")
        await pilot.press("tab")
        await type_text(pilot, typed)
        await pilot.press("tab", "right", "right", "tab", "right", "right", "right", "tab", "tab", "tab")
        await type_text(pilot, "Soup arrived cold")
        await pilot.press("tab")
        await until(pilot, lambda: (kept(desk) or {}).get("values", {}).get("description") == "Soup arrived cold")

    later = app_for(desk, FixedClock(utc(2026, 11, 20, 20, 30)))
    async with later.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "An incident was not saved" in screen_text(later))
        await pilot.press("enter")
        await settle(pilot)
        wall = f"{meant + timedelta(hours=1):%H:%M}"
        assert later.screen.form.read().occurred_at == f"2026-11-20 {wall}"
        assert f"→ Fri 20 Nov {wall} · from the draft" in screen_text(later)
        await pilot.press("ctrl+s")
        await settle(pilot)
    with desk.store.read() as session:
        assert session.scalars(select(Incident.occurred_at)).one() == meant


@pytest.mark.parametrize("quit_key", ["ctrl+q", "y"])
async def test_ctrl_q_with_an_unsaved_incident_keeps_it_and_asks(sqlite_desk, clock, timers, quit_key):
    """Ctrl+Q keeps the typing as a draft at once (no timer has fired) and asks: "n" goes back to it;
    Ctrl+Q again (or "y") quits, the draft still kept for the next start."""
    desk = sqlite_desk
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Mr Braun")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitQuestion))
        assert app.is_running
        text = screen_text(app)
        assert "Quit with an unsaved incident?" in text and "What you typed is kept at this terminal" in text
        assert kept(desk)["values"]["guest"] == "Mr Braun"
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.form.read().customer.guest == "Mr Braun"
        await type_text(pilot, " Jr")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitQuestion))
        await pilot.press(quit_key)
        await pilot.pause()
        assert not app.is_running
    assert kept(desk)["values"]["guest"] == "Mr Braun Jr"


async def test_ctrl_q_with_nothing_typed_quits_at_once(sqlite_desk, clock, timers):
    app = app_for(sqlite_desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert kept(sqlite_desk) is None



def test_a_draft_kept_by_the_previous_version_still_reads() -> None:
    """A draft written before the typed form (flat values with the flag's words, no "occurred") resumes:
    the values it knows, and "now" as the time its typing began."""
    from frontdesk.widgets.deposition import IncidentDraft

    old = {"mode": "new", "incident_id": None, "incident_version": None, "staff": "Maria", "flag_edited": False,
           "flag_chosen": False, "started_at": "2026-11-20T18:30:00+00:00", "plan": None,
           "values": {"customer_id": None, "customer_name": None, "guest": "Mr Braun", "occurred_at": "",
                      "category": "food", "severity": "major", "description": "Soup arrived cold", "ally_id": "1",
                      "raise_flag": "no", "flag-headline": "", "remedy_cost": ""},
           "baseline": {"customer_id": None, "guest": "", "ally_id": "1"}}
    draft = IncidentDraft.from_json(old)
    assert (draft.values.customer.guest, draft.values.category, draft.values.severity) == ("Mr Braun", "food", "major")
    assert (draft.values.description, draft.values.ally_id, draft.baseline.ally_id) == ("Soup arrived cold", "1", "1")
    assert draft.occurred == draft.started_at == utc(2026, 11, 20, 18, 30)
    assert draft.incident_id is None and draft.plan is None
    assert IncidentDraft.from_json(draft.to_json()) == draft
