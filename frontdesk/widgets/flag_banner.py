"""The flag banner: the first thing on a customer's card.

Guests can see the stand's screen, so the banner shows only the neutral
headline (and "promise open · due DATE", without the promise's words)
until the host asks for the story (one key). The ⚑ marker and the
level word carry the meaning; the level's colour (app.tcss) only adds to it,
so the banner reads the same on a 16-colour console.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from frontdesk import timing
from frontdesk.widgets.safe import label_grid, literal
from frontdesk.widgets.search_results import FLAG_COMPONENTS, flag_marker, when

if TYPE_CHECKING:
    from frontdesk.schemas.reads import FlagInfo


def promise_words(flag: FlagInfo, tz: ZoneInfo, now: datetime) -> Text:
    """"promise open · due Fri 20 Nov" (and "· overdue" once past): neutral, so it shows before F6 too."""
    line = Text("promise open", style="bold", end="")
    if flag.promise_due_at is not None:
        line.append(f" · due {timing.local(flag.promise_due_at, tz):%a %d %b}")
        if flag.promise_due_at < now:
            line.append(" · overdue", style="bold reverse")
    return line


class FlagBanner(Static, can_focus=False):
    """Active flags, headline first; `show(..., story=True)` adds what happened and how to greet."""

    COMPONENT_CLASSES = set(FLAG_COMPONENTS)
    DEFAULT_CSS = """
    FlagBanner {
        height: auto;
        padding: 0 1;
        border-left: outer $warning;
        background: $boost;
        display: none;
    }
    FlagBanner.-active {
        display: block;
    }
    """

    def show(self, flags: tuple[FlagInfo, ...], *, story: bool, tz: ZoneInfo, now: datetime) -> None:
        self.set_class(bool(flags), "-active")
        grid = label_grid(gap=1)
        for flag in flags:
            grid.add_row(flag_marker(self, flag.level), literal(flag.headline, style="bold"))
            if flag.promise_open:
                grid.add_row("", promise_words(flag, tz, now))
            if story:
                self._add_story(grid, flag, tz, now)
        if flags and not story:
            grid.add_row("", Text("F6: the story and how to greet", style="italic"))
        self.update(grid)

    @staticmethod
    def _add_story(grid: Table, flag: FlagInfo, tz: ZoneInfo, now: datetime) -> None:
        """What happened and when, the message, how to greet, who logged it and who has read it."""
        rows: list[tuple[str, Text]] = []
        if flag.incident_occurred_at is not None:
            rows.append(("When", literal(when(flag.incident_occurred_at, tz, now))))
        rows.append(("Story", literal(flag.message)))
        if flag.greeting:
            rows.append(("Greet", literal(flag.greeting)))
        rows.append(("Logged", literal(f"by {flag.created_by}, {when(flag.created_at, tz, now)}")))
        if flag.acknowledgements:
            seen = "; ".join(
                f"{ack.staff_name} ({ack.terminal}) {when(ack.at, tz, now)}" for ack in flag.acknowledgements[-3:]
            )
            earlier = len(flag.acknowledgements) - 3
            rows.append(("Read by", literal(seen + (f"; and {earlier} earlier" if earlier > 0 else ""))))
        else:
            rows.append(("Read by", Text("nobody yet", style="italic")))
        for title, value in rows:
            grid.add_row(Text(title, style="bold"), value)
