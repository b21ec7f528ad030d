"""The palette's privacy commands on the open card: a manager exports a customer's data or erases them
(confirmed by typing the name); others are not offered them. Keys only; the store is asserted first."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from textual.message import Message

from frontdesk.clock import FixedClock
from frontdesk.services import pins, setup
from frontdesk.services.context import Actor
from tests.conftest import DESK_PINS
from tests.test_greet import add_customer, greeting, notifications, search_and_open, shown_card_id
from tests.ui import settle, type_text, until


async def run_command(pilot: Any, title: str) -> None:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await type_text(pilot, title)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def titles(app: Any) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def test_a_manager_erases_the_open_customer_after_typing_the_name(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    ana = add_customer(sqlite_desk, "Ana García", phone="030 1234567")
    seen: list[Message] = []
    async with greeting(sqlite_desk, clock, message_hook=seen.append) as (app, pilot):
        await search_and_open(pilot, "ana")
        assert shown_card_id(app) == ana
        assert {"Export this customer's data", "Erase this customer"} <= set(titles(app))
        await run_command(pilot, "Erase this customer")
        assert type(app.screen).__name__ == "EraseDialog"
        await type_text(pilot, "Ana Garcia Lopez")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "EraseDialog", "a wrong name erases nothing"
        assert "not the name on the card" in str(app.screen.query_one("#erase-name-error").render())
        await pilot.press("ctrl+u")
        await type_text(pilot, "ana garcia")
        await pilot.press("enter")
        await until(pilot, lambda: any("erased" in note for note in notifications(seen)))

        with sqlite_desk.store.read() as session:
            from frontdesk.store.models import Customer

            customer = session.get(Customer, ana)
            assert customer is not None and (customer.name, customer.phone) == ("(erased)", None)
        await until(pilot, lambda: app.screen.card is not None and app.screen.card.name == "(erased)")


async def test_escape_keeps_the_customer(sqlite_desk: Actor, clock: FixedClock) -> None:
    ana = add_customer(sqlite_desk, "Ana García")
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await search_and_open(pilot, "ana")
        await run_command(pilot, "Erase this customer")
        await type_text(pilot, "Ana García")
        await pilot.press("escape")
        await settle(pilot)
        assert shown_card_id(app) == ana
    with sqlite_desk.store.read() as session:
        from frontdesk.store.models import Customer

        assert session.get(Customer, ana).name == "Ana García"  # type: ignore[union-attr]


async def test_a_manager_exports_the_open_customer(
    sqlite_desk: Actor, clock: FixedClock, tmp_path: Path, monkeypatch: Any
) -> None:
    from frontdesk.screens import privacy_dialogs

    monkeypatch.setattr(privacy_dialogs, "export_folder", lambda: tmp_path)
    ana = add_customer(sqlite_desk, "Ana García")
    seen: list[Message] = []
    async with greeting(sqlite_desk, clock, message_hook=seen.append) as (app, pilot):
        await search_and_open(pilot, "ana")
        await run_command(pilot, "Export this customer's data")
        await until(pilot, lambda: any("other people's data" in note for note in notifications(seen)))
    [saved] = list(tmp_path.glob("frontdesk-customer-*.json"))
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["customers"][0]["id"] == ana


async def test_staff_who_are_not_managers_are_not_offered_them(sqlite_desk: Actor, clock: FixedClock) -> None:
    add_customer(sqlite_desk, "Ana García")
    lena = next(person.id for person in setup.list_staff(sqlite_desk.store) if person.name == "Lena")
    pins.sign_in(sqlite_desk, lena, DESK_PINS["Lena"])  # earlier today: her first sign-in would open on F4
    async with greeting(sqlite_desk, clock, staff="Lena") as (app, pilot):
        await search_and_open(pilot, "ana")
        assert shown_card_id(app) is not None
        assert not {"Export this customer's data", "Erase this customer"} & set(titles(app))
