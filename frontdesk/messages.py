"""Messages that cross screens: the store changed, the desk is ready, go to a customer or incident."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from frontdesk.store.changes import Change


class StoreChanged(Message, bubble=False):
    """Another connection committed: screens re-query what they show, if the change concerns it.

    `changes` says where and what (None: unknown, so everything). Bursts
    collapse into one (a pending StoreChanged replaces the next and takes
    its changes along). It does not bubble: the App hands a copy to each
    screen, and a copy that bubbled back up would be handed out again, forever.
    """

    def __init__(self, changes: tuple[Change, ...] | None = None) -> None:
        super().__init__()
        self.changes = changes

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, StoreChanged):
            return False
        if self.changes is None or message.changes is None:
            message.changes = None
        else:
            from frontdesk.store.changes import merge

            message.changes = merge((*self.changes, *message.changes))
        return True


class DeskReady(Message):
    """The store is open and the staff member at the terminal is known."""


class OpenCustomer(Message):
    """Show this customer's card on the greet screen (F2)."""

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id


class LogIncidentFor(Message):
    """Open the incident screen (F3) with this customer attached (None: nobody yet)."""

    def __init__(self, customer_id: int | None) -> None:
        super().__init__()
        self.customer_id = customer_id


class AmendIncident(Message):
    """Open this incident on the incident screen (F3) to correct or finish it."""

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id


class DraftFound(Message):
    """An incident typed at this terminal was never saved (a crash, a kill): offer it back."""

    def __init__(self, payload: dict[str, object], saved_at: datetime) -> None:
        super().__init__()
        self.payload = payload
        self.saved_at = saved_at
