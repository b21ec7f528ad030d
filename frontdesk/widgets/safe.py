"""The one way customer-typed text reaches the screen: literally, never as markup.

Textual reads strings as markup by default: a name `Smith [/]` raises a
MarkupError that kills the app, and `[@click=app.quit]x[/]` becomes a live
action. A `rich.text.Text` is never parsed, so every label, cell, option and
dialog that shows customer text goes through `literal()`; `joined()` and
`label_grid()` put such pieces together.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text


def literal(text: object, style: str = "") -> Text:
    """`text` exactly as typed (None shows as empty), optionally in one style."""
    return Text("" if text is None else str(text), style=style, end="")


def joined(*parts: Text | str, separator: str = "  ") -> Text:
    """Concatenate literal pieces; plain `str` parts are product words, also kept literal."""
    result = Text(end="")
    for index, part in enumerate(parts):
        if index:
            result.append(separator)
        result.append(part if isinstance(part, Text) else Text(part))
    return result


def label_grid(gap: int = 2, label_style: str = "") -> Table:
    """Two columns: a label that never wraps, and text that wraps inside its own column (not under the label)."""
    grid = Table.grid(padding=(0, gap))
    grid.add_column(style=label_style, no_wrap=True)
    grid.add_column(ratio=1)
    return grid
