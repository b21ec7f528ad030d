"""FrontdeskApp: the shell every screen lives in.

The first frame is painted before SQLAlchemy and pydantic are imported; a
worker then opens the store (upgrading it after a backup), offers the demo or
setup on an empty store, and asks who is at the terminal. Global keys switch
modes (F2–F5), show help (F1), sign someone in (F9) and acknowledge alerts (F7);
none of them escapes an open dialog.
"""

from __future__ import annotations

import gc
import os
import sys
from time import monotonic
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette, SearchIcon
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState, get_current_worker

from frontdesk import crash
from frontdesk.compat import QuietCrashes, styled
from frontdesk.config import Settings
from frontdesk.desk import DeskApp
from frontdesk.errors import FrontdeskError, StoreBusy, StoreError
from frontdesk.messages import (
    AmendIncident,
    DeskReady,
    DraftFound,
    LogIncidentFor,
    OpenCustomer,
    StoreChanged,
)
from frontdesk.screens.dialogs import ApologyScreen, StoreProblemScreen
from frontdesk.widgets.safe import visible

if TYPE_CHECKING:
    from frontdesk.clock import Clock
    from frontdesk.schemas.reads import AlertInfo, SiteInfo, StaffInfo
    from frontdesk.screens.setup import BuildingDemo
    from frontdesk.services.context import Actor
    from frontdesk.services.pins import Lockout
    from frontdesk.store.db import Store

ModeScreen = TypeVar("ModeScreen", bound=Screen[Any])


class DeskPalette(CommandPalette):
    """The command palette with a plain ">" for its search icon on a console without emoji."""

    def __init__(self, *, plain: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = plain

    def on_mount(self) -> None:
        if self.plain:
            self.query_one(SearchIcon).icon = ">"


def _greet() -> Screen[Any]:
    from frontdesk.screens.greet import GreetScreen

    return styled(GreetScreen())


def _incident() -> Screen[Any]:
    from frontdesk.screens.incident import IncidentScreen

    return styled(IncidentScreen())


def _followups() -> Screen[Any]:
    from frontdesk.screens.followups import FollowUpsScreen

    return styled(FollowUpsScreen())


def _reports() -> Screen[Any]:
    from frontdesk.screens.reports import ReportsScreen

    return styled(ReportsScreen())


DESK_MODES = {"greet": _greet, "incident": _incident, "followups": _followups, "reports": _reports}
HANDOVER = "handover"
"""A blank mode shown for a moment while every desk mode is made anew for another person (see start_clean)."""
SIGN_IN = "sign-in"
"""The installed sign-in screen: shown at start and again at every lock."""
ESCALATION_CHECK_SECONDS = 60
"""How often a terminal looks for follow-ups the clock has escalated (for the alert bar)."""

GLOBAL_ACTIONS = frozenset(
    {"switch_mode", "toggle_help", "help_page", "switch_staff", "acknowledge_alert", "command_palette", "quit"}
)
"""Actions bound on the App; only quit stays live under a dialog."""


class FrontdeskApp(QuietCrashes, DeskApp):
    CSS_PATH = [
        Path(__file__).with_name("app.tcss"),
        *sorted((Path(__file__).parent / "screens").glob("*.tcss")),
    ]
    """Every screen's stylesheet is read at start: a screen bringing its own CSS
    later makes Textual re-parse and re-apply all styles (~50 ms on a kiosk)."""
    TITLE = "frontdesk"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    """Screens without breakpoints of their own: the keys panel (F1) covers them below 110 columns."""
    MODES = {**DESK_MODES, HANDOVER: Screen}
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
        Binding("f9", "switch_staff", "Lock", id="switch_staff", priority=True, show=False,
                tooltip="Lock the terminal: your PIN resumes, another person's PIN signs them in"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False, tooltip="Quit frontdesk"),
        Binding("pageup", "help_page(-1)", "Scroll help", priority=True, show=False, system=True),
        Binding("pagedown", "help_page(1)", "Scroll help", priority=True, show=False, system=True),
    ]

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
        def __init__(self, site: SiteInfo, staff: list[StaffInfo], can_cancel: bool,
                     chosen: StaffInfo | None = None, locked: bool = False) -> None:
            super().__init__()
            self.locked = locked
            self.site = site
            self.staff = staff
            self.can_cancel = can_cancel
            self.chosen = chosen

    class StaffChosen(Message):
        def __init__(self, site: SiteInfo, staff: StaffInfo) -> None:
            super().__init__()
            self.site = site
            self.staff = staff

    class DemoBuilt(Message):
        def __init__(self, summary: str) -> None:
            super().__init__()
            self.summary = summary

    class FeedLive(Message):
        """The change feed was lost (False) or is back (True)."""

        def __init__(self, live: bool) -> None:
            super().__init__()
            self.live = live

    class AlertsLoaded(Message):
        def __init__(self, alerts: tuple[AlertInfo, ...], lockouts: tuple[Lockout, ...] = (),
                     escalation_notice: str = "") -> None:
            super().__init__()
            self.alerts = alerts
            self.lockouts = lockouts
            self.escalation_notice = escalation_notice

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None,
                 *, watch_store: bool = True, pin: str | None = None) -> None:
        super().__init__(settings or Settings(), clock)
        self.watch_store = watch_store
        self.pin = pin
        """The PIN of `settings.staff`, typed for them (tests, the bench): checked by the same sign-in service."""
        """Run the change feed (tests that count queries or need quiet turn it off)."""
        self.store_problem: str | None = None
        self.demo_summary: str | None = None
        """What the demo build made: said once someone is at the terminal, not over the staff picker."""
        self.last_input = monotonic()
        self.locked = False
        """The sign-in covers everything: locked by F9 or after lock_after_seconds without a key."""
        self.lockouts: tuple[Lockout, ...] = ()
        """Names locked out after wrong PINs, for a lead or manager (the palette lists them)."""
        self.known_staff: tuple[SiteInfo, list[StaffInfo]] | None = None
        """The site and names the last sign-in offered: the lock shows them without waiting for the store."""
        self.last_store_problem: str | None = None
        """The store problem last shown (full, read-only, unreachable…): shown once, not on every keystroke,
        until the store works again (a commit is seen, or the feed comes back)."""

    def on_mount(self) -> None:
        if self.settings.theme:
            if self.settings.theme in self.available_themes:
                self.theme = self.settings.theme
            else:
                self.notify(f"Unknown theme {self.settings.theme}; using the default.", severity="warning")
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.switch_mode("greet")
        if self.settings.lock_after_seconds:
            self.set_interval(1.0, self.lock_when_idle)

    # -- the lock ----------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Any key or click counts as someone at the terminal (the idle lock's clock)."""
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_input = monotonic()
        await super().on_event(event)

    def lock_when_idle(self) -> None:
        if self.desk is not None and not self.locked and monotonic() - self.last_input >= self.settings.lock_after_seconds:
            self.action_switch_staff()

    def on_ready(self) -> None:
        """The first frame is on screen: now load the heavy modules and open the store.

        Started earlier, the worker's imports (SQLAlchemy, pydantic, Alembic)
        compete with the first paint for the interpreter.
        """
        self.open_store()

    # -- opening the store -------------------------------------------------

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def open_store(self) -> None:
        from frontdesk.services.setup import is_empty
        from frontdesk.store.db import default_url
        from frontdesk.store.migrate import open_store

        try:
            settings = self.settings
            store = open_store(settings.database_url or default_url(), terminal=settings.terminal,
                               pool_size=settings.pool_size, feed_url=settings.feed_database_url)
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

    @work(thread=True, exclusive=True, group="write", exit_on_error=False)
    def build_demo(self, dialog: BuildingDemo) -> None:
        from frontdesk.demo.restaurant import build_demo

        assert self.store is not None
        summary = build_demo(self.store, self.clock, terminal=self.settings.terminal, force=False,
                             progress=lambda done: dialog.post_message(dialog.Progressed(done)))
        dialog.post_message(dialog.Progressed(1.0, summary))
        self.post_message(self.DemoBuilt(summary))
        self.find_desk(can_cancel=False)

    def on_frontdesk_app_demo_built(self, event: DemoBuilt) -> None:
        self.demo_summary = event.summary

    def terminal_actor(self, site_id: int, staff_id: int | None = None) -> Actor:
        """This terminal as the services see it; the one place an Actor is made for it (served: PIN always)."""
        from frontdesk.services.context import Actor

        assert self.store is not None
        return Actor(self.store, self.clock, site_id, self.settings.terminal, staff_id,
                     pin_always=self.settings.served)

    @work(thread=True, exclusive=True, group="desk", exit_on_error=False)
    def find_desk(self, can_cancel: bool) -> None:
        """Resolve this terminal's site, then ask who is here: the named person's PIN, or a name and a PIN."""
        from frontdesk.errors import NotAllowed, NotFound
        from frontdesk.services import pins, setup
        from frontdesk.services.settings import check_lock_after

        assert self.store is not None
        try:
            site = setup.find_site(self.store, self.settings.site)
        except NotFound as exc:
            self.post_message(self.StoreFailed(str(exc)))
            return
        try:
            check_lock_after(self.terminal_actor(site.id), self.settings.lock_after_seconds)
        except NotAllowed as exc:
            self.post_message(self.StoreFailed(str(exc)))
            return
        staff = setup.list_staff(self.store, site_id=site.id)
        self.known_staff = (site, staff)
        named = (self.settings.staff or "").strip().lower() if self.desk is None else ""
        chosen = next((person for person in staff if person.name.lower() == named), None)
        if chosen is not None and self.pin:
            try:
                terminal = self.terminal_actor(site.id)
                self.post_message(self.StaffChosen(site, pins.sign_in(terminal, chosen.id, self.pin)))
                return
            except NotAllowed:
                pass  # the screen asks, and says why
        self.post_message(self.StaffNeeded(site, staff, can_cancel, chosen))

    def on_frontdesk_app_staff_needed(self, event: StaffNeeded) -> None:
        from frontdesk.screens.sign_in import SignInScreen

        assert self.store is not None

        def signed_in(staff: StaffInfo | None) -> None:
            self.locked = False
            self.last_input = monotonic()
            if staff is not None and event.locked and self.desk is not None:
                self.unlocked(self.desk.as_staff(staff.id))
            if staff is not None and (self.staff is None or staff.id != self.staff.id):
                self.post_message(self.StaffChosen(event.site, staff))  # the same person resumes where they were

        terminal = self.terminal_actor(event.site.id)
        self.locked = event.locked
        if self.is_screen_installed(SIGN_IN):
            sign_in = self.get_screen(SIGN_IN, SignInScreen)
            sign_in.show_again(terminal, event.staff, can_cancel=event.can_cancel, chosen=event.chosen,
                               locked=event.locked)
        else:  # kept, so that a lock shows it again rather than building one (most of a lock's time)
            self.install_screen(SignInScreen(terminal, event.staff, can_cancel=event.can_cancel, chosen=event.chosen,
                                             locked=event.locked), SIGN_IN)
        self.push_screen(SIGN_IN, signed_in)

    @work(thread=True, group="write", exit_on_error=False)
    def unlocked(self, desk: Actor) -> None:
        from frontdesk.services.pins import record_lock

        record_lock(desk, "unlock")

    async def on_frontdesk_app_staff_chosen(self, event: StaffChosen) -> None:
        """Someone signed in: at start, or another person after a lock (the first person's typing is kept as their
        drafts, and the newcomer starts clean). Either way their own unsaved incident is offered back."""
        assert self.store is not None
        first = self.desk is None
        if not first:
            await self.keep_drafts()
        self.site, self.staff = event.site, event.staff
        self.desk = self.terminal_actor(event.site.id, event.staff.id)
        self.desk_label = f"{event.staff.name} · {event.site.name}"
        if not first:
            await self.start_clean()
        self.broadcast(DeskReady())
        if self.demo_summary:
            self.notify(self.demo_summary)
            self.demo_summary = None
        self.load_alerts()
        if first and self.watch_store:
            self.watch_changes(self.store)
        if first:
            self.set_interval(ESCALATION_CHECK_SECONDS, self.load_alerts)  # time alone escalates: no change to hear
            self.screen.call_after_refresh(self.freeze_heap)
        self.look_for_draft(self.desk)
        if event.staff.first_sign_in_today and event.staff.role == "lead":
            self.call_later(self.open_the_day)

    def freeze_heap(self) -> None:
        """Once the first desk is up, leave what is there out of Python's later full collections (`gc.freeze`).

        The store, the ORM, Textual and the screens are about 140,000 long-lived
        objects; a full collection walked them all on the main thread, wherever
        it fell (100-400 ms on a loaded machine, a lock or a keystroke). Frozen,
        they stay, and a full collection walks only what came later. No
        collection first: at this point it found a few hundred objects to free
        and took 240-350 ms on a loaded machine. `on_unmount` gives them back.
        """
        gc.freeze()

    def on_unmount(self) -> None:
        """The app ends: what `freeze_heap` froze may be collected again (a test process runs many apps)."""
        gc.unfreeze()

    async def open_the_day(self) -> None:
        """A lead's first sign-in of the local day opens on the queue, saying what is overdue and escalated."""
        from frontdesk.screens.followups import FollowUpsScreen

        (await self.show_mode("followups", FollowUpsScreen)).open_the_day()

    async def keep_drafts(self) -> None:
        """Another person is signing in: what the one before typed is kept as their draft, before they go."""
        from frontdesk.screens.base import DeskScreen

        for screen in list(self.desk_screens):
            if isinstance(screen, DeskScreen):
                await screen.keep_for_later()

    async def start_clean(self) -> None:
        """Every mode anew, with any dialog over it: nothing the last person typed or opened stays on screen."""
        self.desk_screens.clear()
        await self.switch_mode(HANDOVER)
        for mode, screen in DESK_MODES.items():
            await self.remove_mode(mode)
            self.add_mode(mode, screen)
        await self.switch_mode("greet")

    @work(thread=True, exclusive=True, group="draft", exit_on_error=False)
    def look_for_draft(self, desk: Actor) -> None:
        """An incident this person typed at this terminal but never saved (a crash, a kill, someone else signing in
        after a lock) is offered back when they sign in.

        Served to a browser, every tab is a new terminal: the person signing in is offered their own
        draft from any tab instead, so a reloaded tab loses nothing.
        """
        from frontdesk.screens.incident import DRAFT_KIND
        from frontdesk.services.drafts import load_draft

        if (draft := load_draft(desk, DRAFT_KIND, from_any_tab=self.settings.served)) is not None:
            self.post_message(DraftFound(*draft))

    async def on_draft_found(self, event: DraftFound) -> None:
        from frontdesk.screens.incident import IncidentScreen

        (await self.show_mode("incident", IncidentScreen)).offer_draft(event.payload, event.saved_at)

    def broadcast(self, message_type: type[Message] | Message) -> None:
        for screen in list(self.desk_screens):
            screen.post_message(message_type if isinstance(message_type, Message) else message_type())

    # -- the change feed and alerts ------------------------------------------

    @work(thread=True, exclusive=True, group="feed", exit_on_error=False)
    def watch_changes(self, store: Store) -> None:
        """Follow the change feed until the worker is cancelled, reconnecting whenever it is lost."""
        from frontdesk.store.feed import follow

        follow(store, get_current_worker().cancelled_event,
               on_change=lambda changes: self.post_message(StoreChanged(changes)),
               on_live=lambda live: self.post_message(self.FeedLive(live)))

    def on_frontdesk_app_feed_live(self, event: FeedLive) -> None:
        self.live_updates = event.live
        if event.live:
            self.last_store_problem = None

    def on_store_changed(self, event: StoreChanged) -> None:
        """Re-query the alerts, and hand the change to every screen, only where it concerns them: a change at
        another site to nothing any screen shows costs no query here."""
        from frontdesk.store.changes import Interest, concerned

        self.last_store_problem = None
        site_id = self.desk.site_id if self.desk is not None else None
        if event.changes is None or concerned(Interest.of(("alerts", "staff")), event.changes, site_id):
            self.load_alerts()
        for screen in list(self.desk_screens):
            screen.post_message(StoreChanged(event.changes))

    @work(thread=True, exclusive=True, group="alerts", exit_on_error=False)
    def load_alerts(self) -> None:
        """The site's alerts, and for a lead or manager the names locked out after wrong PINs and what is escalated."""
        from frontdesk.services.alerts import active_alerts
        from frontdesk.services.authority import allows
        from frontdesk.services.escalation import counts, notice
        from frontdesk.services.pins import locked_out

        if self.desk is not None:
            role = getattr(self.staff, "role", None)
            lockouts = locked_out(self.desk) if allows(role, "see_lockouts") else []
            escalated = notice(role, counts(self.desk)) if allows(role, "work_queue") else ""
            self.post_message(self.AlertsLoaded(tuple(active_alerts(self.desk)), tuple(lockouts), escalated))

    def on_frontdesk_app_alerts_loaded(self, event: AlertsLoaded) -> None:
        self.alerts = event.alerts
        self.lockouts = event.lockouts
        self.escalation_notice = event.escalation_notice
        if self.screen_stack:  # an answer that arrives while quitting has no screen to update
            self.refresh_bindings()

    def action_acknowledge_alert(self) -> None:
        if self.alerts and self.desk is not None:
            self.acknowledge(self.desk, self.alerts[0].id)

    @work(thread=True, group="write", exit_on_error=False)
    def acknowledge(self, desk: Actor, alert_id: int) -> None:
        from frontdesk.errors import Conflict
        from frontdesk.services.alerts import acknowledge_alert

        try:
            acknowledge_alert(desk, alert_id)
        except Conflict as exc:
            self.notify(str(exc))
        self.load_alerts()

    # -- moving between screens -------------------------------------------------

    async def show_mode(self, mode: str, kind: type[ModeScreen]) -> ModeScreen:
        """Switch to a mode and return its screen, typed."""
        await self.switch_mode(mode)
        screen = self.screen
        assert isinstance(screen, kind)
        return screen

    def came_from(self, mode: str) -> str | None:
        """The mode asking to show `mode`, for Esc to go back to (None when it is the same)."""
        return None if self.current_mode == mode else self.current_mode

    async def on_open_customer(self, event: OpenCustomer) -> None:
        """Any screen asks for a customer's card: switch to F2 and show it; Esc goes back."""
        from frontdesk.screens.greet import GreetScreen

        back_to = self.came_from("greet")
        (await self.show_mode("greet", GreetScreen)).show_customer(event.customer_id, back_to=back_to)

    async def on_log_incident_for(self, event: LogIncidentFor) -> None:
        from frontdesk.screens.incident import IncidentScreen

        (await self.show_mode("incident", IncidentScreen)).start_incident(event.customer_id)

    async def on_amend_incident(self, event: AmendIncident) -> None:
        from frontdesk.screens.incident import IncidentScreen

        back_to = self.came_from("incident")
        (await self.show_mode("incident", IncidentScreen)).amend_incident(event.incident_id, back_to=back_to)

    # -- keys -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in GLOBAL_ACTIONS and action != "quit" and isinstance(self.screen, ModalScreen):
            return False
        if action == "help_page":
            return bool(self.screen.query("KeysHelp"))  # otherwise the key goes on to the screen
        if action == "acknowledge_alert":
            return bool(self.alerts)
        if action == "switch_staff":
            return self.desk is not None
        return True

    async def action_quit(self) -> None:
        """Quit, once every screen holding unsaved typing has kept it (and asked, if it asks);
        in kiosk mode once a manager's PIN is given too."""
        from frontdesk.screens.base import DeskScreen
        from frontdesk.screens.sign_in import ManagerPinScreen

        if isinstance(self.screen, ManagerPinScreen):
            return  # already asking
        for screen in list(self.desk_screens):
            if isinstance(screen, DeskScreen) and not await screen.before_quit():
                return
        self.leave()

    def leave(self) -> None:
        self.with_manager_pin("Quitting", self.exit)

    def action_help_quit(self) -> None:
        """Ctrl+C (Textual's reminder, whose markup our literal notifications would show as typed)."""
        self.notify("Ctrl+Q quits" + (", with a manager's PIN." if self.settings.kiosk else "."), title="Quit?")

    def action_suspend_process(self) -> None:
        """No key suspends frontdesk; should one ever, in kiosk mode it waits for a manager's PIN too."""
        self.with_manager_pin("Suspending", super().action_suspend_process)

    def with_manager_pin(self, doing: str, then: Callable[[], None]) -> None:
        """Kiosk mode: `then` once a manager's PIN is given (checked and audited `quit` by the pins service).

        Before the store has named this site's staff (it cannot be opened, or a first run is setting it up)
        there is no one to ask, and `then` happens at once."""
        from frontdesk.screens.sign_in import ManagerPinScreen

        if not self.settings.kiosk or self.known_staff is None or self.store is None:
            then()
            return
        site, staff = self.known_staff
        managers = [person for person in staff if person.role == "manager"]
        if not managers:
            self.notify(f"{doing} needs a manager's PIN, and this site has no manager.", severity="warning")
            return

        def given(manager: StaffInfo | None) -> None:
            if manager is not None:
                then()

        self.push_screen(ManagerPinScreen(self.terminal_actor(site.id), managers, doing), given)

    async def action_switch_mode(self, mode: str) -> None:
        """F2–F5; pressed on its own screen, that screen starts over (F2: the search box, no card open)."""
        from frontdesk.screens.base import DeskScreen

        if mode == self.current_mode and isinstance(self.screen, DeskScreen):
            self.screen.mode_key_again()
            return
        await self.switch_mode(mode)

    def action_toggle_help(self) -> None:
        """F1: our keys panel (the screen's keys first), not Textual's HelpPanel (its generic keys first)."""
        from frontdesk.widgets.keys_help import KeysHelp

        if shown := self.screen.query(KeysHelp):
            shown.remove()
        else:
            self.screen.mount(KeysHelp())

    def action_help_page(self, step: int) -> None:
        from frontdesk.widgets.keys_help import KeysHelp

        for panel in self.screen.query(KeysHelp):
            panel.page(step)

    def action_switch_staff(self) -> None:
        """Lock at once (the names are those of the last sign-in): the sign-in covers everything, the same
        person's PIN resumes, another's switches. The audit event is written once the lock is on screen."""
        if self.locked or self.desk is None or self.site is None:
            return
        site, staff = self.known_staff or (self.site, [self.staff] if self.staff else [])
        chosen = next((person for person in staff if person.id == self.desk.staff_id), None)  # Esc: the others
        self.on_frontdesk_app_staff_needed(self.StaffNeeded(site, staff, False, chosen, locked=True))
        self.screen.call_after_refresh(self.record_lock, self.desk)  # its thread would compete with the painting

    @work(thread=True, group="write", exit_on_error=False)
    def record_lock(self, desk: Actor) -> None:
        from frontdesk.services.pins import record_lock

        record_lock(desk, "lock")

    def action_audit_trail(self) -> None:
        from frontdesk.screens.audit import open_audit_trail

        open_audit_trail(self)

    @property
    def plain_icons(self) -> bool:
        """A Linux console (TERM=linux) or the theme chosen for one: its font has no emoji."""
        return os.environ.get("TERM") == "linux" or self.theme.startswith("ansi")

    def action_command_palette(self) -> None:
        """Textual's palette, its 🔎 a plain ">" where the font has no emoji (issue 17)."""
        # Textual types is_open() for App[object]; App is invariant in its return type (ours is int).
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(DeskPalette(plain=self.plain_icons, id="--command-palette"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The product's own commands (no Screenshot: it writes customer data to disk)."""
        if isinstance(screen, ModalScreen):
            return
        yield SystemCommand("Greet (F2)", "Find an arriving guest", lambda: self.switch_mode("greet"))
        yield SystemCommand("Log incident (F3)", "Record what went wrong", lambda: self.switch_mode("incident"))
        yield SystemCommand("Follow-ups (F4)", "The queue of what is due", lambda: self.switch_mode("followups"))
        yield SystemCommand("Reports (F5)", "Recurring problems and follow-through",
                            lambda: self.switch_mode("reports"))
        yield SystemCommand("Audit trail (F5, t)", "Who did what to which record, when (a manager)",
                            self.action_audit_trail)
        yield SystemCommand("Lock (F9)", "Your PIN resumes; another person's PIN signs them in", self.action_switch_staff)
        yield from self.lockout_commands()
        yield SystemCommand("Keys (F1)", "Show or hide the keys", self.action_toggle_help)
        yield SystemCommand("Theme", "Change the colours (ansi-dark suits a Linux console)",
                            self.action_change_theme)
        if hasattr(screen, "get_screen_commands"):
            yield from screen.get_screen_commands()
        yield SystemCommand("Quit (Ctrl+Q)", "Quit frontdesk", self.action_quit)

    def lockout_commands(self) -> Iterable[SystemCommand]:
        """Leads see who is locked out; a manager lifts a lockout from here."""
        from frontdesk.services.authority import allows

        lifts = allows(getattr(self.staff, "role", None), "lift_lockout")
        for lockout in self.lockouts:
            until = lockout.until_local
            if lifts:
                yield SystemCommand(visible(f"Lift lockout: {lockout.name}"), f"Locked out until {until}",
                                    lambda staff_id=lockout.staff_id: self.lift(staff_id))
            else:
                yield SystemCommand(visible(f"Locked out: {lockout.name}"), f"Until {until}; a manager may lift it",
                                    lambda: None)

    @work(thread=True, group="write", exit_on_error=False)
    def lift(self, staff_id: int) -> None:
        from frontdesk.services.pins import lift_lockout

        if self.desk is not None:
            lift_lockout(self.desk, staff_id)
            self.notify("Lockout lifted: they may sign in again.")
            self.load_alerts()

    # -- errors ---------------------------------------------------------------

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications are literal, control characters made visible: they may carry customer text."""
        super().notify(visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False)

    def worker_failed(self, worker: Worker[Any]) -> None:
        error = worker.error
        if isinstance(error, FrontdeskError):
            if isinstance(error, StoreError) and not isinstance(error, StoreBusy):
                if str(error) == self.last_store_problem:
                    return
                self.last_store_problem = str(error)
            self.notify(str(error), severity="error", timeout=8)
            return
        reference = crash.record(error if isinstance(error, BaseException) else RuntimeError(),
                                 where=f"worker {worker.group}")
        if not isinstance(self.screen, ApologyScreen):  # one refresh can fail in several workers
            self.push_screen(ApologyScreen(reference))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.worker_failed(event.worker)

    def crashed(self, error: Exception) -> str:
        return crash.apology(crash.record(error, where="app"))


def run_app(settings: Settings) -> int:
    """Run the app; a store that cannot be opened is also reported on stderr after exit."""
    app = FrontdeskApp(settings)
    app.run()
    if app.store_problem:
        print(f"frontdesk: {app.store_problem}", file=sys.stderr)
        return 2
    return app.return_code or 0
