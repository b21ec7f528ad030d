"""The greet screen's results: one line a guest, redrawn cheaply as the host types.

A plain widget that renders one `Text` of at most `search.SCREEN_ROWS` lines:
no table, no widget per row. A freshly filled 50-row DataTable took 21–34 ms
to redraw; this is a fraction of a millisecond, so a keystroke reaches the
screen well inside a frame.

This module also holds the cells every guest list shares (results, card,
in-house list): the flag marker, the partly masked phone and the day words.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from frontdesk import timing
from frontdesk.schemas.vocab import label
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import SearchHit

FLAG_COMPONENTS = frozenset({"flag-info", "flag-care", "flag-priority"})
"""Component classes for the flag marker: app.tcss styles `.flag-<level>` once, for every list."""
MARKER_WIDTH = cell_len("⚑ priority")
PHONE_WIDTH = cell_len("••• ••• 0123")
SEEN_WIDTH = cell_len("13 Nov 2025")
NAME_MIN = 12


def flag_marker(widget: Widget, level: str | None) -> Text:
    """"⚑ care": the marker and the level word in the level's style, so it reads without colour."""
    if not level:
        return Text(end="")
    return Text(f"⚑ {label(level)}", style=widget.get_component_rich_style(f"flag-{level}"), end="")


def masked_phone(phone: str | None) -> str:
    """Only the last four digits ("••• ••• 0123"): the host can confirm, a passer-by cannot read it."""
    digits = "".join(char for char in phone or "" if char.isdigit())
    if not digits:
        return ""
    return "••• ••• " + digits[-4:] if len(digits) > 6 else "••• " + digits[-2:]


def when(instant: datetime, tz: ZoneInfo, now: datetime, *, clock: bool = True) -> str:
    """A past moment in the site's zone, as a host says it: "today 19:05", "Tue 17 Nov", "13 Nov 2025"."""
    wall = timing.local(instant, tz)
    days = (timing.local(now, tz).date() - wall.date()).days
    time_of_day = f" {wall:%H:%M}" if clock else ""
    if days == 0:
        return "today" + time_of_day
    if days == 1:
        return "yesterday" + time_of_day
    if wall.year == timing.local(now, tz).year:
        return f"{wall:%a %d %b}" + time_of_day
    return f"{wall:%d %b %Y}"


class SearchResults(Widget, can_focus=False):
    """Guests matching the search box; the highlighted row is what Enter opens.

    Focus stays in the search box, so the screen moves the highlight (Up/Down).
    `answered_text` says which typed text the rows answer, and `first_row_text`
    is the top row as drawn: together they tell a benchmark the answer is on screen.
    (Not `query`: that would hide `DOMNode.query`, which Textual calls on a
    triple-click to select the widget's text.)
    """

    COMPONENT_CLASSES = {"search-results--cursor", "search-results--muted", *FLAG_COMPONENTS}
    DEFAULT_CSS = """
    SearchResults {
        height: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SearchResults > .search-results--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    SearchResults > .search-results--muted {
        color: $text-muted;
    }
    """

    highlighted: reactive[int | None] = reactive(None)
    """Index of the highlighted row; None when there are no rows."""

    class Tapped(Message):
        """A row was tapped or clicked (a tablet has no Enter): the screen opens that guest."""

        def __init__(self, results: SearchResults, hit: SearchHit) -> None:
            super().__init__()
            self.results = results
            self.hit = hit

        @property
        def control(self) -> SearchResults:
            return self.results

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.answered_text: str | None = None
        """The typed text these rows answer (None before the first answer)."""
        self.hits: tuple[SearchHit, ...] = ()
        self._seen: tuple[str, ...] = ()
        self._top = 0

    def show(self, text: str, hits: list[SearchHit], tz: ZoneInfo, now: datetime, *, keep: int | None = None) -> None:
        """Rows for the typed `text`, first row highlighted (or the guest `keep` if still listed)."""
        self.answered_text = text
        self.hits = tuple(hits)
        self._seen = tuple(when(hit.last_visit_at, tz, now, clock=False) if hit.last_visit_at else "—" for hit in hits)
        ids = [hit.customer_id for hit in hits]
        self._top = 0
        self.set_reactive(SearchResults.highlighted, ids.index(keep) if keep in ids else (0 if hits else None))
        self.refresh()

    @property
    def highlighted_hit(self) -> SearchHit | None:
        if self.highlighted is None or not self.hits:
            return None
        return self.hits[self.highlighted]

    @property
    def first_row_text(self) -> str:
        """The top row as drawn, in plain text ("" when empty)."""
        return self._row(0, self.size.width or 80).plain if self.hits else ""

    def move(self, step: int) -> None:
        if self.hits:
            self.highlighted = max(0, min(len(self.hits) - 1, (self.highlighted or 0) + step))

    def watch_highlighted(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        """The tapped row becomes the highlighted one, and the screen is asked to open it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self._top + offset.y
        if 0 <= index < len(self.hits):
            self.highlighted = index
            self.post_message(self.Tapped(self, self.hits[index]))

    def _row(self, index: int, width: int) -> Text:
        """Marker, name (literal), masked phone, last visit: columns that hold at 80 columns."""
        hit = self.hits[index]
        name_width = max(NAME_MIN, width - 2 - MARKER_WIDTH - PHONE_WIDTH - SEEN_WIDTH - 6)
        row = Text("▶ " if index == self.highlighted else "  ", end="")
        marker = flag_marker(self, hit.flag_level)
        marker.pad_right(MARKER_WIDTH - marker.cell_len)
        row.append(marker)
        row.append("  ")
        name = literal(hit.name)
        name.truncate(name_width, overflow="ellipsis", pad=True)
        row.append(name)
        row.append("  ")
        row.append(masked_phone(hit.phone).ljust(PHONE_WIDTH))
        row.append("  ")
        row.append(self._seen[index], style=self.get_component_rich_style("search-results--muted"))
        row.truncate(width, overflow="ellipsis", pad=True)
        if index == self.highlighted:
            row.stylize(self.get_component_rich_style("search-results--cursor"))
        return row

    def render(self) -> Text:
        height = self.size.height or len(self.hits)
        if self.highlighted is not None:
            if self.highlighted < self._top:
                self._top = self.highlighted
            elif self.highlighted >= self._top + height:
                self._top = self.highlighted - height + 1
        rows = [self._row(index, self.size.width) for index in range(self._top, min(len(self.hits), self._top + height))]
        return Text("\n", end="").join(rows)
