"""The reports' pictures and tables as Rich renderables that lay themselves out at the width they get.

Every picture reads without colour (a 16-colour Linux console, a greyscale
photocopy): bars are block characters with their count beside them, the heat
table's cells are a shade character *and* the number, the Pareto list gives
each share in percent. Figures never wrap; only labels are cut, with "…".
Customer text (products, names) goes through `literal()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from frontdesk.money import format_money
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:  # pydantic loads after the first paint
    from frontdesk.schemas.reads import Count, PersonFigures, Rate, RemedyLine, RepeatCustomer, Report

BAR_WIDTH = 24
"""The longest bar, in cells."""
LABEL_WIDTH = 26
"""The widest label a chart gives room to; longer ones end in "…"."""
SHADES = ("·", "░", "▒", "▓", "█")
"""Heat-table shades, from none to the busiest cell: quarters of the busiest count."""
BLOCKS = (1, 2, 3, 4, 6, 8, 12)
"""Hours per heat-table column, the fewest that let the busy hours fit the width."""


class Fitted:
    """A renderable drawn by `draw(width)` at the width it is given, so it fits again after any resize."""

    def __init__(self, draw: Callable[[int], RenderableType]) -> None:
        self.draw = draw

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.draw(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, options.max_width)


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def rate_text(rate: Rate | None) -> str:
    """A share with its n, e.g. "57% of 14"; "– of 0" when nobody counts yet."""
    return f"{percent(rate.count, rate.n)} of {rate.n}" if rate is not None else "– of 0"


def title(text: str) -> Text:
    return Text(text, style="bold underline")


def _grid(*widths: int | None) -> Table:
    """A borderless table: the first column a label cut with "…", the others figures that never wrap."""
    table = Table.grid(padding=(0, 1))
    for index, width in enumerate(widths):
        if index == 0:
            table.add_column(no_wrap=True, overflow="ellipsis", width=width)
        else:
            table.add_column(no_wrap=True, justify="right", width=width)
    return table


def bars(heading: str, counts: Sequence[Count], width: int, *, customer_text: bool = False) -> Group:
    """One row per count: label, count and a bar of block characters in proportion to the largest."""
    peak = max((count.count for count in counts), default=0)
    digits = len(str(peak))
    label_width = max(4, min(LABEL_WIDTH, max((cell_len(count.label) for count in counts), default=4),
                             width - digits - 2 - 4))
    room = max(1, min(BAR_WIDTH, width - label_width - digits - 2))
    table = _grid(label_width, digits, room)
    table.columns[2].justify = "left"
    for count in counts:
        cells = round(room * count.count / peak) if peak else 0
        name = literal(count.label) if customer_text else Text(count.label)
        table.add_row(name, str(count.count), Text("█" * cells or ("▏" if count.count else ""), style="bold"))
    body: RenderableType = table if counts else Text("none in the period", style="italic")
    return Group(title(heading), body)


def trend_figures(trend: Sequence[Count], columns: int) -> Text:
    """Under the sparkline: each week's count in its `columns` cells, then the first and last week's dates."""
    if columns >= max(2, len(str(max((week.count for week in trend), default=0))) + 1):
        counts = "".join(f"{week.count:>{columns}}" for week in trend)
    else:
        values = [week.count for week in trend]
        counts = f"lowest {min(values, default=0)} · highest {max(values, default=0)} a week"
    line = Text(counts, end="")
    if trend:
        line.append(f"\nweeks from {trend[0].label}" + (f" to {trend[-1].label}" if len(trend) > 1 else ""),
                    style="italic")
    return line


def heat_table(report: Report, width: int) -> Group:
    """Categories down, hours of the day across: each cell a shade (a quarter of the busiest cell) and its count.

    Only the hours from the first to the last with an incident show; when they do not fit, hours are
    grouped into blocks of 2, 3, 4… A last row adds up every category.
    """
    cells: dict[tuple[str, int], int] = {}
    for count in report.by_category_hour:
        category_key, hour_key = count.key.rsplit("|", 1)
        cells[(category_key, int(hour_key))] = count.count
    hours = sorted({hour for _, hour in cells})
    heading = title("Incidents by category and hour of day")
    if not hours:
        return Group(heading, Text("none in the period", style="italic"))
    labels = {count.key: count.label for count in report.by_category}
    rows = [count.key for count in report.by_category]
    label_width = max(8, min(LABEL_WIDTH, max(cell_len(labels[key]) for key in rows), width // 3))
    block = BLOCKS[-1]
    for size in BLOCKS:
        first, last = hours[0] // size * size, hours[-1] // size * size
        if label_width + ((last - first) // size + 1) * 6 <= width:
            block = size
            break
    first, last = hours[0] // block * block, hours[-1] // block * block
    starts = list(range(first, last + 1, block))
    grouped: dict[tuple[str, int], int] = {}
    for (category, hour), incidents in cells.items():
        block_start = hour // block * block
        grouped[(category, block_start)] = grouped.get((category, block_start), 0) + incidents
    busiest = max(grouped.values())
    table = _grid(label_width, *([5] * len(starts)))
    table.add_row("", *(f"{start:02d}" if block == 1 else f"{start:02d}-{(start + block) % 24:02d}"
                        for start in starts), style="bold")

    def cell(count: int, peak: int) -> Text:
        if not count:
            return Text(f"{SHADES[0]:>5}", style="dim")
        level = min(4, -(-4 * count // peak))  # 1..4: quarters of the busiest, rounded up
        style = "bold" if level == 4 else ""
        return Text(f"{SHADES[level] * 2}{count:>3}", style=style)

    for key in rows:
        table.add_row(Text(labels[key]), *(cell(grouped.get((key, start), 0), busiest) for start in starts))
    if len(rows) > 1:
        totals = [sum(grouped.get((key, start), 0) for key in rows) for start in starts]
        table.add_row(Text("All", style="italic"), *(cell(total, max(totals)) for total in totals))
    legend = Text(f"{SHADES[1]} up to ¼ · {SHADES[2]} ½ · {SHADES[3]} ¾ · {SHADES[4]} of the busiest cell "
                  f"({busiest})", style="italic")
    if block > 1:
        legend.append(f" · {block}-hour blocks")
    return Group(heading, table, legend)


def pareto(report: Report, width: int) -> Group:
    """Root causes of the closed episodes, most frequent first, with each share and the running total."""
    causes = report.root_causes
    closed = sum(cause.count for cause in causes)
    heading = title("Root causes (closed episodes)")
    if not closed:
        return Group(heading, Text("no episode of the period closed yet", style="italic"))
    digits = len(str(closed))
    fixed = digits + 5 + 5 + 3  # count, share, running share, gaps
    label_width = max(6, min(LABEL_WIDTH, max(cell_len(cause.label) for cause in causes), width - fixed - 4))
    room = max(1, min(BAR_WIDTH, width - label_width - fixed))
    table = _grid(label_width, digits, 4, 4, room)
    table.columns[4].justify = "left"
    table.add_row("", "n", "%", "cum", "", style="italic")
    running = 0
    for cause in causes:
        running += cause.count
        table.add_row(Text(cause.label), str(cause.count), percent(cause.count, closed), percent(running, closed),
                      Text("█" * max(1, round(room * cause.count / causes[0].count)), style="bold"))
    unknown = next((cause.count for cause in causes if cause.key == "unknown"), 0)
    note = Text(f"Unknown: {unknown} of {closed} ({percent(unknown, closed)})")
    return Group(heading, table, note)


def remedies(lines: Sequence[RemedyLine], width: int) -> Group:
    """Remedies given per category: how many incidents had one, and their cost in the site's currency."""
    heading = title("Remedies by category")
    if not lines:
        return Group(heading, Text("none given in the period", style="italic"))
    lines = sorted(lines, key=lambda line: (-line.total, line.label))
    money = [format_money(line.total, line.currency) for line in lines]
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, 0) + line.total
    all_money = [format_money(amount, currency) for currency, amount in sorted(totals.items())]
    money_width = max(cell_len(text) for text in [*money, *all_money])
    label_width = max(8, min(LABEL_WIDTH, max(cell_len(line.label) for line in lines), width - money_width - 12))
    table = _grid(label_width, 9, money_width)
    table.add_row("", "incidents", "cost", style="italic")
    for line, cost in zip(lines, money, strict=True):
        table.add_row(Text(line.label), str(line.incidents), cost)
    given = sum(line.incidents for line in lines)
    for index, cost in enumerate(all_money):
        table.add_row(Text("All", style="bold") if not index else "", str(given) if not index else "", cost,
                      style="bold")
    return Group(heading, table)


def follow_through(report: Report) -> Group:
    """Follow-ups on time, first contact, overdue and escalated, open episodes by age, promises."""
    ages = " · ".join(f"{age.key} d {age.count}" for age in report.episodes_open)
    median = report.median_days_to_first_contact
    median_text = "–" if median is None else f"{median:g} day{'s' if median != 1 else ''}"
    rows: list[tuple[str, str]] = [
        ("On time", f"{report.follow_ups_on_time} of {report.follow_ups_due} due "
                    f"({percent(report.follow_ups_on_time, report.follow_ups_due)})"),
        ("First contact", f"median {median_text} (n {report.first_contacts})"),
        ("Overdue now", f"{report.follow_ups_overdue} · escalated {report.follow_ups_escalated}"),
        ("Open episodes", ages),
        ("Promises", f"made {report.promises_made} · kept {report.promises_kept} · "
                     f"broken {report.promises_broken} · pending {report.promises_pending}"),
    ]
    table = _grid(None, None)
    table.columns[1].justify = "left"
    for label, value in rows:
        table.add_row(label, value)
    return Group(title("Follow-through"), table)


def recovery(report: Report, width: int) -> Group:
    """Episodes' outcomes; came back within 30 and 90 days after an incident, beside visitors without one."""
    outcomes = {outcome.key: outcome.count for outcome in report.outcomes}
    labels = {count.key: count.label for count in report.by_category}
    came_back = report.came_back
    label_width = max(10, min(LABEL_WIDTH + 4, width - 2 * 13))
    table = _grid(label_width, 12, 12)
    table.add_row(Text("Came back within", style="italic"), "30 days", "90 days", style="italic")
    table.add_row("after an incident", rate_text(came_back.get("30d")), rate_text(came_back.get("90d")))
    table.add_row("visitors without one", rate_text(came_back.get("baseline_30d")),
                  rate_text(came_back.get("baseline_90d")))
    for key, rates in report.came_back_by_category.items():
        table.add_row(Text(f"· {labels.get(key, key)}"), rate_text(rates.get("30d")), rate_text(rates.get("90d")))
    note = Text("n: customers whose incident (or first visit) is 30/90 days past", style="italic")
    closed = Text(f"Episodes closed: {outcomes.get('recovered', 0)} recovered · "
                  f"{outcomes.get('not_recovered', 0)} not recovered · {outcomes.get('unknown', 0)} unknown")
    return Group(title("Recovery"), closed, table, note)


def people(staff: Iterable[PersonFigures], width: int) -> Group:
    """Per staff member, by name: loops closed. No figure measures how fast anyone was."""
    rows = list(staff)
    heading = title("People: loops closed")
    if not rows:
        return Group(heading, Text("no follow-up, promise or recovery in the period", style="italic"))
    name_width = max(6, min(LABEL_WIDTH, max(cell_len(person.name) for person in rows), width - 4 * 10 - 4))
    table = _grid(name_width, 10, 9, 9, 9)
    table.add_row("", "follow-ups", "promises", "hand-offs", "guests", style="italic")
    table.add_row("", "on time", "kept", "checked", "came back", style="italic")
    for person in rows:
        table.add_row(literal(person.name), f"{person.follow_ups_on_time} of {person.follow_ups_owned}",
                      f"{person.promises_kept} of {person.promises_made}", str(person.handoffs_checked),
                      str(person.recoveries))
    return Group(heading, table)


def repeat_customers(repeats: Sequence[RepeatCustomer], width: int) -> Group:
    """Customers with two or more incidents: tenure, visits, incidents per visit and remedies, so facts tell a
    loyal regular from a frequent complainer."""
    heading = title("Repeat incidents")
    if not repeats:
        return Group(heading, Text("no customer had two incidents in the period", style="italic"))
    money = [", ".join(format_money(amount, currency) for currency, amount in sorted(repeat.remedy_totals.items()))
             or "none" for repeat in repeats]
    money_width = max(8, max(cell_len(text) for text in money))
    fixed = 8 + 6 + 9 + 6 + money_width + 5
    name_width = max(6, min(LABEL_WIDTH, max(cell_len(repeat.name) for repeat in repeats), width - fixed))
    table = _grid(name_width, 8, 6, 9, 6, money_width)
    table.add_row("", "since", "visits", "incidents", "/visit", "remedies", style="italic")
    for repeat, given in zip(repeats, money, strict=True):
        per_visit = "–" if repeat.incidents_per_visit is None else f"{repeat.incidents_per_visit:.2f}"
        table.add_row(literal(repeat.name), f"{repeat.customer_since:%b %Y}", str(repeat.visits),
                      f"{repeat.incidents} ({repeat.incidents_ever})", per_visit, given)
    note = Text("incidents: in the period (ever) · /visit: every incident over every visit", style="italic")
    return Group(heading, table, note)
