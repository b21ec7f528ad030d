"""The alert bar: serious incidents at this site, until someone acknowledges them; and escalations.

For a lead or manager a second line (or the only one) says how many
follow-ups stand escalated to them (services/escalation.py): words and
marks, no guest.

A bar, not a dialog: it never takes focus and never blocks keys. The neutral
headline comes first and the customer's name not at all, because guests can
see the screen; the bar is marked with ⚠ and bold, so it reads without colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from frontdesk import timing
from frontdesk.desk import DeskNode
from frontdesk.schemas.vocab import label
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import AlertInfo


class AlertBar(DeskNode, Static, can_focus=False):
    DEFAULT_CSS = """
    AlertBar {
        height: auto;
        padding: 0 1;
        display: none;
    }
    AlertBar.-active {
        display: block;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "alerts", self.show_alerts)
        self.watch(self.app, "escalation_notice", self.show_notice)

    def show_notice(self, _: str) -> None:
        self.show_alerts(self.app.alerts)

    def show_alerts(self, alerts: tuple[AlertInfo, ...]) -> None:
        notice = self.app.escalation_notice
        self.set_class(bool(alerts or notice), "-active")
        if not alerts:
            self.update(Text(notice, style="bold") if notice else "")
            return
        newest = alerts[0]
        line = Text("⚠ ", style="bold", end="")
        line.append(literal(newest.headline, style="bold"))
        line.append(f"  {label(newest.severity)} · ")
        line.append(literal(newest.created_terminal))
        site = self.app.site
        if site is not None:
            line.append(f" {timing.local(newest.created_at, timing.zone(site.time_zone)):%H:%M}")
        more = len(alerts) - 1
        if more:
            line.append(f"  (+{more} more)")
        # One line: what does not fit is cut from the end (the terminal's name first), never the key.
        bar = Table.grid(expand=True)
        bar.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        bar.add_column(no_wrap=True)
        bar.add_row(line, Text("  F7: acknowledge", style="italic"))
        if notice:  # a second line: the escalation notice never hides an alert, nor an alert it
            bar.add_row(Text(notice, style="bold"), Text(""))
        self.update(bar)
