"""FrontdeskApp: the shell every screen lives in.

The first frame is painted before SQLAlchemy and pydantic are imported; a
worker then opens the store (upgrading it after a backup), offers the demo or
setup on an empty store, and asks who is at the terminal. Global keys switch
modes (F2–F5), show help (F1), switch staff (F9) and acknowledge alerts (F7);
none of them escapes an open dialog.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual._context import active_app
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.worker import WorkerFailed, active_worker, get_current_worker

from frontdesk import crash
from frontdesk.config import Settings
from frontdesk.messages import (
    AmendIncident,
    DeskReady,
    DraftFound,
    LogIncidentFor,
    OpenCustomer,
    StoreChanged,
)
from frontdesk.screens.dialogs import ApologyScreen, StoreProblemScreen
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.clock import Clock
    from frontdesk.schemas.reads import AlertInfo, SiteInfo, StaffInfo
    from frontdesk.screens.setup import BuildingDemo
    from frontdesk.services.context import Actor
    from frontdesk.store.db import Store


def _styled(screen: Screen[Any]) -> Screen[Any]:
    """Mark a mode's new screen as styled with the current stylesheet.

    Textual otherwise re-parses and re-applies every style twice when a
    mode's first screen is installed (its counter starts at -1), which costs
    the first frame and every first F-key press ~60 ms; a screen being
    created has nothing stale, and a later theme change still refreshes it.
    """
    screen._css_update_count = active_app.get()._css_update_count
    return screen


def _greet() -> Screen[Any]:
    from frontdesk.screens.greet import GreetScreen

    return _styled(GreetScreen())


def _incident() -> Screen[Any]:
    from frontdesk.screens.incident import IncidentScreen

    return _styled(IncidentScreen())


def _followups() -> Screen[Any]:
    from frontdesk.screens.followups import FollowUpsScreen

    return _styled(FollowUpsScreen())


def _reports() -> Screen[Any]:
    from frontdesk.screens.reports import ReportsScreen

    return _styled(ReportsScreen())


GLOBAL_ACTIONS = frozenset(
    {"switch_mode", "toggle_help", "switch_staff", "acknowledge_alert", "command_palette", "quit"}
)
"""Actions bound on the App; only quit stays live under a dialog."""


class FrontdeskApp(App[int]):
    CSS_PATH = [
        Path(__file__).with_name("app.tcss"),
        *sorted((Path(__file__).parent / "screens").glob("*.tcss")),
    ]
    """Every screen's stylesheet is read at start: a screen bringing its own CSS
    later makes Textual re-parse and re-apply all styles (~50 ms on a kiosk)."""
    TITLE = "frontdesk"
    MODES = {"greet": _greet, "incident": _incident, "followups": _followups, "reports": _reports}
    BINDING_GROUP_TITLE = "Everywhere"
    # The Footer keeps its 80 columns for the screen's own keys: the mode bar shows F2–F5 and F9,
    # the alert bar shows F7, and F1 lists everything, Quit included.
    BINDINGS = [
        Binding("f1", "toggle_help", "Help", id="help", priority=True, tooltip="Show or hide the keys"),
        Binding("f2", "switch_mode('greet')", "Greet", id="greet", priority=True, show=False,
                tooltip="Find an arriving guest"),
        Binding("f3", "switch_mode('incident')", "Log incident", id="incident", priority=True, show=False,
                tooltip="Record what went wrong"),
        Binding("f4", "switch_mode('followups')", "Follow-ups", id="followups", priority=True, show=False,
                tooltip="The queue of what is due"),
        Binding("f5", "switch_mode('reports')", "Reports", id="reports", priority=True, show=False,
                tooltip="Recurring problems and follow-through"),
        Binding("f7", "acknowledge_alert", "Ack alert", id="acknowledge_alert", priority=True, show=False,
                tooltip="Acknowledge the newest alert"),
        Binding("f9", "switch_staff", "Staff", id="switch_staff", priority=True, show=False,
                tooltip="Change who is at this terminal"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False, tooltip="Quit frontdesk"),
    ]

    alerts: reactive[tuple[AlertInfo, ...]] = reactive(())
    """Unacknowledged alerts for this site from other terminals, newest first."""
    desk_label: reactive[str] = reactive("")
    """Who is at the terminal and where, shown in the screens row."""

    class StoreOpened(Message):
        def __init__(self, store: Store, empty: bool) -> None:
            super().__init__()
            self.store = store
            self.empty = empty

    class StoreFailed(Message):
        def __init__(self, problem: str) -> None:
            super().__init__()
            self.problem = problem

    class StaffNeeded(Message):
        def __init__(self, site: SiteInfo, staff: list[StaffInfo], can_cancel: bool) -> None:
            super().__init__()
            self.site = site
            self.staff = staff
            self.can_cancel = can_cancel

    class StaffChosen(Message):
        def __init__(self, site: SiteInfo, staff: StaffInfo) -> None:
            super().__init__()
            self.site = site
            self.staff = staff

    class AlertsLoaded(Message):
        def __init__(self, alerts: tuple[AlertInfo, ...]) -> None:
            super().__init__()
            self.alerts = alerts

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None,
                 *, watch_store: bool = True) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self._clock = clock
        self.watch_store = watch_store
        """Run the change feed (tests that count queries or need quiet turn it off)."""
        self.store: Store | None = None
        self.desk: Actor | None = None
        """The staff member, site and terminal every write is attributed to."""
        self.site: SiteInfo | None = None
        self.staff: StaffInfo | None = None
        self.store_problem: str | None = None
        self.desk_screens: weakref.WeakSet[Screen[Any]] = weakref.WeakSet()
        """Screens that refresh on DeskReady and StoreChanged."""

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            from frontdesk.clock import SystemClock

            self._clock = SystemClock()
        return self._clock

    def on_mount(self) -> None:
        if self.settings.theme:
            if self.settings.theme in self.available_themes:
                self.theme = self.settings.theme
            else:
                self.notify(f"Unknown theme {self.settings.theme}; using the default.", severity="warning")
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.switch_mode("greet")

    def on_ready(self) -> None:
        """The first frame is on screen: now load the heavy modules and open the store.

        Started earlier, the worker's imports (SQLAlchemy, pydantic, Alembic)
        compete with the first paint for the interpreter.
        """
        self.open_store()

    # -- opening the store -------------------------------------------------

    @work(thread=True, exclusive=True, group="open")
    def open_store(self) -> None:
        from frontdesk.services.setup import is_empty
        from frontdesk.store.db import StoreError, default_url
        from frontdesk.store.migrate import open_store

        try:
            store = open_store(self.settings.database_url or default_url())
        except StoreError as exc:
            self.post_message(self.StoreFailed(str(exc)))
            return
        self.post_message(self.StoreOpened(store, is_empty(store)))

    def on_frontdesk_app_store_failed(self, event: StoreFailed) -> None:
        self.store_problem = event.problem
        self.push_screen(StoreProblemScreen(event.problem))

    def on_frontdesk_app_store_opened(self, event: StoreOpened) -> None:
        self.store = event.store
        if event.empty:
            self.offer_first_run()
        else:
            self.find_desk(can_cancel=False)

    def offer_first_run(self) -> None:
        from frontdesk.screens.setup import FirstRunScreen

        def chosen(choice: str | None) -> None:
            if choice == "demo":
                from frontdesk.screens.setup import BuildingDemo

                dialog = BuildingDemo()
                self.push_screen(dialog)
                self.build_demo(dialog)
            else:
                self.offer_setup()

        self.push_screen(FirstRunScreen(), chosen)

    def offer_setup(self) -> None:
        from frontdesk.screens.setup import SetupScreen

        assert self.store is not None

        def done(saved: bool | None) -> None:
            if saved:
                self.find_desk(can_cancel=False)
            else:
                self.offer_first_run()

        self.push_screen(SetupScreen(self.store, self.clock, self.settings.terminal), done)

    @work(thread=True, exclusive=True, group="write")
    def build_demo(self, dialog: BuildingDemo) -> None:
        from frontdesk.services.demo import build_demo

        assert self.store is not None
        summary = build_demo(self.store, self.clock, terminal=self.settings.terminal, force=False,
                             progress=lambda done: dialog.post_message(dialog.Progressed(done)))
        dialog.post_message(dialog.Progressed(1.0, summary))
        self.find_desk(can_cancel=False)

    @work(thread=True, exclusive=True, group="desk")
    def find_desk(self, can_cancel: bool) -> None:
        """Resolve this terminal's site and staff member (asking when not configured)."""
        from frontdesk.services import setup
        from frontdesk.services.errors import NotFound

        assert self.store is not None
        try:
            site = setup.find_site(self.store, self.settings.site)
        except NotFound as exc:
            self.post_message(self.StoreFailed(str(exc)))
            return
        if self.settings.staff and self.desk is None:
            try:
                self.post_message(self.StaffChosen(site, setup.find_staff(self.store, self.settings.staff, site.id)))
                return
            except NotFound as exc:
                self.notify(f"{exc}; pick who is at the terminal.", severity="warning")
        self.post_message(self.StaffNeeded(site, setup.list_staff(self.store, site_id=site.id), can_cancel))

    def on_frontdesk_app_staff_needed(self, event: StaffNeeded) -> None:
        from frontdesk.screens.staff_picker import StaffPicker

        assert self.store is not None

        def picked(staff_id: int | None) -> None:
            if staff_id is None:
                return
            staff = next(staff for staff in event.staff if staff.id == staff_id)
            self.post_message(self.StaffChosen(event.site, staff))

        self.push_screen(StaffPicker(self.store, event.staff, can_cancel=event.can_cancel), picked)

    def on_frontdesk_app_staff_chosen(self, event: StaffChosen) -> None:
        from frontdesk.services.context import Actor

        assert self.store is not None
        first = self.desk is None
        self.site, self.staff = event.site, event.staff
        self.desk = Actor(self.store, self.clock, event.site.id, self.settings.terminal, event.staff.id)
        self.desk_label = f"{event.staff.name} · {event.site.name}"
        self.broadcast(DeskReady())
        self.load_alerts()
        if first and self.watch_store:
            self.watch_changes(self.store)
        if first:
            self.look_for_draft(self.desk)

    @work(thread=True, exclusive=True, group="draft")
    def look_for_draft(self, desk: Actor) -> None:
        """An incident typed at this terminal but never saved (a crash, a kill) is offered back at start."""
        from frontdesk.screens.incident import DRAFT_KIND
        from frontdesk.services.drafts import load_draft

        if (draft := load_draft(desk, DRAFT_KIND)) is not None:
            self.post_message(DraftFound(*draft))

    async def on_draft_found(self, event: DraftFound) -> None:
        await self.switch_mode("incident")
        self.screen.offer_draft(event.payload, event.saved_at)  # type: ignore[attr-defined]

    def broadcast(self, message_type: type[Message] | Message) -> None:
        for screen in list(self.desk_screens):
            screen.post_message(message_type if isinstance(message_type, Message) else message_type())

    # -- the change feed and alerts ------------------------------------------

    @work(thread=True, exclusive=True, group="feed")
    def watch_changes(self, store: Store) -> None:
        from frontdesk.store.feed import open_feed

        feed = open_feed(store)
        worker = get_current_worker()
        try:
            while not worker.is_cancelled:
                if feed.wait():
                    self.post_message(StoreChanged())
        finally:
            feed.close()

    def on_store_changed(self, _: StoreChanged) -> None:
        self.load_alerts()
        for screen in list(self.desk_screens):
            screen.post_message(StoreChanged())

    @work(thread=True, exclusive=True, group="alerts")
    def load_alerts(self) -> None:
        from frontdesk.services.alerts import active_alerts

        if self.desk is not None:
            self.post_message(self.AlertsLoaded(tuple(active_alerts(self.desk))))

    def on_frontdesk_app_alerts_loaded(self, event: AlertsLoaded) -> None:
        self.alerts = event.alerts
        if self.screen_stack:  # an answer that arrives while quitting has no screen to update
            self.refresh_bindings()

    def action_acknowledge_alert(self) -> None:
        if self.alerts and self.desk is not None:
            self.acknowledge(self.desk, self.alerts[0].id)

    @work(thread=True, group="write")
    def acknowledge(self, desk: Actor, alert_id: int) -> None:
        from frontdesk.services.alerts import acknowledge_alert
        from frontdesk.services.errors import Conflict

        try:
            acknowledge_alert(desk, alert_id)
        except Conflict as exc:
            self.notify(str(exc))
        self.load_alerts()

    # -- moving between screens -------------------------------------------------

    async def on_open_customer(self, event: OpenCustomer) -> None:
        """Any screen asks for a customer's card: switch to F2 and show it."""
        await self.switch_mode("greet")
        self.screen.show_customer(event.customer_id)  # type: ignore[attr-defined]

    async def on_log_incident_for(self, event: LogIncidentFor) -> None:
        await self.switch_mode("incident")
        self.screen.start_incident(event.customer_id)  # type: ignore[attr-defined]

    async def on_amend_incident(self, event: AmendIncident) -> None:
        await self.switch_mode("incident")
        self.screen.amend_incident(event.incident_id)  # type: ignore[attr-defined]

    # -- keys -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in GLOBAL_ACTIONS and action != "quit" and isinstance(self.screen, ModalScreen):
            return False
        if action == "acknowledge_alert":
            return bool(self.alerts)
        if action == "switch_staff":
            return self.desk is not None
        return True

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_switch_staff(self) -> None:
        self.find_desk(can_cancel=True)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The product's own commands (no Screenshot: it writes customer data to disk)."""
        if isinstance(screen, ModalScreen):
            return
        yield SystemCommand("Greet (F2)", "Find an arriving guest", lambda: self.switch_mode("greet"))
        yield SystemCommand("Log incident (F3)", "Record what went wrong", lambda: self.switch_mode("incident"))
        yield SystemCommand("Follow-ups (F4)", "The queue of what is due", lambda: self.switch_mode("followups"))
        yield SystemCommand("Reports (F5)", "Recurring problems and follow-through",
                            lambda: self.switch_mode("reports"))
        yield SystemCommand("Switch staff (F9)", "Change who is at this terminal", self.action_switch_staff)
        yield SystemCommand("Keys (F1)", "Show or hide the keys", self.action_toggle_help)
        yield SystemCommand("Theme", "Change the colours (ansi-dark suits a Linux console)",
                            self.action_change_theme)
        if hasattr(screen, "get_screen_commands"):
            yield from screen.get_screen_commands()
        yield SystemCommand("Quit (Ctrl+Q)", "Quit frontdesk", self.action_quit)

    # -- errors ---------------------------------------------------------------

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications are literal: they may carry customer text."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _handle_exception(self, error: Exception) -> None:
        """A worker's refusal becomes a notification and its bug an apology, the app going on; a bug on
        the UI thread stops the app with an apology instead of Textual's traceback (it prints local
        values: customer data).

        Every worker keeps Textual's default `exit_on_error=True` so that its failure arrives here:
        `Worker.StateChanged` does not bubble, so a screen's or a widget's failed worker would
        otherwise vanish without a word or a crash-log entry.
        """
        if isinstance(error, WorkerFailed) and isinstance(error.error, Exception):
            worker = active_worker.get(None)
            expected = _expected_error_text(error.error)
            if expected is not None:
                self.notify(expected, severity="error", timeout=8)
            else:
                where = f"worker {worker.group}" if worker is not None else "worker"
                reference = crash.record(error.error, where=where)
                if not isinstance(self.screen, ApologyScreen):  # one refresh can fail in several workers
                    self.push_screen(ApologyScreen(reference))
            return
        reference = crash.record(error, where="app")
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self.panic(literal(crash.apology(reference)))


def _expected_error_text(error: BaseException) -> str | None:
    """The sentence for a refusal or a store outage; None for a bug."""
    services_errors = sys.modules.get("frontdesk.services.errors")
    if services_errors is not None and isinstance(error, (services_errors.ServiceError, services_errors.InvalidInput)):
        return str(error)
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(error, sqlalchemy_exc.OperationalError):
        return "The store is not answering; nothing was saved. Try again in a moment."
    store_db = sys.modules.get("frontdesk.store.db")
    if store_db is not None and isinstance(error, store_db.StoreError):
        return str(error)
    return None


def run_app(settings: Settings) -> int:
    """Run the app; a store that cannot be opened is also reported on stderr after exit."""
    app = FrontdeskApp(settings)
    app.run()
    if app.store_problem:
        print(f"frontdesk: {app.store_problem}", file=sys.stderr)
        return 2
    return app.return_code or 0
