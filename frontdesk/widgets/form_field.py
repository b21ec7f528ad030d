"""A form's field: its caption and control on one row, and its error line right under it.

The caption of the focused row is reversed, so where the cursor is reads on
a 16-colour console too; an error starts with ⚠ for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label

from frontdesk.widgets.safe import literal

CAPTION_WIDTH = 16


class FieldRow(Horizontal):
    DEFAULT_CSS = f"""
    FieldRow {{
        height: auto;
    }}
    FieldRow > .field-caption {{
        width: {CAPTION_WIDTH};
        color: $text-muted;
    }}
    FieldRow.-focused > .field-caption {{
        text-style: reverse bold;
        color: $text;
    }}
    FieldRow > Input, FieldRow > TextArea, FieldRow > ChoiceRow, FieldRow > CustomerPicker {{
        width: 1fr;
    }}
    """

    def on_descendant_focus(self, _: events.DescendantFocus) -> None:
        # A class, not :focus-within: Textual does not restyle the caption when focus-within changes.
        self.add_class("-focused")

    def on_descendant_blur(self, _: events.DescendantBlur) -> None:
        self.remove_class("-focused")


class FieldError(Label):
    """Says what is wrong with the field above it; hidden while nothing is."""

    DEFAULT_CSS = f"""
    FieldError {{
        margin-left: {CAPTION_WIDTH};
        width: 1fr;
        display: none;
    }}
    FieldError.-shown {{
        display: block;
    }}
    """

    def show(self, message: str | None) -> None:
        self.update(literal(f"⚠ {message}" if message else ""))
        self.set_class(bool(message), "-shown")


def field(caption: str, control: Widget, name: str) -> ComposeResult:
    """A captioned control and its error line; the error line's id is `<name>-error`."""
    yield FieldRow(Label(caption, classes="field-caption"), control, id=f"{name}-field")
    yield FieldError("", id=f"{name}-error", classes="field-error")


def show_errors(root: Widget, errors: Mapping[str, str], order: Iterable[str]) -> str | None:
    """Show each message under its field (clearing the rest); the first bad field in `order`, to focus."""
    for error_line in root.query(FieldError):
        name = (error_line.id or "").removesuffix("-error")
        error_line.show(errors.get(name))
    return next((name for name in order if name in errors), None)
