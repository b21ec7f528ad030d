"""Sign-in: pick a name, then type that person's PIN. Every write after it is theirs.

Where there is no keyboard (a tablet served by `frontdesk serve`), the names
are tapped and the PIN is tapped on a pad under the field: each pad button
does what its key does (a digit, Backspace, Enter), and the focus goes back
to the PIN field, so typing keeps working after a tap.

Shown at start and on F9. The PIN is checked by the sign-in service, which
counts wrong ones towards a lockout and says until when a name is refused.
A manager with no PIN yet (after an upgrade) chooses one here, typed twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from frontdesk.desk import DeskNode
from frontdesk.screens.base import DeskFooter
from frontdesk.schemas.vocab import label
from frontdesk.widgets.pin_pad import PadKey
from frontdesk.widgets.safe import joined, literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import StaffInfo
    from frontdesk.services.context import Actor


PAD_KEYS = ("1", "2", "3", "4", "5", "erase", "6", "7", "8", "9", "0", "ok")
"""The PIN pad, two rows of six: digits, then Backspace at the end of the first row and Enter of the second."""
PAD_LABELS = {"erase": "⌫", "ok": "OK"}
PAD_TOOLTIPS = {"erase": "Backspace: erase the last digit", "ok": "Enter: sign in"}


class SignInScreen(DeskNode, ModalScreen["StaffInfo | None"]):
    """Choose a staff member (type to narrow the list), then their PIN."""

    BINDING_GROUP_TITLE = "Sign in"
    CSS_PATH = "sign_in.tcss"
    AUTO_FOCUS = "#staff-filter"
    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("enter", "choose", "Sign in", tooltip="Sign in as the highlighted person", priority=True),
        Binding("escape", "cancel", "Back", tooltip="Back to the names (or keep who is signed in)"),
    ]

    class Answer(Message):
        """The sign-in service's answer: the person signed in, or why not (and whether to choose a PIN)."""

        def __init__(self, staff: StaffInfo | None, problem: str = "", choose: bool = False) -> None:
            super().__init__()
            self.staff = staff
            self.problem = problem
            self.choose = choose

    def __init__(self, desk: Actor, staff: list[StaffInfo], *, can_cancel: bool, chosen: StaffInfo | None = None,
                 locked: bool = False) -> None:
        super().__init__(classes="-locked" if locked else None)
        self.locked = locked
        """Locked: the screen is opaque (nothing of any guest shows) and the same person's PIN resumes."""
        self.desk = desk
        """The terminal, no one signed in: whom the sign-in service is asked for."""
        self.staff = staff
        self.can_cancel = can_cancel
        self.chosen = chosen
        self.new_pin: str | None = None
        """A manager choosing their first PIN: the first typing, waiting for the second."""
        self.choosing = False
        self.said = ""
        """What the line under the PIN says now (left alone when it stays empty)."""
        self.listed_for = ""
        """The name typed that the list shows the matches of: Enter may come before the list has narrowed."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sign-in"):
            yield Label(self.heading(), id="sign-in-title", classes="dialog-title")
            yield Input(placeholder="type a name", id="staff-filter")
            yield OptionList(id="staff-list")
            yield Label("", id="staff-chosen", classes="-hidden")
            yield Input(placeholder="PIN", password=True, id="staff-pin", classes="-hidden", max_length=12)
            with Grid(id="pin-pad", classes="-hidden"):
                for key in PAD_KEYS:
                    pad_key = PadKey(PAD_LABELS.get(key, key), id=f"pin-{key}", classes="pin-key")
                    pad_key.tooltip = PAD_TOOLTIPS.get(key)
                    yield pad_key
            yield Label("", id="staff-error", classes="field-error")
        yield DeskFooter(compact=True)  # its own keys, not the screen's underneath (issue 17)

    def heading(self) -> str:
        return "Locked. Sign in: who is at this terminal?" if self.locked else "Sign in: who is at this terminal?"

    def on_mount(self) -> None:
        self.show_staff("")
        if self.chosen is not None:
            self.ask_pin(self.chosen)

    def show_again(self, desk: Actor, staff: list[StaffInfo], *, can_cancel: bool, chosen: StaffInfo | None,
                   locked: bool) -> None:
        """Ready this screen, kept installed by the app, for its next showing, as a new one would be.

        Building a new sign-in screen (its widgets, their styles, the PIN pad)
        took most of a lock's time; only what differs from its last showing is
        changed, so locking again as the same person restyles nothing.
        """
        self.desk, self.can_cancel = desk, can_cancel
        if locked != self.locked:
            self.locked = locked
            self.set_class(locked, "-locked")
            self.query_one("#sign-in-title", Label).update(self.heading())
        self.say("")
        self.query_one("#staff-pin", Input).value = ""
        if staff != self.staff or self.query_one("#staff-filter", Input).value:
            self.staff = staff
            self.query_one("#staff-filter", Input).value = ""
            self.show_staff("")
        if chosen is None:
            self.show_names()
        elif chosen != self.chosen or self.choosing:
            self.show_names()
            self.ask_pin(chosen)

    def show_staff(self, text: str) -> None:
        self.listed_for = text
        options = self.query_one("#staff-list", OptionList)
        options.clear_options()
        needle = text.strip().lower()
        for staff in self.staff:
            if needle in staff.name.lower():
                options.add_option(Option(joined(literal(staff.name), label(staff.role)), id=str(staff.id)))
        if options.option_count:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#staff-list")
    def tapped_name(self, event: OptionList.OptionSelected) -> None:
        """A tapped (or clicked) name is chosen, as Enter chooses the highlighted one."""
        event.stop()
        self.query_one("#staff-list", OptionList).highlighted = event.option_index
        self.action_choose()

    @on(PadKey.Pressed)
    def pad_pressed(self, event: PadKey.Pressed) -> None:
        """A PIN pad key: the same as typing its digit, Backspace or Enter in the PIN field."""
        event.stop()
        pin = self.query_one("#staff-pin", Input)
        key = (event.key.id or "").removeprefix("pin-")
        if key == "ok":
            self.action_choose()
        elif key == "erase":
            pin.value = pin.value[:-1]
        elif len(pin.value) < (pin.max_length or 12):
            pin.value += key
        pin.cursor_position = len(pin.value)
        pin.focus()

    @on(Input.Changed, "#staff-filter")
    def narrow(self, event: Input.Changed) -> None:
        if event.input.value != self.listed_for:  # a late message for text Enter has narrowed to already
            self.show_staff(event.input.value)

    def action_move(self, step: int) -> None:
        options = self.query_one("#staff-list", OptionList)
        if options.option_count and self.chosen is None:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.can_cancel or self.chosen is not None
        return True

    def say(self, text: str) -> None:
        if text or self.said:
            self.query_one("#staff-error", Label).update(literal(text))
            self.said = text

    def action_cancel(self) -> None:
        if self.chosen is not None:
            self.show_names()
            self.say("")
            return
        self.dismiss(None)

    def show_names(self) -> None:
        """Back to the names: the PIN field steps aside, and whoever was chosen is not."""
        if self.chosen is None:
            return
        self.chosen, self.new_pin, self.choosing = None, None, False
        pin = self.query_one("#staff-pin", Input)
        pin.value = ""
        pin.add_class("-hidden")
        self.query_one("#pin-pad").add_class("-hidden")
        self.query_one("#staff-chosen", Label).add_class("-hidden")
        self.query_one("#staff-filter", Input).remove_class("-hidden")
        self.query_one("#staff-list", OptionList).remove_class("-hidden")
        self.query_one("#staff-filter", Input).focus()

    def ask_pin(self, staff: StaffInfo, prompt: str = "PIN") -> None:
        """Show the chosen name and the PIN field (the list steps aside)."""
        self.chosen = staff
        self.query_one("#staff-filter", Input).add_class("-hidden")
        self.query_one("#staff-list", OptionList).add_class("-hidden")
        chosen = self.query_one("#staff-chosen", Label)
        chosen.update(joined(literal(staff.name), label(staff.role)))
        chosen.remove_class("-hidden")
        pin = self.query_one("#staff-pin", Input)
        pin.placeholder = prompt
        pin.remove_class("-hidden")
        self.query_one("#pin-pad").remove_class("-hidden")
        pin.focus()
        if not staff.has_pin and not self.choosing:
            self.check_pin(staff.id, "")  # no PIN: the store says whether the name alone will do

    def action_choose(self) -> None:
        """Enter, read as a priority key before the keys typed ahead of it reach their field: answer once that
        field has handled them (its messages are handled in order), so a fast "2580 Enter" checks 2580."""
        focused = self.focused
        if isinstance(focused, Input):
            focused.call_later(self.choose)
        else:
            self.choose()

    def choose(self) -> None:
        if self.chosen is not None:
            pin = self.query_one("#staff-pin", Input)
            typed, pin.value = pin.value, ""
            if not self.choosing:
                self.check_pin(self.chosen.id, typed)
            elif self.new_pin is None:
                self.new_pin = typed
                pin.placeholder = "the same PIN again"
                self.say("Type the new PIN again.")
            elif typed != self.new_pin:
                self.new_pin = None
                pin.placeholder = "choose a PIN"
                self.say("The two PINs differ; choose one again.")
            else:
                self.check_pin(self.chosen.id, "", typed)
            return
        typed = self.query_one("#staff-filter", Input).value
        if typed != self.listed_for:  # its Changed message is still on its way: narrow now, as it will
            self.show_staff(typed)
        options = self.query_one("#staff-list", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        self.say("")
        self.ask_pin(next(staff for staff in self.staff if str(staff.id) == option.id))

    @work(thread=True, exclusive=True, group="pin", exit_on_error=False)
    def check_pin(self, staff_id: int, pin: str, new_pin: str | None = None) -> None:
        from frontdesk.errors import InvalidInput, NotAllowed, NotFound
        from frontdesk.services.pins import PinNeeded

        try:
            self.post_message(self.Answer(self.verify(staff_id, pin, new_pin)))
        except PinNeeded as exc:
            self.post_message(self.Answer(None, str(exc), choose=exc.may_choose))
        except InvalidInput as exc:
            self.post_message(self.Answer(None, "; ".join(exc.errors.values()), choose=True))
        except (NotAllowed, NotFound) as exc:
            self.post_message(self.Answer(None, str(exc)))

    def verify(self, staff_id: int, pin: str, new_pin: str | None) -> StaffInfo:
        """The one service call that checks the PIN (in the worker)."""
        from frontdesk.services.pins import sign_in

        return sign_in(self.desk, staff_id, pin, new_pin=new_pin)

    def on_sign_in_screen_answer(self, event: Answer) -> None:
        if event.staff is not None:
            self.dismiss(event.staff)
            return
        if event.choose and self.chosen is not None:
            self.choosing, self.new_pin = True, None
            self.query_one("#staff-pin", Input).placeholder = "choose a PIN"
        self.say(event.problem)


class ManagerPinScreen(SignInScreen):
    """Kiosk mode: quitting or suspending needs a manager's PIN. The managers are listed (the only one is
    chosen already), then the PIN; it dismisses with the manager once the service has checked it (audited `quit`)."""

    BINDING_GROUP_TITLE = "Manager's PIN"
    BINDINGS = [
        Binding("enter", "choose", "OK", tooltip="Check the manager's PIN", priority=True),
        Binding("escape", "cancel", "Back", tooltip="Back to the terminal, not quitting"),
    ]

    def __init__(self, desk: Actor, managers: list[StaffInfo], doing: str = "Quitting") -> None:
        super().__init__(desk, managers, can_cancel=True, chosen=managers[0] if len(managers) == 1 else None)
        self.doing = doing

    def heading(self) -> str:
        return f"{self.doing} needs a manager's PIN"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True  # Esc always leads back, never to another name

    def action_cancel(self) -> None:
        if self.chosen is not None and len(self.staff) > 1:
            super().action_cancel()
            return
        self.dismiss(None)

    def verify(self, staff_id: int, pin: str, new_pin: str | None) -> StaffInfo:
        from frontdesk.services.pins import leave_kiosk

        return leave_kiosk(self.desk, staff_id, pin)
