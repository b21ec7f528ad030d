"""Follow-ups (F4): the shift lead's queue of what is due, worked until every episode is closed.

Overdue first, then due today, then upcoming, for this terminal's site. The
queue fetches one screen of rows at a time (`DueTable` pages on demand), so
10,000 open follow-ups open as fast as ten. Counts of overdue / today / this
week stay in view whatever the filters. Every action names the version the
lead saw; when another terminal got there first the service's sentence is
shown on the message line and the queue refreshes. The change feed refreshes
the queue by itself, so a change made elsewhere shows within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label, Static
from textual.worker import get_current_worker

from frontdesk.messages import AmendIncident, DeskReady, OpenCustomer
from frontdesk.schemas.vocab import CHANNELS, label
from frontdesk.screens.base import DeskScreen
from frontdesk.screens.followup_dialogs import (
    ActionDone,
    CloseEpisodeDialog,
    NotesScreen,
    OutcomeDialog,
    ReassignDialog,
    RescheduleDialog,
    SkipDialog,
)
from frontdesk.screens.grievance_dialog import GrievanceResponseDialog
from frontdesk.timing import zone
from frontdesk.widgets.due_table import LEAD_MARK, DueTable, row_text
from frontdesk.widgets.follow_up_detail import FollowUpDetailPanel, detail_text
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from collections.abc import Iterable
    from zoneinfo import ZoneInfo

    from rich.console import RenderableType

    from frontdesk.schemas.reads import DueItem, DueQueue, EpisodeInfo, FollowUpDetail
    from frontdesk.store.changes import Interest

Window = Literal["overdue", "today", "week", "all"]
WINDOW_WORDS: dict[str, str] = {"overdue": "overdue", "today": "due by tonight", "week": "this week", "all": "all due"}
REFRESH_SECONDS = 60
"""Re-read the queue this often even when nothing changed: "today 15:00" becomes overdue."""


@dataclass(frozen=True)
class QueueView:
    """What the lead asked to see."""

    scope: Literal["mine", "everyone"] = "everyone"
    window: Window = "all"
    channel: str | None = None
    all_sites: bool = False

    def words(self) -> Text:
        """The filters and their keys, in one line."""
        line = Text(end="", no_wrap=True, overflow="ellipsis")
        for key, value in (("m", "mine" if self.scope == "mine" else "everyone"), ("1-4", WINDOW_WORDS[self.window]),
                           ("c", label(self.channel) if self.channel else "any channel"),
                           ("h", "all sites" if self.all_sites else "this site")):
            line.append(f" {key} ", style="reverse")
            line.append(f" {value}  ", style="bold")
        return line


class FollowUpsScreen(DeskScreen):
    """The queue, a detail panel for the highlighted follow-up, and the actions on it."""

    MODE = "followups"
    BINDING_GROUP_TITLE = "Follow-ups"
    CSS_PATH = "followups.tcss"
    AUTO_FOCUS = "#due-rows"
    BINDINGS = [
        Binding("enter", "done", "Done", priority=True,
                tooltip="Record how it went (an unfinished deposition opens on F3 to finish it; a grievance's "
                        "written response takes a resolution or an interim letter)"),
        Binding("r", "reschedule", "Resched.", tooltip="Move it: +1 day, +3 days, +1 week or a date"),
        Binding("a", "reassign", "Reassign", tooltip="Give it to someone else (a lead or manager)"),
        Binding("s", "skip", "Skip", tooltip="Decide not to do it, and say why (a lead or manager)"),
        Binding("e", "close_episode", "Close ep.",
                tooltip="Close the episode the last action left with nothing open (a lead or manager)"),
        Binding("n", "notes", "Notes", tooltip="Today's handwritten notes with names and addresses, to save as text"),
        Binding("o", "open_card", "Card", show=False, tooltip="Open the customer's card (F2)"),
        Binding("i", "amend", "Incident", show=False, tooltip="Open the incident to amend or finish it (F3)"),
        Binding("m", "toggle_mine", "Mine/everyone", show=False, tooltip="Only mine, or everyone's"),
        Binding("1", "window('overdue')", "Overdue", show=False, tooltip="Only what is overdue"),
        Binding("2", "window('today')", "By tonight", show=False, tooltip="Overdue and due today"),
        Binding("3", "window('week')", "This week", show=False, tooltip="Due in the next seven days"),
        Binding("4", "window('all')", "All", show=False, tooltip="Everything open"),
        Binding("c", "next_channel", "Channel", show=False, tooltip="Any channel, or one: call, text, email…"),
        Binding("h", "toggle_sites", "Sites", show=False, tooltip="This site, or all sites"),
    ]

    view: reactive[QueueView] = reactive(QueueView, init=False)
    """The filters; changing them goes back to the first page."""
    closable: reactive[EpisodeInfo | None] = reactive(None, bindings=True)
    """The episode the last action left with nothing open (e closes it)."""

    class QueueLoaded(Message):
        def __init__(self, view: QueueView, queue: DueQueue, cursor: int, keep_id: int | None,
                     site_names: dict[int, str], zones: dict[int, str]) -> None:
            super().__init__()
            self.view = view
            self.queue = queue
            self.cursor = cursor
            self.keep_id = keep_id
            self.site_names = site_names
            self.zones = zones

    class DetailLoaded(Message):
        def __init__(self, detail: FollowUpDetail, content: RenderableType) -> None:
            super().__init__()
            self.detail = detail
            self.content = content

    class EpisodeLoaded(Message):
        def __init__(self, episode: EpisodeInfo) -> None:
            super().__init__()
            self.episode = episode

    def __init__(self) -> None:
        super().__init__()
        self.queue: DueQueue | None = None
        self.selected: DueItem | None = None
        """The highlighted follow-up."""
        self.detail: FollowUpDetail | None = None
        self.site_names: dict[int, str] = {}
        self.zones: dict[int, ZoneInfo] = {}
        self.opening_the_day = False
        """A lead's first sign-in of the day: the next page loaded says "N overdue, M escalated"."""

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Loading the queue…"), id="queue-counts")
        yield Static(id="queue-filters")
        yield Label("", id="queue-message")
        yield DueTable(id="queue")
        yield FollowUpDetailPanel(id="detail")

    def on_mount(self) -> None:
        """Then DeskScreen.on_mount (Textual calls each class's handler) loads the first page."""
        self.reset_view()
        self.set_interval(REFRESH_SECONDS, self.refresh_data)

    def reset_view(self) -> None:
        """Leads and managers see everyone's follow-ups; staff and hosts their own."""
        from frontdesk.services.authority import allows

        staff = self.app.staff
        lead = staff is None or allows(staff.role, "work_queue")
        self.set_reactive(FollowUpsScreen.view, QueueView(scope="everyone" if lead else "mine"))
        self.query_one("#queue-filters", Static).update(self.view.words())

    def on_desk_ready(self, event: DeskReady) -> None:
        """A (new) person at the terminal: their default filters, from the first page."""
        event.prevent_default()  # instead of DeskScreen's re-read of the page on screen
        self.reset_view()
        self.load_page(0, 0, keep=False)

    # -- reading the queue ----------------------------------------------------

    @property
    def table(self) -> DueTable:
        return self.query_one(DueTable)

    @property
    def zone(self) -> ZoneInfo:
        site = getattr(self.app, "site", None)
        return zone(site.time_zone if site else "UTC")

    def shows(self) -> Interest:
        """This site's follow-ups, with their incidents, episodes, owners and customers' names."""
        from frontdesk.store.changes import Interest

        return Interest.of(("follow_ups", "follow_up_attempts", "episodes", "incidents", "staff", "customers"))

    def refresh_data(self) -> None:
        """Re-read the page on screen, keeping the highlighted follow-up where it is."""
        self.load_page(self.table.queue_offset, self.table.rows.highlighted or 0)

    def load_page(self, offset: int, cursor: int, keep: bool = True) -> None:
        if self.desk is None:
            return
        if not self.is_current:
            self._stale = True
            return
        keep_id = self.selected.id if keep and self.selected else None
        self.load_queue(self.view, offset, self.table.rows_wanted, cursor, keep_id)

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def load_queue(self, view: QueueView, offset: int, limit: int, cursor: int, keep_id: int | None) -> None:
        from frontdesk.services.followups import due_queue
        from frontdesk.services.setup import list_sites

        desk = self.desk
        assert desk is not None

        def fetch(start: int) -> DueQueue:
            return due_queue(desk, scope=view.scope, window=view.window, channel=view.channel,
                             all_sites=view.all_sites, offset=start, limit=limit)

        queue = fetch(offset)
        if not queue.items and offset:
            queue = fetch(max(0, queue.total - limit))
            cursor = -1
        sites = list_sites(desk.store) if view.all_sites else []
        if get_current_worker().is_cancelled:  # a newer page was asked for meanwhile
            return
        self.post_message(self.QueueLoaded(view, queue, cursor, keep_id, {site.id: site.name for site in sites},
                                           {site.id: site.time_zone for site in sites}))

    def open_the_day(self) -> None:
        """Open on everyone's queue at this site and say what is overdue and escalated once it is read."""
        self.opening_the_day = True
        self.reset_view()
        self.load_page(0, 0, keep=False)

    def on_follow_ups_screen_queue_loaded(self, event: QueueLoaded) -> None:
        if event.view != self.view:
            return
        if self.opening_the_day:
            self.opening_the_day = False
            counts = event.queue.counts
            self.say(ActionDone(f"{counts.overdue} overdue, {counts.escalated} escalated."))
        self.queue = event.queue
        self.site_names = event.site_names
        self.zones = {site_id: zone(name) for site_id, name in event.zones.items()}
        ids = [item.id for item in event.queue.items]
        cursor = ids.index(event.keep_id) if event.keep_id in ids else event.cursor
        self.table.show_page(event.queue, self.render_row, cursor, self.empty_text())
        self.show_counts()

    def render_row(self, item: DueItem, width: int) -> Text:
        now = self.app.clock.now()
        site_name = self.site_names.get(item.site_id) if self.view.all_sites else None
        return row_text(item, now, self.zones.get(item.site_id, self.zone), width, site_name)

    def empty_text(self) -> str:
        if self.view == QueueView(scope=self.view.scope):
            return "Nothing is open. Every follow-up is done." if self.view.scope == "everyone" else \
                "Nothing of yours is open. m shows everyone's."
        return "Nothing matches these filters. 4 shows everything due; m, c and h change the rest."

    def show_counts(self) -> None:
        queue = self.queue
        if queue is None:
            return
        counts = queue.counts
        line = Text(end="", no_wrap=True, overflow="ellipsis")
        for number, words in ((counts.overdue, "overdue"), (counts.today, "due today"), (counts.week, "this week")):
            line.append(str(number), style="bold")
            line.append(f" {words} · ")
        line.append(str(counts.escalated), style="bold")
        line.append(f" escalated ({LEAD_MARK}, {LEAD_MARK * 2})")
        shown = len(self.table.items)
        if shown:
            line.append(f"   {queue.offset + 1}–{queue.offset + shown} of {queue.total:,}")
        self.query_one("#queue-counts", Static).update(line)

    def on_due_table_page_wanted(self, event: DueTable.PageWanted) -> None:
        self.load_page(event.offset, event.cursor, keep=False)

    def on_due_table_highlighted(self, event: DueTable.Highlighted) -> None:
        had_card = None if self.selected is None else self.selected.customer_id is not None
        self.selected = event.item
        if had_card != (None if event.item is None else event.item.customer_id is not None):
            # Only when what the keys can do changed, and after the rows are drawn: the footer redraws on it.
            self.call_after_refresh(self.refresh_bindings)
        if event.item is None:
            self.detail = None
            self.query_one(FollowUpDetailPanel).show(Text(""))
        else:
            self.call_after_refresh(self.load_detail, event.item.id)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, follow_up_id: int) -> None:
        from frontdesk.errors import NotFound
        from frontdesk.services.followups import follow_up_detail

        assert self.desk is not None
        try:
            detail = follow_up_detail(self.desk, follow_up_id)
        except NotFound:
            return
        now = self.app.clock.now()
        tz = self.zones.get(detail.item.site_id, self.zone)
        self.post_message(self.DetailLoaded(detail, detail_text(detail, now, tz)))

    def on_follow_ups_screen_detail_loaded(self, event: DetailLoaded) -> None:
        if self.selected is not None and event.detail.item.id == self.selected.id:
            self.detail = event.detail
            self.query_one(FollowUpDetailPanel).show(event.content)

    # -- filters --------------------------------------------------------------

    def watch_view(self, view: QueueView) -> None:
        self.query_one("#queue-filters", Static).update(view.words())
        self.load_page(0, 0, keep=False)

    def action_toggle_mine(self) -> None:
        self.view = replace(self.view, scope="everyone" if self.view.scope == "mine" else "mine")

    def action_window(self, window: Window) -> None:
        self.view = replace(self.view, window=window)

    def action_next_channel(self) -> None:
        order: list[str | None] = [None, *CHANNELS]
        self.view = replace(self.view, channel=order[(order.index(self.view.channel) + 1) % len(order)])

    def action_toggle_sites(self) -> None:
        self.view = replace(self.view, all_sites=not self.view.all_sites)

    # -- actions on the highlighted follow-up ------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        from frontdesk.services.authority import allows

        if action in ("reassign", "skip", "close_episode") and not allows(getattr(self.app.staff, "role", None),
                                                                          "work_queue"):
            return None if action != "close_episode" else False  # the role table: the whole queue is a lead's
        if action in ("done", "reschedule", "reassign", "skip", "amend"):
            return self.selected is not None or None
        if action == "open_card":
            return (self.selected is not None and self.selected.customer_id is not None) or None
        if action == "close_episode":
            return self.closable is not None  # hidden until there is an episode to close: the footer is short
        if action == "notes":
            return self.desk is not None or None
        return True

    def act(self, dialog_type: type[OutcomeDialog | RescheduleDialog | ReassignDialog | SkipDialog |
                                    GrievanceResponseDialog]) -> None:
        item = self.selected
        if item is None or self.desk is None:
            return
        self.app.push_screen(dialog_type(self.desk, item, self.zones.get(item.site_id, self.zone)), self.acted)

    def action_done(self) -> None:
        if self.selected is not None and self.selected.kind == "incomplete_deposition":
            self.say(ActionDone("Finish the deposition on F3; saving it as complete closes this follow-up."))
            self.post_message(AmendIncident(self.selected.incident_id))
            return
        if self.selected is not None and self.selected.grievance_response:
            self.act(GrievanceResponseDialog)  # a resolution or an interim letter, not an outcome
            return
        self.act(OutcomeDialog)

    def action_reschedule(self) -> None:
        self.act(RescheduleDialog)

    def action_reassign(self) -> None:
        self.act(ReassignDialog)

    def action_skip(self) -> None:
        self.act(SkipDialog)

    def action_open_card(self) -> None:
        if self.selected is not None and self.selected.customer_id is not None:
            self.post_message(OpenCustomer(self.selected.customer_id))

    def action_amend(self) -> None:
        if self.selected is not None:
            self.post_message(AmendIncident(self.selected.incident_id))

    def action_notes(self) -> None:
        site = getattr(self.app, "site", None)
        if self.desk is not None and site is not None:
            self.app.push_screen(NotesScreen(self.desk, site.name, self.zone), self.acted)

    def acted(self, result: ActionDone | None) -> None:
        """A dialog finished: say what happened, re-read the queue, and offer to close a finished episode."""
        if result is None:
            return
        self.say(result)
        self.refresh_data()
        if result.closable is not None:
            self.offer_close(result.closable)

    def action_close_episode(self) -> None:
        if self.closable is not None:
            self.load_episode(self.closable.incident_id)

    @work(thread=True, exclusive=True, group="episode", exit_on_error=False)
    def load_episode(self, incident_id: int) -> None:
        from frontdesk.services.episodes import episode_info

        assert self.desk is not None
        self.post_message(self.EpisodeLoaded(episode_info(self.desk, incident_id)))

    def on_follow_ups_screen_episode_loaded(self, event: EpisodeLoaded) -> None:
        if event.episode.can_close:
            self.offer_close(event.episode)
        else:
            self.closable = None
            reason = "; ".join(event.episode.blockers) or "it is already closed"
            self.say(ActionDone(f"That episode cannot be closed now: {reason}.", refused=True))

    def offer_close(self, episode: EpisodeInfo) -> None:
        """The close dialog for an episode with nothing open; e offers it again until it is closed."""
        assert self.desk is not None
        self.closable = episode

        def closed(result: ActionDone | None) -> None:
            if result is not None:
                self.closable = None
                self.say(result)
                self.refresh_data()
            else:
                self.say(ActionDone("The episode stays open: e closes it when you are ready."))

        self.app.push_screen(CloseEpisodeDialog(self.desk, episode), closed)

    def say(self, result: ActionDone) -> None:
        """The message line: what the last action did, or why nothing was changed."""
        message = self.query_one("#queue-message", Label)
        message.update(literal(result.message, style="bold" if result.refused else ""))
        message.set_class(result.refused, "-refused")
        message.display = True

    def get_screen_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Notes to write (n)", "Today's handwritten notes, to save as text", self.action_notes)
        yield SystemCommand("Only mine / everyone (m)", "Change whose follow-ups the queue shows",
                            self.action_toggle_mine)
        yield SystemCommand("All sites / this site (h)", "Change which sites the queue shows",
                            self.action_toggle_sites)
