"""Reports (F5): recurring problems and follow-through, for the manager.

Counts by category, product, hour and weekday show what recurs; the
follow-through lines show whether the practice works: follow-ups done on
time, promises kept, and whether customers came back after an incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import Count, Report

PERIODS = (7, 30, 90, 365)
BAR_WIDTH = 24


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def bars(title: str, counts: tuple[Count, ...], *, literal_labels: bool = False) -> Table:
    """A count per row with a bar of block characters (readable without colour)."""
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False, expand=False,
                  min_width=len(title) + 2)
    table.add_column(no_wrap=True, overflow="ellipsis", max_width=22)
    table.add_column(justify="right")
    table.add_column(no_wrap=True)
    peak = max((count.count for count in counts), default=0)
    for count in counts:
        width = round(BAR_WIDTH * count.count / peak) if peak else 0
        name = literal(count.label) if literal_labels else Text(count.label)
        table.add_row(name, str(count.count), Text("█" * width, style="bold"))
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
    ]

    period: reactive[int] = reactive(30)
    """Days counted, up to today."""
    all_sites: reactive[bool] = reactive(False)

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

    @work(thread=True, exclusive=True, group="report")
    def load(self, period: int, all_sites: bool) -> None:
        from frontdesk.services.reports import report

        assert self.desk is not None
        self.post_message(self.Loaded(report(self.desk, period, all_sites=all_sites), period, all_sites))

    def on_reports_screen_loaded(self, event: Loaded) -> None:
        if (event.period, event.all_sites) != (self.period, self.all_sites):
            return  # an older request; the newer one is on its way
        self.show(event.report)

    def show(self, report: Report) -> None:
        where = report.site_name or "all sites"
        summary = Text(end="")
        summary.append(f"Last {self.period} days", style="bold")
        summary.append(f" ({report.first_day:%d %b %Y} – {report.last_day:%d %b %Y}) · ")
        summary.append(literal(where))
        summary.append(f"\n\nIncidents: {report.incidents}   ")
        summary.append("  ".join(f"{count.label} {count.count}" for count in report.by_severity))
        remedies = ", ".join(format_money(amount, currency) for currency, amount in sorted(report.remedy_totals.items()))
        summary.append(f"\nRemedies given: {remedies or 'none'}")
        summary.append("\n\nFollow-through\n", style="bold")
        summary.append(
            f"  Follow-ups due: {report.follow_ups_due} · done on time {report.follow_ups_on_time} "
            f"({percent(report.follow_ups_on_time, report.follow_ups_due)}) · late {report.follow_ups_late}"
            f" · still open past due {report.follow_ups_overdue}\n"
        )
        settled = report.promises_kept + report.promises_broken
        summary.append(
            f"  Promises made: {report.promises_made} · kept {report.promises_kept} "
            f"({percent(report.promises_kept, settled)} of settled) · broken {report.promises_broken}"
            f" · pending {report.promises_pending}\n"
        )
        summary.append(
            f"  Came back after an incident: {report.customers_returned} of {report.customers_with_incidents}"
            f" customers ({percent(report.customers_returned, report.customers_with_incidents)})"
        )
        self.query_one("#report-summary", Static).update(summary)
        what = Table.grid(padding=(1, 0))
        what.add_row(bars("By category", report.by_category))
        what.add_row(bars("Top products and services", report.by_product, literal_labels=True))
        self.query_one("#report-what", Static).update(what)
        when = Table.grid(padding=(1, 0))
        when.add_row(bars("By weekday", report.by_weekday))
        busy = tuple(count for count in report.by_hour if count.count) or report.by_hour[11:14]
        when.add_row(bars("By hour of day", busy))
        self.query_one("#report-when", Static).update(when)
