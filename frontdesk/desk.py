"""What screens and widgets may rely on from the running app, typed.

Screens and widgets sit below the app in the layers, so they cannot import
`FrontdeskApp`; they mix in `DeskNode` instead, which gives a typed
`self.app` (toad's `getters.app`) and hands a failed worker to the app:
workers run with `exit_on_error=False`, and `Worker.StateChanged` does not
bubble, so each node that starts workers forwards its own (harlequin's
`handle_worker_error`).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from textual import getters
from textual.app import App
from textual.message_pump import MessagePump
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from frontdesk.clock import Clock
    from frontdesk.config import Settings
    from frontdesk.schemas.reads import AlertInfo, SiteInfo, StaffInfo
    from frontdesk.services.context import Actor
    from frontdesk.store.db import Store


class DeskApp(App[int]):
    """The app as its screens see it: the store, who is at the terminal, where, and when."""

    alerts: reactive[tuple[AlertInfo, ...]] = reactive(())
    """Unacknowledged alerts for this site from other terminals, newest first."""
    escalation_notice: reactive[str] = reactive("")
    """For a lead: how many follow-ups stand escalated to the leads; for a manager, to the managers ("" none)."""
    desk_label: reactive[str] = reactive("")
    """Who is at the terminal and where, shown in the screens row."""
    live_updates: reactive[bool] = reactive(True)
    """False while the change feed is lost: the screens row says live updates are paused."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        super().__init__()
        self.settings = settings
        self._clock = clock
        self.store: Store | None = None
        self.desk: Actor | None = None
        """The staff member, site and terminal every write is attributed to."""
        self.site: SiteInfo | None = None
        self.staff: StaffInfo | None = None
        self.desk_screens: weakref.WeakSet[Screen[Any]] = weakref.WeakSet()
        """Screens that refresh on DeskReady and StoreChanged."""

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            from frontdesk.clock import SystemClock

            self._clock = SystemClock()
        return self._clock

    def leave(self) -> None:
        """Quit now that the screens have kept what they hold (in kiosk mode, once a manager's PIN is given)."""
        raise NotImplementedError

    def worker_failed(self, worker: Worker[Any]) -> None:
        """A worker raised: a refusal becomes a notification, a bug an apology (the app goes on)."""
        raise NotImplementedError


class DeskNode(MessagePump):
    """Mixed into screens and widgets: a typed `self.app`, and their failed workers reported to it."""

    app = getters.app(DeskApp)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.app.worker_failed(event.worker)
