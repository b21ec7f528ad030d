"""In house now: guests checked in and not out who have an active flag or an incident today.

Whoever seats, serves or says goodbye to them should know before they do, so
the list sits on the greet screen and follows the change feed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from frontdesk import timing
from frontdesk.widgets.safe import literal
from frontdesk.widgets.search_results import FLAG_COMPONENTS, MARKER_WIDTH, flag_marker

if TYPE_CHECKING:
    from frontdesk.schemas.reads import InHouseGuest

LISTED = "In house with a flag or incident"
SECOND_LINE_INDENT = "  "
"""Under a guest in the side column, the headline starts here: indented under the time (7 cells) it was cut
at 120×40 ("Facilities and comfort follow-up · 19 Nov" is 41 cells of the column's 46)."""
TWO_LINES_BELOW = 60
"""Narrower than this (the wide layout's side column), each guest takes two lines."""


class InHouseList(Widget, can_focus=False):
    """One line a guest (two in a narrow column), by check-in time; only neutral words for guests to see."""

    COMPONENT_CLASSES = {"in-house--title", "in-house--muted", *FLAG_COMPONENTS}
    DEFAULT_CSS = """
    InHouseList {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    InHouseList > .in-house--title {
        text-style: bold;
    }
    InHouseList > .in-house--muted {
        color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.guests: tuple[InHouseGuest, ...] = ()
        self._times: tuple[str, ...] = ()
        self.loaded = False

    def show(self, guests: list[InHouseGuest], tz: ZoneInfo) -> None:
        self.guests = tuple(guests)
        self._times = tuple(f"{timing.local(guest.checked_in_at, tz):%H:%M}" for guest in guests)
        self.loaded = True
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Room for every guest; `max-height` cuts it, and `render` then says how many more there are."""
        if not self.guests:
            return 2 if self.loaded else 1
        return 1 + len(self.guests) * (2 if width < TWO_LINES_BELOW else 1)

    def render(self) -> Text:
        title = self.get_component_rich_style("in-house--title")
        muted = self.get_component_rich_style("in-house--muted")
        if not self.loaded:
            return Text("In house now", style=title, end="")
        if not self.guests:
            text = Text("In house now", style=title, end="")
            text.append("\nnobody with a flag or an incident today", style=muted)
            return text
        # The count is of the guests listed, so the title says who they are (it read "In house now · 5"
        # with 9 guests in the house, issue 17).
        text = Text(f"{LISTED} · {len(self.guests)}", style=title, end="")
        two_lines = self.size.width < TWO_LINES_BELOW
        per_guest = 2 if two_lines else 1
        room = (self.size.height - 1) // per_guest if self.size.height else len(self.guests)
        shown = len(self.guests) if room >= len(self.guests) else max(0, room - 1)
        for guest, checked_in in zip(self.guests[:shown], self._times[:shown], strict=True):
            marker = flag_marker(self, guest.flag_level) if guest.flag_level else Text("• incident", end="")
            marker.pad_right(MARKER_WIDTH - cell_len(marker.plain))
            text.append(f"\n{checked_in}  ")
            text.append(marker)
            text.append("  ")
            text.append(literal(guest.name, style="bold"))
            text.append(f"\n{SECOND_LINE_INDENT}" if two_lines else " · ")
            text.append(literal(neutral_line(guest), style=muted))
        if shown < len(self.guests):
            text.append(f"\n+ {len(self.guests) - shown} more: type a name to open their card", style=muted)
        return text


def neutral_line(guest: InHouseGuest) -> str:
    """What a passing guest may read: the flag's neutral headline, or only the incident's category
    ("Care" for a sensitive one, as the service gives it).

    The description stays on the card, behind the story key.
    """
    if guest.flag_headline:
        return guest.flag_headline
    return f"{guest.incident_today} incident today" if guest.incident_today else "incident today"
