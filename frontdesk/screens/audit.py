"""The audit trail (F5, then t; or the palette): who did what to which record, when. A manager's screen.

It shows ids, action names and field names, never a customer's words, so it
is safe to read at any terminal. Filters are typed, Enter applies them; the
newest `TRAIL_ROWS` events that match are listed, newest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Label

from frontdesk.screens.base import DeskScreen
from frontdesk.services import authority
from frontdesk.widgets.safe import literal

if TYPE_CHECKING:
    from frontdesk.desk import DeskApp
    from frontdesk.services.audit import AuditEntry, TrailFilter
    from frontdesk.store.changes import Interest

FILTERS = (
    # (id, caption, placeholder, the name parse_filter reports it under)
    ("audit-staff", "Staff", "a name", "staff"),
    ("audit-customer", "Customer", "number", "customer"),
    ("audit-record", "Record", "type:id", "record"),
    ("audit-from", "From", "YYYY-MM-DD", "from"),
    ("audit-to", "To", "YYYY-MM-DD", "to"),
)


def may_read_trail(app: DeskApp) -> bool:
    return app.staff is not None and authority.allows(app.staff.role, "audit_trail")


def open_audit_trail(app: DeskApp) -> None:
    """Show the trail to a manager; anyone else is told who may (the service refuses them too)."""
    if not may_read_trail(app):
        app.notify(authority.refusal("audit_trail"), severity="warning", timeout=6)
        return
    app.push_screen(AuditScreen())


class AuditScreen(DeskScreen):
    CSS_PATH = "audit.tcss"
    MODE = "reports"
    BINDING_GROUP_TITLE = "Audit trail"
    AUTO_FOCUS = "#audit-staff"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the reports"),
        Binding("ctrl+r", "clear_filters", "Reset", tooltip="Clear every filter and show the newest events"),
    ]

    class Loaded(Message):
        def __init__(self, wanted: TrailFilter, entries: list[AuditEntry]) -> None:
            super().__init__()
            self.wanted = wanted
            self.entries = entries

    class Refused(Message):
        """A filter could not be used: which one, and why."""

        def __init__(self, field: str, reason: str) -> None:
            super().__init__()
            self.field = field
            self.reason = reason

    def compose_body(self) -> ComposeResult:
        with Vertical(id="audit-body"):
            yield Label(id="audit-title")
            with Horizontal(classes="audit-filters"):
                for widget_id, caption, hint, _ in FILTERS[:3]:
                    yield Label(caption, classes="audit-caption")
                    yield Input(placeholder=hint, id=widget_id, compact=True, max_length=120)
            with Horizontal(classes="audit-filters"):
                for widget_id, caption, hint, _ in FILTERS[3:]:
                    yield Label(caption, classes="audit-caption")
                    yield Input(placeholder=hint, id=widget_id, compact=True, max_length=10)
                yield Label("Enter: apply · Tab: next", classes="audit-hint")
            yield Label(id="audit-error")
            table: DataTable[Any] = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("When", "Who", "Terminal", "Action", "Record", "Fields")
            yield table

    def shows(self) -> Interest:
        """The audit trail covers every site."""
        from frontdesk.store.changes import ALL_ANYWHERE

        return ALL_ANYWHERE

    def refresh_data(self) -> None:
        self.apply_filters()

    def typed(self) -> dict[str, str]:
        return {name: self.query_one(f"#{widget_id}", Input).value for widget_id, _, _, name in FILTERS}

    @on(Input.Submitted)
    def apply_filters(self) -> None:
        if self.desk is not None:
            self.load(self.typed())

    def action_clear_filters(self) -> None:
        for widget_id, *_ in FILTERS:
            self.query_one(f"#{widget_id}", Input).value = ""
        self.query_one("#audit-staff", Input).focus()
        self.apply_filters()

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def load(self, typed: dict[str, str]) -> None:
        from frontdesk.errors import InvalidInput, NotFound
        from frontdesk.services import audit

        assert self.desk is not None
        try:
            wanted = audit.parse_filter(staff=typed["staff"], customer=typed["customer"], record=typed["record"],
                                        first_day=typed["from"], last_day=typed["to"])
            entries = audit.audit_trail(self.desk, wanted)
        except InvalidInput as exc:
            field, reason = next(iter(exc.errors.items()))
            self.post_message(self.Refused(field, reason))
        except NotFound as exc:
            self.post_message(self.Refused("staff", str(exc)))
        else:
            self.post_message(self.Loaded(wanted, entries))

    def on_audit_screen_refused(self, event: Refused) -> None:
        caption = next((caption for _, caption, _, name in FILTERS if name == event.field), event.field)
        self.query_one("#audit-error", Label).update(literal(f"⚠ {caption}: {event.reason}", style="bold"))
        self.query_one("#audit-error").display = True
        for widget_id, _, _, name in FILTERS:
            if name == event.field:
                self.query_one(f"#{widget_id}", Input).focus()

    def on_audit_screen_loaded(self, event: Loaded) -> None:
        from frontdesk.services.audit import TRAIL_ROWS

        self.query_one("#audit-error").display = False
        count = len(event.entries)
        title = Text("Audit trail", style="bold", end="")
        title.append(f" · newest {TRAIL_ROWS} that match" if count >= TRAIL_ROWS else
                     f" · {count} event{'s' if count != 1 else ''}")
        self.query_one("#audit-title", Label).update(title)
        table = self.query_one(DataTable)
        table.clear()
        for entry in event.entries:
            table.add_row(f"{entry.local_at:%Y-%m-%d %H:%M}", literal(entry.who), literal(entry.terminal),
                          entry.action, f"{entry.record_type}:{entry.record_id}", literal(", ".join(entry.fields)),
                          key=str(entry.id))
