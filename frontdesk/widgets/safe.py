"""The one way customer-typed text reaches the screen: literally, never as markup, never as a command.

Textual reads strings as markup by default: a name `Smith [/]` raises a
MarkupError that kills the app, and `[@click=app.quit]x[/]` becomes a live
action. A `rich.text.Text` is never parsed, so every label, cell, option and
dialog that shows customer text goes through `literal()`; `joined()`,
`label_grid()` and `hanging()` put such pieces together.

Neither Rich nor Textual removes Esc, so a stored name holding an escape
sequence would reach the terminal as one (set the window title, write the
clipboard with OSC 52, clear the screen). `visible()` shows every control
character as what it is instead: C0 in caret notation (`^[` for Esc), C1
and lone surrogates as `�`; bidi embeddings, overrides and isolates as `�`
too, so they cannot reorder the rest of the line. Newline and tab stay:
they are what multi-line text is made of.
"""

from __future__ import annotations

import re

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text

from frontdesk.text import visible as visible  # re-exported: widgets take both from here

def literal(text: object, style: str | Style = "") -> Text:
    """`text` as typed (None shows as empty), control characters made visible (`visible`), optionally in one style."""
    return Text("" if text is None else visible(str(text)), style=style, end="")


def joined(*parts: Text | str, separator: str = "  ") -> Text:
    """Concatenate literal pieces; plain `str` parts are product words, also kept literal."""
    result = Text(end="")
    for index, part in enumerate(parts):
        if index:
            result.append(separator)
        result.append(part if isinstance(part, Text) else literal(part))
    return result


def label_grid(gap: int = 2, label_style: str = "") -> Table:
    """Two columns: a label that never wraps, and text that wraps inside its own column (not under the label)."""
    grid = Table.grid(padding=(0, gap))
    grid.add_column(style=label_style, no_wrap=True)
    grid.add_column(ratio=1)
    return grid


LEAD = re.compile(r"(\s*(?:\d+\.\s+)?)(.*)")
"""A line's indent, and its number when it starts an item ("1. Smith"): what its wrapped lines hang under."""


def hanging(text: str) -> Group:
    """Plain multi-line text whose wrapped lines keep their line's indent, so an item's words stay in their column."""
    lines: list[Text | Table] = []
    for line in text.splitlines():
        match = LEAD.fullmatch(line)
        lead, body = match.groups() if match else ("", line)
        if not lead:
            plain = literal(line)
            plain.end = "\n"
            lines.append(plain)
            continue
        grid = Table.grid()
        grid.add_column(width=len(lead), no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(literal(lead.rstrip()), literal(body))
        lines.append(grid)
    return Group(*lines)
