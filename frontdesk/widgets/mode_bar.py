"""The row of screens under the header: which F-key goes where, where you are, and who (F9 changes it).

While the change feed is lost it also says that live updates are paused:
the screen still works, it just does not refresh by itself until the feed
is back (then every screen re-queries once).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from frontdesk.desk import DeskNode
from frontdesk.widgets.safe import literal

MODES_SHOWN = (("F2", "greet", "Greet"), ("F3", "incident", "Incident"), ("F4", "followups", "Follow-ups"),
               ("F5", "reports", "Reports"))
PAUSED = "live updates paused"


class ModeBar(DeskNode, Static, can_focus=False):
    DEFAULT_CSS = """
    ModeBar {
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def on_mount(self) -> None:
        self.watch(self.app, "desk_label", self.show)
        self.watch(self.app, "live_updates", self.show)

    def show(self) -> None:
        line = Text(end="", no_wrap=True, overflow="ellipsis")
        for key, mode, name in MODES_SHOWN:
            style = "reverse bold" if mode == self.current else ""
            line.append(f" {key} {name} ", style=style)
        if not self.app.live_updates:
            line.append(" │ ")
            line.append(PAUSED, style=Style(bold=True, color=self.app.current_theme.warning))
        if self.app.desk_label:
            line.append(" │ F9 ")
            line.append(literal(self.app.desk_label, style="italic"))
        self.update(line)
