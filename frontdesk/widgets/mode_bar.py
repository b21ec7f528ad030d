"""The row of screens under the header: which F-key goes where, where you are, and who (F9 changes it)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

MODES_SHOWN = (("F2", "greet", "Greet"), ("F3", "incident", "Incident"), ("F4", "followups", "Follow-ups"),
               ("F5", "reports", "Reports"))


class ModeBar(Static, can_focus=False):
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

    def show(self, desk_label: str) -> None:
        line = Text(end="", no_wrap=True, overflow="ellipsis")
        for key, mode, name in MODES_SHOWN:
            style = "reverse bold" if mode == self.current else ""
            line.append(f" {key} {name} ", style=style)
        if desk_label:
            line.append(" │ F9 ")
            line.append(desk_label, style="italic")
        self.update(line)
