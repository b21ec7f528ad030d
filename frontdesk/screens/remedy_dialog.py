"""The remedy approval dialog (issue 15 item 3): a remedy above the signed-in person's limit, at save.

A lead or manager picks their name and types their PIN, checked in a worker
(services/pins.verify_approver: a wrong one counts towards their lockout and
is said under the PIN); the incident is then saved in one service call with
the approval. With nobody at hand, the last choice saves it pending approval
(a lead gets an approval follow-up). Esc goes back to the form, nothing saved:
nothing is silently allowed or refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.services.context import Actor
    from frontdesk.services.remedies import RemedyApproval

PENDING = "pending"
"""The option id for "nobody at hand: save it pending approval"."""


class RemedyApprovalDialog(ModalScreen["RemedyApproval | None"]):
    """Who approves the remedy (their PIN), or save it pending approval; Esc: back to the form."""

    BINDING_GROUP_TITLE = "Approve remedy"
    AUTO_FOCUS = "#approver"
    BINDINGS = [
        Binding("enter", "approve", "Save", priority=True, tooltip="Approve with the PIN (or save pending) and save"),
        Binding("escape", "cancel", "Back", tooltip="Back to the form; nothing is saved"),
        *(Binding(str(number), f"pick({number - 1})", "Pick", show=False, tooltip="Choose this one")
          for number in range(1, 10)),
    ]

    @dataclass
    class Refused(Message):
        problem: str

    @dataclass
    class Approved(Message):
        approval: RemedyApproval

    def __init__(self, desk: Actor, question: str, approvers: tuple[tuple[int, str], ...]) -> None:
        super().__init__()
        self.desk = desk
        self.question = question
        self.approvers = approvers
        self.checking = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Remedy above your limit", classes="dialog-title")
            yield Label(literal(self.question[:1].upper() + self.question[1:] + "."), classes="remedy-question")
            yield Label("Who approves it?", classes="field-label")
            options = [Option(Text(f"{number} {name}"), id=str(staff_id))
                       for number, (staff_id, name) in enumerate(self.approvers, 1)]
            options.append(Option(Text(f"{len(options) + 1} nobody at hand: save it pending approval"), id=PENDING))
            approver = OptionList(*options, id="approver", markup=False)
            approver.highlighted = 0
            yield approver
            yield Label("Their PIN", classes="field-label")
            yield Input(password=True, id="pin", placeholder="4 to 12 digits")
            yield Label("", id="pin-error", classes="field-error -hidden")
            yield Label("Digits or arrows: who · Tab: PIN · Enter: save · Esc: back to the form",
                        classes="dialog-keys")

    def action_pick(self, index: int) -> None:
        approver = self.query_one("#approver", OptionList)
        if self.focused is approver and index < approver.option_count:
            approver.highlighted = index

    def chosen(self) -> str | None:
        approver = self.query_one("#approver", OptionList)
        return None if approver.highlighted is None else approver.get_option_at_index(approver.highlighted).id

    def action_approve(self) -> None:
        if self.checking:
            return
        from frontdesk.services.remedies import RemedyApproval  # not at import: SQLAlchemy waits for the first frame

        choice = self.chosen()
        if choice == PENDING:
            self.dismiss(RemedyApproval(pending=True))
            return
        pin = self.query_one("#pin", Input).value
        if choice is None or not pin:
            self.say("type the approver's PIN, or choose to save it pending approval")
            self.query_one("#pin" if choice else "#approver").focus()
            return
        self.checking = True
        self.check(int(choice), pin)

    @work(thread=True, exclusive=True, group="pin", exit_on_error=False)
    def check(self, approver_id: int, pin: str) -> None:
        from frontdesk.errors import FrontdeskError
        from frontdesk.services.pins import verify_approver
        from frontdesk.services.remedies import RemedyApproval

        try:
            verify_approver(self.desk, approver_id, pin)
        except FrontdeskError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        self.post_message(self.Approved(RemedyApproval(approver_id, pin)))

    def on_remedy_approval_dialog_refused(self, event: Refused) -> None:
        self.checking = False
        self.say(event.problem)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def on_remedy_approval_dialog_approved(self, event: Approved) -> None:
        self.dismiss(event.approval)

    def say(self, problem: str) -> None:
        error = self.query_one("#pin-error", Label)
        error.update(literal(problem))
        error.set_class(not problem, "-hidden")

    def action_cancel(self) -> None:
        if not self.checking:
            self.dismiss(None)
