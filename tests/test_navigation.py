"""Moving between screens keeps the person's place (issue 17 item 5), by keys only at 80×24.

The queue's `o` and `i` open the card and the incident on other screens; Esc comes back to the
queue on the same row. F2 on the host stand goes to the search box, whatever is open.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from frontdesk.screens.customer_form import CustomerForm
from frontdesk.screens.followups import FollowUpsScreen
from frontdesk.screens.greet import GreetScreen
from frontdesk.screens.incident import IncidentScreen
from tests.test_followups_screen import Shift, app_for, open_queue, press, shift, table  # noqa: F401
from tests.ui import ready, type_text, until


def highlighted(app: Any) -> int | None:
    return table(app).items[table(app).rows.highlighted or 0].id


async def test_esc_on_a_card_opened_from_the_queue_goes_back_to_the_same_row(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await type_text(pilot, "Smi")  # an old search at the stand
        app = await open_queue(pilot)
        await press(pilot, "down", "down", "down")
        row = highlighted(app)
        assert row == shift.follow_ups["click_mail"]
        await press(pilot, "o")
        greet = app.screen
        assert isinstance(greet, GreetScreen)
        await until(pilot, lambda: greet.card is not None)
        assert greet.card is not None and greet.card.id == shift.customers["click"]
        assert greet.search_box.value == "", "the old search is not left above the card"
        await press(pilot, "escape")
        assert isinstance(app.screen, FollowUpsScreen)
        assert highlighted(app) == row
        await press(pilot, "f2")
        assert isinstance(app.screen, GreetScreen) and app.screen.card is None


async def test_esc_on_an_amendment_opened_from_the_queue_goes_back_to_the_same_row(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app = await open_queue(pilot)
        await press(pilot, "down", "down", "down")
        row = highlighted(app)
        await press(pilot, "i")
        incident = app.screen
        assert isinstance(incident, IncidentScreen)
        await until(pilot, lambda: incident.amending is not None)
        assert incident.amending is not None and incident.amending.detail.id == shift.incidents["click"]
        await press(pilot, "escape")
        assert isinstance(app.screen, FollowUpsScreen)
        assert highlighted(app) == row
        await press(pilot, "f3")
        assert isinstance(app.screen, IncidentScreen) and app.screen.amending is None, "left, not kept open"


async def test_f2_on_an_open_card_goes_to_the_search_box_so_ctrl_n_works(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await type_text(pilot, "Ana")
        greet = app.screen
        assert isinstance(greet, GreetScreen)
        await until(pilot, lambda: greet.results.query == "Ana")
        await press(pilot, "enter")
        await until(pilot, lambda: greet.card is not None)
        await press(pilot, "f2")
        assert greet.card is None
        assert isinstance(greet.focused, Input) and greet.focused.id == "search" and greet.search_box.value == ""
        await press(pilot, "ctrl+n")
        assert isinstance(app.screen, CustomerForm)
