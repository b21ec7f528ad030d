"""Reports (F5): recurring problems and follow-through, for the manager.

Counts by category, product, hour and weekday show what recurs; the
follow-through lines show whether the practice works: follow-ups done on
time, promises kept, and whether customers came back after an incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from frontdesk.money import format_money
from frontdesk.screens.base import DeskScreen
from frontdesk.widgets.safe import label_grid, literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import Count, Report
    from frontdesk.store.changes import Interest

PERIODS = (7, 30, 90, 365)
BAR_WIDTH = 24
NAME_WIDTH = 22
LABEL_GAP = 2
"""Cells between a summary line's label and its figures."""


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def figures(parts: list[str], width: int) -> Text:
    """Parts joined by " · ", starting a new line before a part that would not fit (width ≤ 0: one line)."""
    lines: list[str] = []
    for part in parts:
        if lines and (width <= 0 or cell_len(f"{lines[-1]} · {part}") <= width):
            lines[-1] = f"{lines[-1]} · {part}"
        elif lines:
            lines[-1] += " ·"
            lines.append(part)
        else:
            lines.append(part)
    return Text("\n".join(lines), end="")


def bars(title: str, counts: tuple[Count, ...], width: int, *, literal_labels: bool = False) -> Table:
    """A count per row with a bar of block characters (readable without colour), `width` cells in all.

    The bars share what the name and count leave, up to BAR_WIDTH, so the longest bar ends inside
    its column and bars stay in proportion at 80 columns (a column not laid out yet gets BAR_WIDTH).
    """
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False, expand=False,
                  min_width=len(title) + 2)
    peak = max((count.count for count in counts), default=0)
    name_width = min(NAME_WIDTH, max((cell_len(count.label) for count in counts), default=6))
    table.add_column(no_wrap=True, overflow="ellipsis", width=name_width)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    room = min(BAR_WIDTH, max(4, width - name_width - len(str(peak)) - 5)) if width > 0 else BAR_WIDTH  # 5: gaps
    for count in counts:
        cells = round(room * count.count / peak) if peak else 0
        name = literal(count.label) if literal_labels else Text(count.label)
        table.add_row(name, str(count.count), Text("█" * cells, style="bold"))
    if not counts:
        table.add_row("(none)", "", "")
    return table


class ReportsScreen(DeskScreen):
    MODE = "reports"
    BINDING_GROUP_TITLE = "Reports"
    CSS_PATH = "reports.tcss"
    BINDINGS = [
        Binding("p", "next_period", "Period", tooltip="Last 7, 30, 90 or 365 days"),
        Binding("a", "toggle_sites", "All sites", tooltip="This site only, or every site of the store"),
        Binding("r", "reload", "Reload", tooltip="Count again now"),
        Binding("t", "audit_trail", "Audit trail", tooltip="Who did what to which record, when (a manager)"),
    ]

    period: reactive[int] = reactive(30)
    """Days counted, up to today."""
    all_sites: reactive[bool] = reactive(False)
    report: Report | None = None
    """The last report shown: drawn again when the terminal is resized."""

    class Loaded(Message):
        def __init__(self, report: Report, period: int, all_sites: bool) -> None:
            super().__init__()
            self.report = report
            self.period = period
            self.all_sites = all_sites

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="report", can_focus=True):
            yield Static("Counting…", id="report-summary")
            with Horizontal(id="report-charts"):
                yield Static(id="report-what")
                yield Static(id="report-when")

    def shows(self) -> Interest:
        """Everything at this site, or at every site when the report covers them all."""
        from frontdesk.store.changes import ALL_ANYWHERE, ALL_HERE

        return ALL_ANYWHERE if self.all_sites else ALL_HERE

    def refresh_data(self) -> None:
        if self.desk is not None:
            self.load(self.period, self.all_sites)

    def watch_period(self) -> None:
        self.refresh_data()

    def watch_all_sites(self) -> None:
        self.refresh_data()

    def action_next_period(self) -> None:
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]

    def action_toggle_sites(self) -> None:
        self.all_sites = not self.all_sites

    def action_reload(self) -> None:
        self.refresh_data()

    def action_audit_trail(self) -> None:
        from frontdesk.screens.audit import open_audit_trail

        open_audit_trail(self.app)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def load(self, period: int, all_sites: bool) -> None:
        from frontdesk.services.reports import report

        assert self.desk is not None
        self.post_message(self.Loaded(report(self.desk, period, all_sites=all_sites), period, all_sites))

    def on_reports_screen_loaded(self, event: Loaded) -> None:
        if (event.period, event.all_sites) != (self.period, self.all_sites):
            return  # an older request; the newer one is on its way
        self.show(event.report)

    def on_resize(self) -> None:
        if self.report is not None:
            self.call_after_refresh(self.show, self.report)  # the charts' bars fit their new width

    def show(self, report: Report) -> None:
        self.report = report
        where = report.site_name or "all sites"
        heading = Text()
        heading.append(f"Last {self.period} days", style="bold")
        heading.append(f" ({report.first_day:%d %b %Y} – {report.last_day:%d %b %Y}) · ")
        heading.append(literal(where))
        remedies = ", ".join(format_money(amount, currency) for currency, amount in sorted(report.remedy_totals.items()))
        settled = report.promises_kept + report.promises_broken
        rows: list[tuple[str | Text, list[str]]] = [
            ("Incidents", [str(report.incidents), *(f"{count.label} {count.count}" for count in report.by_severity)]),
            ("Remedies given", [remedies or "none"]),
            ("", []),
            (Text("Follow-through", style="bold"), []),
            ("Follow-ups due", [
                str(report.follow_ups_due),
                f"done on time {report.follow_ups_on_time} ({percent(report.follow_ups_on_time, report.follow_ups_due)})",
                f"late {report.follow_ups_late}", f"still open past due {report.follow_ups_overdue}",
                f"escalated {report.follow_ups_escalated}"]),
            ("Promises made", [
                str(report.promises_made), f"kept {report.promises_kept} ({percent(report.promises_kept, settled)} of settled)",
                f"broken {report.promises_broken}", f"pending {report.promises_pending}"]),
            ("Came back after an incident", [
                f"{report.customers_returned} of {report.customers_with_incidents} customers "
                f"({percent(report.customers_returned, report.customers_with_incidents)})"]),
        ]
        # Label and figures in two columns; the figures break between parts, never inside one (at 80 columns
        # Rich's own wrapping left "critical" at the end of a line and its "0" alone on the next).
        label_width = max(cell_len(str(label)) for label, _ in rows)
        room = self.query_one("#report-summary", Static).content_size.width - label_width - LABEL_GAP
        lines = label_grid(gap=LABEL_GAP)
        for label, parts in rows:
            lines.add_row(label, figures(parts, room))
        self.query_one("#report-summary", Static).update(Group(heading, Text(), lines))
        what_box, when_box = self.query_one("#report-what", Static), self.query_one("#report-when", Static)
        what = Table.grid(padding=(1, 0))
        what.add_row(bars("By category", report.by_category, what_box.content_size.width))
        what.add_row(bars("Top products and services", report.by_product, what_box.content_size.width,
                          literal_labels=True))
        what_box.update(what)
        when = Table.grid(padding=(1, 0))
        when.add_row(bars("By weekday", report.by_weekday, when_box.content_size.width))
        busy = tuple(count for count in report.by_hour if count.count) or report.by_hour[11:14]
        when.add_row(bars("By hour of day", busy, when_box.content_size.width))
        when_box.update(when)
