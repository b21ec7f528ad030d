"""Random keys: a person mashing the keyboard (and pasting junk) never breaks the app or the store.

Seeded sequences of letters, digits, brackets, Tab, Shift+Tab, Esc, Enter,
arrows, PageUp/PageDown, F1–F12, Ctrl keys (not Ctrl+Q or Ctrl+C) and
pastes of hostile text, each starting in one of the app's modes (read from
`FrontdeskApp.MODES`, so a screen added later is covered), spread evenly:
20 sequences of 100 keys in CI, 200 of 200 with `--deep`. Each runs in a
fresh app at its own terminal on one shared store seeded with a Friday
evening, so keys reach real dialogs and writes (check-ins, completions,
incidents, flags).

A failure counts three ways, because the crash handler must not hide one:
an exception (`run_test` re-raises what reached the App), an apology
screen (a worker's unexpected error), and an entry in the crash log. After
every sequence the store passes its consistency checks (`store_problems`).
Quitting is a legitimate key (Ctrl+P then "quit"), so quit is counted and
ignored rather than ending the sequence early.
"""

from __future__ import annotations

import asyncio
import random
import time
import traceback
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from textual import events
from textual.worker import WorkerState

from frontdesk import crash
from frontdesk.app import FrontdeskApp
from frontdesk.screens.dialogs import ApologyScreen
from tests.ui import make_app, ready, settle

from . import HOSTILE_NAMES, crash_entries, store_problems

SEED = 20261120
SIZES = ((80, 24), (120, 40))
"""The narrow and the wide layout, alternately."""

LETTERS = "abcdefghijklmnopqrstuvwxyzAEIOUXYZ"
DIGITS = "0123456789"
PUNCTUATION = "[]/@=+-.,:'\" "
MOVES = ("tab", "shift+tab", "escape", "enter", "up", "down", "left", "right", "pageup", "pagedown", "home", "end",
         "backspace", "delete", "space")
F_KEYS = tuple(f"f{number}" for number in range(1, 13))
CTRL_KEYS = tuple(f"ctrl+{letter}" for letter in "abdefghjklnoprstuvwxyz")
"""Every Ctrl+letter but Ctrl+C (copy / help-quit) and Ctrl+Q (quit); Ctrl+I and Ctrl+M are Tab and Enter."""
PASTES = (
    *HOSTILE_NAMES,
    "[bold]bold[/bold] [@click=app.quit]quit[/] [link=https://evil.example]link[/link] [",
    "first line [b]\nsecond line\tand a tab",
    "\x1b[31mred\x1b[0m and a bell\x07",
    "a\u200bb\u200dc\ufeffd \u202eevil\u202c \u2066isolate\u2069 e\u0301\u0301",
    "+49 30 5550 0002",
    "ana@example.com",
    "2026-11-21 10:00",
    "%_\\'\";-- DROP TABLE customers",
    "٣٤٥ ۱۲ 12",
    "Z" * 4000,
    "\U0001f469\u200d\U0001f469\u200d\U0001f467" * 30,
)
"""Text a paste can bring: markup, escapes, bidi, zero-width, a phone, an email, a date, SQL, 4,000 characters."""


def next_key(rng: random.Random) -> str | events.Paste:
    """One key (a Textual key name or a character), or a paste now and then."""
    roll = rng.random()
    if roll < 0.22:
        return rng.choice(LETTERS)
    if roll < 0.30:
        return rng.choice(DIGITS)
    if roll < 0.35:
        return rng.choice(PUNCTUATION)
    if roll < 0.72:
        return rng.choice(MOVES)
    if roll < 0.88:
        return rng.choice(F_KEYS)
    if roll < 0.97:
        return rng.choice(CTRL_KEYS)
    return events.Paste(rng.choice(PASTES))


def shown(item: str | events.Paste) -> str:
    return f"paste({item.text[:20]!r})" if isinstance(item, events.Paste) else item


def key_event(key: str) -> events.Key:
    """The event a terminal sends for `key`, named as Pilot names it ("[" is left_square_bracket)."""
    if len(key) == 1:
        name = key if key.isalnum() else unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        return events.Key(name, key)
    return events.Key(key, " " if key == "space" else None)


async def press(pilot: Any, item: str | events.Paste) -> None:
    """Send one key (or paste) and wait only until the screen has handled it, as a fast typist would.

    `Pilot.press` also waits for the whole process to go idle after each key
    (tens of milliseconds); a person mashing keys does not wait for the
    workers, so neither does this.
    """
    pilot.app.post_message(item if isinstance(item, events.Paste) else key_event(item))
    await pilot.pause(0)


async def calm(pilot: Any, timeout: float = 30) -> None:
    """Wait for the thread workers (database work) to finish; a dialog awaiting an answer may stay open."""
    app = pilot.app
    deadline = asyncio.get_running_loop().time() + timeout
    while [worker for worker in app.workers if worker.group != "feed" and worker._thread_worker
           and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)]:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("database workers still busy after the keys")
        await asyncio.sleep(0.02)
    await pilot.pause()


@dataclass
class Watch:
    """What went wrong while the keys were pressed, counted three ways, and where the keys got to."""

    errors: list[str] = field(default_factory=list)
    """Each unexpected error as its traceback (the test's own data: no real customer)."""
    apologies: int = 0
    quits: int = 0
    screens: Counter[str] = field(default_factory=Counter)


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Watch:
    """Count every crash report and apology screen; turn quitting into a count."""
    seen = Watch()
    record = crash.record

    def recorded(error: BaseException, where: str = "app") -> str:
        seen.errors.append(f"in {where}: " + "".join(traceback.format_exception(error)))
        return record(error, where)

    apology_init = ApologyScreen.__init__

    def apology(self: ApologyScreen, reference: str) -> None:
        seen.apologies += 1
        apology_init(self, reference)

    def quit_counted(self: FrontdeskApp) -> None:
        seen.quits += 1

    monkeypatch.setattr(crash, "record", recorded)
    monkeypatch.setattr(ApologyScreen, "__init__", apology)
    monkeypatch.setattr(FrontdeskApp, "action_quit", quit_counted)
    return seen


async def mash(url: str, clock: Any, mode: str, number: int, count: int, watch: Watch,
               pressed: list[str]) -> None:
    """One sequence: a fresh app at terminal kiosk-<number>, started in `mode`, then `count` random keys."""
    rng = random.Random(SEED + number)
    app = make_app(url, clock, terminal=f"kiosk-{number}", watch_store=True)
    async with app.run_test(size=SIZES[number % len(SIZES)]) as pilot:
        await ready(pilot)
        await app.switch_mode(mode)
        await settle(pilot)
        for _ in range(count):
            item = next_key(rng)
            pressed.append(shown(item))
            await press(pilot, item)
            watch.screens[type(app.screen).__name__] += 1
            if app.return_code is not None or not app.is_running:  # it stopped (a crash exits with code 1)
                break
        await calm(pilot)


async def test_random_keys_in_every_mode(shop: Any, clock: Any, watch: Watch, private_dirs: Any,
                                         deep: bool, show: Callable[[str], None]) -> None:
    """0 exceptions, 0 apologies, 0 crash-log entries, and a consistent store after every sequence."""
    modes = tuple(FrontdeskApp.MODES)
    sequences, count = (200, 200) if deep else (20, 100)
    url = shop.desk.store.url.render_as_string(hide_password=False)
    assert store_problems(shop.desk.store) == [], "the seeded store is consistent to begin with"
    started = time.perf_counter()
    exceptions: list[str] = []
    keys_pressed = 0
    for number in range(sequences):
        mode = modes[number % len(modes)]
        pressed: list[str] = []
        try:
            await mash(url, clock, mode, number, count, watch, pressed)
        except Exception as exc:  # noqa: BLE001 (any exception is the failure being counted)
            exceptions.append(f"sequence {number} (seed {SEED + number}, {mode}): "
                              + "".join(traceback.format_exception(exc)))
        keys_pressed += len(pressed)
        problems = store_problems(shop.desk.store)
        assert not exceptions and not watch.errors and not watch.apologies and not problems, (
            f"sequence {number} (seed {SEED + number}, starting in {mode}) after keys {pressed}:\n"
            + "\n".join(exceptions + watch.errors + problems)
        )
    entries = crash_entries()
    reached = ", ".join(sorted(name for name in watch.screens if not name.endswith("Screen") or "Dialog" in name
                               or name in ("ApologyScreen", "NotesScreen")))
    show(f"{sequences}×{count} keys over {len(modes)} modes ({', '.join(modes)}): {len(exceptions)} exceptions, "
         f"{watch.apologies} apologies, {len(entries)} crash-log entries, store "
         f"{'consistent' if not store_problems(shop.desk.store) else 'INCONSISTENT'} "
         f"({keys_pressed} keys in {time.perf_counter() - started:.0f} s; dialogs reached: {reached}; "
         f"{watch.quits} quits ignored)")
    assert entries == []
