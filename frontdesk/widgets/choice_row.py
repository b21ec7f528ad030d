"""A choice made with the arrow keys: every option in one row, the chosen one marked.

Faster than a drop-down at a kiosk (one key per step, no overlay to open)
and readable without colour: the chosen option is bracketed and reversed.
Typing a letter jumps to the next option that starts with it. When the
options do not fit the width, only the chosen one shows, with its position.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from frontdesk.widgets.safe import literal

Option = tuple[str | None, str]
"""A stored value (None: not chosen) and the words shown for it."""


class ChoiceRow(Widget, can_focus=True):
    DEFAULT_CSS = """
    ChoiceRow {
        height: 1;
        width: 1fr;
    }
    ChoiceRow:focus {
        background: $boost;
        text-style: bold;
    }
    """

    BINDINGS = [
        Binding("right", "step(1)", "Next option", tooltip="Choose the next option (or type its first letter)"),
        Binding("left", "step(-1)", "Previous option", show=False, tooltip="Choose the previous option"),
    ]

    value: reactive[str | None] = reactive(None, layout=False)
    """The chosen option's stored value."""

    class Changed(Message):
        """The person (or a restored draft) chose another option."""

        def __init__(self, choice_row: ChoiceRow, value: str | None) -> None:
            super().__init__()
            self.choice_row = choice_row
            self.value = value

        @property
        def control(self) -> ChoiceRow:
            return self.choice_row

    def __init__(self, options: Sequence[Option], value: str | None = None, *, id: str | None = None,
                 tooltip: str | None = None) -> None:
        super().__init__(id=id)
        self.options: list[Option] = list(options)
        self.set_reactive(ChoiceRow.value, value)
        if tooltip:
            self.tooltip = tooltip

    def set_options(self, options: Sequence[Option]) -> None:
        """Replace the options, keeping the choice when it is still offered."""
        self.options = list(options)
        if self.value not in self._values():
            self.value = self.options[0][0] if self.options else None
        self.refresh()

    def _values(self) -> list[str | None]:
        return [value for value, _ in self.options]

    def _index(self) -> int:
        values = self._values()
        return values.index(self.value) if self.value in values else 0

    def watch_value(self, value: str | None) -> None:
        self.post_message(self.Changed(self, value))

    def action_step(self, step: int) -> None:
        if self.options:
            self.value = self.options[(self._index() + step) % len(self.options)][0]

    def on_key(self, event: events.Key) -> None:
        """A letter jumps to the next option whose words start with it."""
        if not (event.is_printable and event.character and event.character.strip()):
            return
        letter = event.character.casefold()
        count = len(self.options)
        for offset in range(1, count + 1):
            value, words = self.options[(self._index() + offset) % count]
            if words.casefold().startswith(letter):
                self.value = value
                event.stop()
                return

    @property
    def chosen_words(self) -> str:
        return self.options[self._index()][1] if self.options else ""

    def render(self) -> Text:
        chosen = self._index()
        row = Text(end="", no_wrap=True, overflow="ellipsis")
        for index, (_, words) in enumerate(self.options):
            if index:
                row.append(" ")
            if index == chosen:
                row.append("[", style="bold")
                row.append(literal(words, style="reverse bold"))
                row.append("]", style="bold")
            else:
                row.append(literal(f" {words} ", style="dim"))
        if row.cell_len <= self.size.width or not self.options:
            return row
        compact = Text("◀ ", end="", no_wrap=True, overflow="ellipsis")
        compact.append(literal(self.chosen_words, style="reverse bold"))
        compact.append(f" ▶  {chosen + 1}/{len(self.options)}", style="dim")
        return compact
