"""The new-customer dialog and customer identity (issue 13, item 4), by keys: another name with a phone on
file is a warning that Ctrl+S again overrides; the same person is offered, never added twice."""

from __future__ import annotations

from frontdesk.clock import FixedClock
from frontdesk.services.context import Actor
from tests.test_greet import customers_named, greet_scene, greeting, shown_card_id
from tests.ui import screen_text, settle, type_text


async def new_customer(pilot: object, name: str, phone: str) -> None:
    await type_text(pilot, name)
    await settle(pilot)
    await pilot.press("ctrl+n")  # type: ignore[attr-defined]
    await settle(pilot)
    await pilot.press("tab")  # type: ignore[attr-defined]
    await type_text(pilot, phone)
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await settle(pilot)


async def test_another_name_with_a_phone_on_file_is_added_on_a_second_ctrl_s(sqlite_desk: Actor,
                                                                             clock: FixedClock) -> None:
    greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await new_customer(pilot, "Ana Twin", "030 1234 5678")
        assert "Another name, same phone/email" in screen_text(app)
        assert customers_named(sqlite_desk, "Ana Twin") == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        (twin,) = customers_named(sqlite_desk, "Ana Twin")
        assert not app.screen.is_modal and shown_card_id(app) == twin


async def test_the_same_person_is_offered_and_never_added_twice(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await new_customer(pilot, "ana  GARCIA", "030 1234 5678")
        assert "On file already; Enter opens them" in screen_text(app)
        await pilot.press("ctrl+s")  # again: still refused
        await settle(pilot)
        assert customers_named(sqlite_desk, "ana  GARCIA") == []
        await pilot.press("enter")
        await settle(pilot)
        assert not app.screen.is_modal and shown_card_id(app) == ids["ana"]
