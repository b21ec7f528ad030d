"""The screen's side of a `CustomerPicker`: it searches, adds a customer on the spot, and names one by id.

Mixed into each screen or dialog that holds a picker (the incident screen, the
quick log). The picker only asks, by message; the store work runs here, in
workers, one service call each, and the answers go back to the picker that
asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from frontdesk.desk import DeskNode
from frontdesk.widgets.customer_picker import HITS_SHOWN, CustomerPicker

if TYPE_CHECKING:
    from frontdesk.schemas.reads import SearchHit
    from frontdesk.services.search import Searcher


class LooksUpCustomers(DeskNode):
    """Answers its pickers: customers found as they type, Ctrl+N's new customer, a name for an id."""

    _searcher: Searcher | None = None
    """This screen's searches: a keystroke cancels the one still running in the database."""

    @dataclass
    class CustomersFound(Message):
        picker: CustomerPicker
        text: str
        hits: list[SearchHit]

    @dataclass
    class CustomerNamed(Message):
        picker: CustomerPicker
        customer_id: int
        name: str

    def on_customer_picker_search_wanted(self, event: CustomerPicker.SearchWanted) -> None:
        event.stop()
        self.find_customers(event.picker, event.text)

    @work(thread=True, exclusive=True, group="customer-search", exit_on_error=False)
    def find_customers(self, picker: CustomerPicker, text: str) -> None:
        from frontdesk.services import search

        store = self.app.store
        if store is None:
            return
        self._searcher = self._searcher or search.Searcher()
        if (result := self._searcher.find(store, text, limit=HITS_SHOWN)) is None:
            return  # a newer keystroke cancelled it
        if not get_current_worker().is_cancelled:
            self.post_message(self.CustomersFound(picker, text, list(result.hits)))

    def on_looks_up_customers_customers_found(self, event: CustomersFound) -> None:
        event.picker.show_found(event.text, event.hits)

    def on_customer_picker_new_customer_wanted(self, event: CustomerPicker.NewCustomerWanted) -> None:
        """The customer form, started from what was typed; the customer saved (or found on file) is attached."""
        from frontdesk.screens.customer_form import CustomerForm

        event.stop()
        picker = event.picker
        desk = self.app.desk
        if desk is None:
            return

        def saved(customer_id: int | None) -> None:
            if customer_id is not None:
                self.attach_customer(picker, customer_id)

        self.app.push_screen(CustomerForm(desk, typed=event.typed), saved)

    @work(thread=True, exclusive=True, group="customer-name", exit_on_error=False)
    def attach_customer(self, picker: CustomerPicker, customer_id: int) -> None:
        """Attach a customer known by id to `picker`, once their name is read."""
        from frontdesk.services.customers import customer_name

        desk = self.app.desk
        if desk is not None:
            self.post_message(self.CustomerNamed(picker, customer_id, customer_name(desk, customer_id)))

    def on_looks_up_customers_customer_named(self, event: CustomerNamed) -> None:
        event.picker.attached(event.customer_id, event.name)
