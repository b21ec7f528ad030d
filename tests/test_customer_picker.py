"""The customer picker asks, its screen acts: it posts a search and a new-customer request as messages,
and shows what it is told, in a plain Textual app with no store, no desk and no screens to push."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.message import Message

from frontdesk.errors import NotFound
from frontdesk.schemas.reads import SearchHit
from frontdesk.services import customers
from frontdesk.widgets.customer_picker import CustomerPicker


class PickerHost(App[None]):
    """Only a picker; it records what the picker asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Message] = []

    def compose(self) -> ComposeResult:
        yield CustomerPicker(id="who")

    def on_customer_picker_search_wanted(self, event: CustomerPicker.SearchWanted) -> None:
        self.asked.append(event)

    def on_customer_picker_new_customer_wanted(self, event: CustomerPicker.NewCustomerWanted) -> None:
        self.asked.append(event)


def hit(customer_id: int, name: str) -> SearchHit:
    return SearchHit(customer_id=customer_id, name=name, phone=None, email=None, last_visit_at=None,
                     flag_level=None, flag_headline=None)


async def test_the_picker_asks_for_a_search_and_shows_only_the_answer_to_what_is_typed() -> None:
    app = PickerHost()
    async with app.run_test() as pilot:
        picker = app.query_one(CustomerPicker)
        picker.focus()
        await pilot.press(*"Ana")
        await pilot.pause()
        wanted = [event.text for event in app.asked if isinstance(event, CustomerPicker.SearchWanted)]
        assert wanted == ["An", "Ana"]  # one character is too little to search
        assert all(event.picker is picker for event in app.asked)

        picker.show_found("An", [hit(1, "Andrea")])  # an older keystroke's answer
        assert picker.hits == []
        picker.show_found("Ana", [hit(2, "Ana García"), hit(3, "Anahí")])
        assert [found.name for found in picker.hits] == ["Ana García", "Anahí"]

        await pilot.press("enter")
        assert (picker.customer_id, picker.customer_name) == (2, "Ana García")
        assert len(app.screen_stack) == 1


async def test_ctrl_n_asks_for_a_new_customer_from_what_was_typed_and_pushes_nothing() -> None:
    app = PickerHost()
    async with app.run_test() as pilot:
        picker = app.query_one(CustomerPicker)
        picker.focus()
        await pilot.press(*"Bo Lind", "ctrl+n")
        await pilot.pause()
        asked = [event for event in app.asked if isinstance(event, CustomerPicker.NewCustomerWanted)]
        assert [(event.picker, event.typed) for event in asked] == [(picker, "Bo Lind")]
        assert len(app.screen_stack) == 1
        picker.attached(7, "Bo Lind")
        assert (picker.customer_id, picker.guest_description) == (7, "")


def test_a_customer_s_name_is_read_alone(desk: Any) -> None:
    customer_id = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Ana García"}))

    assert customers.customer_name(desk, customer_id) == "Ana García"
    with pytest.raises(NotFound):
        customers.customer_name(desk, customer_id + 1000)
