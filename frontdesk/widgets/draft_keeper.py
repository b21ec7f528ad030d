"""Keeps a form's draft in the store as it is typed, so a crash or a kill loses at most a moment.

A draft is written `QUIET` seconds after the last change, at least every
`LONGEST` seconds while typing goes on, and at once when a field is left.
Writes go one at a time and each reads the form when it starts, so an older
draft never lands after a newer one. A save holds the keeper first: the
service drops the draft in the save's own transaction, and no draft write
may be under way or start until then.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from textual import work
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import (
    Worker,
    WorkerCancelled,
    WorkerError,
    WorkerFailed,
    WorkerState,
)

from frontdesk.desk import DeskNode

if TYPE_CHECKING:
    from frontdesk.services.context import Actor

Payload = dict[str, Any]


class DraftKeeper(DeskNode, Widget):
    DEFAULT_CSS = """
    DraftKeeper {
        display: none;
    }
    """

    QUIET = 0.3
    """Seconds after the last change: a kill loses at most about this much typing."""
    LONGEST = 1.0
    """Seconds between writes while the typing does not pause."""

    def __init__(self, kind: str, read: Callable[[], Payload | None]) -> None:
        """`read` gives the form as a draft, or None when there is nothing to keep."""
        super().__init__()
        self.kind = kind
        self.read = read
        self.kept = False
        """A draft of this form is in the store (written here, or resumed from it)."""
        self.pending = False
        """A change not written yet."""
        self.held = False
        """A save is under way: it drops the draft itself."""
        self.writing: Worker[bool] | None = None
        self.quiet: Timer | None = None
        self.longest: Timer | None = None

    @property
    def busy(self) -> bool:
        """A write is under way."""
        return self.writing is not None and self.writing.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def changed(self) -> None:
        """The form changed: keep it once the typing pauses (or after `LONGEST` at the latest)."""
        self.pending = True
        if self.quiet is not None:
            self.quiet.stop()
        self.quiet = self.set_timer(self.QUIET, self.keep)
        if self.longest is None:
            self.longest = self.set_timer(self.LONGEST, self.keep)

    def keep(self) -> None:
        """Write the form as it is now, or drop its draft when nothing is left to keep."""
        self.stop_timers()
        desk = self.app.desk
        if self.held or not self.pending or desk is None or self.busy:
            return  # a write under way starts the next one when it ends
        self.pending = False
        payload = self.read()
        if payload is None and not self.kept:
            return
        self.kept = payload is not None
        self.writing = self.write(desk, payload)

    @work(thread=True, group="draft", exit_on_error=False)
    def write(self, desk: Actor, payload: Payload | None) -> bool:
        """Save or drop the draft; False when another terminal held the store (tried again in a moment)."""
        from frontdesk.errors import StoreBusy
        from frontdesk.services.drafts import discard_draft, save_draft

        try:
            if payload is None:
                discard_draft(desk, self.kind)
            else:
                save_draft(desk, self.kind, payload)
        except StoreBusy:
            return False
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.writing or self.busy:
            return
        if event.state is WorkerState.SUCCESS and event.worker.result is False:
            self.changed()  # the store was busy: a background save is no news, it goes again shortly
        elif self.pending:
            self.keep()

    def stop_timers(self) -> None:
        for timer in (self.quiet, self.longest):
            if timer is not None:
                timer.stop()
        self.quiet = self.longest = None

    def adopt(self) -> None:
        """The draft in the store is this form's now (it was resumed or is to be discarded)."""
        self.kept = True
        self.pending = True

    async def settle(self) -> None:
        """Return once the write under way, if any, has ended."""
        if self.busy and self.writing is not None:
            with suppress(WorkerFailed, WorkerCancelled, WorkerError):
                await self.writing.wait()

    async def flush(self) -> None:
        """Keep what is typed now (before quitting), and return once it is in the store."""
        await self.settle()
        self.pending = True
        self.keep()
        await self.settle()

    async def hold(self) -> None:
        """A save starts: no draft write from now on, and none under way when this returns."""
        self.held = True
        self.stop_timers()
        await self.settle()

    def release(self) -> None:
        """The save was refused: keep the form again, at once."""
        self.held = False
        self.pending = True
        self.keep()

    def saved(self) -> None:
        """The save dropped the draft in its own transaction."""
        self.stop_timers()
        self.held = self.kept = self.pending = False
