"""Reports (F5): what recurs and whether follow-through happens, for the manager.

The manager picks the period (this week, the last 4 weeks, this quarter, or
typed dates), this site or all, and optionally one category; the choice is
the report's title. One service call (`reports.view`) in a worker counts
everything; the screen draws it: the weekly trend as a Sparkline, weekdays,
a category × hour heat table, top products, root causes as a Pareto list,
remedies, follow-through, recovery beside its baseline, people (closing
loops, never speed) and repeat customers. `s` saves the report shown as the
CSV `frontdesk report --format csv` writes (`reports.save_csv`, one call).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label, Sparkline, Static

from frontdesk.money import format_money
from frontdesk.screens.base import DeskScreen
from frontdesk.widgets import report_charts as charts
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import Report, ReportView
    from frontdesk.store.changes import Interest

PERIODS = ("week", "4w", "quarter")
"""The named periods `p` steps through; typed dates (`d`) are "custom"."""
PERIOD_NAMES = {"week": "This week", "4w": "Last 4 weeks", "quarter": "This quarter", "custom": "Dates"}
WIDE = 100
"""From this many columns, follow-through and remedies stand side by side."""
TREND_HEIGHT = 3
WEEK_COLUMNS = 6
"""The most cells a week of the trend takes."""


@dataclass(frozen=True)
class Choice:
    """What the manager asked for: the period, typed days for "custom", all sites or this one, a category."""

    period: str = "4w"
    first_day: str = ""
    last_day: str = ""
    all_sites: bool = False
    category: str | None = None


class ReportsScreen(DeskScreen):
    MODE = "reports"
    BINDING_GROUP_TITLE = "Reports"
    CSS_PATH = "reports.tcss"
    AUTO_FOCUS = "#report"
    BINDINGS = [
        Binding("p", "next_period", "Period", tooltip="This week, the last 4 weeks or this quarter"),
        Binding("d", "type_dates", "Dates", tooltip="Type the first and last day (YYYY-MM-DD), then Enter"),
        Binding("a", "toggle_sites", "Sites", tooltip="This site only, or every site of the store"),
        Binding("c", "next_category", "Category", tooltip="Every category, or one at a time"),
        Binding("w", "period('week')", "This week", show=False, tooltip="From Monday to today"),
        Binding("4", "period('4w')", "Last 4 weeks", show=False, tooltip="The last 28 days, today included"),
        Binding("q", "period('quarter')", "This quarter", show=False, tooltip="From the quarter's first day"),
        Binding("r", "reload", "Reload", show=False, tooltip="Count again now"),
        Binding("s", "save_csv", "Save CSV", tooltip="Save the report shown as CSV in your home folder (a manager)"),
        Binding("t", "audit_trail", "Audit", tooltip="Who did what to which record, when (a manager)"),
        Binding("escape", "close_dates", "Back", tooltip="Leave the typed dates as they were"),
    ]

    choice: reactive[Choice] = reactive(Choice, always_update=True, init=False)
    """The period and scope asked for; every change loads the report again."""
    view: ReportView | None = None
    """The last report shown."""
    shown_choice: Choice | None = None
    """What the report shown was asked for (until the newest choice is counted, not `choice`)."""

    class Loaded(Message):
        def __init__(self, choice: Choice, view: ReportView) -> None:
            super().__init__()
            self.choice = choice
            self.view = view

    class Saved(Message):
        """The report's CSV was written (`path`), or not (`problem`, one sentence)."""

        def __init__(self, path: str = "", problem: str = "") -> None:
            super().__init__()
            self.path = path
            self.problem = problem

    class Refused(Message):
        """What was typed cannot be counted: which field, and why."""

        def __init__(self, choice: Choice, field: str, reason: str) -> None:
            super().__init__()
            self.choice = choice
            self.field = field
            self.reason = reason

    def compose_body(self) -> ComposeResult:
        with Vertical(id="report-top"):
            yield Label("Counting…", id="report-title")
            with Horizontal(id="report-dates", classes="-hidden"):
                yield Label("From", classes="report-caption")
                yield Input(placeholder="YYYY-MM-DD", id="report-from", max_length=10, compact=True)
                yield Label("To", classes="report-caption")
                yield Input(placeholder="YYYY-MM-DD", id="report-to", max_length=10, compact=True)
                yield Label("Enter: count · Esc: back", classes="report-hint")
            yield Label(id="report-error", classes="-hidden")
        with VerticalScroll(id="report", can_focus=True):
            yield Static(id="report-summary")
            with Horizontal(classes="report-pair"):
                with Vertical(id="report-trend-box", classes="report-left"):
                    yield Static(charts.title("Incidents per week"))
                    yield Sparkline([], id="report-trend")
                    yield Static(id="report-trend-figures")
                yield Static(id="report-weekday")
            yield Static(id="report-heat")
            with Horizontal(classes="report-pair"):
                yield Static(id="report-products", classes="report-left")
                yield Static(id="report-causes")
            with Horizontal(classes="report-pair report-wide-pair"):
                yield Static(id="report-follow", classes="report-left")
                yield Static(id="report-remedies")
            yield Static(id="report-recovery")
            yield Static(id="report-people")
            yield Static(id="report-repeats")

    def shows(self) -> Interest:
        """Everything at this site, or at every site when the report covers them all."""
        from frontdesk.store.changes import ALL_ANYWHERE, ALL_HERE

        return ALL_ANYWHERE if self.choice.all_sites else ALL_HERE

    def refresh_data(self) -> None:
        if self.desk is not None:
            title = self.query_one("#report-title", Label)
            if self.view is not None:
                counting = self.heading(self.view)
                counting.append(" · counting…", style="italic")
                title.update(counting)
            self.load(self.choice)

    def watch_choice(self) -> None:
        self.refresh_data()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_dates":
            return not self.query_one("#report-dates").has_class("-hidden")
        return True

    def action_next_period(self) -> None:
        now = self.choice.period
        self.choice = replace(self.choice, period=PERIODS[(PERIODS.index(now) + 1) % len(PERIODS)] if now in PERIODS
                                      else PERIODS[0])

    def action_period(self, period: str) -> None:
        self.choice = replace(self.choice, period=period)

    def action_toggle_sites(self) -> None:
        self.choice = replace(self.choice, all_sites=not self.choice.all_sites)

    def action_next_category(self) -> None:
        keys: list[str | None] = [None, *(key for key, _ in self.view.categories)] if self.view else [None]
        now = keys.index(self.choice.category) if self.choice.category in keys else 0
        self.choice = replace(self.choice, category=keys[(now + 1) % len(keys)])

    def action_reload(self) -> None:
        self.refresh_data()

    def action_audit_trail(self) -> None:
        from frontdesk.screens.audit import open_audit_trail

        open_audit_trail(self.app)

    def action_save_csv(self) -> None:
        """The report shown, as `frontdesk report --format csv` writes it, to an owner-only file."""
        from frontdesk.services.authority import allows, refusal

        if self.app.staff is not None and not allows(self.app.staff.role, "export"):
            self.notify(refusal("export"), severity="warning", timeout=6)
        elif self.view is None or self.shown_choice != self.choice:
            self.notify("Nothing saved: the report shown is not yet the one chosen (still counting, or the dates "
                        "were refused).", severity="warning", timeout=6)
        else:
            self.save_csv(self.view.report)

    @work(thread=True, exclusive=True, group="report-save", exit_on_error=False)
    def save_csv(self, report: Report) -> None:
        from frontdesk.errors import FrontdeskError
        from frontdesk.paths import export_dir
        from frontdesk.services import reports

        assert self.desk is not None
        try:
            path = reports.save_csv(self.desk, report, export_dir())
        except FrontdeskError as exc:
            self.post_message(self.Saved(problem=str(exc)))
        else:
            self.post_message(self.Saved(path=str(path)))

    def on_reports_screen_saved(self, event: Saved) -> None:
        if event.problem:
            self.notify(event.problem[:1].upper() + event.problem[1:], severity="error", timeout=10)
        else:
            self.notify(f"Saved the report as CSV to {event.path} (owner-only).", timeout=8)

    def action_type_dates(self) -> None:
        """Show the two date fields, filled with the days shown, the first one focused."""
        first, last = self.query_one("#report-from", Input), self.query_one("#report-to", Input)
        if self.view is not None:
            first.value, last.value = self.view.report.first_day.isoformat(), self.view.report.last_day.isoformat()
        self.query_one("#report-dates").remove_class("-hidden")
        first.focus()
        self.refresh_bindings()

    def action_close_dates(self) -> None:
        self.query_one("#report-dates").add_class("-hidden")
        self.query_one("#report-error").add_class("-hidden")
        self.query_one("#report", VerticalScroll).focus()
        self.refresh_bindings()

    @on(Input.Submitted)
    def count_typed_dates(self) -> None:
        self.choice = replace(self.choice, period="custom", first_day=self.query_one("#report-from", Input).value,
                                      last_day=self.query_one("#report-to", Input).value)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def load(self, choice: Choice) -> None:
        from frontdesk.errors import InvalidInput
        from frontdesk.services import reports

        assert self.desk is not None
        try:
            view = reports.view(self.desk, period=choice.period, first_day=choice.first_day or None,
                                last_day=choice.last_day or None, all_sites=choice.all_sites,
                                category=choice.category)
        except InvalidInput as exc:
            field, reason = next(iter(exc.errors.items()))
            self.post_message(self.Refused(choice, field, reason))
        else:
            self.post_message(self.Loaded(choice, view))

    def on_reports_screen_refused(self, event: Refused) -> None:
        if event.choice != self.choice:
            return
        if self.view is not None:
            self.query_one("#report-title", Label).update(self.heading(self.view))  # no longer counting
        caption = {"from": "From", "to": "To"}.get(event.field, event.field.capitalize())
        error = self.query_one("#report-error", Label)
        error.update(literal(f"⚠ {caption}: {event.reason}", style="bold"))
        error.remove_class("-hidden")
        self.query_one("#report-dates").remove_class("-hidden")
        self.query_one("#report-to" if event.field == "to" else "#report-from", Input).focus()
        self.refresh_bindings()

    def on_reports_screen_loaded(self, event: Loaded) -> None:
        if event.choice != self.choice:
            return  # an older request; the newer one is on its way
        if event.choice.period == "custom":
            self.action_close_dates()
        self.shown_choice = event.choice
        self.show(event.view)

    def on_resize(self) -> None:
        self.set_class(self.size.width < WIDE, "-narrow")
        if self.view is not None:
            self.call_after_refresh(self.fit_trend, self.view.report)

    def heading(self, view: ReportView) -> Text:
        """The report's title: the period and its days, the site or all sites, the category or all."""
        report = view.report
        line = Text(end="")
        if view.period != "custom":
            line.append(PERIOD_NAMES[view.period], style="bold")
            line.append(" · ")
        first = f"{report.first_day:%d %b}" if report.first_day.year == report.last_day.year else \
            f"{report.first_day:%d %b %Y}"
        line.append(f"{first} – {report.last_day:%d %b %Y}",
                    style="bold" if view.period == "custom" else "")
        line.append(" · ")
        line.append(literal(report.site_name) if report.site_name else Text("all sites"))
        line.append(" · ")
        labels = dict(view.categories)
        line.append(labels.get(report.category, report.category) if report.category else "every category")
        return line

    def show(self, view: ReportView) -> None:
        self.view = view
        report = view.report
        self.query_one("#report-title", Label).update(self.heading(view))
        self.query_one("#report-summary", Static).update(self.summary(report))
        self.query_one("#report-trend", Sparkline).data = [week.count for week in report.trend]
        self.fit_trend(report)
        self.query_one("#report-weekday", Static).update(
            charts.Fitted(lambda width: charts.bars("By weekday", report.by_weekday, width)))
        self.query_one("#report-heat", Static).update(charts.Fitted(lambda width: charts.heat_table(report, width)))
        self.query_one("#report-products", Static).update(charts.Fitted(
            lambda width: charts.bars("Top products and services", report.by_product, width, customer_text=True)))
        self.query_one("#report-causes", Static).update(charts.Fitted(lambda width: charts.pareto(report, width)))
        self.query_one("#report-follow", Static).update(charts.follow_through(report))
        self.query_one("#report-recovery", Static).update(charts.Fitted(lambda width: charts.recovery(report, width)))
        self.query_one("#report-remedies", Static).update(
            charts.Fitted(lambda width: charts.remedies(report.remedies, width)))
        self.query_one("#report-people", Static).update(
            charts.Fitted(lambda width: charts.people(report.people, width)))
        self.query_one("#report-repeats", Static).update(
            charts.Fitted(lambda width: charts.repeat_customers(report.repeat_customers, width)))

    def summary(self, report: Report) -> Text:
        """The period's incidents by severity, and the remedies given."""
        line = Text("Incidents ", style="bold", end="")
        line.append(str(report.incidents), style="bold")
        line.append("  " + " · ".join(f"{count.label} {count.count}" for count in report.by_severity))
        given = ", ".join(format_money(amount, currency) for currency, amount in sorted(report.remedy_totals.items()))
        line.append("\nRemedies ", style="bold")
        line.append(given or "none")
        return line

    def fit_trend(self, report: Report) -> None:
        """Give each week the same cells of the sparkline, with its count under it."""
        box = self.query_one("#report-trend-box")
        weeks = max(1, len(report.trend))
        columns = max(1, min(WEEK_COLUMNS, (box.content_size.width or 36) // weeks))
        sparkline = self.query_one("#report-trend", Sparkline)
        sparkline.styles.width = weeks * columns
        sparkline.styles.height = TREND_HEIGHT
        self.query_one("#report-trend-figures", Static).update(charts.trend_figures(report.trend, columns))
