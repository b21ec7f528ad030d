"""The follow-up plan an incident will get, shown before saving: each step editable or removable.

It follows the playbook while untouched; once a step is edited or removed the
plan is the person's own and stays as they left it (Ctrl+R takes the
playbook's plan again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from frontdesk import timing
from frontdesk.schemas.vocab import label
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import PlanStepPreview


def step_line(step: PlanStepPreview, tz: ZoneInfo) -> Text:
    """"Sat 21 Nov 10:00  check-in · call · Maria": when, what, how, who."""
    wall = timing.local(step.due_at, tz)
    line = Text(f"{wall:%a %d %b %H:%M}  {label(step.kind)} · {label(step.channel)} · ", end="")
    line.append(literal(step.owner_name))
    if note := timing.due_note(step.due_at, step.local_time, tz):
        line.append(f" ({note})", style="italic")
    return line


class PlanPreview(OptionList):
    DEFAULT_CSS = """
    PlanPreview {
        height: auto;
        max-height: 9;
        border: none;
        padding: 0;
    }
    """

    BINDINGS = [
        Binding("enter", "edit", "Edit", tooltip="Change when, how or by whom this follow-up happens"),
        Binding("delete", "remove", "Remove", tooltip="Leave this follow-up out of the plan"),
        Binding("ctrl+r", "reset", "Reset plan", tooltip="Take the playbook's plan again"),
    ]

    class EditAsked(Message):
        def __init__(self, plan: PlanPreview, index: int) -> None:
            super().__init__()
            self.plan = plan
            self.index = index

        @property
        def control(self) -> PlanPreview:
            return self.plan

    class Changed(Message):
        """The person edited or removed a step, or asked for the playbook's plan again."""

        def __init__(self, plan: PlanPreview) -> None:
            super().__init__()
            self.plan = plan

        @property
        def control(self) -> PlanPreview:
            return self.plan

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.steps: list[PlanStepPreview] = []
        self.edited = False
        """True once the person changed the plan: it no longer follows the playbook."""
        self.tz = ZoneInfo("UTC")
        self.empty_words = "choose a severity and category to see the plan"
        self.if_pending: PlanStepPreview | None = None
        """The approval follow-up saving adds if the remedy is left pending approval: shown, not part of the plan."""

    def show_steps(self, steps: list[PlanStepPreview], *, edited: bool, tz: ZoneInfo | None = None) -> None:
        self.steps = sorted(steps, key=lambda step: step.due_at)
        self.edited = edited
        if tz is not None:
            self.tz = tz
        highlighted = self.highlighted
        self.clear_options()
        if not self.steps:
            self.add_option(Option(Text(self.empty_words, style="dim"), disabled=True))
        else:
            self.add_options([Option(step_line(step, self.tz)) for step in self.steps])
            self.highlighted = min(highlighted or 0, len(self.steps) - 1)
        if self.if_pending is not None:  # after the steps, never highlighted: the keys act on the plan only
            line = step_line(self.if_pending, self.tz)
            line.append(" (if the remedy waits for approval)", style="italic")
            self.add_option(Option(line, disabled=True))

    def show_if_pending(self, step: PlanStepPreview | None) -> None:
        """Show (or stop showing) the approval follow-up a pending remedy adds."""
        if step != self.if_pending:
            self.if_pending = step
            self.show_steps(self.steps, edited=self.edited)

    def replace_step(self, index: int, step: PlanStepPreview) -> None:
        steps = list(self.steps)
        steps[index] = step
        self.show_steps(steps, edited=True)
        self.post_message(self.Changed(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "remove"):
            return True if self.steps and self.highlighted is not None else None
        if action == "reset":
            return self.edited  # hidden until there is something to reset: the footer is narrow
        return super().check_action(action, parameters)

    def action_edit(self) -> None:
        if self.highlighted is not None and self.steps:
            self.post_message(self.EditAsked(self, self.highlighted))

    def action_remove(self) -> None:
        if self.highlighted is not None and self.steps:
            steps = list(self.steps)
            del steps[self.highlighted]
            self.empty_words = "no follow-ups: nothing will be scheduled (Ctrl+R: the playbook's plan)"
            self.show_steps(steps, edited=True)
            self.post_message(self.Changed(self))

    def action_reset(self) -> None:
        self.edited = False
        self.post_message(self.Changed(self))
