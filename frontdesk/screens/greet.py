"""Greet (placeholder): the host stand's search and customer card arrives in its own issue."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from frontdesk.screens.base import DeskScreen


class GreetScreen(DeskScreen):
    MODE = "greet"
    BINDING_GROUP_TITLE = "Greet"

    def compose_body(self) -> ComposeResult:
        yield Static("Greet: the host stand's search and customer card is being built.", classes="placeholder")

    def show_customer(self, customer_id: int) -> None:
        """Open a customer's card (asked for by another screen)."""
