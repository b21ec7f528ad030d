"""The deposition form: every field of `Deposition`, rendered from its spec, read back typed.

The form writes into its fields only when asked to show a whole deposition
(`show`) or a store list (`set_lists`, which keeps every choice); nothing
else writes while the person types. Each change the person makes is posted
up as `DepositionForm.Changed`; values put in by `show` are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, TextArea

from frontdesk import timing
from frontdesk.desk import DeskNode
from frontdesk.widgets.choice_row import ChoiceRow, Option
from frontdesk.widgets.customer_picker import CustomerPicker
from frontdesk.widgets.deposition import (
    FIELDS,
    NOT_SAID,
    SEVERITY_CHOICES,
    Deposition,
    Who,
    wall,
)
from frontdesk.widgets.form_field import (
    CHANGES,
    FieldError,
    read,
    show_errors,
    spec_field,
    write,
)
from frontdesk.widgets.safe import literal

WHEN = "occurred_at"
FROM_THE_DRAFT = "from the draft"


class DepositionForm(DeskNode, Vertical):
    DEFAULT_CSS = """
    DepositionForm {
        width: 1fr;
        height: auto;
    }
    """

    class Changed(Message):
        """The person changed a field (`name` is its name in `Deposition`)."""

        def __init__(self, form: DepositionForm, name: str) -> None:
            super().__init__()
            self.form = form
            self.name = name

        @property
        def control(self) -> DepositionForm:
            return self.form

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.amending = False
        """Showing an incident on file: amend-only fields shown, no blank category or severity."""
        self.categories: list[Option] = []
        self.staff: list[Option] = []
        """The store's lists, once loaded: the quick log and the plan's steps choose from them too."""
        self.when_note: str | None = None
        """Said after the time "When" is taken as: "from the draft" once a draft set it, until it is edited."""

    def compose(self) -> ComposeResult:
        for item in FIELDS:
            if item.section:
                yield Label(item.section, classes="section")
            yield from spec_field(item)
            if item.name == WHEN:
                yield Label("", id="occurred-hint", classes="hint")

    @property
    def tz(self) -> ZoneInfo:
        site = self.app.site
        return timing.zone(site.time_zone) if site is not None else ZoneInfo("UTC")

    @property
    def picker(self) -> CustomerPicker:
        return self.query_one(CustomerPicker)

    def row(self, name: str) -> ChoiceRow:
        return self.query_one(f"#{name}", ChoiceRow)

    def read(self) -> Deposition:
        """What the form holds now."""
        picker = self.picker
        values: dict[str, Any] = {item.name: read(self.query_one(f"#{item.name}")) for item in FIELDS
                                  if item.kind != "customer"}
        return Deposition(customer=Who(picker.customer_id, picker.customer_name, picker.guest_description), **values)

    def show(self, values: Deposition, *, amending: bool, meant: datetime | None = None) -> None:
        """Show a whole deposition (empty, on file, or a draft's) without counting it as typing.

        `meant`: the instant a draft's "When" stood for. Unless typed as that very time, it is shown as
        that time, marked "from the draft": "now", "20m ago" or "19:40" would mean another time today.
        """
        self.amending = amending
        self.when_note = None
        if meant is not None and values.occurred_at != wall(meant, self.tz):
            values = replace(values, occurred_at=wall(meant, self.tz))
            self.when_note = FROM_THE_DRAFT
        for item in FIELDS:
            self.query_one(f"#{item.name}-field").display = item.new or amending
        with self.prevent(*CHANGES):
            self.set_choices(keep=values.category)
            self.picker.set_customer(values.customer.customer_id, values.customer.name, values.customer.guest)
            for item in FIELDS:
                if item.kind != "customer":
                    write(self.query_one(f"#{item.name}"), getattr(values, item.name))
        self.show_when()

    def set_lists(self, categories: Sequence[Option], staff: Sequence[Option]) -> None:
        """The store's categories and staff; every choice made stays chosen."""
        self.categories, self.staff = list(categories), list(staff)
        with self.prevent(ChoiceRow.Changed):
            self.row("ally_id").set_options(staff)
            self.set_choices(keep=self.row("category").value)

    def set_choices(self, keep: str | None) -> None:
        """Blank category and severity only for a new incident; a category no longer listed kept if chosen."""
        options = list(self.categories)
        if keep and keep not in [key for key, _ in options]:
            options.append((keep, keep))
        self.row("category").set_options(options if self.amending else [NOT_SAID, *options])
        self.row("severity").set_options(SEVERITY_CHOICES[1:] if self.amending else SEVERITY_CHOICES)

    def choose(self, name: str, value: str | None) -> None:
        """Set one choice for the person (the original ally follows whoever is at the terminal)."""
        with self.prevent(ChoiceRow.Changed):
            self.row(name).value = value

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(ChoiceRow.Changed)
    @on(CustomerPicker.Changed)
    def changed(self, event: Input.Changed | TextArea.Changed | ChoiceRow.Changed | CustomerPicker.Changed) -> None:
        event.stop()
        name = event.control.id or ""
        self.query_one(f"#{name}-error", FieldError).show(None)  # the person is fixing it
        if name == WHEN:
            self.when_note = None
            self.show_when()
        self.post_message(self.Changed(self, name))

    def show_errors(self, errors: dict[str, str]) -> str | None:
        """Each error under its field; the first field with one, in the form's order."""
        first = show_errors(self, errors, [item.name for item in FIELDS])
        self.show_when()
        return first

    def taken_as(self, text: str, now: datetime | None = None) -> datetime | None:
        """The instant a typed "When" stands for (None while it does not read)."""
        try:
            return timing.parse_occurred(text, now or self.app.clock.now(), self.tz).at
        except timing.TimeInputError:
            return None

    def when_meant(self, started_at: datetime | None) -> datetime | None:
        """What "When" stands for now; left empty ("now") it means when typing began."""
        text = self.query_one(f"#{WHEN}", Input).value
        return self.taken_as(text, started_at if not text.strip() else None)

    def show_when(self) -> None:
        """What the typed time is taken as, live: the time chosen and anything assumed (a skipped hour)."""
        hint = self.query_one("#occurred-hint", Label)
        shows_error = self.query_one(f"#{WHEN}-error", FieldError).has_class("-shown")
        hint.display = not shows_error  # the error says it already
        if shows_error:
            return
        text = self.query_one(f"#{WHEN}", Input).value
        try:
            resolved = timing.parse_occurred(text, self.app.clock.now(), self.tz)
        except timing.TimeInputError as exc:
            hint.update(literal(f"? {exc}"))
            return
        notes = [note for note in (resolved.note, self.when_note) if note]
        hint.update(literal(f"→ {timing.local(resolved.at, self.tz):%a %d %b %H:%M}" + "".join(
            f" · {note}" for note in notes)))
