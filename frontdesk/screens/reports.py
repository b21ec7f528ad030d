"""Reports (placeholder): reports on recurring problems arrives in its own issue."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from frontdesk.screens.base import DeskScreen


class ReportsScreen(DeskScreen):
    MODE = "reports"
    BINDING_GROUP_TITLE = "Reports"

    def compose_body(self) -> ComposeResult:
        yield Static("Reports: reports on recurring problems is being built.", classes="placeholder")
