"""A form's field: its caption and control on one row, and its error line right under it.

The caption of the focused row is reversed, so where the cursor is reads on
a 16-colour console too; an error starts with ⚠ for the same reason.

`FormField` says how one field of a typed form shows: a form model puts it
in its dataclass fields' metadata (`spec()`), and `control()`, `read()` and
`write()` make, read and fill the control for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from dataclasses import fields as dataclass_fields
from typing import Any, Literal

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Label, TextArea

from frontdesk.widgets.choice_row import ChoiceRow, Option
from frontdesk.widgets.customer_picker import CustomerPicker
from frontdesk.widgets.safe import literal

CAPTION_WIDTH = 16

Kind = Literal["customer", "line", "story", "choice"]
"""The control a field gets: the customer picker, one line, a story (several lines), a choice row."""


@dataclass(frozen=True)
class FormField:
    """How one field of a form shows, and what may set it."""

    caption: str
    kind: Kind
    hint: str = ""
    """The placeholder: an example of what to type."""
    rows: int = 1
    """A story's height."""
    options: tuple[Option, ...] = ()
    """A choice's options, unless they come from the store."""
    section: str = ""
    """The heading this field opens, if any."""
    new: bool = True
    """Shown (and saved) for a new record."""
    amend: bool = True
    """An amendment may change it."""
    reported_as: tuple[str, ...] = ()
    """Other names a service's errors give this field (customer_id for the customer)."""
    name: str = ""
    """The model's field name, and the control's id."""


def spec(default: Any, caption: str, kind: Kind, **more: Any) -> Any:
    """A dataclass field of a form model, carrying its `FormField`."""
    return dataclass_field(default=default, metadata={"form": FormField(caption, kind, **more)})


def specs(model: type[Any]) -> tuple[FormField, ...]:
    """A form model's fields in order, each named."""
    return tuple(replace(item.metadata["form"], name=item.name) for item in dataclass_fields(model)
                 if "form" in item.metadata)


def control(field_spec: FormField, widget_id: str | None = None) -> Widget:
    """The control for a field, empty."""
    name = widget_id or field_spec.name
    if field_spec.kind == "customer":
        return CustomerPicker(id=name)
    if field_spec.kind == "choice":
        return ChoiceRow(field_spec.options, id=name)
    if field_spec.kind == "story":
        story = TextArea(id=name, compact=True, placeholder=field_spec.hint, highlight_cursor_line=False)
        story.match_cursor_bracket = False  # "[b]" in a story is text, not a pair to point at
        story.styles.height = field_spec.rows
        return story
    return Input(id=name, compact=True, placeholder=field_spec.hint)


def read(widget: Widget) -> str | None:
    """What a text or choice control holds: its text, or the chosen value."""
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    assert isinstance(widget, ChoiceRow), widget
    return widget.value


def write(widget: Widget, value: str | None) -> None:
    """Put a value in a text or choice control, unless it holds it already (a cursor stays put)."""
    if read(widget) == (value if isinstance(widget, ChoiceRow) else value or ""):
        return
    if isinstance(widget, Input):
        widget.value = value or ""
    elif isinstance(widget, TextArea):
        widget.load_text(value or "")
    else:
        assert isinstance(widget, ChoiceRow), widget
        widget.value = value


CHANGES = (Input.Changed, TextArea.Changed, ChoiceRow.Changed, CustomerPicker.Changed)
"""What a control posts when its value changes."""


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


def field(caption: str, widget: Widget, name: str) -> ComposeResult:
    """A captioned control and its error line; the error line's id is `<name>-error`."""
    yield FieldRow(Label(caption, classes="field-caption"), widget, id=f"{name}-field")
    yield FieldError("", id=f"{name}-error", classes="field-error")


def spec_field(field_spec: FormField, widget_id: str | None = None) -> ComposeResult:
    """A field of a form model, captioned, with its error line."""
    yield from field(field_spec.caption, control(field_spec, widget_id), widget_id or field_spec.name)


def show_errors(root: Widget, errors: Mapping[str, str], order: Iterable[str]) -> str | None:
    """Show each message under its field (clearing the rest); the first bad field in `order`, to focus."""
    for error_line in root.query(FieldError):
        name = (error_line.id or "").removesuffix("-error")
        error_line.show(errors.get(name))
    return next((name for name in order if name in errors), None)
