"""The PIN pad's keys: a tap does what the key does (a digit, Backspace, Enter) in the PIN field.

Each key is a Static, not a Button: the pad's twelve Buttons were half of
the sign-in screen's widgets, and Button's many style rules made restyling
and painting them most of a lock's time (the screen is restyled each time
it is shown). A key takes no focus: the PIN field keeps it, so typing keeps
working after a tap.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Static


class PadKey(Static):
    """One key of the PIN pad, tapped or clicked."""

    class Pressed(Message):
        """A pad key was tapped; `key` says which."""

        def __init__(self, key: PadKey) -> None:
            super().__init__()
            self.key = key

        @property
        def control(self) -> PadKey:
            return self.key

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Pressed(self))
