"""First run: an empty store is offered the demo restaurant or a clean start."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, LoadingIndicator, ProgressBar, Static

from frontdesk.desk import DeskNode
from frontdesk.widgets.choice_row import ChoiceRow
from frontdesk.widgets.form_field import field, read, show_errors

if TYPE_CHECKING:
    from frontdesk.clock import Clock
    from frontdesk.store.db import Store


class FirstRunScreen(ModalScreen[str]):
    """This store is empty: load the demo restaurant, or set up our own site."""

    BINDING_GROUP_TITLE = "First run"
    BINDINGS = [
        Binding("d", "choose('demo')", "Demo restaurant", tooltip="Fill this store with a realistic demo"),
        Binding("s", "choose('setup')", "Set up my site", tooltip="Start clean with your own site"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Welcome to frontdesk", classes="dialog-title")
            yield Static(
                "This store is empty.\n\n"
                "[d]  Load the demo restaurant: customers, visits, incidents and due follow-ups to try things on.\n"
                "[s]  Set up my own site: its name, time zone, phone region and currency, and the first manager.",
                markup=False,
            )
        yield Footer(compact=True)  # its own keys, not the screen's underneath (issue 17)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class BuildingDemo(ModalScreen[None]):
    """The demo restaurant takes seconds to build (nine weeks, through the services): show how far."""

    BINDING_GROUP_TITLE = "Demo"

    class Progressed(Message):
        def __init__(self, done: float, summary: str | None = None) -> None:
            super().__init__()
            self.done = done
            self.summary = summary
            """Set when the build has finished: what it made."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Building the demo restaurant", classes="dialog-title")
            yield Static("Nine weeks of a restaurant's life: visits, incidents, follow-ups…", id="demo-stage")
            yield ProgressBar(total=100, show_eta=False, id="demo-progress")

    def on_building_demo_progressed(self, event: Progressed) -> None:
        self.query_one(ProgressBar).update(progress=round(event.done * 100))
        if event.summary is not None:
            self.dismiss(None)  # the app says what was built once the staff picker has gone (issue 17)


def local_zone_name() -> str:
    """The machine's IANA zone (from TZ or /etc/localtime), to prefill the setup form."""
    if os.environ.get("TZ", "").count("/") == 1:
        return os.environ["TZ"]
    try:
        target = Path("/etc/localtime").resolve()
    except OSError:
        return ""
    parts = target.parts
    if "zoneinfo" in parts:
        return "/".join(parts[parts.index("zoneinfo") + 1 :])
    return ""


KINDS = [("restaurant", "restaurant"), ("hotel", "hotel"), ("clinic", "clinic")]
"""The kinds of business with a preset (data/presets/): what setup seeds."""


class SetupScreen(DeskNode, ModalScreen[bool]):
    """A clean start: the site and its first manager, checked field by field."""

    BINDING_GROUP_TITLE = "Set up"
    CSS_PATH = "setup.tcss"
    AUTO_FOCUS = "#name"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Create the site and its manager", priority=True),
        Binding("escape", "cancel", "Back", tooltip="Back to the first-run choice"),
    ]
    FIELDS = (
        ("name", "Site name", "e.g. Trattoria Lumen"),
        ("time_zone", "Time zone", "e.g. Europe/Berlin"),
        ("phone_region", "Default phone region", "two letters, e.g. DE"),
        ("currency", "Currency", "three letters, e.g. EUR"),
        ("kind", "Kind of business", "its categories, root causes and playbooks: ←→ or the first letter"),
        ("staff_name", "First manager's name", "your name"),
        ("pin", "Their PIN", "4 to 12 digits, not a run like 1234"),
        ("pin_again", "The PIN again", "the same digits"),
    )

    class Done(Message):
        def __init__(self, errors: dict[str, str] | None) -> None:
            super().__init__()
            self.errors = errors

    def __init__(self, store: Store, clock: Clock, terminal: str) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.terminal = terminal

    def compose(self) -> ComposeResult:
        defaults = {"time_zone": local_zone_name()}
        with Vertical(classes="dialog"):
            yield Label("Set up this store", classes="dialog-title")
            for name, title, placeholder in self.FIELDS:
                control: Widget = ChoiceRow(KINDS, "restaurant", id=name, tooltip=placeholder) if name == "kind" \
                    else Input(value=defaults.get(name, ""), placeholder=placeholder, id=name,
                               password=name.startswith("pin"), compact=True)
                yield from field(title, control, name)
            yield LoadingIndicator(classes="-hidden")
            yield Label("Tab: next field · Ctrl+S: save · Esc: back", classes="dialog-keys")
        yield Footer(compact=True)  # its own keys, not the screen's underneath

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        values = {name: read(self.query_one(f"#{name}")) or "" for name, _, _ in self.FIELDS}
        show_errors(self, {}, ())
        self.query_one(LoadingIndicator).remove_class("-hidden")
        self.save(values)

    @work(thread=True, exclusive=True, group="write", exit_on_error=False)
    def save(self, values: dict[str, Any]) -> None:
        from frontdesk.errors import InvalidInput
        from frontdesk.schemas.inputs import SiteInput, StaffInput
        from frontdesk.services import setup

        errors: dict[str, str] = {}
        site = staff = None
        kind = values["kind"].strip().lower()
        if kind not in ("restaurant", "hotel", "clinic"):
            errors["kind"] = "restaurant, hotel or clinic"
        try:
            site = SiteInput.parse({key: values[key] for key in ("name", "time_zone", "phone_region", "currency")})
        except InvalidInput as exc:
            errors.update(exc.errors)
        try:
            if values["pin"] != values["pin_again"]:
                errors["pin_again"] = "the two PINs differ"
            staff = StaffInput.parse({"name": values["staff_name"], "role": "manager", "pin": values["pin"] or None})
            if staff.pin is None:
                errors["pin"] = "the first manager needs a PIN to sign in"
        except InvalidInput as exc:
            errors.update({"staff_name" if key == "name" else key: message for key, message in exc.errors.items()})
        if site is not None and staff is not None and not errors:
            try:
                setup.setup_store(self.store, self.clock, site, staff, self.terminal, kind)
            except InvalidInput as exc:
                errors.update(exc.errors)
        self.post_message(self.Done(errors or None))

    def on_setup_screen_done(self, event: Done) -> None:
        self.query_one(LoadingIndicator).add_class("-hidden")
        if event.errors is None:
            self.dismiss(True)
            return
        first = show_errors(self, event.errors, [name for name, _, _ in self.FIELDS])
        if first:
            self.query_one(f"#{first}").focus()
