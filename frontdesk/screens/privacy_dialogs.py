"""A manager's privacy requests from the open customer card: export their data, erase them.

Offered in the palette only to a manager while a card is open (the
services check the role again). Erasing cannot be undone, so the dialog
asks for the customer's name to be typed, as a repository host asks for a
repository's name before deleting it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from frontdesk.paths import export_dir as export_folder
from frontdesk.text import fold
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import CustomerCard
    from frontdesk.services.context import Actor

Write = Callable[..., Any]
"""The card screen's write worker: runs `job(desk, *args)` off the UI thread and tells its sentence."""


def privacy_commands(card: CustomerCard, write: Write, ask: Callable[[EraseDialog, Callable[[bool | None], None]], Any]
                     ) -> Iterable[SystemCommand]:
    """The palette's privacy commands for the open card."""
    yield SystemCommand("Export this customer's data", "Everything on file about them, to a file to send",
                        lambda: write(export_job, card))
    yield SystemCommand("Erase this customer", "Remove their personal data and free texts for good (type the name)",
                        lambda: ask(EraseDialog(card.name), lambda sure: write(erase_job, card) if sure else None))


def _same_name(typed: str, name: str) -> bool:
    return " ".join(fold(typed).split()) == " ".join(fold(name).split())


class EraseDialog(ModalScreen[bool]):
    """Erase for good: confirmed by typing the customer's name (case and accents do not matter); Esc keeps them."""

    BINDING_GROUP_TITLE = "Erase"
    BINDINGS = [Binding("escape", "keep", "Cancel", tooltip="Close without erasing anything")]
    AUTO_FOCUS = "#erase-name"

    def __init__(self, name: str) -> None:
        super().__init__()
        self.customer_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(f"Erase {self.customer_name} for good?"), classes="dialog-title")
            yield Static("Their name, contact details, notes and every free text in their incidents, flags and "
                         "follow-ups are removed; counts and categories stay for the reports. Open follow-ups are "
                         "skipped. This cannot be undone.")
            yield Static(literal("Type the customer's name to confirm:"))
            yield Input(id="erase-name")
            yield Label("", id="erase-name-error", classes="field-error")
            yield Label("Enter erase    Esc cancel", classes="dialog-keys")

    @on(Input.Submitted, "#erase-name")
    def confirm(self, event: Input.Submitted) -> None:
        if _same_name(event.value, self.customer_name):
            self.dismiss(True)
        else:
            self.query_one("#erase-name-error", Label).update("That is not the name on the card: nothing was erased.")

    def action_keep(self) -> None:
        self.dismiss(False)


# Write jobs: run in the card screen's write worker, each one service call and the sentence for the manager.


def export_job(desk: Actor, card: CustomerCard) -> str:
    import json

    from frontdesk.services import privacy
    from frontdesk.services.export import write_atomically

    found = privacy.export_customer(desk, card.id)
    target = export_folder() / f"frontdesk-customer-{card.id}-{desk.now():%Y-%m-%d}.json"
    write_atomically(target, lambda out: out.write(json.dumps(found, ensure_ascii=False, indent=1) + "\n"))
    return f"Saved to {target} (owner-only). Check it for other people's data before sending it."


def erase_job(desk: Actor, card: CustomerCard) -> str:
    from frontdesk.services import privacy

    result = privacy.erase(desk, card.id)
    held = len(result.backups)
    backups = f" {held} {'backup' if held == 1 else 'backups'} beside the store still hold them." if held else ""
    skipped = result.skipped_follow_ups
    return (f"Customer {card.id} erased; {skipped} open {'follow-up' if skipped == 1 else 'follow-ups'} skipped."
            f"{backups}")
