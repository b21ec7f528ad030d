"""Messages that cross screens: the store changed, the desk is ready."""

from __future__ import annotations

from textual.message import Message


class StoreChanged(Message):
    """Another connection committed: screens re-query what they show.

    Bursts collapse into one (a pending StoreChanged replaces the next).
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)


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


# Appended with issue 6 (the file is append-only while shared): the App re-posts StoreChanged to every
# screen, and a screen's copy that bubbled back up to the App was re-posted again, forever (a hundred
# re-reads in three seconds after one commit elsewhere). A broadcast goes down only.
StoreChanged.bubble = False


from datetime import datetime  # noqa: E402  (appended with DraftFound; the file is append-only while shared)


class DraftFound(Message):
    """An incident typed at this terminal was never saved (a crash, a kill): offer it back."""

    def __init__(self, payload: dict[str, object], saved_at: datetime) -> None:
        super().__init__()
        self.payload = payload
        self.saved_at = saved_at
