"""The frame every mode screen shares: header, screens row, alert bar, body, footer.

A `DeskScreen` refreshes its data when the desk becomes ready and when the
store changes in a way that concerns what it shows (`shows()`: its site's
tables, and a customer's flags and history wherever they changed); a screen
that is not showing only marks itself stale and refreshes when it is shown
again, so an idle or hidden screen runs no queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from frontdesk.desk import DeskNode
from frontdesk.messages import DeskReady, StoreChanged
from frontdesk.widgets.alert_bar import AlertBar
from frontdesk.widgets.mode_bar import ModeBar

if TYPE_CHECKING:
    from frontdesk.services.context import Actor
    from frontdesk.store.changes import Interest


class DeskFooter(Footer):
    """Textual's Footer, recomposed only when the keys it shows have changed, and letting go of the keys it drops.

    Any `refresh_bindings()` recomposes the Footer (tens of milliseconds of
    widget building on a kiosk), and screens refresh bindings as their state
    changes; most of those refreshes leave the shown keys as they were.

    Each key it composes is bound to its `compact`, and Textual forgets a
    removed key's binding only when `compact` changes, which it never does
    here: every recompose kept its old keys alive (about 15 widgets and 2,000
    objects per lock and unlock), and Python's full collections grew longer
    all day. After a recompose the bindings are run once, which drops them.
    """

    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = tuple(
            (binding.key, binding.description, enabled, tooltip)
            for _, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )
        if shown == self._shown and self.children:
            return
        self._shown = shown
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        await super().recompose()
        self.mutate_reactive(Footer.compact)  # Textual drops the removed keys' bindings as it runs them


class DeskScreen(DeskNode, Screen[None]):
    MODE: str = ""
    """The mode this screen is shown in (greet, incident, followups, reports)."""

    def __init__(self) -> None:
        super().__init__()
        self._stale = False

    @property
    def desk(self) -> Actor | None:
        """Who is acting at this terminal, once the store is open and staff picked."""
        return self.app.desk

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield ModeBar(self.MODE)
        yield AlertBar()
        yield from self.compose_body()
        yield DeskFooter(compact=True)

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the alert bar and the footer."""
        yield from ()

    def on_mount(self) -> None:
        self.app.desk_screens.add(self)
        if self.desk is not None:
            self.refresh_data()

    def on_desk_ready(self, _: DeskReady) -> None:
        self.refresh_data()

    def shows(self) -> Interest:
        """What this screen shows now, so that a change elsewhere or to other records costs no query;
        screens narrow it (by default: everything at this site)."""
        from frontdesk.store.changes import ALL_HERE

        return ALL_HERE

    def concerned(self, event: StoreChanged) -> bool:
        from frontdesk.store.changes import concerned

        if event.changes is None:
            return True
        return concerned(self.shows(), event.changes, self.desk.site_id if self.desk is not None else None)

    def on_store_changed(self, event: StoreChanged) -> None:
        if not self.concerned(event):
            return
        if self.is_current:
            self.refresh_data()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale and self.desk is not None:
            self._stale = False
            self.refresh_data()

    def refresh_data(self) -> None:
        """Re-query what this screen shows, in a worker; screens override it."""

    def mode_key_again(self) -> None:
        """This screen's F-key pressed while it shows; the greet screen goes back to its search box."""

    async def keep_for_later(self) -> None:
        """Another person signs in after a lock: keep what is typed here as the draft of the one leaving."""

    async def before_quit(self) -> bool:
        """Ctrl+Q: True to let the app quit; a screen holding unsaved typing keeps it first and may ask."""
        return True
