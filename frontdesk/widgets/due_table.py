"""The due follow-ups queue: one screen of rows at a time, paged on demand.

A DataTable given 10,000 rows measures every cell before its first frame, so
the table never holds more than the rows that fit: moving past the last row
(or PageDown, End …) asks the screen for the next page with `PageWanted`, and
`show_page` puts it on screen. `PageShown` is posted once a page is painted
(the bench times opening the queue by it).

Each item reads without colour: "!" marks it escalated to the site's leads, "!!" to its managers, the due column says
"2 days overdue" or "today 15:00" in words. Narrower than `WIDE` columns, the
incident goes on a second line of its own, so nothing is cut to a stub.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from frontdesk.schemas.vocab import label
from frontdesk.timing import due_words
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from frontdesk.schemas.reads import DueItem, DueQueue

WIDE = 110
"""From this width on an item takes one line; narrower, its incident takes a second."""
LEAD_MARK = "!"
"""Marks an item escalated to the leads (overdue by their threshold, or three attempts); doubled, to the managers."""
ESCALATION_MARKS = {0: " ", 1: LEAD_MARK, 2: LEAD_MARK * 2}


OWNER_WIDTH = 8
"""A staff member's whole name when it fits, else the first name (the detail panel has the whole)."""


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    """Cells wide; 0 takes whatever the other columns leave."""
    right: bool = False


KIND_WIDTH = 18
CHANNEL_WIDTH = 10
"""The longest kind ("finish deposition") and channel ("in person") and a cell more: one space alone ran
them together ("finish deposition in person Maria")."""
WIDE_COLUMNS = (
    Column(LEAD_MARK, 2), Column("Due", 15), Column("Customer", 22), Column("Kind", KIND_WIDTH),
    Column("Channel", CHANNEL_WIDTH), Column("Owner", OWNER_WIDTH), Column("Tries", 5, right=True), Column("Incident", 0),
)
NARROW_COLUMNS = (
    Column(LEAD_MARK, 2), Column("Due", 15), Column("Customer", 0), Column("Kind", KIND_WIDTH),
    Column("Channel", CHANNEL_WIDTH), Column("Owner", OWNER_WIDTH), Column("Tries", 5, right=True),
)
INCIDENT_INDENT = "    "


def _widths(columns: tuple[Column, ...], width: int) -> list[int]:
    fixed = sum(column.width for column in columns) + len(columns) - 1
    return [column.width or max(8, width - fixed) for column in columns]


def _cells(columns: tuple[Column, ...], width: int, cells: list[Text]) -> Text:
    line = Text(end="", no_wrap=True)
    for index, (column, cell_width, cell) in enumerate(zip(columns, _widths(columns, width), cells, strict=True)):
        if index:
            line.append(" ")
        cell = cell.copy()
        cell.truncate(cell_width, overflow="ellipsis")
        if column.right:
            cell.pad_left(cell_width - cell.cell_len)
        else:
            cell.pad_right(cell_width - cell.cell_len)
        line.append_text(cell)
    return line


def header_text(width: int) -> Text:
    columns = WIDE_COLUMNS if width >= WIDE else NARROW_COLUMNS
    return _cells(columns, width, [Text(column.title) for column in columns])


def row_text(item: DueItem, now: datetime, tz: ZoneInfo, width: int, site_name: str | None = None) -> Text:
    """One queue item as the lead reads it; customer and incident text are literal."""
    due = Text(due_words(item.due_at, item.local_time, now, tz), style="bold" if item.bucket == "overdue" else "")
    customer = literal(item.customer_name) if item.customer_name else Text("unknown guest", style="italic")
    incident = literal(f"{site_name} · {item.incident_summary}" if site_name else item.incident_summary)
    cells = [
        Text(ESCALATION_MARKS.get(item.escalation, " "), style="bold red"),
        due,
        customer,
        Text(label(item.kind)),
        Text(label(item.channel)),
        literal(item.owner_name if len(item.owner_name) <= OWNER_WIDTH else item.owner_name.split()[0]),
        Text(str(item.attempts)),
    ]
    if width >= WIDE:
        return _cells(WIDE_COLUMNS, width, [*cells, incident])
    second = Text(INCIDENT_INDENT, end="", no_wrap=True, overflow="ellipsis")
    second.append_text(incident)
    second.truncate(width, overflow="ellipsis")
    return Text("\n", end="", no_wrap=True).join([_cells(NARROW_COLUMNS, width, cells), second])


class DueRows(OptionList):
    """The rows of one page; moving past either end asks its DueTable for the next page."""

    BINDINGS = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", "Next page", show=False, tooltip="The next screen of follow-ups"),
        Binding("pageup", "page_up", "Previous page", show=False, tooltip="The previous screen of follow-ups"),
        Binding("home", "first", "First", show=False, tooltip="The first follow-up in the queue"),
        Binding("end", "last", "Last", show=False, tooltip="The last follow-up in the queue"),
    ]

    @property
    def table(self) -> DueTable:
        assert isinstance(self.parent, DueTable)
        return self.parent

    def on_resize(self) -> None:
        self.table.fit()

    def action_cursor_down(self) -> None:
        if self.highlighted is None or self.highlighted < self.option_count - 1:
            self.highlighted = 0 if self.highlighted is None else self.highlighted + 1
        else:
            self.table.turn(forward=True, cursor=0)

    def action_cursor_up(self) -> None:
        if self.highlighted:
            self.highlighted -= 1
        else:
            self.table.turn(forward=False, cursor=-1)

    def action_page_down(self) -> None:
        if not self.table.turn(forward=True, cursor=self.highlighted or 0) and self.option_count:
            self.highlighted = self.option_count - 1

    def action_page_up(self) -> None:
        if not self.table.turn(forward=False, cursor=self.highlighted or 0) and self.option_count:
            self.highlighted = 0

    def action_first(self) -> None:
        self.table.jump(0, cursor=0)

    def action_last(self) -> None:
        self.table.jump(self.table.last_offset, cursor=-1)


class DueTable(Vertical):
    """The queue's rows under a header line, one page at a time."""

    DEFAULT_CSS = """
    DueTable {
        height: 1fr;
    }
    DueTable > #due-header {
        width: 100%;
        height: 1;
        text-style: bold;
    }
    DueTable > DueRows, DueTable > DueRows:focus {
        height: 1fr;
        max-height: 100%;
        border: none;
        padding: 0;
        scrollbar-size-vertical: 0;
    }
    DueTable > #due-empty {
        display: none;
        padding: 1 2;
        color: $text-muted;
    }
    """

    class PageWanted(Message):
        """The person moved past this page (or it no longer fits): fetch a page from `offset`, then
        highlight row `cursor` (negative counts from the end)."""

        def __init__(self, offset: int, cursor: int) -> None:
            super().__init__()
            self.offset = offset
            self.cursor = cursor

    class Highlighted(Message):
        """The highlighted follow-up changed (None: the page is empty)."""

        def __init__(self, item: DueItem | None) -> None:
            super().__init__()
            self.item = item

    class PageShown(Message):
        """A page is on screen (painted): `count` rows from `offset` of `total`."""

        def __init__(self, offset: int, count: int, total: int) -> None:
            super().__init__()
            self.offset = offset
            self.count = count
            self.total = total

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: tuple[DueItem, ...] = ()
        self.queue_offset = 0
        self.total = 0
        self.limit = 0
        """How many rows the page on screen was fetched for."""
        self.wanted: int | None = None
        """The offset of a page asked for and not yet shown: keys pressed meanwhile count from it."""
        self._render_row: Callable[[DueItem, int], Text] | None = None

    def compose(self) -> ComposeResult:
        yield Label(id="due-header")
        yield Label("", id="due-empty")
        yield DueRows(id="due-rows")

    @property
    def rows(self) -> DueRows:
        return self.query_one(DueRows)

    @property
    def lines_per_item(self) -> int:
        return 1 if self.rows.size.width >= WIDE else 2

    @property
    def page_size(self) -> int:
        """How many items fit on screen now (0 before the first layout)."""
        return self.rows.size.height // self.lines_per_item

    @property
    def rows_wanted(self) -> int:
        """Rows to fetch for a page: what fits, or before the first layout as many as the terminal is tall."""
        return self.page_size or max(1, self.app.size.height)

    @property
    def last_offset(self) -> int:
        size = max(1, self.page_size)
        return max(0, self.total - size)

    @property
    def selected(self) -> DueItem | None:
        index = self.rows.highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    def show_page(self, queue: DueQueue, render_row: Callable[[DueItem, int], Text], cursor: int,
                  empty_text: str) -> None:
        """Show one page and highlight row `cursor` (negative counts from the end).

        The first page may be fetched before the table is laid out, for as many rows as the terminal is
        tall; only the rows that fit are shown.
        """
        fits = self.page_size
        self.items = queue.items[:fits] if fits else queue.items
        self.queue_offset, self.total = queue.offset, queue.total
        self.limit = fits if fits and len(queue.items) > fits else queue.limit
        self.wanted = None
        self._render_row = render_row
        self.query_one("#due-empty", Label).update(empty_text)
        self.query_one("#due-empty").display = not self.items
        self._fill()
        if self.items:
            self.rows.highlighted = max(0, min(len(self.items) - 1, cursor if cursor >= 0 else len(self.items) + cursor))
        else:
            self.post_message(self.Highlighted(None))
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        """The page is on screen: say so."""
        self.post_message(self.PageShown(self.queue_offset, len(self.items), self.total))

    def _fill(self) -> None:
        width = self.rows.size.width or self.size.width or self.app.size.width
        self.query_one("#due-header", Label).update(header_text(width))
        highlighted = self.rows.highlighted
        render = self._render_row
        self.rows.set_options(
            [Option(render(item, width), id=str(item.id)) for item in self.items] if render else []
        )
        if highlighted is not None and self.items:
            self.rows.highlighted = min(highlighted, len(self.items) - 1)

    def fit(self) -> None:
        """Columns follow the width; a taller or shorter list needs a different page."""
        fits = self.page_size
        more = self.queue_offset + len(self.items) < self.total
        if self._render_row and fits and fits != self.limit and (more or len(self.items) > fits):
            highlighted = self.queue_offset + (self.rows.highlighted or 0)
            offset = max(self.queue_offset, highlighted - fits + 1)  # the highlighted row stays in view
            self.want(offset, highlighted - offset)
        elif self.items:
            self._fill()

    def want(self, offset: int, cursor: int) -> None:
        self.wanted = offset
        self.post_message(self.PageWanted(offset, cursor))

    def turn(self, *, forward: bool, cursor: int) -> bool:
        """Ask for the next (or previous) page; False when there is none."""
        size = max(1, self.page_size)
        start = self.queue_offset if self.wanted is None else self.wanted
        if forward and start + size < self.total:
            self.want(start + size, cursor)
            return True
        if not forward and start > 0:
            self.want(max(0, start - size), cursor)
            return True
        return False

    def jump(self, offset: int, *, cursor: int) -> None:
        if offset == self.queue_offset and self.wanted is None:
            if self.items:
                self.rows.highlighted = cursor if cursor >= 0 else len(self.items) + cursor
            return
        self.want(offset, cursor)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.selected))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
