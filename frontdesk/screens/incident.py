"""Log incident (placeholder): the deposition form arrives in its own issue."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from frontdesk.screens.base import DeskScreen


class IncidentScreen(DeskScreen):
    MODE = "incident"
    BINDING_GROUP_TITLE = "Log incident"

    def compose_body(self) -> ComposeResult:
        yield Static("Log incident: the deposition form is being built.", classes="placeholder")

    def start_incident(self, customer_id: int | None) -> None:
        """Start a new deposition, with this customer attached."""

    def amend_incident(self, incident_id: int) -> None:
        """Open an existing incident to correct or finish it."""
