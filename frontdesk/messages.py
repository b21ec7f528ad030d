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
