"""Follow-ups (placeholder): the due follow-ups queue arrives in its own issue."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from frontdesk.screens.base import DeskScreen


class FollowUpsScreen(DeskScreen):
    MODE = "followups"
    BINDING_GROUP_TITLE = "Follow-ups"

    def compose_body(self) -> ComposeResult:
        yield Static("Follow-ups: the due follow-ups queue is being built.", classes="placeholder")
