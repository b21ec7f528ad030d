"""Privacy in failure: an unexpected error on any screen shows a plain apology and leaks no customer data.

A canary customer (a name, phone and email found nowhere else) is on the
screen, in the error's message and in the local variables of the frames it
passed through. For each mode a person works in (read from `DESK_MODES`; the
handover mode is a blank screen shown only while the screens are rebuilt),
two failures: a bug in the screen's database work (a worker: the apology
dialog, and the app goes on) and a bug on the UI thread itself (the app
stops with the apology printed instead of Textual's traceback, which lists
local values). Afterwards neither the apology, the crash log, nor any file
written under HOME, the log folder, TMPDIR or the working directory holds
the canary's name, phone or email; the store itself is meant to.
"""

from __future__ import annotations

import asyncio

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.pool import Pool

from frontdesk.app import DESK_MODES
from frontdesk.messages import AmendIncident, StoreChanged
from frontdesk.services import customers, incidents
from tests.ui import make_app, ready, screen_text, settle

from . import crash_entries

NAME, PHONE, EMAIL = "Zoë Canarybird", "+49 30 5559 1234", "canary.bird@example.com"
LEAKS = ("Canarybird", "5559 1234", "55591234", "canary.bird")
"""How the canary could show up: its name, its phone as typed or in E.164, its email."""


def leaks(text: str) -> list[str]:
    return [mark for mark in LEAKS if mark in text]


@pytest.fixture
def canary(shop: Any) -> dict[str, int]:
    """The canary guest, with a serious incident (a flag, an alert, follow-ups due now) so every screen shows it."""
    desk = shop.desk
    customer_id = customers.create_customer(desk, customers.parse_customer(
        desk, {"name": NAME, "phone": PHONE, "email": EMAIL, "consent_call": True}))
    result = incidents.log_incident(desk, incidents.parse_incident(desk, {
        "customer_id": customer_id, "occurred_at": "10m ago", "category": "food", "severity": "major",
        "description": f"{NAME} found glass in the salad; call {PHONE} or write to {EMAIL}",
    }))
    return {"customer": customer_id, "incident": result.incident_id}


async def show_canary(pilot: Any, mode: str, canary: dict[str, int]) -> None:
    """Bring the canary onto the mode's screen where it shows one customer: the card (greet), the amend form
    (incident). The queue and the reports show the mode as it opens; the canary is still in the error and
    its locals there."""
    app = pilot.app
    await app.switch_mode(mode)
    await settle(pilot)
    if mode == "greet":
        await pilot.press(*"Canarybird")
        await settle(pilot)
        await pilot.press("enter")
    elif mode == "incident":
        app.post_message(AmendIncident(canary["incident"]))
    await settle(pilot)


def broken(*_: Any, **__: Any) -> Any:
    """A bug deep in the store, its message and locals full of the canary."""
    guest = {"name": NAME, "phone": PHONE, "email": EMAIL}  # noqa: F841 (a local a traceback would print)
    raise RuntimeError(f"cannot read {NAME} {PHONE} {EMAIL}")


def written_files(folders: dict[str, Path], store_path: Path) -> Iterator[Path]:
    """Every file under the private folders and the test's own, but the store and its -wal and -shm."""
    seen = set()
    for folder in (*folders.values(), store_path.parent):
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.startswith(store_path.name) and path not in seen:
                seen.add(path)
                yield path


def check_nothing_leaked(folders: dict[str, Path], store_path: Path) -> int:
    files = list(written_files(folders, store_path))
    for path in files:
        found = leaks(path.read_bytes().decode("utf-8", errors="replace"))
        assert not found, f"{path} holds the canary ({found})"
    return len(files)


@pytest.mark.parametrize("mode", tuple(DESK_MODES))
async def test_a_bug_in_a_screens_database_work_apologises_without_the_canary(
    mode: str, shop: Any, canary: dict[str, int], clock: Any, private_dirs: dict[str, Path],
    show: Callable[[str], None],
) -> None:
    """The worker fails: the apology names a reference, never the guest; the app goes on."""
    store_path = Path(shop.desk.store.engine.url.database)
    app = make_app(shop.desk.store.url.render_as_string(hide_password=False), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await show_canary(pilot, mode, canary)
        if mode in ("greet", "incident"):
            assert "Canarybird" in screen_text(app), f"the canary is not on the {mode} screen"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Pool, "connect", broken)  # every worker's database work fails
            app.screen.refresh_data()
            await settle(pilot)
        assert type(app.screen).__name__ == "ApologyScreen", f"{mode}: no apology for the bug"
        apology = "\n".join(str(widget.render()) for widget in app.screen.query("Label, Static"))
        assert "Sorry, something went wrong" in apology and "FD-" in apology
        assert not leaks(apology), f"{mode}: the apology shows the canary"
        await pilot.press("enter")
        assert type(app.screen).__name__ != "ApologyScreen", "Enter closes the apology"
    entries = crash_entries()
    assert entries and "RuntimeError" in (Path(private_dirs["logs"]) / "crash.log").read_text()
    files = check_nothing_leaked(private_dirs, store_path)
    show(f"privacy, worker bug on {mode}: apology shown, {len(entries)} crash-log entries, "
         f"{files} files written, 0 hold the canary")


@pytest.mark.parametrize("mode", tuple(DESK_MODES))
async def test_a_bug_on_the_ui_thread_stops_with_an_apology_without_the_canary(
    mode: str, shop: Any, canary: dict[str, int], clock: Any, private_dirs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], show: Callable[[str], None],
) -> None:
    """A message handler fails: the app stops and prints the apology, not a traceback with local values."""
    store_path = Path(shop.desk.store.engine.url.database)
    app = make_app(shop.desk.store.url.render_as_string(hide_password=False), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await show_canary(pilot, mode, canary)
        capfd.readouterr()
        monkeypatch.setattr(type(app.screen), "refresh_data", broken)
        app.screen.post_message(StoreChanged())
        while app.is_running:  # the app stops itself; Pilot cannot press keys any more
            await asyncio.sleep(0.02)
    assert app.return_code == 1
    printed = "".join(capfd.readouterr())
    assert "unexpected problem" in printed and "FD-" in printed, printed
    assert "Traceback" not in printed and not leaks(printed), printed
    assert len(crash_entries()) == 1
    files = check_nothing_leaked(private_dirs, store_path)
    show(f"privacy, UI-thread bug on {mode}: the app stopped with the apology, 1 crash-log entry, "
         f"{files} files written, 0 hold the canary")
