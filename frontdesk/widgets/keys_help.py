"""The keys panel (F1): this screen's keys first, then the ones that work everywhere.

Read from the screen's active bindings, like Textual's HelpPanel, so it cannot drift from
`BINDINGS`; but ordered for a newcomer at 80×24: a field's editing keys come last and the
generic scrolling keys are left out (Textual's panel put them first, some twenty rows of
them). PageUp and PageDown scroll the panel while it shows (the App's `help_page`); at 80
columns it covers the screen rather than squeezing it to a narrow strip.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from frontdesk.desk import DeskNode

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen

SCROLLING = frozenset({
    "scroll_up", "scroll_down", "scroll_left", "scroll_right", "scroll_home", "scroll_end",
    "page_up", "page_down", "page_left", "page_right",
})
"""Actions every scrolling container binds: the same on every screen, so not worth a row."""
MOVING = frozenset({"focus_next", "focus_previous", "app.focus_next", "app.focus_previous"})
"""Tab and Shift+Tab: listed with the field's editing keys, after the screen's and the global ones."""
FIELD_TITLE = "Moving and editing"
HINT = "F1 closes · PgUp PgDn scroll"


def keys_table(screen: Screen[object], app_title: str) -> Table:
    """The screen's own keys, then the App's, then the focused field's (a dimmed key is unavailable now)."""
    sections: dict[int, dict[str, list[tuple[Binding, bool]]]] = defaultdict(lambda: defaultdict(list))
    titles: dict[int, str] = {}
    for namespace, binding, enabled, _ in screen.active_bindings.values():
        if binding.system or binding.action in SCROLLING:
            continue
        rank = 2 if binding.action in MOVING else 0 if namespace is screen else 1 if namespace is screen.app else 2
        titles[rank] = {0: getattr(screen, "BINDING_GROUP_TITLE", None) or "This screen", 1: app_title}.get(
            rank, FIELD_TITLE)
        sections[rank][binding.action].append((binding, enabled))
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", no_wrap=True)
    table.add_column()
    key_display = screen.app.get_key_display
    for rank in sorted(sections):
        if table.row_count:
            table.add_row("", "")
        table.add_row("", Text(titles[rank], style="bold underline"))
        for bindings in sections[rank].values():
            binding, enabled = bindings[0]
            keys = " ".join(dict.fromkeys(key_display(each) for each, _ in bindings))
            words = Text(binding.description, style="bold" if enabled else "dim")
            if binding.tooltip:
                words.append(f" {binding.tooltip}", style="dim")
            table.add_row(Text(keys, style="bold" if enabled else "dim"), words)
    return table


class KeysHelp(DeskNode, VerticalScroll, can_focus=False):
    """The keys of the screen it is mounted on, kept up to date as the screen's state changes."""

    DEFAULT_CSS = """
    KeysHelp {
        layer: keys-help;
        dock: right;
        width: 100%;
        margin-top: 2;
        padding: 0 1;
        background: $surface;
    }
    KeysHelp #keys-hint {
        color: $text-muted;
    }
    """
    """In a layer of its own: it covers the screen (at 80 columns, all of it) between the mode bar
    and the footer, and the screen underneath keeps its layout. Its height is set by `fit`: a docked
    widget's height in TCSS cannot leave out the rows above and below it."""
    ROWS_KEPT = 3
    """The header and the mode bar above, the footer below."""

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="keys-hint")
        yield Static(id="keys-table")

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.show_keys)
        self.screen.screen_layout_refresh_signal.subscribe(self, self.fit)
        self.fit()
        self.show_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)
        self.screen.screen_layout_refresh_signal.unsubscribe(self)

    def fit(self, _: object = None) -> None:
        height = max(1, self.screen.size.height - self.ROWS_KEPT)
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height

    def show_keys(self, _: object = None) -> None:
        title = getattr(self.app, "BINDING_GROUP_TITLE", None) or "Everywhere"
        self.query_one("#keys-table", Static).update(keys_table(self.screen, title))

    def page(self, step: int) -> None:
        self.scroll_relative(y=step * max(1, self.size.height - 1), animate=False)
