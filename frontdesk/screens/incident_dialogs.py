"""The incident screen's dialogs: a plan step, the quick log, today's incidents, the saved draft,
what a save created, and quitting with an unsaved incident. (A customer added on the spot uses
the greet screen's CustomerForm.)

Each is typed by what it answers and closes on Esc. Dialogs that write do so
in a worker, one service call each, and report back with a message, like the screens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from frontdesk import timing
from frontdesk.desk import DeskNode
from frontdesk.schemas.vocab import CHANNELS, FOLLOW_UP_KINDS, label
from frontdesk.screens.customer_lookup import LooksUpCustomers
from frontdesk.screens.dialogs import ConfirmDialog
from frontdesk.widgets.choice_row import ChoiceRow
from frontdesk.widgets.choice_row import Option as Choice
from frontdesk.widgets.customer_picker import CustomerPicker
from frontdesk.widgets.deposition import NOT_SAID, SEVERITY_CHOICES
from frontdesk.widgets.form_field import field, show_errors
from frontdesk.widgets.safe import joined, label_grid, literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import IncidentRow, LogResult, PlanStepPreview
    from frontdesk.services.context import Actor

Answer = TypeVar("Answer")
DraftAnswer = Literal["resume", "discard"]


@dataclass(frozen=True)
class QuickLogged:
    """A quick log saved: what it created, and the customer's name for saying so."""

    result: LogResult
    customer_name: str | None


class Refused(Message):
    """A save was refused: `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__()
        self.errors = errors


@contextmanager
def refusals(node: MessagePump, field_of: Callable[[str], str]) -> Iterator[None]:
    """A save the services refuse becomes `Refused` for `node`, each error by the field it belongs to."""
    from frontdesk.errors import Conflict, InvalidInput

    try:
        yield
    except InvalidInput as exc:
        node.post_message(Refused({field_of(key): message for key, message in exc.errors.items()}))
    except Conflict as exc:
        node.post_message(Refused({"form": str(exc)}))


class FormDialog(DeskNode, ModalScreen[Answer | None], Generic[Answer]):
    """A dialog with fields: Enter moves on, Ctrl+S saves, errors show under their fields."""

    FIELD_ORDER: tuple[str, ...] = ()
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Save and close"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving"),
        # As on the incident screen: the focus moves as soon as Tab is read, so the next keys land there.
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, tooltip="Go to the next field"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True,
                tooltip="Go to the previous field"),
    ]

    saving = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def show_refusal(self, errors: dict[str, str]) -> None:
        first = show_errors(self, errors, self.FIELD_ORDER)
        if first is not None:
            self.query_one(f"#{first}").focus()

    def on_refused(self, event: Refused) -> None:
        self.show_refusal(event.errors)

    @on(Worker.StateChanged)
    def save_finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "write" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                             WorkerState.CANCELLED):
            self.saving = False

    def action_cancel(self) -> None:
        if not self.saving:  # a save under way finishes first: cancelling it would hide that it happened
            self.dismiss(None)


class PlanStepDialog(FormDialog["PlanStepPreview"]):
    """Change one follow-up of the plan before saving: what, how, when and who."""

    BINDING_GROUP_TITLE = "Plan step"
    AUTO_FOCUS = "#due_at"
    FIELD_ORDER = ("kind", "channel", "due_at", "owner_id")
    BINDINGS = [
        Binding("ctrl+s", "save", "Done", tooltip="Keep this step as edited"),
        Binding("escape", "cancel", "Cancel", tooltip="Leave the step as it was"),
    ]

    def __init__(self, step: PlanStepPreview, staff: Sequence[Choice], tz: ZoneInfo, now: datetime) -> None:
        super().__init__()
        self.step = step
        self.staff = staff
        self.tz = tz
        self.now = now

    def compose(self) -> ComposeResult:
        due = timing.local(self.step.due_at, self.tz)
        with Vertical(classes="dialog"):
            yield Label("Follow-up step", classes="dialog-title")
            yield from field("What", ChoiceRow([(kind, label(kind)) for kind in FOLLOW_UP_KINDS],
                                               self.step.kind, id="kind"), "kind")
            yield from field("How", ChoiceRow([(channel, label(channel)) for channel in CHANNELS],
                                              self.step.channel, id="channel"), "channel")
            yield from field("When", Input(f"{due:%Y-%m-%d %H:%M}", id="due_at", compact=True,
                                           placeholder="e.g. sat 10:00, +2d, 2026-11-23 11:00"), "due_at")
            yield from field("Who", ChoiceRow(self.staff, str(self.step.owner_id), id="owner_id"), "owner_id")
            yield Label("←→ choose · Ctrl+S: done · Esc: cancel", classes="dialog-keys")
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()
        self.action_save()

    def action_save(self) -> None:
        text = self.query_one("#due_at", Input).value
        try:
            due_at = timing.parse_due(text, self.now, self.tz).at
        except timing.TimeInputError as exc:
            self.show_refusal({"due_at": str(exc)})
            return
        owner = self.query_one("#owner_id", ChoiceRow)
        self.dismiss(self.step.model_copy(update={
            "kind": self.query_one("#kind", ChoiceRow).value or self.step.kind,
            "channel": self.query_one("#channel", ChoiceRow).value or self.step.channel,
            "due_at": due_at,
            "owner_id": int(owner.value or self.step.owner_id),
            "owner_name": owner.chosen_words,
        }))


QUICK_LOG_FIELD = {"customer_id": "who", "guest_description": "who", "description": "what"}
"""The quick log's field for a service's error key."""


class QuickLogDialog(LooksUpCustomers, FormDialog[QuickLogged]):
    """A 20-second log: who, category, severity and one line; finished later from the follow-ups."""

    BINDING_GROUP_TITLE = "Quick log"
    AUTO_FOCUS = "CustomerSearch"
    FIELD_ORDER = ("who", "category", "severity", "what")

    @dataclass
    class Logged(Message):
        result: LogResult
        customer_name: str | None

    @dataclass
    class CategoriesLoaded(Message):
        categories: list[Choice]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Quick log: the rest can wait, but not for long", classes="dialog-title")
            yield from field("Who", CustomerPicker(id="who"), "who")
            yield from field("Category", ChoiceRow([NOT_SAID], id="category"), "category")
            yield from field("Severity", ChoiceRow(SEVERITY_CHOICES, id="severity"), "severity")
            yield from field("What happened", Input(id="what", compact=True, placeholder="one line"), "what")
            yield Static("Saves the flag and alert its severity calls for, and a follow-up for you "
                         "to finish the deposition within 4 hours.", classes="dialog-keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if (desk := self.app.desk) is not None:
            self.load_categories(desk)

    @work(thread=True, exclusive=True, group="read", exit_on_error=False)
    def load_categories(self, desk: Actor) -> None:
        from frontdesk.services.playbooks import categories

        self.post_message(self.CategoriesLoaded(list(categories(desk.store))))

    def on_quick_log_dialog_categories_loaded(self, event: CategoriesLoaded) -> None:
        with self.prevent(ChoiceRow.Changed):
            self.query_one("#category", ChoiceRow).set_options([NOT_SAID, *event.categories])

    def typed_anything(self) -> bool:
        picker = self.query_one(CustomerPicker)
        return bool(picker.customer_id or picker.guest_description.strip() or self.query_one("#what", Input).value
                    or self.query_one("#category", ChoiceRow).value or self.query_one("#severity", ChoiceRow).value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()
        if event.input.id == "what":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        desk = self.app.desk
        if desk is None or self.saving:
            return
        self.saving = True
        picker = self.query_one(CustomerPicker)
        self.save_quick_log(desk, {
            "customer_id": picker.customer_id,
            "guest_description": picker.guest_description,
            "category": self.query_one("#category", ChoiceRow).value or "",
            "severity": self.query_one("#severity", ChoiceRow).value,
            "description": self.query_one("#what", Input).value,
        }, picker.customer_name)

    @work(thread=True, group="write", exit_on_error=False)
    def save_quick_log(self, desk: Actor, raw: dict[str, Any], customer_name: str | None) -> None:
        from frontdesk.services import incidents

        with refusals(self, lambda key: QUICK_LOG_FIELD.get(key, key)):
            result = incidents.quick_log(desk, incidents.parse_quick_log(desk, raw))
            self.post_message(self.Logged(result, customer_name))

    def on_quick_log_dialog_logged(self, event: Logged) -> None:
        self.dismiss(QuickLogged(event.result, event.customer_name))

    def action_cancel(self) -> None:
        if not self.saving:
            self.ask_to_cancel()

    @work(exclusive=True, group="ask", exit_on_error=False)
    async def ask_to_cancel(self) -> None:
        if self.typed_anything() and not await self.app.push_screen(ConfirmDialog(
            "Discard this quick log?", "Nothing has been saved yet.", yes="Discard", no="Keep it",
        ), wait_for_dismiss=True):
            return
        self.dismiss(None)


class TodaysIncidentsDialog(DeskNode, ModalScreen[int | None]):
    """Today's incidents at this site, newest first: pick one to correct or finish it."""

    BINDING_GROUP_TITLE = "Today's incidents"
    AUTO_FOCUS = "OptionList"
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True, tooltip="Open this incident to amend or finish it"),
        Binding("escape", "cancel", "Close", tooltip="Back to the form"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[IncidentRow]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__()
        self.tz = tz
        self.rows: list[IncidentRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Today's incidents", classes="dialog-title")
            yield OptionList(Option(Text("loading…", style="dim"), disabled=True))
            yield Label("↑↓ pick · Enter: open to amend or finish · Esc: close", classes="dialog-keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        desk = self.app.desk
        if desk is not None:
            self.load(desk)

    @work(thread=True, exclusive=True, group="read", exit_on_error=False)
    def load(self, desk: Actor) -> None:
        from frontdesk.services.incidents import todays_incidents

        self.post_message(self.Loaded(todays_incidents(desk)))

    def on_todays_incidents_dialog_loaded(self, event: Loaded) -> None:
        self.rows = event.rows
        options = self.query_one(OptionList)
        options.clear_options()
        if not self.rows:
            options.add_option(Option(Text("No incidents today at this site.", style="dim"), disabled=True))
            return
        for row in self.rows:
            wall = timing.local(row.occurred_at, self.tz)
            who = literal(row.customer_name) if row.customer_name else Text("unknown guest", style="italic")
            line = joined(who, literal(row.summary))
            if not row.complete:
                line.append("  ✎ to finish", style="bold")
            # The time in a column of its own: a long line wraps under the text, not under the time.
            item = label_grid()
            item.add_row(f"{wall:%H:%M}", line)
            options.add_option(Option(item, id=str(row.id)))
        options.highlighted = 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return True if self.rows else None
        return True

    def action_open(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if self.rows and highlighted is not None:
            self.dismiss(self.rows[highlighted].id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResumeDraftDialog(ModalScreen[DraftAnswer | None]):
    """An incident was being typed here when the app stopped: resume it, discard it, or decide later.

    No letter answers: a host who starts typing a name before noticing the
    dialog must not throw the incident away. Discarding takes Ctrl+D.
    """

    BINDING_GROUP_TITLE = "Unsaved incident"
    BINDINGS = [
        Binding("enter", "answer('resume')", "Resume", tooltip="Bring back what was typed"),
        Binding("ctrl+d", "answer('discard')", "Discard", tooltip="Throw the unsaved incident away"),
        Binding("escape", "answer(None)", "Later", tooltip="Keep it for now; it is offered again at your next sign-in here"),
    ]

    def __init__(self, summary: Text) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("An incident was not saved", classes="dialog-title")
            yield Static(self.summary)
            yield Label("Enter: resume it · Ctrl+D: discard it · Esc: later", classes="dialog-keys")
        yield Footer(compact=True)

    def action_answer(self, answer: DraftAnswer | None) -> None:
        self.dismiss(answer)


class QuitQuestion(ConfirmDialog):
    """Ctrl+Q with an unsaved incident: it is kept as a draft already; quitting takes one more key."""

    def __init__(self) -> None:
        super().__init__("Quit with an unsaved incident?",
                         "What you typed is kept at this terminal and offered back to you when you next sign in here. "
                         "Ctrl+Q again also quits.", yes="Quit", no="Back to the incident")


class SavedDialog(ModalScreen[None]):
    """What a save created (flag, alert, follow-ups and their due dates), before the next guest."""

    BINDING_GROUP_TITLE = "Saved"
    DEFAULT_CSS = """
    SavedDialog VerticalScroll {
        height: auto;
        max-height: 16;
    }
    """
    BINDINGS = [
        Binding("enter", "dismiss", "Continue", tooltip="Back to an empty form"),
        Binding("escape", "dismiss", "Continue", show=False, tooltip="Back to an empty form"),
    ]

    def __init__(self, title: str, lines: Sequence[Text]) -> None:
        super().__init__()
        self.title_words = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.title_words), classes="dialog-title")
            with VerticalScroll():
                for line in self.lines:
                    yield Static(line)
            yield Label("Enter: continue", classes="dialog-keys")
        yield Footer(compact=True)
