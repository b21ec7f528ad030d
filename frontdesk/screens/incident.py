"""Log incident (F3): the whole deposition on one screen, what saving it will create,
quick logs, and amendments.

The screen orchestrates three widgets: `DepositionForm` holds DESIGN.md's
deposition, `SavePreview` what saving will create (the flag, on by default
for moderate and worse, and the playbook's follow-ups, editable until saved),
and `DraftKeeper` keeps the form as a draft at this terminal while it is
typed, so the app can offer it back after a crash. Each action is one
service call in a worker; saving drops the draft in the same transaction.
Opening an existing incident (F8, the customer card, the queue) turns the
form into its amendment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label, Static, TextArea
from textual.worker import Worker, WorkerState

from frontdesk.screens import incident_dialogs as dialogs
from frontdesk.screens.base import DeskScreen
from frontdesk.screens.customer_lookup import LooksUpCustomers
from frontdesk.screens.dialogs import ConfirmDialog
from frontdesk.screens.remedy_dialog import RemedyApprovalDialog
from frontdesk.widgets import incident_lines as words
from frontdesk.widgets.choice_row import Option as Choice
from frontdesk.widgets.deposition import Deposition, IncidentDraft, Who, form_name
from frontdesk.widgets.deposition_form import DepositionForm
from frontdesk.widgets.draft_keeper import DraftKeeper
from frontdesk.widgets.form_field import FieldError
from frontdesk.widgets.plan_preview import PlanPreview
from frontdesk.widgets.save_preview import SavePreview

if TYPE_CHECKING:
    from frontdesk.schemas.reads import IncidentDetail, LogResult, PlanStepPreview
    from frontdesk.services.context import Actor
    from frontdesk.services.remedies import RemedyApproval
    from frontdesk.store.changes import Interest

DRAFT_KIND = "incident"


@dataclass(frozen=True)
class Amending:
    """The incident on file being amended, and the version the amendment is based on (a draft's may be older)."""

    detail: IncidentDetail
    version: int


class IncidentScreen(LooksUpCustomers, DeskScreen):
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
        # Keys that move the focus act as soon as they are read, not once they have passed through the
        # field's queue: what is typed next lands in the next field, however busy the terminal (issue 17).
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, tooltip="Go to the next field"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True,
                tooltip="Go to the previous field"),
        Binding("enter", "attach", "Attach", show=False, priority=True, tooltip="Attach the customer found"),
    ]

    dirty: reactive[bool] = reactive(False, bindings=True)
    """The form holds something not saved (a draft of it is kept at this terminal)."""
    saving: reactive[bool] = reactive(False, bindings=True)
    """A save is under way; Ctrl+S waits for it."""

    @dataclass
    class ListsLoaded(Message):
        categories: list[Choice]
        staff: list[Choice]

    @dataclass
    class IncidentLoaded(Message):
        detail: IncidentDetail
        draft: IncidentDraft | None

    @dataclass
    class Logged(Message):
        result: LogResult
        customer_name: str | None
        headline: str

    @dataclass
    class Amended(Message):
        detail: IncidentDetail
        changed: list[str]

    @dataclass
    class ApprovalAsked(Message):
        """The remedy is above the signed-in person's limit: ask who approves it (issue 15)."""

        raw: dict[str, Any]
        said: tuple[str | None, str]
        question: str
        approvers: tuple[tuple[int, str], ...]
        amending: Amending | None = None
        """The incident on file whose amendment raised the remedy; None for a new one."""

    def __init__(self) -> None:
        super().__init__()
        self.amending: Amending | None = None
        """The incident on file being amended; None while logging a new one."""
        self.baseline = Deposition()
        """The form as shown before any typing: what counts as unchanged."""
        self.started_at: datetime | None = None
        """When typing began: a draft's "When" left at "now" happened then, not at resuming."""
        self.back_to: str | None = None
        """The mode that opened the amendment (the queue's i): leaving or saving it goes back there."""

    def compose_body(self) -> ComposeResult:
        yield Label("New incident", id="form-title")
        yield FieldError("", id="form-error", classes="field-error")
        with VerticalScroll(id="form"), Horizontal(id="columns"):
            yield DepositionForm(id="deposition")
            with Vertical(id="outcome"):
                yield Label("Saving will create", classes="section", id="outcome-title")
                yield SavePreview(id="creates")
                yield Static("", id="on-file")
        yield DraftKeeper(DRAFT_KIND, self.draft_payload)

    def on_mount(self) -> None:
        self.reset_form()

    def get_screen_commands(self) -> list[SystemCommand]:
        return [
            SystemCommand("Save incident (Ctrl+S)", "Save the incident and what it sets off", self.action_save),
            SystemCommand("Quick log (F6)", "Log the essentials now, finish later", self.action_quick_log),
            SystemCommand("Today's incidents (F8)", "Open one to amend or finish it", self.action_todays_incidents),
        ]

    @property
    def form(self) -> DepositionForm:
        return self.query_one(DepositionForm)

    @property
    def creates(self) -> SavePreview:
        return self.query_one(SavePreview)

    @property
    def keeper(self) -> DraftKeeper:
        return self.query_one(DraftKeeper)

    # -- the lists the choices come from (categories, staff) ------------------

    def shows(self) -> Interest:
        """The category list (store-wide) and this site's staff, for the ally."""
        from frontdesk.store.changes import Interest

        return Interest.of(("staff",))

    def refresh_data(self) -> None:
        if self.desk is not None:
            self.load_lists(self.desk)

    @work(thread=True, exclusive=True, group="lists", exit_on_error=False)
    def load_lists(self, desk: Actor) -> None:
        from frontdesk.services import playbooks, setup

        staff: list[Choice] = [(str(info.id), info.name) for info in setup.list_staff(desk.store, site_id=desk.site_id)]
        self.post_message(self.ListsLoaded(list(playbooks.categories(desk.store)), staff))

    def on_incident_screen_lists_loaded(self, event: ListsLoaded) -> None:
        self.form.set_lists(event.categories, event.staff)
        if self.amending is None and self.form.read().ally_id == self.baseline.ally_id:
            ally = self.own_ally()  # whoever is at the terminal now (F9), unless the person chose another
            self.form.choose("ally_id", ally)
            self.baseline = replace(self.baseline, ally_id=ally)
        self.refresh_bindings()

    def own_ally(self) -> str | None:
        desk = self.desk
        return str(desk.staff_id) if desk is not None and desk.staff_id else None

    # -- showing a deposition ---------------------------------------------------

    def reset_form(self) -> None:
        """An empty form for a new incident (a draft kept of the last one is dropped)."""
        self.amending = None
        self.started_at = None
        self.baseline = Deposition(ally_id=self.own_ally())
        self.form.show(self.baseline, amending=False)
        self.creates.start(self.form.tz)
        self.show_mode()
        self.dirty = False
        self.keeper.changed()
        self.form.picker.focus()

    def show_mode(self) -> None:
        """Amending shows the fields only an incident on file has, and what is on file instead of a plan."""
        amending = self.amending is not None
        self.creates.display = not amending
        self.query_one("#on-file").display = amending
        self.query_one("#outcome-title", Label).update("On file" if amending else "Saving will create")
        self.show_errors({})
        title = words.amend_title(self.amending.detail, self.form.tz) if self.amending else "New incident"
        self.query_one("#form-title", Label).update(title)
        self.refresh_bindings()

    def show_errors(self, errors: Mapping[str, str]) -> str | None:
        """Each error under its field; the first field with one (the deposition's first, then the plan's)."""
        self.query_one("#form-error", FieldError).show(errors.get("form"))
        first = self.form.show_errors(dict(errors))
        return self.creates.show_errors(dict(errors)) if first is None else first

    # -- following the typing ---------------------------------------------------

    @on(DepositionForm.Changed)
    @on(SavePreview.Changed)
    def form_changed(self, event: DepositionForm.Changed | SavePreview.Changed) -> None:
        self.dirty = self.changed_from_baseline()
        if self.dirty and self.started_at is None:
            self.started_at = self.app.clock.now()
        self.keeper.changed()
        if self.amending is not None:
            return
        if isinstance(event, DepositionForm.Changed):
            self.creates.follow_deposition(self.form.read())
        elif event.name == "plan" and not self.creates.plan.edited:  # Ctrl+R: the playbook's plan again
            self.creates.follow_deposition(self.form.read(), now=True)

    def changed_from_baseline(self) -> bool:
        return self.form.read() != self.baseline or (self.amending is None and self.creates.touched)

    def on_descendant_blur(self, _: events.DescendantBlur) -> None:
        """Leaving a field keeps the draft at once."""
        self.keeper.keep()

    def on_plan_preview_edit_asked(self, event: PlanPreview.EditAsked) -> None:
        def edited(step: PlanStepPreview | None) -> None:
            if step is not None:
                event.plan.replace_step(event.index, step)

        self.app.push_screen(dialogs.PlanStepDialog(event.plan.steps[event.index], self.form.staff, self.form.tz,
                                            self.app.clock.now()), edited)

    # -- drafts -------------------------------------------------------------------

    def draft_payload(self) -> dict[str, Any] | None:
        """The form as a draft, for the keeper; None when nothing typed would be lost."""
        if not self.dirty:
            return None
        amending, plan, staff = self.amending, self.creates.plan, self.app.staff
        return IncidentDraft(
            values=self.form.read(), baseline=self.baseline, flag=self.creates.choice(),
            plan=tuple(plan.steps) if plan.edited else None,
            incident_id=amending.detail.id if amending else None, incident_version=amending.version if amending else None,
            staff=staff.name if staff else "", started_at=self.started_at, occurred=self.form.when_meant(self.started_at),
        ).to_json()

    def offer_draft(self, payload: Mapping[str, Any], saved_at: datetime) -> None:
        """Asked by the app at start: an incident typed here was never saved; resume, discard or decide later."""
        draft = IncidentDraft.from_json(payload)

        def answered(answer: dialogs.DraftAnswer | None) -> None:
            if answer == "resume":
                self.resume_draft(draft)
                return
            if answer == "discard":
                self.keeper.adopt()
                self.keeper.keep()  # drops it, unless something new is typed here: then that is kept
            self.app.switch_mode("greet")

        self.app.push_screen(dialogs.ResumeDraftDialog(words.draft_summary(draft, saved_at, self.form.tz)), answered)

    def resume_draft(self, draft: IncidentDraft) -> None:
        if draft.incident_id is not None:
            self.open_incident(draft.incident_id, draft)
            return
        self.reset_form()
        self.restore(draft)

    def restore(self, draft: IncidentDraft) -> None:
        """Fill the form from a draft: what was typed, the flag and plan as left, and "When" as it was meant."""
        self.keeper.adopt()
        self.started_at = draft.started_at
        self.form.show(draft.values, amending=self.amending is not None, meant=draft.occurred)
        if self.amending is None:
            self.creates.follow_deposition(self.form.read(), now=True)
            self.creates.restore(draft.flag, draft.plan, self.form.tz)
        self.dirty = self.changed_from_baseline()

    # -- starting: a customer's incident, or an incident on file ------------------

    def start_incident(self, customer_id: int | None) -> None:
        """Start a new deposition, with this customer attached."""

        def attach() -> None:
            self.back_to = None
            if customer_id is not None:
                self.baseline = replace(self.baseline, customer=Who(customer_id))  # where it starts, not a change
                self.attach_customer(self.form.picker, customer_id)

        self.put_aside_then(attach)

    def amend_incident(self, incident_id: int, back_to: str | None = None) -> None:
        """Open an existing incident to correct or finish it; Esc or saving goes back to `back_to`."""

        def amend() -> None:
            self.back_to = back_to
            self.open_incident(incident_id, None)

        self.put_aside_then(amend)

    def open_incident(self, incident_id: int, draft: IncidentDraft | None) -> None:
        if self.desk is not None:
            self.load_incident(self.desk, incident_id, draft)

    def put_aside_then(self, then: Callable[[], None] | None = None) -> None:
        """An empty form, then `then`; when something typed would be lost, only once the person agrees."""
        if self.dirty:
            self.ask_to_put_aside(then)
        else:
            self.put_aside(then)

    def put_aside(self, then: Callable[[], None] | None) -> None:
        self.reset_form()
        self.keeper.keep()  # a draft of what was put aside goes now, not in a moment
        if then is not None:
            then()

    @work(exclusive=True, group="ask", exit_on_error=False)
    async def ask_to_put_aside(self, then: Callable[[], None] | None) -> None:
        if await self.app.push_screen(ConfirmDialog(
            "Discard what you typed?", "The incident on screen has not been saved.",
            yes="Discard it", no="Keep editing",
        ), wait_for_dismiss=True):
            self.put_aside(then)

    @work(thread=True, exclusive=True, group="read", exit_on_error=False)
    def load_incident(self, desk: Actor, incident_id: int, draft: IncidentDraft | None) -> None:
        from frontdesk.services.incidents import incident_detail

        self.post_message(self.IncidentLoaded(incident_detail(desk, incident_id), draft))

    def on_incident_screen_incident_loaded(self, event: IncidentLoaded) -> None:
        # Typed into while it loaded: that typing is not thrown away without asking.
        self.put_aside_then(lambda: self.show_incident(event.detail, event.draft))

    def show_incident(self, detail: IncidentDetail, draft: IncidentDraft | None) -> None:
        self.amending = Amending(detail, draft.incident_version or detail.version if draft else detail.version)
        self.baseline = draft.baseline if draft else Deposition.from_detail(detail, self.form.tz)
        self.form.show(self.baseline, amending=True)
        self.show_mode()
        self.query_one("#on-file", Static).update(words.on_file(detail, self.form.tz))
        self.dirty = False
        if draft:
            self.restore(draft)
        self.query_one("#form").scroll_home(animate=False)
        if detail.complete:
            self.query_one("#occurred_at").focus()
        else:  # a quick log: carry on writing where it stopped
            story = self.query_one("#description", TextArea)
            story.move_cursor(story.document.end)
            story.focus()

    # -- saving -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "attach":  # otherwise Enter goes on to the focused field
            return self.focused is self.form.picker.search_box and bool(self.form.picker.hits)
        if action == "save":
            return True if self.desk is not None and not self.saving else None
        if action == "leave":
            if parameters[0] != (self.amending is not None):
                return False  # the other Esc binding speaks for this mode
            return self.amending is not None or self.dirty  # hidden on an empty form: the footer is narrow
        if action == "quick_log":
            return True if self.desk is not None else None
        if action == "todays_incidents":
            return True if self.desk is not None else None
        return True

    def action_attach(self) -> None:
        self.form.picker.attach_highlighted()

    def action_save(self) -> None:
        if self.desk is not None and not self.saving:
            self.saving = True
            self.save(self.desk)

    @work(exclusive=True, group="save", exit_on_error=False)
    async def save(self, desk: Actor) -> None:
        """One service call; the draft keeper is held first, so no draft write can land after it."""
        await self.keeper.hold()
        values = self.form.read()
        said = (values.customer.name, self.creates.words().headline)
        if self.amending is None:
            self.write(desk, values.for_log() | self.creates.for_log(), None, said)
            return
        changes = values.changes_since(self.baseline)
        if not changes:
            self.app.notify("Nothing was changed.")
            self.saving = False
            self.keeper.release()
            return
        if not self.amending.detail.complete:
            changes["complete"] = True
        self.write(desk, changes, self.amending, said)

    @work(thread=True, group="write", exit_on_error=False)
    def write(self, desk: Actor, raw: dict[str, Any], amending: Amending | None, said: tuple[str | None, str],
              approval: RemedyApproval | None = None) -> None:
        """Log or amend, dropping the draft in the same transaction; a refusal comes back as `dialogs.Refused`,
        a remedy above the limit as `ApprovalAsked` (then saved again with the answer)."""
        from frontdesk.errors import ApprovalNeeded
        from frontdesk.services import incidents
        from frontdesk.services.drafts import draft_key

        draft = draft_key(desk, DRAFT_KIND)
        with dialogs.refusals(self, form_name):
            try:
                if amending is None:
                    result = incidents.log_incident(desk, incidents.parse_incident(desk, raw), draft=draft,
                                                    approval=approval)
                    self.post_message(self.Logged(result, *said))
                    return
                detail = incidents.amend_incident(desk, amending.detail.id, amending.version,
                                                  incidents.parse_amend(desk, raw), draft=draft, approval=approval)
            except ApprovalNeeded as needed:  # a remedy above the limit, new or raised by the amendment
                self.post_message(self.ApprovalAsked(raw, said, str(needed), needed.approvers, amending))
                return
            self.post_message(self.Amended(detail, list(raw)))

    @on(Worker.StateChanged)
    def save_finished(self, event: Worker.StateChanged) -> None:
        failed = event.state in (WorkerState.ERROR, WorkerState.CANCELLED)
        if (event.worker.group == "write" and event.state is WorkerState.SUCCESS) or (
                event.worker.group in ("write", "save") and failed):
            self.saving = False
        if event.worker.group in ("write", "save") and failed:
            self.keeper.release()

    def on_incident_screen_approval_asked(self, event: ApprovalAsked) -> None:
        desk = self.desk
        if desk is None:
            return

        def answered(approval: RemedyApproval | None) -> None:
            if approval is None:
                self.saving = False
                self.keeper.release()
                self.app.notify("Not saved: the remedy needs an approval, or to be saved pending one.")
                return
            self.saving = True
            self.write(desk, event.raw, event.amending, event.said, approval)

        self.saving = True  # until answered: Ctrl+S does not save twice
        self.app.push_screen(RemedyApprovalDialog(desk, event.question, event.approvers), answered)

    def on_refused(self, event: dialogs.Refused) -> None:
        """Each error next to its field, focus on the first; everything typed stays, and so does the draft."""
        self.keeper.release()
        first = self.show_errors(event.errors)
        if "form" in event.errors or first is None:
            self.query_one("#form").scroll_home(animate=False)
        if first == "customer":
            self.form.picker.focus()
        elif first is not None:
            self.query_one(f"#{first}").focus()

    def on_incident_screen_logged(self, event: Logged) -> None:
        result = event.result
        self.keeper.saved()
        self.reset_form()
        lines = words.created_lines(result, event.customer_name, event.headline, self.form.tz)
        self.app.push_screen(dialogs.SavedDialog(f"Incident #{result.incident_id} logged", lines))

    def on_incident_screen_amended(self, event: Amended) -> None:
        self.keeper.saved()
        self.reset_form()
        lines = words.amended_lines(event.detail, event.changed, self.form.tz)
        self.app.push_screen(dialogs.SavedDialog(f"Incident #{event.detail.id} amended", lines),
                             lambda _: self.go_back())

    # -- leaving and quitting ---------------------------------------------------------

    def action_leave(self, amending: bool) -> None:
        """Esc: discard the new incident, or close the amendment; asks first when something would be lost."""
        self.put_aside_then(self.go_back)

    def go_back(self) -> None:
        """Back to the screen that opened the amendment (the queue, on its row), if one did."""
        back_to, self.back_to = self.back_to, None
        if back_to is not None and self.app.current_mode == self.MODE:
            self.app.switch_mode(back_to)

    async def keep_for_later(self) -> None:
        await self.keeper.flush()

    async def before_quit(self) -> bool:
        """Ctrl+Q: an unsaved incident is kept as a draft at once; one more key (y, Ctrl+Q) quits."""
        if not self.dirty:
            return True
        await self.keeper.flush()
        if isinstance(self.app.screen, dialogs.QuitQuestion):
            return True
        self.app.push_screen(dialogs.QuitQuestion(), lambda quit: self.app.leave() if quit else None)
        return False

    # -- the other ways in: quick log, today's incidents ----------------------------

    def action_quick_log(self) -> None:
        self.app.push_screen(dialogs.QuickLogDialog(), self.quick_logged)

    def quick_logged(self, logged: dialogs.QuickLogged | None) -> None:
        if logged is not None:
            lines = words.created_lines(logged.result, logged.customer_name, None, self.form.tz)
            self.app.push_screen(dialogs.SavedDialog(f"Quick log #{logged.result.incident_id} saved", lines))

    def action_todays_incidents(self) -> None:
        def picked(incident_id: int | None) -> None:
            if incident_id is not None:
                self.amend_incident(incident_id)

        self.app.push_screen(dialogs.TodaysIncidentsDialog(self.form.tz), picked)
