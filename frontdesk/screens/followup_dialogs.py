"""Dialogs of the follow-ups queue: done, reschedule, reassign, skip, close the episode, notes.

Each dialog reads its fields as one typed value and hands it to one service
call in a "write" worker: the service checks it, changes the store and says
what comes next (a completion: whether the episode may close now, what stays
open), all in one transaction. The dialog stays open on bad input, with the
message under the field and focus on it, so nothing typed is lost. Every change
names the version the lead saw: when another terminal got there first, the
dialog closes with the service's sentence ("already done by Tom at 19:42"),
marked as refused, and the queue shows it and refreshes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from frontdesk.desk import DeskNode
from frontdesk.schemas.vocab import EPISODE_OUTCOMES, OUTCOMES, how, label
from frontdesk.timing import describe_due, local
from frontdesk.widgets.safe import hanging, joined, literal

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from frontdesk.schemas.reads import DueItem, EpisodeInfo
    from frontdesk.services.context import Actor

Values = TypeVar("Values")
"""What a dialog's fields hold, typed: the one argument of its service call."""


@dataclass(frozen=True)
class ActionDone:
    """What a dialog did, for the queue's message line."""

    message: str
    refused: bool = False
    """Nothing was changed: another terminal got there first, or a rule said no."""
    closable: EpisodeInfo | None = None
    """The episode this left with nothing open, so the lead can close it now."""


@dataclass(frozen=True)
class HowItWent:
    """The done dialog's fields: the outcome picked (None: a note written, nobody to reach) and a note."""

    outcome: str | None
    note: str


def who(item: DueItem) -> str:
    return item.customer_name or "unknown guest"


OUTCOME_HINTS = {
    "reached_satisfied": "done",
    "reached_unhappy": "done; a new check-in tomorrow",
    "no_answer": "try again tomorrow, same time",
    "left_message": "try again tomorrow, same time",
}
NO_OUTCOME = "none"
"""The option id for a note written, or anything else with nobody to reach."""


class ActionDialog(DeskNode, ModalScreen[ActionDone | None]):
    """A dialog that does one thing in a worker and closes saying what happened (None: cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything")]

    class Done(Message):
        def __init__(self, result: ActionDone) -> None:
            super().__init__()
            self.result = result

    def __init__(self) -> None:
        super().__init__()
        self.saving = False
        """A save is under way: Enter again does not save twice."""

    def on_action_dialog_done(self, event: Done) -> None:
        self.dismiss(event.result)

    @on(Worker.StateChanged)
    def allow_retry(self, event: Worker.StateChanged) -> None:
        """An unexpected failure (the App apologises for it) leaves the dialog open to try again."""
        if event.state == WorkerState.ERROR:
            self.saving = False

    def action_cancel(self) -> None:
        if not self.saving:  # a save under way finishes first: cancelling it would hide that it happened
            self.dismiss(None)


class ChoiceDialog(ActionDialog):
    """A dialog of numbered choices: 1–9 and 0 (the tenth) pick in the list that has focus (a text field takes
    digits)."""

    BINDINGS = [
        *(Binding(str(number % 10), f"pick({number - 1})", "Pick", show=False, tooltip="Choose this one")
          for number in range(1, 11)),
    ]

    def action_pick(self, index: int) -> None:
        """Pick in the focused list; a digit typed before the dialog has focused anything (keys come fast
        from a person who knows the way) picks in its first list instead of being lost."""
        focused = self.focused
        if focused is None:
            focused = next(iter(self.query(OptionList)), None)
            if focused is not None:
                focused.focus()
        if isinstance(focused, OptionList) and index < focused.option_count:
            focused.highlighted = index


class FollowUpDialog(ChoiceDialog, Generic[Values]):
    """The frame of a follow-up dialog: a heading, the fields, their errors, and saving its `Values`."""

    FIELDS: ClassVar[tuple[str, ...]] = ()
    """Field names in screen order (as the service names them): each is a widget's id, with a Label
    `<field>-error` under it for its problem."""
    KEYS = "Enter: save · Esc: cancel"
    BINDINGS = [Binding("enter", "save", "Save", priority=True, tooltip="Save and go back to the queue")]

    class Refused(Message):
        def __init__(self, errors: dict[str, str]) -> None:
            super().__init__()
            self.errors = errors

    def __init__(self, desk: Actor, item: DueItem, zone: ZoneInfo) -> None:
        super().__init__()
        self.desk = desk
        self.item = item
        self.zone = zone

    def heading(self) -> Text:
        item = self.item
        due = describe_due(item.due_at, self.desk.now(), self.zone)
        return joined(literal(who(item)), f"{label(item.kind)} {how(item.channel)}",
                      due if item.bucket == "overdue" else f"due {due}", separator=" · ")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.heading(), classes="dialog-title")
            yield from self.compose_fields()
            yield field_error("form")
            yield Label(self.KEYS, classes="dialog-keys")

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def action_save(self) -> None:
        """Read the fields (on the UI thread) and save them in a worker; a choice not made is said at once."""
        if self.saving:
            return
        if unpicked := self.unpicked():
            self.show_refusal(unpicked)
            return
        self.saving = True
        self.save(self.values())

    def unpicked(self) -> dict[str, str]:
        """The lists of choices still without a choice, each with what to say under it."""
        return {}

    def values(self) -> Values:
        raise NotImplementedError

    @work(thread=True, group="write", exit_on_error=False)
    def save(self, values: Values) -> None:
        from frontdesk.errors import FrontdeskError, InvalidInput

        try:
            result = self.write(values)
        except InvalidInput as exc:
            self.post_message(self.Refused(exc.errors))
            return
        except FrontdeskError as exc:
            result = ActionDone(f"Not saved: {exc}. Nothing was changed.", refused=True)
        self.post_message(self.Done(result))

    def write(self, values: Values) -> ActionDone:
        """Make the one service call (in the worker thread) and say what happened."""
        raise NotImplementedError

    def on_follow_up_dialog_refused(self, event: Refused) -> None:
        self.saving = False
        self.show_refusal(event.errors)

    def show_refusal(self, errors: dict[str, str]) -> None:
        """Each problem under its field (the rest under the form), focus on the first."""
        first: Widget | None = None
        unplaced = [message for field, message in errors.items() if field not in self.FIELDS]
        for field, message in [*((field, errors.get(field, "")) for field in self.FIELDS),
                               ("form", "; ".join(unplaced))]:
            show_error(self, field, message)
            if message and first is None and field != "form":
                first = self.query_one(f"#{field}")
        if first is not None:
            first.focus()


def choices(list_id: str, options: list[tuple[str, str]]) -> OptionList:
    """A numbered list of choices, (id, words), none chosen yet: a default could be saved by mistake.
    The tenth is numbered 0 (its key); any after it are reached with the arrows."""
    numbered = (Option(Text(f"{number % 10 if number <= 10 else ' '} {words}"), id=key)
                for number, (key, words) in enumerate(options, 1))
    choice_list = OptionList(*numbered, id=list_id, markup=False)
    choice_list.highlighted = None
    return choice_list


def field_error(field: str) -> Label:
    """Where a field's problem is said; it takes no room until there is one."""
    return Label("", id=f"{field}-error", classes="field-error -hidden")


def show_error(screen: ModalScreen[Any], field: str, message: str) -> None:
    error = screen.query_one(f"#{field}-error", Label)
    error.update(literal(message))
    error.set_class(not message, "-hidden")


def chosen(screen: ModalScreen[Any], list_id: str) -> str | None:
    """The id of the highlighted option in a list of choices, if any."""
    options = screen.query_one(f"#{list_id}", OptionList)
    return None if options.highlighted is None else options.get_option_at_index(options.highlighted).id


def still_open(episode: EpisodeInfo) -> str:
    """What keeps an open episode open, as the end of a message ("" when nothing does)."""
    return f" The episode stays open: {'; '.join(episode.blockers)}." if episode.blockers and episode.status == "open" else ""


class OutcomeDialog(FollowUpDialog[HowItWent]):
    """Done: how it went (DESIGN.md's four outcomes), and a note; a handwritten note needs no outcome."""

    BINDING_GROUP_TITLE = "Done"
    FIELDS = ("outcome", "note")
    KEYS = "1–4 or arrows: how it went · Tab: note · Enter: save · Esc: cancel"
    AUTO_FOCUS = "#outcome"

    def options(self) -> list[tuple[str, str]]:
        if self.item.channel == "note":
            return [(NO_OUTCOME, "written and sent")]
        return [(outcome, f"{label(outcome)} — {OUTCOME_HINTS[outcome]}") for outcome in OUTCOMES]

    def compose_fields(self) -> ComposeResult:
        yield Label("How did it go?", classes="field-label")
        yield choices("outcome", self.options())
        yield field_error("outcome")
        yield Label("Note (optional)", classes="field-label")
        yield Input(placeholder="what they said, what happens next", id="note")
        yield field_error("note")

    def unpicked(self) -> dict[str, str]:
        if chosen(self, "outcome") is not None:
            return {}
        if self.item.channel == "note":
            return {"outcome": "pick it once the note is written and sent"}
        return {"outcome": "say how it went: pick one of the four"}

    def values(self) -> HowItWent:
        outcome = chosen(self, "outcome")
        return HowItWent(None if outcome == NO_OUTCOME else outcome, self.query_one("#note", Input).value)

    def write(self, values: HowItWent) -> ActionDone:
        from frontdesk.services.followups import complete

        result = complete(self.desk, self.item.id, self.item.version,
                          {"outcome": values.outcome, "note": values.note})
        name = who(self.item)
        if result.status != "done":
            message = (f"{name}: {label(result.outcome)} (try {result.attempts}). "
                       f"Next try {describe_due(result.due_at, self.desk.now(), self.zone)}.")
            if result.escalation:
                message += " Escalated to the leads (!)." if result.escalation == 1 else " Escalated to the managers (!!)."
            return ActionDone(message)
        message = f"Done: {name}" + (f", {label(result.outcome)}." if result.outcome else ".")
        if result.new_follow_up_due_at:
            message += (" New check-in for the original ally "
                        f"{describe_due(result.new_follow_up_due_at, self.desk.now(), self.zone)}.")
        else:
            message += still_open(result.episode)
        return ActionDone(message, closable=result.episode if result.episode.can_close else None)


RESCHEDULE_STEPS = (("1", "+1 day"), ("3", "+3 days"), ("7", "+1 week"))


@dataclass(frozen=True)
class MoveTo:
    """Where a reschedule moves it (a number of days, or the date as typed) and why."""

    when: int | str
    reason: str


class RescheduleDialog(FollowUpDialog[MoveTo]):
    """Move it: +1 day, +3 days, +1 week (same time of day), or a typed date; and why.

    A lead's or manager's reason restarts the escalation clock (services/escalation.py).
    """

    BINDING_GROUP_TITLE = "Reschedule"
    FIELDS = ("days", "due_at", "reason")
    KEYS = "1–3 or arrows, Enter: move it · or type a date, Enter · Tab: why · Esc: cancel"
    AUTO_FOCUS = "#days"

    def compose_fields(self) -> ComposeResult:
        yield choices("days", list(RESCHEDULE_STEPS))
        yield field_error("days")
        yield Label("Or a date", classes="field-label")
        yield Input(placeholder="e.g. tue 10:00, 28.11. 15:00, +2d", id="due_at")
        yield field_error("due_at")
        yield Label("Why (a lead's or manager's reason restarts the escalation clock)", classes="field-label")
        yield Input(placeholder="e.g. the guest asked for Thursday", id="reason")
        yield field_error("reason")

    def on_mount(self) -> None:
        self.query_one("#days", OptionList).highlighted = 0

    def values(self) -> MoveTo:
        """The date as typed when the date field has focus (or, from the reason, when one is typed), else the step."""
        typed = self.query_one("#due_at", Input)
        reason = self.query_one("#reason", Input)
        if typed.has_focus or (reason.has_focus and typed.value.strip()):
            return MoveTo(typed.value, reason.value)
        return MoveTo(int(chosen(self, "days") or 1), reason.value)

    def write(self, values: MoveTo) -> ActionDone:
        from frontdesk.services.followups import reschedule, reschedule_by_days

        if isinstance(values.when, int):
            moved = reschedule_by_days(self.desk, self.item.id, self.item.version, values.when, values.reason)
        else:
            moved = reschedule(self.desk, self.item.id, self.item.version,
                               {"due_at": values.when, "reason": values.reason})
        message = f"Rescheduled: {who(self.item)}, now due {describe_due(moved.due_at, self.desk.now(), self.zone)}."
        if self.item.escalation and not moved.escalation:
            message += " The escalation clock starts again."
        return ActionDone(" ".join([message, *moved.time_notes]))


class ReassignDialog(FollowUpDialog["int | None"]):
    """Give it to someone else at this site."""

    BINDING_GROUP_TITLE = "Reassign"
    FIELDS = ("owner_id",)
    KEYS = "Arrows: who · Enter: give it to them · Esc: cancel"
    AUTO_FOCUS = "#owner_id"

    class StaffLoaded(Message):
        def __init__(self, staff: list[tuple[int, str, str]]) -> None:
            super().__init__()
            self.staff = staff

    def compose_fields(self) -> ComposeResult:
        yield Label("Who should do it?", classes="field-label")
        yield OptionList(id="owner_id")
        yield field_error("owner_id")

    def on_mount(self) -> None:
        self.load_staff()

    @work(thread=True, exclusive=True, group="staff", exit_on_error=False)
    def load_staff(self) -> None:
        from frontdesk.services.setup import list_staff

        staff = list_staff(self.desk.store, site_id=self.desk.site_id)
        self.post_message(self.StaffLoaded([(person.id, person.name, person.role) for person in staff]))

    def on_reassign_dialog_staff_loaded(self, event: StaffLoaded) -> None:
        staff_list = self.query_one("#owner_id", OptionList)
        for staff_id, name, role in event.staff:
            owns = ["owns it now"] if staff_id == self.item.owner_id else []
            staff_list.add_option(Option(joined(literal(name), label(role), *owns, separator=" · "), id=str(staff_id)))
        others = [index for index, (staff_id, _, _) in enumerate(event.staff) if staff_id != self.item.owner_id]
        staff_list.highlighted = others[0] if others else None

    def values(self) -> int | None:
        """Who was picked (None: nobody yet; the service says so)."""
        owner = chosen(self, "owner_id")
        return int(owner) if owner else None

    def write(self, values: int | None) -> ActionDone:
        from frontdesk.services.followups import reassign

        owner = reassign(self.desk, self.item.id, self.item.version, values)
        restarted = " The escalation clock starts again." if self.item.escalation else ""
        return ActionDone(f"Reassigned: {who(self.item)} is now with {owner}.{restarted}")


class SkipDialog(FollowUpDialog[str]):
    """Decide not to do it, and say why (the reason is kept for the reports)."""

    BINDING_GROUP_TITLE = "Skip"
    FIELDS = ("reason",)
    AUTO_FOCUS = "#reason"

    def compose_fields(self) -> ComposeResult:
        yield Label("Why skip it?", classes="field-label")
        yield Input(placeholder="e.g. they asked not to be called", id="reason")
        yield field_error("reason")

    def values(self) -> str:
        """The reason as typed."""
        return self.query_one("#reason", Input).value

    def write(self, values: str) -> ActionDone:
        from frontdesk.services.followups import skip

        episode = skip(self.desk, self.item.id, self.item.version, {"reason": values})
        return ActionDone(f"Skipped: {who(self.item)}.{still_open(episode)}",
                          closable=episode if episode.can_close else None)


class CloseEpisodeDialog(ChoiceDialog):
    """Close an episode with nothing left open: why it happened (a root cause from the store's list) and whether
    the customer was recovered (proposed from the last follow-up), its promise settled, and its flag kept or
    cleared."""

    BINDING_GROUP_TITLE = "Close episode"
    BINDINGS = [
        Binding("enter", "close_episode", "Close it", priority=True, tooltip="Close the episode"),
        Binding("escape", "cancel", "Not now", tooltip="Leave the episode open"),
    ]

    class Refused(Message):
        """The service refused a field (a root cause no longer on the list): said under it, dialog open."""

        def __init__(self, errors: dict[str, str]) -> None:
            super().__init__()
            self.errors = errors

    def __init__(self, desk: Actor, episode: EpisodeInfo) -> None:
        super().__init__()
        self.desk = desk
        self.episode = episode
        self.customer_name = episode.customer_name or "unknown guest"

    @property
    def fields(self) -> list[str]:
        """The choices this episode needs, in screen (and Tab) order."""
        return ["root_cause", "outcome"] + [
            field for field, needed in (("promise", self.episode.promise_status == "pending"),
                                        ("flag", self.episode.flag_active)) if needed]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(joined("Close the episode for", literal(self.customer_name), separator=" "),
                        classes="dialog-title")
            with Horizontal(classes="close-row -first"):
                with Vertical(classes="close-column"):
                    yield Label("Why did it happen?", classes="field-label")
                    yield choices("root_cause", list(self.episode.root_causes))
                with Vertical(classes="close-column"):
                    yield Label("Was the customer recovered?", classes="field-label")
                    outcomes = choices("outcome", [(outcome, label(outcome)) for outcome in EPISODE_OUTCOMES])
                    outcomes.highlighted = EPISODE_OUTCOMES.index(self.episode.proposed_outcome)
                    yield outcomes
                    yield Label("proposed from the last follow-up", classes="dialog-hint")
            if "promise" in self.fields or "flag" in self.fields:
                with Horizontal(classes="close-row"):
                    if "promise" in self.fields:
                        with Vertical(classes="close-column"):
                            yield Label(joined("Promise kept?", literal(self.episode.promise_text or ""),
                                               separator=" "), classes="field-label")
                            yield choices("promise", [("kept", "kept"), ("broken", "broken")])
                    if "flag" in self.fields:
                        with Vertical(classes="close-column"):
                            yield Label("Their flag (hosts see it):", classes="field-label")
                            yield choices("flag", [("keep", "keep the flag"), ("clear", "clear the flag")])
            yield field_error("form")
            yield Label("Digits or arrows: choose · Tab: next · Enter: close it · Esc: not now",
                        classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#root_cause").focus()

    def action_close_episode(self) -> None:
        picked = {field: chosen(self, field) for field in self.fields}
        errors = {field: UNCHOSEN[field] for field, value in picked.items() if value is None}
        self.show_refusal(errors)
        if errors:
            return
        if not self.saving:
            self.saving = True
            self.close_it(ClosingChoices(root_cause=picked["root_cause"] or "", outcome=picked["outcome"] or "",
                                         settle=picked.get("promise"), clear_flag=picked.get("flag") == "clear"))

    def show_refusal(self, errors: dict[str, str]) -> None:
        """The problems in one line under the choices (the dialog fills 80×24 already), focus on the first."""
        ordered = [errors[field] for field in self.fields if field in errors]
        ordered += [message for field, message in errors.items() if field not in self.fields]
        said = "; ".join(ordered)
        show_error(self, "form", said[:1].upper() + said[1:] + "." if said else "")
        first = next((field for field in self.fields if field in errors), None)
        if first is not None:
            self.query_one(f"#{first}").focus()

    @work(thread=True, group="write", exit_on_error=False)
    def close_it(self, picked: ClosingChoices) -> None:
        from frontdesk.errors import FrontdeskError, InvalidInput
        from frontdesk.services.episodes import close_episode

        try:
            closed = close_episode(self.desk, self.episode.incident_id, root_cause=picked.root_cause,
                                   outcome=picked.outcome, settle_promise=picked.settle,
                                   clear_flag=picked.clear_flag)
        except InvalidInput as exc:
            self.post_message(self.Refused(exc.errors))
            return
        except FrontdeskError as exc:
            self.post_message(self.Done(ActionDone(f"Not closed: {exc}.", refused=True)))
            return
        causes = dict(self.episode.root_causes)
        parts = [f"Episode closed: {self.customer_name}, {label(closed.outcome)} "
                 f"(root cause: {causes.get(picked.root_cause, picked.root_cause).lower()})."]
        if picked.settle:
            parts.append(f"Promise {picked.settle}.")
        if self.episode.flag_active:
            parts.append("Flag cleared." if picked.clear_flag else "Flag kept.")
        self.post_message(self.Done(ActionDone(" ".join(parts))))

    def on_close_episode_dialog_refused(self, event: Refused) -> None:
        self.saving = False
        self.show_refusal(event.errors)


@dataclass(frozen=True)
class ClosingChoices:
    """The close dialog's choices: the one argument of its service call."""

    root_cause: str
    outcome: str
    settle: str | None
    clear_flag: bool


UNCHOSEN = {
    "root_cause": "choose why it happened (Unknown if nobody knows)",
    "outcome": "say whether the customer was recovered",
    "promise": "say whether the promise was kept or broken",
    "flag": "say whether to keep or clear the flag",
}
"""What each unchosen list of the close dialog says under it."""


class NotesScreen(ActionDialog):
    """Today's handwritten notes, with names and addresses; saved as plain text for the end of the shift.

    The file holds personal data: it is created readable by its owner only,
    and the queue says where it went.
    """

    BINDING_GROUP_TITLE = "Notes to write"
    AUTO_FOCUS = "#notes"
    BINDINGS = [
        Binding("f10", "save", "Save", tooltip="Save the notes as plain text to the file named below"),
        Binding("escape", "cancel", "Close", tooltip="Back to the queue"),
    ]

    class Loaded(Message):
        def __init__(self, text: str, count: int) -> None:
            super().__init__()
            self.text = text
            self.count = count

    class Refused(Message):
        def __init__(self, problem: str) -> None:
            super().__init__()
            self.problem = problem

    def __init__(self, desk: Actor, site_name: str, zone: ZoneInfo) -> None:
        super().__init__()
        self.desk = desk
        self.site_name = site_name
        self.day = local(desk.now(), zone).date()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog notes-dialog"):
            yield Label("Notes to write today", classes="dialog-title")
            with VerticalScroll(id="notes"):
                yield Static(Text("Loading today's notes…"), id="notes-text")
            yield Label("Save as plain text to", classes="field-label")
            yield Input(str(Path.home() / f"frontdesk-notes-{self.day:%Y-%m-%d}.txt"), id="path")
            yield field_error("path")
            yield Label("F10 or Enter in the file name: save · Tab: file name · Esc: back", classes="dialog-keys")

    def on_mount(self) -> None:
        self.load_notes()

    @work(thread=True, exclusive=True, group="notes", exit_on_error=False)
    def load_notes(self) -> None:
        from frontdesk.services.followups import notes_as_text, notes_to_write

        notes = notes_to_write(self.desk)
        self.post_message(self.Loaded(notes_as_text(notes, self.site_name, self.day), len(notes)))

    def on_notes_screen_loaded(self, event: Loaded) -> None:
        self.query_one("#notes-text", Static).update(hanging(event.text))

    @on(Input.Submitted, "#path")
    def action_save(self) -> None:
        self.save_notes(self.query_one("#path", Input).value)

    @work(thread=True, group="write", exit_on_error=False)
    def save_notes(self, path: str) -> None:
        from frontdesk.errors import InvalidInput
        from frontdesk.services.followups import save_notes

        try:
            saved, count = save_notes(self.desk, Path(path))
        except InvalidInput as exc:
            self.post_message(self.Refused(exc.errors.get("path", str(exc))))
            return
        self.post_message(self.Done(ActionDone(
            f"Saved {count} note{'' if count == 1 else 's'} to write to {saved} (only you can read it; "
            "it holds addresses: delete it once they are written)."
        )))

    def on_notes_screen_refused(self, event: Refused) -> None:
        show_error(self, "path", event.problem)
        self.query_one("#path", Input).focus()
