"""Small dialogs shared by every screen: confirm, apologise, a fatal store problem."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from frontdesk.widgets.safe import literal


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; Esc answers no."""

    BINDING_GROUP_TITLE = "Confirm"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", tooltip="Answer yes"),
        Binding("n", "answer(False)", "No", tooltip="Answer no"),
        Binding("escape", "answer(False)", "Cancel", tooltip="Answer no and close"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.question), classes="dialog-title")
            if self.detail:
                yield Static(literal(self.detail))
            yield Label(literal(f"[y] {self.yes}    [n] {self.no}"), classes="dialog-keys")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class KeepPromiseDialog(ModalScreen[bool | None]):
    """Checking in a guest with an open promise: honour it now (y), check in only (n), or not yet (Esc).

    What was promised shows only when the card's story is open (F6): a guest may read the screen.
    """

    DEFAULT_CSS = """
    KeepPromiseDialog .dialog-buttons {
        height: auto;
        margin-top: 1;
    }
    KeepPromiseDialog .dialog-buttons Button {
        margin-right: 2;
    }
    """

    BINDING_GROUP_TITLE = "Check in"
    BINDINGS = [
        Binding("y", "answer(True)", "Kept", tooltip="Check in and mark the promise kept"),
        Binding("n", "answer(False)", "Check in only", tooltip="Check in; the promise stays open"),
        Binding("escape", "answer(None)", "Cancel", tooltip="Do not check in yet"),
    ]

    def __init__(self, name: str, promises: list[str]) -> None:
        super().__init__()
        self.guest = name
        self.promises = promises

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(f"Check in {self.guest}"), classes="dialog-title")
            one = len(self.promises) == 1
            yield Static(literal(f"{'An open promise' if one else 'Open promises'}: "
                                 f"{'; '.join(self.promises)}. Honour {'it' if one else 'them'} now?"))
            with Horizontal(classes="dialog-buttons"):  # a tablet taps what a keyboard presses
                for caption, button_id in (("y Kept: check in", "keep-promise"), ("n Check in only", "check-in-only"),
                                           ("Esc Not yet", "not-yet")):
                    button = Button(caption, id=button_id, compact=True)
                    button.can_focus = False  # Enter on a focused button would answer without the host choosing
                    yield button
            yield Label(literal("[y] Check in, mark it kept    [n] Check in only    [Esc] Not yet"),
                        classes="dialog-keys")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss({"keep-promise": True, "check-in-only": False}.get(event.button.id or ""))

    def action_answer(self, answer: bool | None) -> None:
        self.dismiss(answer)


class ApologyScreen(ModalScreen[None]):
    """An unexpected problem, said plainly, with a reference for the crash log.

    Never shows the error's text: it may hold a customer's name.
    """

    BINDING_GROUP_TITLE = "Problem"
    BINDINGS = [
        Binding("enter", "dismiss", "Continue", tooltip="Close this message and go on working"),
        Binding("escape", "dismiss", "Continue", show=False),
    ]

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -error"):
            yield Label("Sorry, something went wrong.", classes="dialog-title")
            yield Static(
                literal(
                    "That action did not finish. Everything saved before it is safe, "
                    "and what you typed is still on screen.\n"
                    f"If it happens again, tell your manager the reference {self.reference}."
                )
            )
            yield Label("Enter: continue", classes="dialog-keys")


class StoreProblemScreen(ModalScreen[None]):
    """The store cannot be opened: one clear line, and the way out."""

    BINDING_GROUP_TITLE = "Store"
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True)]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -error"):
            yield Label("The store cannot be opened", classes="dialog-title")
            yield Static(literal(self.message))
            yield Label("Ctrl+Q: quit", classes="dialog-keys")
