"""Who is at the terminal: picked at start and switched with F9; every write is theirs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from frontdesk.desk import DeskNode
from frontdesk.schemas.vocab import label
from frontdesk.widgets.safe import joined, literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import StaffInfo
    from frontdesk.store.db import Store


class StaffPicker(DeskNode, ModalScreen[int | None]):
    """Choose a staff member (type to narrow the list); a PIN is asked when they have one."""

    BINDING_GROUP_TITLE = "Who is here"
    AUTO_FOCUS = "#staff-filter"
    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("enter", "choose", "Choose", tooltip="Work as the highlighted staff member", priority=True),
        Binding("escape", "cancel", "Cancel", tooltip="Keep the current staff member"),
    ]

    class PinChecked(Message):
        def __init__(self, staff_id: int, ok: bool) -> None:
            super().__init__()
            self.staff_id = staff_id
            self.ok = ok

    def __init__(self, store: Store, staff: list[StaffInfo], *, can_cancel: bool) -> None:
        super().__init__()
        self.store = store
        self.staff = staff
        self.can_cancel = can_cancel
        self.chosen: StaffInfo | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Who is at this terminal?", classes="dialog-title")
            yield Input(placeholder="type a name", id="staff-filter")
            yield OptionList(id="staff-list")
            yield Input(placeholder="PIN", password=True, id="staff-pin", classes="-hidden")
            yield Label("", id="staff-error", classes="field-error")
        yield Footer(compact=True)  # its own keys, not the screen's underneath (issue 17)

    def on_mount(self) -> None:
        self.show_staff("")

    def show_staff(self, text: str) -> None:
        options = self.query_one("#staff-list", OptionList)
        options.clear_options()
        needle = text.strip().lower()
        for staff in self.staff:
            if needle in staff.name.lower():
                options.add_option(Option(joined(literal(staff.name), label(staff.role)), id=str(staff.id)))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#staff-filter")
    def narrow(self, event: Input.Changed) -> None:
        self.show_staff(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one("#staff-list", OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.can_cancel or self.chosen is not None
        return True

    def action_cancel(self) -> None:
        if self.chosen is not None:
            self.chosen = None
            pin = self.query_one("#staff-pin", Input)
            pin.value = ""
            pin.add_class("-hidden")
            self.query_one("#staff-filter", Input).focus()
            self.query_one("#staff-error", Label).update("")
            return
        self.dismiss(None)

    def action_choose(self) -> None:
        if self.chosen is not None:
            self.check_pin(self.chosen.id, self.query_one("#staff-pin", Input).value)
            return
        options = self.query_one("#staff-list", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        staff = next(staff for staff in self.staff if str(staff.id) == option.id)
        if not staff.has_pin:
            self.dismiss(staff.id)
            return
        self.chosen = staff
        pin = self.query_one("#staff-pin", Input)
        pin.remove_class("-hidden")
        pin.focus()
        self.query_one("#staff-error", Label).update(joined("PIN for", literal(staff.name), separator=" "))

    @work(thread=True, exclusive=True, group="pin", exit_on_error=False)
    def check_pin(self, staff_id: int, pin: str) -> None:
        from frontdesk.services.setup import check_pin

        self.post_message(self.PinChecked(staff_id, check_pin(self.store, staff_id, pin)))

    def on_staff_picker_pin_checked(self, event: PinChecked) -> None:
        if event.ok:
            self.dismiss(event.staff_id)
            return
        pin = self.query_one("#staff-pin", Input)
        pin.value = ""
        self.query_one("#staff-error", Label).update("That PIN is not right; try again.")
