"""What saving a new incident will create: the flag (raised or not, and its words) and the follow-up plan.

Everything here follows the deposition until the person changes it: the flag
is on for moderate and worse once a customer is attached; its words and the
plan are the ones `preview_log` suggests, worked out again after a pause in
the typing. What the person changed stays. A suggestion replaces a field
only while it still holds the previous suggestion, decided at the moment of
writing, so a suggestion that arrives while the person types cannot
overwrite their typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, TextArea
from textual.worker import get_current_worker

from frontdesk.desk import DeskNode
from frontdesk.schemas.vocab import SERIOUS
from frontdesk.widgets.choice_row import ChoiceRow, Option
from frontdesk.widgets.deposition import (
    FLAG_FIELDS,
    PLAN,
    RAISE_FLAG,
    Deposition,
    FlagChoice,
    FlagWords,
)
from frontdesk.widgets.form_field import (
    FieldError,
    field,
    read,
    show_errors,
    spec_field,
    write,
)
from frontdesk.widgets.plan_preview import PlanPreview

if TYPE_CHECKING:
    from frontdesk.schemas.reads import PlanStepPreview
    from frontdesk.services.context import Actor
    from frontdesk.services.incidents import LogPreview

FLAG_CHOICES: list[Option] = [("yes", "flag the customer"), ("no", "no flag")]
NO_CUSTOMER_TO_FLAG: list[Option] = [("no", "none: no customer attached")]
NO_PLAN_YET = "choose a severity and category to see the plan"
NOTHING_PLANNED = "no follow-ups in the playbook for this"


class SavePreview(DeskNode, Vertical):
    DEFAULT_CSS = """
    SavePreview {
        height: auto;
    }
    """

    class Changed(Message):
        """The person changed the flag or the plan (`name`: raise_flag, flag-headline, …, plan)."""

        def __init__(self, preview: SavePreview, name: str) -> None:
            super().__init__()
            self.preview = preview
            self.name = name

        @property
        def control(self) -> SavePreview:
            return self.preview

    AFTER = 0.25
    """Seconds of quiet in the typing before the flag and plan are worked out again."""

    @dataclass
    class Ready(Message):
        """A preview worked out; `number` tells whether it is still the latest asked for."""

        number: int
        preview: LogPreview | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.deposition: dict[str, Any] = {}
        """The deposition as last told (as `log_incident` reads it), for the next preview."""
        self.number = 0
        """Previews asked for so far: an older one arriving late is dropped."""
        self.timer: Timer | None = None
        self.suggested = FlagWords()
        """The words last suggested: a field still holding them follows the deposition."""
        self.default_flag = "no"
        """The flag choice the deposition calls for; the person's own choice differs or was made by a key."""
        self.flag_chosen = False

    def compose(self) -> ComposeResult:
        yield from field(RAISE_FLAG.caption, ChoiceRow(NO_CUSTOMER_TO_FLAG, "no", id=RAISE_FLAG.name), RAISE_FLAG.name)
        for item in FLAG_FIELDS:
            yield from spec_field(item, f"flag-{item.name}")
        yield Label(PLAN.caption, classes="subsection")
        yield PlanPreview(id=PLAN.name)
        yield FieldError("", id=f"{PLAN.name}-error", classes="field-error")

    @property
    def plan(self) -> PlanPreview:
        return self.query_one(PlanPreview)

    @property
    def flag_row(self) -> ChoiceRow:
        return self.query_one(f"#{RAISE_FLAG.name}", ChoiceRow)

    def words(self) -> FlagWords:
        return FlagWords(**{item.name: read(self.query_one(f"#flag-{item.name}")) or "" for item in FLAG_FIELDS})

    def choice(self) -> FlagChoice:
        """What the person decided about the flag (None where it follows the deposition)."""
        row, words = self.flag_row, self.words()
        chosen = self.flag_chosen or row.value != self.default_flag
        edited = {item.name: getattr(words, item.name) for item in FLAG_FIELDS
                  if getattr(words, item.name) != getattr(self.suggested, item.name)}
        return FlagChoice(raise_flag=row.value == "yes" if chosen else None, **edited)

    @property
    def touched(self) -> bool:
        """The person changed the flag or the plan."""
        return self.choice() != FlagChoice() or self.plan.edited

    def for_log(self) -> dict[str, Any]:
        """The flag and plan as `log_incident` reads them; nothing where they follow the deposition."""
        choice, words = self.choice(), self.words()
        raw: dict[str, Any] = {}
        if choice.raise_flag is not None:
            raw["raise_flag"] = choice.raise_flag
        if self.flag_row.value == "yes" and any(getattr(choice, item.name) is not None for item in FLAG_FIELDS):
            raw["flag"] = {item.name: getattr(words, item.name) for item in FLAG_FIELDS}
        if self.plan.edited:
            raw["plan"] = [step.model_dump(include={"kind", "channel", "due_at", "owner_id", "words"})
                           for step in self.plan.steps]
        return raw

    def follow_deposition(self, values: Deposition, *, now: bool = False) -> None:
        """The deposition changed: the flag choice follows at once, its words and the plan after a pause."""
        self.follow(attached=values.customer.customer_id is not None, severity=values.severity)
        self.deposition = values.for_log()
        if self.timer is not None:
            self.timer.stop()
        self.timer = None if now else self.set_timer(self.AFTER, self.ask)
        if now:
            self.ask()

    def ask(self) -> None:
        self.timer = None
        self.number += 1
        if self.app.desk is not None:
            self.work_out(self.app.desk, self.deposition, self.number)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def work_out(self, desk: Actor, raw: dict[str, Any], number: int) -> None:
        from frontdesk.services.incidents import preview_log

        preview = preview_log(desk, raw)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Ready(number, preview))

    def on_save_preview_ready(self, event: Ready) -> None:
        if event.number == self.number:
            self.suggest(event.preview)

    def start(self, tz: ZoneInfo) -> None:
        """Nothing chosen, nothing suggested: for a new, empty deposition (or none: amending)."""
        if self.timer is not None:
            self.timer.stop()
        self.timer = None
        self.number += 1
        self.flag_chosen = False
        self.default_flag = "no"
        self.suggested = FlagWords()
        self.plan.empty_words = NO_PLAN_YET
        self.plan.if_pending = None
        self.plan.show_steps([], edited=False, tz=tz)
        with self.prevent(Input.Changed, TextArea.Changed, ChoiceRow.Changed):
            for item in FLAG_FIELDS:
                write(self.query_one(f"#flag-{item.name}"), "")
        self.follow(attached=False, severity=None)

    def restore(self, choice: FlagChoice, plan: tuple[PlanStepPreview, ...] | None, tz: ZoneInfo) -> None:
        """A draft's flag and plan: what the person had decided."""
        with self.prevent(Input.Changed, TextArea.Changed, ChoiceRow.Changed):
            for item in FLAG_FIELDS:
                if (words := getattr(choice, item.name)) is not None:
                    write(self.query_one(f"#flag-{item.name}"), words)
            if choice.raise_flag is not None and self.flag_row.options == FLAG_CHOICES:
                self.flag_chosen = True
                self.flag_row.value = "yes" if choice.raise_flag else "no"
        if plan is not None:
            self.plan.show_steps(list(plan), edited=True, tz=tz)
        self.show_words()

    def follow(self, *, attached: bool, severity: str | None) -> None:
        """A flag needs a customer; it is on by default for moderate and worse until the person chooses."""
        row = self.flag_row
        chosen = self.flag_chosen or row.value != self.default_flag
        with self.prevent(ChoiceRow.Changed):
            if not attached:
                row.set_options(NO_CUSTOMER_TO_FLAG)
                row.value = self.default_flag = "no"
            else:
                row.set_options(FLAG_CHOICES)
                self.default_flag = "yes" if severity in SERIOUS else "no"
                if not chosen:
                    row.value = self.default_flag
        self.show_words()

    def suggest(self, preview: LogPreview | None) -> None:
        """The flag and plan the deposition calls for, where the person has not changed them."""
        if not self.plan.edited:
            self.plan.empty_words = NOTHING_PLANNED if preview else NO_PLAN_YET
            self.plan.if_pending = preview.approval_step if preview else None
            self.plan.show_steps(list(preview.plan) if preview else [], edited=False)
        else:
            self.plan.show_if_pending(preview.approval_step if preview else None)
        words = FlagWords(preview.headline, preview.message, preview.greeting or "") if preview else FlagWords()
        with self.prevent(Input.Changed, TextArea.Changed):
            for item in FLAG_FIELDS:
                control = self.query_one(f"#flag-{item.name}")
                if read(control) == getattr(self.suggested, item.name):
                    write(control, getattr(words, item.name))
        self.suggested = words

    def show_words(self) -> None:
        raising = self.flag_row.value == "yes"
        for item in FLAG_FIELDS:
            self.query_one(f"#flag-{item.name}-field").display = raising

    def show_errors(self, errors: dict[str, str]) -> str | None:
        return show_errors(self, errors, [RAISE_FLAG.name, *(f"flag-{item.name}" for item in FLAG_FIELDS), PLAN.name])

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(ChoiceRow.Changed)
    @on(PlanPreview.Changed)
    def changed(self, event: Input.Changed | TextArea.Changed | ChoiceRow.Changed | PlanPreview.Changed) -> None:
        event.stop()
        name = event.control.id or ""
        self.query_one(f"#{name}-error", FieldError).show(None)
        if name == RAISE_FLAG.name:
            self.flag_chosen = True
            self.show_words()
        self.post_message(self.Changed(self, name))
