"""Log incident (F3): the whole deposition on one screen, what saving it will create,
quick logs, and amendments.

The left side is DESIGN.md's deposition. The right side shows what saving
will create (the flag, on by default for moderate and worse, and the
playbook's follow-ups), prefilled from what is typed and editable until
saved. The form is kept as a draft at this terminal about a second after
each change, so a crash loses at most that second; the app offers the draft
back at the next start. Opening an existing incident (F8, the customer
card, the queue) turns the form into its amendment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Label, Static, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from frontdesk import timing
from frontdesk.schemas.vocab import (
    HANDOFF_STATUSES,
    LIKELIHOODS,
    REMEDY_KINDS,
    SERIOUS,
    label,
)
from frontdesk.screens.base import DeskScreen
from frontdesk.screens.dialogs import ConfirmDialog
from frontdesk.screens.incident_dialogs import (
    SEVERITY_CHOICES,
    PlanStepDialog,
    QuickLogDialog,
    Refused,
    ResumeDraftDialog,
    SavedDialog,
    TodaysIncidentsDialog,
)
from frontdesk.widgets.choice_row import ChoiceRow
from frontdesk.widgets.choice_row import Option as Choice
from frontdesk.widgets.customer_picker import CustomerPicker
from frontdesk.widgets.form_field import FieldError, field, show_errors
from frontdesk.widgets.plan_preview import PlanPreview, step_line
from frontdesk.widgets.safe import joined, literal, visible

if TYPE_CHECKING:
    from frontdesk.schemas.reads import IncidentDetail, LogResult, PlanStepPreview
    from frontdesk.services.context import Actor
    from frontdesk.services.incidents import LogPreview

DRAFT_KIND = "incident"
DRAFT_EVERY = 1.0
"""Seconds between draft saves while typing: a crash or a kill loses at most this much."""
PREVIEW_AFTER = 0.25
"""Seconds of quiet before the flag and plan are worked out again."""

CAPTIONS = {
    "customer": "Customer",
    "occurred_at": "When",
    "category": "Category",
    "severity": "Severity",
    "product": "Product/service",
    "location": "Where",
    "description": "What went wrong",
    "reaction": "Reaction",
    "remedy_kind": "Remedy",
    "remedy_cost": "Remedy cost",
    "promise_text": "Promised",
    "promise_due_at": "Promised by",
    "promise_likelihood": "How likely",
    "promise_status": "Promise",
    "ally_id": "Original ally",
    "handoff_to": "Handed off to",
    "handoff_expected_at": "Fixed by",
    "handoff_status": "Hand-off",
    "root_cause": "Root cause",
    "raise_flag": "Flag",
    "flag-headline": "Headline",
    "flag-message": "Story",
    "flag-greeting": "Greet with",
    "plan": "Follow-ups",
}
"""Each field's caption, in DESIGN.md's words; also the form's order (Tab order and first error)."""
FIELD_ORDER = tuple(CAPTIONS)
TEXT_INPUTS = ("occurred_at", "product", "location", "reaction", "remedy_cost", "promise_text", "promise_due_at",
               "handoff_to", "handoff_expected_at", "flag-headline")
TEXT_AREAS = ("description", "root_cause", "flag-message", "flag-greeting")
CHOICES = ("category", "severity", "remedy_kind", "promise_likelihood", "promise_status", "ally_id",
           "handoff_status", "raise_flag")
FLAG_TEXT = ("flag-headline", "flag-message", "flag-greeting")
AMEND_ONLY = ("promise_status", "handoff_status", "root_cause")
DEPOSITION = ("occurred_at", "category", "severity", "product", "location", "description", "reaction",
              "remedy_kind", "remedy_cost", "promise_text", "promise_due_at", "promise_likelihood", "ally_id",
              "handoff_to", "handoff_expected_at")
"""Form fields that are the service's fields of the same name."""
ERROR_FIELD = {"customer_id": "customer", "guest_description": "customer", "handoff_staff_id": "handoff_to",
               "flag": "flag-headline"}

NOT_SAID: Choice = (None, "—")
REMEDY_CHOICES: list[Choice] = [NOT_SAID, *((kind, label(kind)) for kind in REMEDY_KINDS)]
LIKELIHOOD_CHOICES: list[Choice] = [NOT_SAID, *((value, label(value)) for value in LIKELIHOODS)]
PROMISE_CHOICES: list[Choice] = [NOT_SAID, ("pending", "pending"), ("kept", "kept"), ("broken", "broken")]
HANDOFF_CHOICES: list[Choice] = [NOT_SAID, *((value, label(value)) for value in HANDOFF_STATUSES)]
FLAG_CHOICES: list[Choice] = [("yes", "flag the customer"), ("no", "no flag")]
NO_CUSTOMER_TO_FLAG: list[Choice] = [("no", "none: no customer attached")]


def error_field(key: str) -> str:
    """The form field a service error key belongs to ("plan.0.due_at" is the plan's)."""
    if key.startswith("plan"):
        return "plan"
    if key.startswith("flag."):
        return "flag-" + key.split(".")[1]
    return ERROR_FIELD.get(key, key if key in CAPTIONS else "form")


def amend_values(detail: IncidentDetail, tz: ZoneInfo) -> dict[str, Any]:
    """An incident on file as the form shows it (local times, the cost as typed); run in a worker."""
    from decimal import Decimal

    from frontdesk.schemas.base import minor_digits

    def wall(instant: datetime | None) -> str:
        return f"{timing.local(instant, tz):%Y-%m-%d %H:%M}" if instant else ""

    cost = detail.remedy_cost
    return {field: visible(value) if isinstance(value, str) else value for field, value in {
        "customer_id": detail.customer_id,
        "customer_name": detail.customer_name,
        "guest": detail.guest_description or "",
        "occurred_at": wall(detail.occurred_at),
        "category": detail.category,
        "severity": detail.severity,
        "product": detail.product or "",
        "location": detail.location or "",
        "description": detail.description,
        "reaction": detail.reaction or "",
        "remedy_kind": detail.remedy_kind,
        "remedy_cost": f"{Decimal(cost).scaleb(-minor_digits(detail.currency)):f}" if cost else "",
        "promise_text": detail.promise_text or "",
        "promise_due_at": wall(detail.promise_due_at),
        "promise_likelihood": detail.promise_likelihood,
        "promise_status": detail.promise_status,
        "ally_id": str(detail.ally_id),
        "handoff_to": detail.handoff_to or "",
        "handoff_expected_at": wall(detail.handoff_expected_at),
        "handoff_status": detail.handoff_status,
        "root_cause": detail.root_cause or "",
        "raise_flag": "no",
        **dict.fromkeys(FLAG_TEXT, ""),
    }.items()}  # control characters made visible: an Input or TextArea draws its text raw


class IncidentScreen(DeskScreen):
    MODE = "incident"
    BINDING_GROUP_TITLE = "Log incident"
    CSS_PATH = "incident.tcss"
    AUTO_FOCUS = "CustomerSearch"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the incident (or the amendment) and everything it sets off"),
        Binding("escape", "leave(False)", "Discard", tooltip="Throw away what was typed (asks first)"),
        Binding("escape", "leave(True)", "Close", tooltip="Leave this incident without saving (asks first if changed)"),
        Binding("f6", "quick_log", "Quick log", priority=True,
                tooltip="Log who, what and how bad in seconds; finish the deposition later"),
        Binding("f8", "todays_incidents", "Today", priority=True,
                tooltip="Today's incidents: open one to correct it or finish it"),
    ]

    dirty: reactive[bool] = reactive(False, bindings=True)
    """The form holds something not saved (a draft of it is kept at this terminal)."""
    saving: reactive[bool] = reactive(False, bindings=True)
    """A save is under way; Ctrl+S waits for it."""

    class ListsLoaded(Message):
        def __init__(self, categories: list[Choice], staff: list[Choice]) -> None:
            super().__init__()
            self.categories = categories
            self.staff = staff

    class PreviewReady(Message):
        def __init__(self, number: int, preview: LogPreview | None) -> None:
            super().__init__()
            self.number = number
            self.preview = preview

    class IncidentLoaded(Message):
        def __init__(self, detail: IncidentDetail, values: dict[str, Any], draft: dict[str, Any] | None) -> None:
            super().__init__()
            self.detail = detail
            self.values = values
            self.draft = draft

    class Logged(Message):
        def __init__(self, result: LogResult, customer_name: str | None, headline: str) -> None:
            super().__init__()
            self.result = result
            self.customer_name = customer_name
            self.headline = headline

    class Amended(Message):
        def __init__(self, detail: IncidentDetail, changed: list[str]) -> None:
            super().__init__()
            self.detail = detail
            self.changed = changed

    def __init__(self) -> None:
        super().__init__()
        self.categories: list[Choice] = []
        self.staff: list[Choice] = []
        self.amending: IncidentDetail | None = None
        """The incident on file being amended; None while logging a new one."""
        self.amend_version = 0
        """The version the amendment is based on (a draft may be older than the store)."""
        self.baseline: dict[str, Any] = {}
        """The form as loaded: what counts as unchanged."""
        self.flag_edited = False
        """The person typed in the flag: it no longer follows the deposition."""
        self.flag_chosen = False
        """The person chose flag or no flag: it no longer follows the severity."""
        self.lists_ready = False
        self.waiting_for_lists: list[Callable[[], None]] = []
        self.preview_number = 0
        self.preview_timer: Timer | None = None
        self.draft_timer: Timer | None = None
        self.draft_kept = False
        self.started_at: datetime | None = None
        """When typing began: a resumed draft whose "when" was left at "now" happened then, not at resuming."""
        self.draft_generation = 0
        """Bumped when the form is saved or discarded: older draft saves still queued do not write."""
        self.draft_lock = threading.Lock()

    # -- layout ---------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        def text(name: str, placeholder: str) -> ComposeResult:
            yield from field(CAPTIONS[name], Input(id=name, compact=True, placeholder=placeholder), name)

        def area(name: str, placeholder: str) -> ComposeResult:
            story = TextArea(id=name, compact=True, placeholder=placeholder, highlight_cursor_line=False)
            story.match_cursor_bracket = False  # "[b]" in a story is text, not a pair to point at
            yield from field(CAPTIONS[name], story, name)

        def choice(name: str, options: list[Choice], value: str | None = None) -> ComposeResult:
            yield from field(CAPTIONS[name], ChoiceRow(options, value, id=name), name)

        yield Label("New incident", id="form-title")
        yield FieldError("", id="form-error", classes="field-error")
        with VerticalScroll(id="form"):
            with Horizontal(id="columns"):
                with Vertical(id="deposition"):
                    yield Label("Who and when", classes="section")
                    yield from field(CAPTIONS["customer"], CustomerPicker(id="customer"), "customer")
                    yield from text("occurred_at", "now · or 20m ago, 19:40, yesterday 19:40")
                    yield Label("", id="occurred-hint", classes="hint")
                    yield Label("What happened", classes="section")
                    yield from choice("category", [NOT_SAID])
                    yield from choice("severity", SEVERITY_CHOICES)
                    yield from text("product", "e.g. fish soup, room 12 shower, online booking")
                    yield from text("location", "table, room, counter, online")
                    yield from area("description", "what went wrong, in plain words")
                    yield from text("reaction", "how the customer reacted, how they left")
                    yield Label("What was done", classes="section")
                    yield from choice("remedy_kind", REMEDY_CHOICES)
                    yield from text("remedy_cost", "0.00")
                    yield from text("promise_text", "what was promised, if anything")
                    yield from text("promise_due_at", "e.g. tomorrow 12:00, fri, +3d")
                    yield from choice("promise_likelihood", LIKELIHOOD_CHOICES)
                    yield from choice("promise_status", PROMISE_CHOICES)
                    yield from choice("ally_id", [])
                    yield from text("handoff_to", "who or which department took it over, if anyone")
                    yield from text("handoff_expected_at", "expected fixed by, e.g. 21:00, tomorrow")
                    yield from choice("handoff_status", HANDOFF_CHOICES)
                    yield from area("root_cause", "why it happened, once known")
                with Vertical(id="outcome"):
                    yield Label("Saving will create", classes="section", id="outcome-title")
                    with Vertical(id="creates"):
                        yield from choice("raise_flag", NO_CUSTOMER_TO_FLAG, "no")
                        yield from text("flag-headline", "neutral: guests may see it")
                        yield from area("flag-message", "the story, for whoever meets them next")
                        yield from area("flag-greeting", "how to greet them")
                        yield Label(CAPTIONS["plan"], classes="subsection")
                        yield PlanPreview(id="plan")
                        yield FieldError("", id="plan-error", classes="field-error")
                    yield Static("", id="on-file")

    def on_mount(self) -> None:
        self.reset_form()

    def get_screen_commands(self) -> list[SystemCommand]:
        return [
            SystemCommand("Save incident (Ctrl+S)", "Save the incident and what it sets off", self.action_save),
            SystemCommand("Quick log (F6)", "Log the essentials now, finish later", self.action_quick_log),
            SystemCommand("Today's incidents (F8)", "Open one to amend or finish it", self.action_todays_incidents),
        ]

    @property
    def tz(self) -> ZoneInfo:
        site = self.app.site
        return timing.zone(site.time_zone) if site is not None else ZoneInfo("UTC")

    @property
    def picker(self) -> CustomerPicker:
        return self.query_one(CustomerPicker)

    @property
    def plan(self) -> PlanPreview:
        return self.query_one(PlanPreview)

    def choice_row(self, name: str) -> ChoiceRow:
        return self.query_one(f"#{name}", ChoiceRow)

    # -- the lists the choices come from (categories, staff) ------------------

    def refresh_data(self) -> None:
        if self.desk is not None:
            self.load_lists(self.desk)

    @work(thread=True, exclusive=True, group="lists", exit_on_error=False)
    def load_lists(self, desk: Actor) -> None:
        from frontdesk.services import playbooks, setup

        staff = [(str(info.id), info.name) for info in setup.list_staff(desk.store, site_id=desk.site_id)]
        self.post_message(self.ListsLoaded(playbooks.categories(desk.store), staff))

    def on_incident_screen_lists_loaded(self, event: ListsLoaded) -> None:
        self.categories, self.staff = event.categories, event.staff
        with self.prevent(ChoiceRow.Changed):
            self.choice_row("ally_id").set_options(self.staff)
            self.set_category_options()
        self.lists_ready = True
        if not self.dirty and self.amending is None:
            ally = self.empty_values()["ally_id"]  # the staff member at the terminal may have changed (F9)
            with self.prevent(ChoiceRow.Changed):
                self.choice_row("ally_id").value = ally
            self.baseline["ally_id"] = ally
        waiting, self.waiting_for_lists = self.waiting_for_lists, []
        for callback in waiting:
            callback()

    def set_category_options(self, keep: str | None = None) -> None:
        """The store's categories; blank only for a new incident, and an old one kept if on file."""
        options = list(self.categories)
        if keep and keep not in [key for key, _ in options]:
            options.append((keep, keep))
        self.choice_row("category").set_options(options if self.amending else [NOT_SAID, *options])
        self.choice_row("severity").set_options(SEVERITY_CHOICES[1:] if self.amending else SEVERITY_CHOICES)

    def when_lists_ready(self, callback: Callable[[], None]) -> None:
        if self.lists_ready:
            callback()
        else:
            self.waiting_for_lists.append(callback)

    # -- reading and filling the form -----------------------------------------

    def empty_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"customer_id": None, "customer_name": None, "guest": ""}
        values.update(dict.fromkeys(TEXT_INPUTS + TEXT_AREAS, ""))
        values.update(dict.fromkeys(CHOICES))
        values["raise_flag"] = "no"
        desk = self.desk
        values["ally_id"] = str(desk.staff_id) if desk is not None and desk.staff_id else None
        return values

    def form_values(self) -> dict[str, Any]:
        picker = self.picker
        values: dict[str, Any] = {"customer_id": picker.customer_id, "customer_name": picker.customer_name,
                                  "guest": picker.guest_description}
        for name in TEXT_INPUTS:
            values[name] = self.query_one(f"#{name}", Input).value
        for name in TEXT_AREAS:
            values[name] = self.query_one(f"#{name}", TextArea).text
        for name in CHOICES:
            values[name] = self.choice_row(name).value
        return values

    def fill(self, values: dict[str, Any]) -> None:
        """Put values in the form without counting it as typing."""
        with self.prevent(Input.Changed, TextArea.Changed, ChoiceRow.Changed, CustomerPicker.Changed):
            self.picker.set_customer(values.get("customer_id"), values.get("customer_name"), values.get("guest", ""))
            for name in TEXT_INPUTS:
                self.query_one(f"#{name}", Input).value = values.get(name) or ""
            for name in TEXT_AREAS:
                self.query_one(f"#{name}", TextArea).load_text(values.get(name) or "")
            for name in CHOICES:
                if name != "raise_flag":
                    self.choice_row(name).value = values.get(name)
        self.update_flag_choice()
        if values.get("raise_flag") and self.flag_chosen:
            with self.prevent(ChoiceRow.Changed):
                self.choice_row("raise_flag").value = values["raise_flag"]
            self.show_flag_fields()
        self.show_occurred_hint()

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        """The values that count as the person's own (the flag only once they touched it)."""
        left_out = {"customer_name"}
        if not self.flag_edited:
            left_out.update(FLAG_TEXT)
        if not self.flag_chosen:
            left_out.add("raise_flag")
        return {name: value for name, value in values.items() if name not in left_out}

    def reset_form(self) -> None:
        """An empty form for a new incident."""
        self.amending = None
        self.started_at = None
        self.flag_edited = self.flag_chosen = False
        self.plan.empty_words = "choose a severity and category to see the plan"
        self.plan.show_steps([], edited=False, tz=self.tz)
        with self.prevent(ChoiceRow.Changed):
            self.set_category_options()
        self.baseline = self.empty_values()
        self.fill(self.baseline)
        self.show_mode()
        self.dirty = False
        self.picker.focus()

    def show_mode(self) -> None:
        """Amending shows the fields only an incident on file has, and what is on file instead of a plan."""
        amending = self.amending is not None
        for name in AMEND_ONLY:
            self.query_one(f"#{name}-field").display = amending
        self.query_one("#creates").display = not amending
        self.query_one("#on-file").display = amending
        self.query_one("#outcome-title", Label).update("On file" if amending else "Saving will create")
        show_errors(self, {}, ())
        title = self.query_one("#form-title", Label)
        if self.amending is None:
            title.update("New incident")
        else:
            detail = self.amending
            logged = timing.local(detail.logged_at, self.tz)
            words = literal(f"Amending incident #{detail.id} · logged {logged:%a %d %b %H:%M} by {detail.logged_by}")
            if not detail.complete:
                words.append(" · ✎ to finish")
            title.update(words)
        self.refresh_bindings()

    # -- following the typing -------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(ChoiceRow.Changed)
    @on(CustomerPicker.Changed)
    @on(PlanPreview.Changed)
    def form_changed(self, event: Message) -> None:
        control = getattr(event, "control", None)
        name = control.id if control is not None else None
        if name and (error := self.query(f"#{name}-error")):
            error.first(FieldError).show(None)  # the person is fixing it
        if name in FLAG_TEXT:
            self.flag_edited = True
        elif name == "raise_flag":
            self.flag_chosen = True
            self.show_flag_fields()
        elif name == "occurred_at":
            self.show_occurred_hint()
        elif name in ("customer", "severity"):
            self.update_flag_choice()
        self.dirty = self.comparable(self.form_values()) != self.comparable(self.baseline) or self.plan.edited
        if self.dirty and self.started_at is None:
            self.started_at = self.app.clock.now()
        if self.draft_timer is None and (self.dirty or self.draft_kept):
            self.draft_timer = self.set_timer(DRAFT_EVERY, self.keep_or_forget_draft)
        if self.amending is None and name not in (*FLAG_TEXT, "raise_flag"):
            if name == "plan" and not self.plan.edited:
                self.request_preview()
            elif name != "plan":
                self.schedule_preview()

    def show_occurred_hint(self) -> None:
        """What the typed time is taken as, live: the time chosen and anything assumed (a skipped hour)."""
        hint = self.query_one("#occurred-hint", Label)
        text = self.query_one("#occurred_at", Input).value
        shows_error = self.query_one("#occurred_at-error", FieldError).has_class("-shown")
        hint.display = not shows_error  # the error says it already
        if shows_error:
            return
        try:
            resolved = timing.parse_occurred(text, self.app.clock.now(), self.tz)
        except timing.TimeInputError as exc:
            hint.update(literal(f"? {exc}"))
            return
        wall = timing.local(resolved.at, self.tz)
        hint.update(literal(f"→ {wall:%a %d %b %H:%M}" + (f" · {resolved.note}" if resolved.note else "")))

    def update_flag_choice(self) -> None:
        """A flag needs a customer; it is on by default for moderate and worse until chosen."""
        row = self.choice_row("raise_flag")
        severity = self.choice_row("severity").value
        with self.prevent(ChoiceRow.Changed):
            if self.picker.customer_id is None:
                row.set_options(NO_CUSTOMER_TO_FLAG)
                row.value = "no"
            else:
                row.set_options(FLAG_CHOICES)
                if not self.flag_chosen:
                    row.value = "yes" if severity in SERIOUS else "no"
        self.show_flag_fields()

    def show_flag_fields(self) -> None:
        raising = self.choice_row("raise_flag").value == "yes"
        for name in FLAG_TEXT:
            self.query_one(f"#{name}-field").display = raising

    def schedule_preview(self) -> None:
        if self.preview_timer is not None:
            self.preview_timer.stop()
        self.preview_timer = self.set_timer(PREVIEW_AFTER, self.request_preview)

    def deposition(self, values: dict[str, Any]) -> dict[str, Any]:
        """The form as the service reads a deposition."""
        raw = {name: values[name] for name in DEPOSITION}
        raw.update(customer_id=values["customer_id"], guest_description=values["guest"],
                   category=values["category"] or "")
        return raw

    def request_preview(self) -> None:
        self.preview_timer = None
        if self.desk is None or self.amending is not None:
            return
        self.preview_number += 1
        self.compute_preview(self.desk, self.deposition(self.form_values()), self.preview_number)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def compute_preview(self, desk: Actor, raw: dict[str, Any], number: int) -> None:
        from frontdesk.services.incidents import preview_log

        preview = preview_log(desk, raw)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PreviewReady(number, preview))

    def on_incident_screen_preview_ready(self, event: PreviewReady) -> None:
        if event.number != self.preview_number or self.amending is not None:
            return
        preview = event.preview
        if not self.plan.edited:
            self.plan.empty_words = ("no follow-ups in the playbook for this" if preview
                                     else "choose a severity and category to see the plan")
            self.plan.show_steps(list(preview.plan) if preview else [], edited=False, tz=self.tz)
        if not self.flag_edited:
            with self.prevent(Input.Changed, TextArea.Changed):
                self.query_one("#flag-headline", Input).value = preview.headline if preview else ""
                self.query_one("#flag-message", TextArea).load_text(preview.message if preview else "")
                self.query_one("#flag-greeting", TextArea).load_text((preview.greeting or "") if preview else "")

    # -- the plan ---------------------------------------------------------------

    def on_plan_preview_edit_asked(self, event: PlanPreview.EditAsked) -> None:
        def edited(step: PlanStepPreview | None) -> None:
            if step is not None:
                self.plan.replace_step(event.index, step)

        step = self.plan.steps[event.index]
        now = self.app.clock.now()
        self.app.push_screen(PlanStepDialog(step, self.staff, self.tz, now), edited)

    # -- drafts -------------------------------------------------------------------

    def keep_or_forget_draft(self) -> None:
        self.draft_timer = None
        desk = self.desk
        if desk is None:
            return
        if self.dirty:
            self.keep_draft(desk, self.draft_payload(), self.draft_generation)
            self.draft_kept = True
        elif self.draft_kept:
            self.forget_draft(desk)

    def draft_payload(self) -> dict[str, Any]:
        staff = self.app.staff
        return {
            "mode": "amend" if self.amending else "new",
            "incident_id": self.amending.id if self.amending else None,
            "incident_version": self.amend_version if self.amending else None,
            "staff": staff.name if staff else "",
            "values": self.form_values(),
            "baseline": self.baseline,
            "flag_edited": self.flag_edited,
            "flag_chosen": self.flag_chosen,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "plan": [step.model_dump(mode="json") for step in self.plan.steps] if self.plan.edited else None,
        }

    @work(thread=True, group="draft", exit_on_error=False)
    def keep_draft(self, desk: Actor, payload: dict[str, Any], generation: int) -> None:
        from frontdesk.services.drafts import save_draft

        with self.draft_lock:
            if generation == self.draft_generation:
                save_draft(desk, DRAFT_KIND, payload)

    @work(thread=True, group="draft", exit_on_error=False)
    def forget_draft(self, desk: Actor) -> None:
        from frontdesk.services.drafts import discard_draft

        with self.draft_lock:
            discard_draft(desk, DRAFT_KIND)

    def let_go_of_draft(self) -> None:
        """The form was saved or discarded: no draft save still queued may write it back."""
        self.draft_generation += 1
        self.draft_kept = False
        if self.draft_timer is not None:
            self.draft_timer.stop()
            self.draft_timer = None

    def offer_draft(self, payload: dict[str, Any], saved_at: datetime) -> None:
        """Asked by the app at start: an incident typed here was never saved; resume, discard or decide later."""

        def answered(answer: str | None) -> None:
            if answer == "resume":
                self.resume_draft(payload)
                return
            if answer == "discard" and self.desk is not None:
                self.let_go_of_draft()
                self.forget_draft(self.desk)
            self.app.switch_mode("greet")

        values = payload.get("values", {})
        who = values.get("customer_name") or values.get("guest") or "unknown guest"
        what = (values.get("description") or "").strip().splitlines()
        started = timing.local(saved_at, self.tz)
        summary = joined(
            Text(f"Typed at this terminal by {payload.get('staff') or 'someone'}, last kept {started:%a %d %b %H:%M}:"),
            literal(who),
            literal(what[0] if what else "(nothing written yet about what went wrong)"),
            separator="\n",
        )
        self.app.push_screen(ResumeDraftDialog(summary), answered)

    def resume_draft(self, payload: dict[str, Any]) -> None:
        if payload.get("mode") == "amend" and payload.get("incident_id") and self.desk is not None:
            self.load_incident(self.desk, int(payload["incident_id"]), payload)
            return

        def restore() -> None:
            self.reset_form()
            self.restore_draft(payload)

        self.when_lists_ready(restore)

    def restore_draft(self, payload: dict[str, Any]) -> None:
        self.flag_edited = bool(payload.get("flag_edited"))
        self.flag_chosen = bool(payload.get("flag_chosen"))
        values = dict(payload.get("values", {}))
        if payload.get("started_at") and not (values.get("occurred_at") or "").strip():
            started = timing.local(datetime.fromisoformat(payload["started_at"]), self.tz)
            values["occurred_at"] = f"{started:%Y-%m-%d %H:%M}"  # "now" meant when it was typed
        self.fill(values)
        if payload.get("plan") is not None:
            from frontdesk.schemas.reads import (
                PlanStepPreview,  # loaded long before a draft is offered
            )

            steps = [PlanStepPreview.model_validate(step) for step in payload["plan"]]
            self.plan.show_steps(steps, edited=True, tz=self.tz)
        self.draft_kept = True
        self.dirty = self.comparable(self.form_values()) != self.comparable(self.baseline) or self.plan.edited
        if self.amending is None:
            self.request_preview()

    # -- starting: a customer's incident, or an incident on file ------------------

    def start_incident(self, customer_id: int | None) -> None:
        """Start a new deposition, with this customer attached."""
        self.begin_for_customer(customer_id)

    @work(exclusive=True, group="open", exit_on_error=False)
    async def begin_for_customer(self, customer_id: int | None) -> None:
        if not await self.may_put_aside():
            return
        self.let_go_of_draft()
        self.reset_form()
        if customer_id is not None:
            self.baseline["customer_id"] = customer_id  # the card's customer is where this starts, not a change
            self.picker.attach(customer_id)

    async def may_put_aside(self) -> bool:
        """True when nothing typed would be lost, or the person agrees to lose it."""
        if not self.dirty:
            return True
        return bool(await self.app.push_screen_wait(ConfirmDialog(
            "Discard what you typed?", "The incident on screen has not been saved.",
            yes="Discard it", no="Keep editing",
        )))

    def amend_incident(self, incident_id: int) -> None:
        """Open an existing incident to correct or finish it."""
        self.open_incident(incident_id)

    @work(exclusive=True, group="open", exit_on_error=False)
    async def open_incident(self, incident_id: int) -> None:
        if not await self.may_put_aside():
            return
        if self.desk is not None:
            self.load_incident(self.desk, incident_id, None)

    @work(thread=True, exclusive=True, group="read", exit_on_error=False)
    def load_incident(self, desk: Actor, incident_id: int, draft: dict[str, Any] | None) -> None:
        from frontdesk.services.incidents import incident_detail

        detail = incident_detail(desk, incident_id)
        self.post_message(self.IncidentLoaded(detail, amend_values(detail, self.tz), draft))

    def on_incident_screen_incident_loaded(self, event: IncidentLoaded) -> None:
        self.when_lists_ready(lambda: self.show_incident(event.detail, event.values, event.draft))

    def show_incident(self, detail: IncidentDetail, values: dict[str, Any], draft: dict[str, Any] | None) -> None:
        self.let_go_of_draft()
        self.amending = detail
        self.amend_version = int(draft["incident_version"]) if draft else detail.version
        self.flag_edited = self.flag_chosen = False
        with self.prevent(ChoiceRow.Changed):
            self.set_category_options(keep=detail.category)
        self.baseline = draft["baseline"] if draft else values
        self.fill(self.baseline)
        self.show_mode()
        self.query_one("#on-file", Static).update(self.on_file(detail))
        self.dirty = False
        if draft:
            self.restore_draft(draft)
        self.query_one("#form").scroll_home(animate=False)
        if detail.complete:
            self.query_one("#occurred_at").focus()
        else:  # a quick log: carry on writing where it stopped
            story = self.query_one("#description", TextArea)
            story.move_cursor(story.document.end)
            story.focus()

    def on_file(self, detail: IncidentDetail) -> Text:
        """The incident's flag and follow-ups as they stand, beside the amendment."""
        lines = Text(end="")
        flag = detail.flag
        if flag is None:
            lines.append("No flag." if detail.customer_id else "No flag: attach a customer to flag them.")
        else:
            lines.append(f"⚑ {label(flag.level)} flag{'' if flag.active else ' (cleared)'}: ", style="bold")
            lines.append(literal(flag.headline))
        lines.append(f"\nEpisode {label(detail.episode_status)} · promise {label(detail.promise_status) or 'none'}")
        lines.append(f" · hand-off {label(detail.handoff_status) or 'none'}\n\nFollow-ups:")
        for item in detail.follow_ups:
            wall = timing.local(item.due_at, self.tz)
            lines.append(f"\n{wall:%a %d %b %H:%M}  {label(item.kind)} · {label(item.channel)} · ")
            lines.append(literal(item.owner))
            lines.append(f" · {label(item.status)}", style="bold" if item.status == "open" else "")
        if not detail.follow_ups:
            lines.append("\nnone")
        return lines

    # -- saving -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return True if self.desk is not None and not self.saving else None
        if action == "leave":
            if parameters[0] != (self.amending is not None):
                return False  # the other Esc binding speaks for this mode
            return self.amending is not None or self.dirty  # hidden on an empty form: the footer is narrow
        if action == "quick_log":
            return True if self.desk is not None and self.lists_ready else None
        if action == "todays_incidents":
            return True if self.desk is not None else None
        return True

    def action_save(self) -> None:
        desk = self.desk
        if desk is None or self.saving:
            return
        values = self.form_values()
        if self.amending is not None:
            changes = self.amend_changes(values)
            if not changes:
                self.app.notify("Nothing was changed.")
                return
            self.saving = True
            self.let_go_of_draft()
            self.save_amendment(desk, self.amending.id, self.amend_version, changes)
            return
        raw = self.deposition(values)
        raising = values["raise_flag"] == "yes"
        if self.flag_chosen:
            raw["raise_flag"] = raising
        if self.flag_edited and raising:
            raw["flag"] = {"headline": values["flag-headline"], "message": values["flag-message"],
                           "greeting": values["flag-greeting"]}
        if self.plan.edited:
            raw["plan"] = [step.model_dump(include={"kind", "channel", "due_at", "owner_id", "words"})
                           for step in self.plan.steps]
        self.saving = True
        self.let_go_of_draft()
        self.save_new(desk, raw, values["customer_name"], values["flag-headline"])

    def amend_changes(self, values: dict[str, Any]) -> dict[str, Any]:
        """Only what the person changed, so a field nobody touched is never overwritten."""
        names = (*DEPOSITION, *AMEND_ONLY, "customer_id")
        changes = {name: values[name] for name in names if values[name] != self.baseline.get(name)}
        if values["guest"] != self.baseline.get("guest"):
            changes["guest_description"] = values["guest"]
        if changes and self.amending is not None and not self.amending.complete:
            changes["complete"] = True
        return changes

    @work(thread=True, group="write", exit_on_error=False)
    def save_new(self, desk: Actor, raw: dict[str, Any], customer_name: str | None, headline: str) -> None:
        from frontdesk.errors import InvalidInput
        from frontdesk.services import incidents
        from frontdesk.services.drafts import discard_draft

        try:
            result = incidents.log_incident(desk, incidents.parse_incident(desk, raw))
        except InvalidInput as exc:
            self.post_message(Refused({error_field(key): message for key, message in exc.errors.items()}))
            return
        with self.draft_lock:
            discard_draft(desk, DRAFT_KIND)
        self.post_message(self.Logged(result, customer_name, headline))

    @work(thread=True, group="write", exit_on_error=False)
    def save_amendment(self, desk: Actor, incident_id: int, version: int, changes: dict[str, Any]) -> None:
        from frontdesk.errors import Conflict, InvalidInput
        from frontdesk.services import incidents
        from frontdesk.services.drafts import discard_draft

        try:
            detail = incidents.amend_incident(desk, incident_id, version, incidents.parse_amend(desk, changes))
        except InvalidInput as exc:
            self.post_message(Refused({error_field(key): message for key, message in exc.errors.items()}))
            return
        except Conflict as exc:
            self.post_message(Refused({"form": str(exc)}))
            return
        with self.draft_lock:
            discard_draft(desk, DRAFT_KIND)
        self.post_message(self.Amended(detail, list(changes)))

    @on(Worker.StateChanged)
    def save_finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "write" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                             WorkerState.CANCELLED):
            self.saving = False

    def on_refused(self, event: Refused) -> None:
        """Each error next to its field, focus on the first; everything typed stays, and so does the draft."""
        self.draft_kept = True
        first = show_errors(self, event.errors, FIELD_ORDER)
        self.show_occurred_hint()
        if "form" in event.errors or first is None:
            self.query_one("#form").scroll_home(animate=False)
        if first == "customer":
            self.picker.focus()
        elif first is not None:
            self.query_one(f"#{first}").focus()
        if self.draft_timer is None and self.desk is not None:
            self.draft_timer = self.set_timer(DRAFT_EVERY, self.keep_or_forget_draft)

    def on_incident_screen_logged(self, event: Logged) -> None:
        result = event.result
        self.reset_form()
        lines = self.created_lines(result, event.customer_name, event.headline)
        self.app.push_screen(SavedDialog(f"Incident #{result.incident_id} logged", lines))

    def created_lines(self, result: LogResult, customer_name: str | None, headline: str | None) -> list[Text]:
        """What a log created, in words: the flag, the alert, each follow-up, what was assumed about times."""
        lines = []
        if result.flag_id is not None:
            flag = Text("⚑ Flag raised for ", end="")
            flag.append(literal(customer_name or "the customer"))
            if headline:
                flag.append(": ")
                flag.append(literal(headline))
            lines.append(flag)
        elif customer_name is None:
            lines.append(Text("No flag: unknown guest (attach a customer later, from F8 Today, to flag them)."))
        else:
            lines.append(Text("No flag on the customer's file."))
        if result.alert_id is not None:
            lines.append(Text("⚠ Alert sent to the other terminals of this site, until someone acknowledges it."))
        else:
            lines.append(Text("No alert (only moderate and worse alert the site)."))
        count = len(result.follow_ups)
        lines.append(Text(f"{count} follow-up{'' if count == 1 else 's'}:" if count else "No follow-ups."))
        for step in result.follow_ups:
            lines.append(Text("  ", end="") + step_line(step, self.tz))
        for name, note in result.time_notes.items():
            lines.append(Text(f"{CAPTIONS.get(name, name)}: {note}"))
        return lines

    def on_incident_screen_amended(self, event: Amended) -> None:
        detail = event.detail
        self.reset_form()
        changed = [CAPTIONS.get(name, name.replace("_", " ")) for name in event.changed
                   if name not in ("complete", "guest_description")]
        if "guest_description" in event.changed and "Customer" not in changed:
            changed.append("Customer")
        lines = [Text("Changed: " + ", ".join(changed) + "." if changed else "Marked complete.")]
        if "complete" in event.changed:
            lines.append(Text("The deposition is complete; its reminder to finish it is done."))
        lines.append(Text("Recorded in the audit log under your name."))
        lines.append(self.on_file(detail))
        self.app.push_screen(SavedDialog(f"Incident #{detail.id} amended", lines))

    # -- leaving --------------------------------------------------------------------

    @work(exclusive=True, group="ask", exit_on_error=False)
    async def action_leave(self, amending: bool) -> None:
        """Esc: discard the new incident, or close the amendment; asks first when something would be lost."""
        if not await self.may_put_aside():
            return
        if self.dirty and self.desk is not None:
            self.let_go_of_draft()
            self.forget_draft(self.desk)
        self.reset_form()

    # -- the other ways in: quick log, today's incidents ----------------------------

    def action_quick_log(self) -> None:
        self.app.push_screen(QuickLogDialog(self.categories), self.quick_logged)

    def quick_logged(self, logged: tuple[LogResult, str | None] | None) -> None:
        if logged is None:
            return
        result, customer_name = logged
        lines = self.created_lines(result, customer_name, None)
        finish = next((step for step in result.follow_ups if step.kind == "incomplete_deposition"), None)
        if finish is not None:
            due = timing.local(finish.due_at, self.tz)
            lines.insert(0, Text(f"Finish the deposition by {due:%H:%M}: it is in your follow-ups and under F8 Today.",
                                 style="bold"))
        self.app.push_screen(SavedDialog(f"Quick log #{result.incident_id} saved", lines))

    def action_todays_incidents(self) -> None:
        def picked(incident_id: int | None) -> None:
            if incident_id is not None:
                self.open_incident(incident_id)

        self.app.push_screen(TodaysIncidentsDialog(self.tz), picked)
