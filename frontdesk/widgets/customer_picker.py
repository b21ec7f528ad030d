"""Who it happened to: a customer on file found as you type, one created on the spot,
or an unknown guest described with whatever is known.

Text typed here that is not attached to a customer is kept as the guest's
description ("man at table 4, grey coat"), so nothing typed is lost and an
unknown guest costs no extra field.

The picker asks and its screen acts (`screens/customer_lookup.py`): it posts
`SearchWanted` as the text changes and `NewCustomerWanted` on Ctrl+N, and is
told what was found (`show_found`) and who was attached (`set_customer`).
It never touches the store or pushes a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from frontdesk.schemas.vocab import label
from frontdesk.widgets.safe import joined, literal, visible
from frontdesk.widgets.search_results import masked_phone

if TYPE_CHECKING:
    from frontdesk.schemas.reads import SearchHit

HITS_SHOWN = 5


class CustomerSearch(Input):
    """The picker's text box: Up/Down move through the matches, Enter attaches one."""

    BINDINGS = [
        Binding("enter", "attach", "Attach", tooltip="Attach the highlighted customer to this incident"),
        Binding("down", "move(1)", "Next match", show=False, tooltip="Highlight the next customer found"),
        Binding("up", "move(-1)", "Previous match", show=False, tooltip="Highlight the previous customer found"),
        Binding("ctrl+n", "new_customer", "New customer", tooltip="Add the guest as a new customer, on the spot"),
    ]

    @property
    def picker(self) -> CustomerPicker:
        parent = self.parent
        assert isinstance(parent, CustomerPicker)
        return parent

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden rather than dimmed when they cannot apply: an 80-column footer has no room to spare.
        if action in ("attach", "move"):
            return bool(self.picker.hits)
        if action == "new_customer":
            return self.picker.customer_id is None and bool(self.value.strip())
        return super().check_action(action, parameters)

    def action_attach(self) -> None:
        self.picker.attach_highlighted()

    def action_move(self, step: int) -> None:
        self.picker.move_highlight(step)

    def action_new_customer(self) -> None:
        self.picker.add_new_customer()


class CustomerPicker(Vertical):
    DEFAULT_CSS = """
    CustomerPicker {
        height: auto;
    }
    CustomerPicker > OptionList {
        height: auto;
        max-height: 5;
        border: none;
        padding: 0;
    }
    CustomerPicker > .customer-status {
        width: 1fr;
        color: $text-muted;
    }
    """

    class Changed(Message):
        """A customer was attached or let go, or the guest's description changed."""

        def __init__(self, picker: CustomerPicker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> CustomerPicker:
            return self.picker

    @dataclass
    class SearchWanted(Message):
        """Find the customers on file matching `text`; answer with `picker.show_found`."""

        picker: CustomerPicker
        text: str

    @dataclass
    class NewCustomerWanted(Message):
        """Add the guest as a new customer, starting from what was typed; answer with `picker.attached`."""

        picker: CustomerPicker
        typed: str

    def __init__(self, *, id: str | None = None, placeholder: str = "name or phone (empty: an unknown guest)") -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.customer_id: int | None = None
        """The attached customer; None for an unknown guest."""
        self.customer_name: str | None = None
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        yield CustomerSearch(placeholder=self.placeholder, compact=True,
                             tooltip="Type a name or phone to find the customer on file")
        options = OptionList(classes="-hidden")
        options.can_focus = False
        yield options
        yield Label("", classes="customer-status")

    def on_mount(self) -> None:
        self.show_status()

    @property
    def search_box(self) -> CustomerSearch:
        return self.query_one(CustomerSearch)

    @property
    def guest_description(self) -> str:
        """What is known about an unknown guest: the typed text when nobody is attached."""
        return "" if self.customer_id is not None else self.search_box.value

    def focus(self, scroll_visible: bool = True) -> CustomerPicker:
        self.search_box.focus(scroll_visible)
        return self

    def set_customer(self, customer_id: int | None, name: str | None, guest_description: str = "") -> None:
        """Show a customer as attached (or an unknown guest's description), without searching."""
        # Shown in an Input, which draws its text raw: control characters made visible first.
        self.customer_id, self.customer_name = customer_id, None if name is None else visible(name)
        with self.search_box.prevent(Input.Changed):
            self.search_box.value = visible(name if customer_id is not None and name else guest_description)
        self.show_hits([])
        self.post_message(self.Changed(self))

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value
        if self.customer_id is not None and text == self.customer_name:
            return
        if self.customer_id is not None:
            self.customer_id, self.customer_name = None, None
        self.screen.refresh_bindings()
        if len(text.strip()) >= 2:
            self.post_message(self.SearchWanted(self, text))
        else:
            self.show_hits([])
        self.post_message(self.Changed(self))

    def show_found(self, text: str, hits: list[SearchHit]) -> None:
        """The customers found for `text`: shown unless more was typed since, or someone was attached."""
        if text == self.search_box.value and self.customer_id is None:
            self.show_hits(hits[:HITS_SHOWN])

    def show_hits(self, hits: list[SearchHit]) -> None:
        self.hits = hits
        options = self.query_one(OptionList)
        options.clear_options()
        for hit in hits:
            flag = f"⚑ {label(hit.flag_level)}" if hit.flag_level else ""
            parts = [part for part in (masked_phone(hit.phone), flag) if part]
            options.add_option(Option(joined(literal(hit.name), *parts), id=str(hit.customer_id)))
        options.set_class(not hits, "-hidden")
        if hits:
            options.highlighted = 0
        self.show_status()
        self.screen.refresh_bindings()

    def move_highlight(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def attach_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if not self.hits or options.highlighted is None:
            return
        hit = self.hits[options.highlighted]
        self.set_customer(hit.customer_id, hit.name)
        self.screen.focus_next()

    def add_new_customer(self) -> None:
        """Ask the screen for the customer form, started from what was typed."""
        self.post_message(self.NewCustomerWanted(self, self.search_box.value))

    def attached(self, customer_id: int, name: str) -> None:
        """A customer known by id (from the card, or just added) is attached: on to the next field."""
        self.set_customer(customer_id, name)
        if self.search_box.has_focus:
            self.screen.focus_next()

    def show_status(self) -> None:
        status = self.query_one(".customer-status", Label)
        if self.customer_id is not None:
            status.update(joined("✓ attached:", literal(self.customer_name), separator=" "))
        elif self.hits:
            status.update("Enter attaches · ↑↓ pick · Tab keeps it as a description")
        elif self.search_box.value.strip():
            status.update("not on file: kept as a description · Ctrl+N: add")
        else:
            status.update("unknown guest, unless you type a name or phone")
