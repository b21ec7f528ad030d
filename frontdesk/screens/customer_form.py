"""Add or edit a customer: contact details, consent per channel, postal address, notes.

A customer already on file (the same phone or email and name) is not saved
twice: the form lists them and Enter opens them instead. The same phone or
email under another name (a household's landline) is a warning: Enter opens
one of them, Ctrl+S again saves this one anyway. Bad input is marked next to its
field, focus goes to the first one, and nothing typed is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Footer, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from frontdesk.desk import DeskNode
from frontdesk.screens.dialogs import ConfirmDialog
from frontdesk.widgets.safe import joined, literal, visible
from frontdesk.widgets.search_results import masked_phone

if TYPE_CHECKING:
    from frontdesk.schemas.reads import CustomerCard, SearchHit
    from frontdesk.services.context import Actor

LINES = (("name", "Name"), ("phone", "Phone"), ("email", "Email"))
CONSENTS = (("consent_call", "call"), ("consent_text", "text"), ("consent_email", "email"),
            ("consent_post", "post"))
TEXTS = (("postal_address", "Address"), ("notes", "Notes"))
FIELDS = tuple(field for field, _ in LINES) + ("consent",) + tuple(field for field, _ in TEXTS)
"""Form order: where focus goes for the first bad field."""


class ConsentBox(Checkbox):
    """A checkbox whose mark is a character, not only a colour: [X] or [ ] on any console."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 (Textual's name)
        return "X" if self.value else " "


class CustomerForm(DeskNode, ModalScreen[int | None]):
    """Returns the id of the customer saved (or of the existing one chosen instead); None if cancelled."""

    BINDING_GROUP_TITLE = "Customer"
    AUTO_FOCUS = "#name"
    CSS_PATH = "customer_form.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, tooltip="Save these details"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving (asks if you typed anything)"),
    ]

    class Saved(Message):
        def __init__(self, customer_id: int, note: str) -> None:
            super().__init__()
            self.customer_id = customer_id
            self.note = note

    class Refused(Message):
        """Field errors (field → message) and, for a phone or email on file, who has it."""

        def __init__(self, errors: dict[str, str], matches: list[SearchHit] | None = None,
                     same_person: bool = False, values: dict[str, Any] | None = None) -> None:
            super().__init__()
            self.errors = errors
            self.matches = matches or []
            self.same_person = same_person
            self.values = values
            """What was typed when warned of possible duplicates: saving exactly that again saves it anyway."""

    def __init__(self, desk: Actor, *, card: CustomerCard | None = None, typed: str = "") -> None:
        super().__init__()
        self.desk = desk
        self.card = card
        self.initial = initial_values(card, typed)
        self.saving = False
        self.warned: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="form-area"):
            with Vertical(classes="dialog", id="customer-form"):
                title = joined("Edit", literal(self.card.name), separator=" ") if self.card else "New customer"
                yield Label(title, classes="dialog-title")
                for field, caption in LINES:
                    with Horizontal(classes="form-row"):
                        yield Label(caption, classes="form-label")
                        yield Input(str(self.initial[field]), id=field, compact=True)
                    yield Label("", id=f"{field}-error", classes="field-error")
                with Horizontal(classes="form-row", id="consent"):
                    yield Label("Consent", classes="form-label")
                    for field, word in CONSENTS:
                        yield ConsentBox(word, bool(self.initial[field]), id=field, compact=True)
                yield Label("", id="consent-error", classes="field-error")
                for field, caption in TEXTS:
                    with Horizontal(classes="form-row -text"):
                        yield Label(caption, classes="form-label")
                        yield TextArea(str(self.initial[field]), id=field, compact=True, soft_wrap=True)
                    yield Label("", id=f"{field}-error", classes="field-error")
                yield Label("", id="matches-title", classes="field-error")
                yield OptionList(id="matches")
                yield Label("", id="form-error", classes="field-error")
                yield Label("Tab: next field · Space: tick · Ctrl+S: save · Esc: cancel", classes="dialog-keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for label in self.query(".field-error"):
            label.display = False
        self.query_one("#matches").display = False

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {field: self.query_one(f"#{field}", Input).value for field, _ in LINES}
        values.update({field: self.query_one(f"#{field}", ConsentBox).value for field, _ in CONSENTS})
        values.update({field: self.query_one(f"#{field}", TextArea).text for field, _ in TEXTS})
        return values

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    # -- saving ---------------------------------------------------------------

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.show_errors({})
        values = self.values()
        self.save(values, anyway=values == self.warned)

    @work(thread=True, exclusive=True, group="write", exit_on_error=False)
    def save(self, values: dict[str, Any], anyway: bool = False) -> None:
        from frontdesk.errors import FrontdeskError, InvalidInput
        from frontdesk.services import customers

        try:
            details = customers.parse_customer(self.desk, values)
            if self.card is None:
                customer_id = customers.create_customer(self.desk, details, allow_duplicate=anyway)
                note = f"{details.name} added."
            else:
                customers.edit_customer(self.desk, self.card.id, self.card.version, details, allow_duplicate=anyway)
                customer_id, note = self.card.id, f"{details.name}: details saved."
        except InvalidInput as exc:
            self.post_message(self.Refused(exc.errors))
        except customers.DuplicateCustomer as exc:
            where = {field for field in ("phone", "email")
                     if getattr(details, field) and any(getattr(hit, field) == getattr(details, field)
                                                        for hit in exc.matches)}
            errors = {field: "already on file (below)" for field in sorted(where)} or {"phone": "already on file"}
            self.post_message(self.Refused(errors, exc.matches, exc.same_person, values))
        except FrontdeskError as exc:
            self.post_message(self.Refused({"form": str(exc).capitalize()}))
        else:
            self.post_message(self.Saved(customer_id, note))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A save that failed unexpectedly (the App apologises) leaves the form usable, typing intact."""
        if event.worker.group == "write" and event.state == WorkerState.ERROR:
            self.saving = False

    def on_customer_form_saved(self, event: Saved) -> None:
        self.notify(event.note)
        self.dismiss(event.customer_id)

    def on_customer_form_refused(self, event: Refused) -> None:
        self.saving = False
        self.warned = event.values if event.matches and not event.same_person else None
        self.show_errors(event.errors)
        self.show_matches(event.matches, event.same_person)
        if event.matches:
            self.query_one("#matches", OptionList).focus()
            return
        first = next((field for field in FIELDS if field in event.errors), None)
        if first == "consent":
            self.query_one(f"#{CONSENTS[0][0]}").focus()
        elif first is not None:
            self.query_one(f"#{first}").focus()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field; anything not tied to a field under the form."""
        errors = dict(errors)
        stray = [f"{field}: {message}" for field, message in errors.items() if field not in (*FIELDS, "form")]
        if stray:
            errors["form"] = "; ".join(filter(None, (errors.get("form"), *stray)))
        for field in (*FIELDS, "form"):
            label = self.query_one(f"#{field}-error", Label)
            label.update(literal(errors.get(field, "")))
            label.display = field in errors

    def show_matches(self, matches: list[SearchHit], same_person: bool = True) -> None:
        """The customers who already have this phone or email, to open instead of adding a twin."""
        options = self.query_one("#matches", OptionList)
        title = self.query_one("#matches-title", Label)
        options.clear_options()
        for hit in matches:
            phone = masked_phone(hit.phone)
            options.add_option(Option(joined(literal(hit.name), phone) if phone else literal(hit.name),
                                      id=str(hit.customer_id)))
        options.display = title.display = bool(matches)
        if matches:
            options.highlighted = 0
            title.update("On file already; Enter opens them:" if same_person else
                         "Another name, same phone/email: Enter opens, Ctrl+S adds")

    @on(OptionList.OptionSelected, "#matches")
    def open_existing(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.dismiss(int(event.option.id))

    # -- leaving -----------------------------------------------------------------

    def action_cancel(self) -> None:
        if self.saving:  # a save under way finishes first: cancelling it would hide that it happened
            return
        if self.values() == self.initial:
            self.dismiss(None)
        else:
            self.confirm_discard()

    @work(exclusive=True, group="confirm", exit_on_error=False)
    async def confirm_discard(self) -> None:
        if await self.app.push_screen_wait(ConfirmDialog("Discard what you typed?", yes="Discard", no="Keep editing")):
            self.dismiss(None)


def initial_values(card: CustomerCard | None, typed: str) -> dict[str, Any]:
    """The card's details to edit (control characters made visible: an Input draws its text raw),
    or a new customer started from what was typed in the search box."""
    if card is not None:
        from frontdesk.schemas.base import (
            readable_phone,  # here: pydantic is loaded by now, not at startup
        )

        values: dict[str, Any] = {field: visible(getattr(card, field) or "") for field, _ in LINES + TEXTS}
        values.update({field: getattr(card, field) for field, _ in CONSENTS})
        values["phone"] = readable_phone(card.phone) if card.phone else ""
        return values
    typed = typed.strip()
    looks_like_phone = bool(typed) and all(char.isdigit() or char in " +()-./" for char in typed)
    values = {field: "" for field, _ in LINES + TEXTS}
    values.update({field: False for field, _ in CONSENTS})
    values["phone" if looks_like_phone else "name"] = typed
    return values
