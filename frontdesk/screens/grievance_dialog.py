"""The written response to a grievance (issue 15 item 6), from the follow-ups queue (F4).

A clinic's grievance is answered in writing (CMS guidance on 42 CFR 482.13):
with a resolution that names the contact person, the steps taken, the
results and the date of completion; or with an interim letter that says by
when the response will come, which moves the follow-up to that date. One
service call, `followups.respond_to_grievance`, does either; each part it
finds missing or unreadable is said under its field, all at once, and the
dialog stays open with everything typed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from frontdesk.screens.followup_dialogs import ActionDone, FollowUpDialog, show_error, still_open, who
from frontdesk.timing import describe_due
from frontdesk.widgets.choice_row import ChoiceRow
from frontdesk.widgets.form_field import field, show_errors
from frontdesk.widgets.safe import joined, literal

if TYPE_CHECKING:
    from frontdesk.schemas.reads import GrievanceAnswered

Kind = Literal["resolution", "interim"]
RESOLUTION_FIELDS = ("contact_person", "steps_taken", "results", "completed_on")
INTERIM_FIELDS = ("new_due_at",)


@dataclass(frozen=True)
class GrievanceAnswer:
    """The dialog's fields as typed: which kind of response, and the parts it needs."""

    kind: Kind
    contact_person: str = ""
    steps_taken: str = ""
    results: str = ""
    completed_on: str = ""
    new_due_at: str = ""

    def for_service(self) -> dict[str, str]:
        """Only the parts of the chosen kind: what is hidden is not sent."""
        parts = RESOLUTION_FIELDS if self.kind == "resolution" else INTERIM_FIELDS
        return {key: value for key, value in asdict(self).items() if key == "kind" or key in parts}


class GrievanceResponseDialog(FollowUpDialog[GrievanceAnswer]):
    """Done on a grievance's written response: a resolution with its four parts, or an interim letter's new date."""

    BINDING_GROUP_TITLE = "Grievance response"
    FIELDS = ("kind", *RESOLUTION_FIELDS, *INTERIM_FIELDS)
    KEYS = "←→: resolution or interim · Tab: next · Enter: save · Esc: cancel"
    AUTO_FOCUS = "#kind"

    def heading(self) -> Text:
        item = self.item
        due = describe_due(item.due_at, self.desk.now(), self.zone)
        return joined("Written response to a grievance", literal(who(item)),
                      due if item.bucket == "overdue" else f"due {due}", separator=" · ")

    def compose_fields(self) -> ComposeResult:
        yield Static("A resolution names the contact person, the steps taken, the results and the day it was "
                     "completed. An interim letter says by when the response will come.", classes="dialog-hint")
        yield from field("Answer with", ChoiceRow([("resolution", "resolution"), ("interim", "interim letter")],
                                                  "resolution", id="kind"), "kind")
        yield from field("Contact person", Input(id="contact_person", compact=True,
                                                 placeholder="who the patient can reach, e.g. Dr Okafor"),
                         "contact_person")
        yield from field("Steps taken", Input(id="steps_taken", compact=True,
                                              placeholder="how the grievance was looked into"), "steps_taken")
        yield from field("Results", Input(id="results", compact=True,
                                          placeholder="what was found, and what changes"), "results")
        yield from field("Completed on", Input(id="completed_on", compact=True,
                                               placeholder="today, yesterday or 2026-11-20"), "completed_on")
        yield from field("Response by", Input(id="new_due_at", compact=True,
                                              placeholder="the date in the letter, e.g. +7d, fri, 2026-12-04"),
                         "new_due_at")

    def on_mount(self) -> None:
        self.show_kind("resolution")

    @property
    def kind(self) -> Kind:
        return "interim" if self.query_one("#kind", ChoiceRow).value == "interim" else "resolution"

    @on(ChoiceRow.Changed, "#kind")
    def kind_changed(self, _: ChoiceRow.Changed) -> None:
        self.show_kind(self.kind)

    def show_kind(self, kind: Kind) -> None:
        """Only the parts the chosen kind needs; their problems go with them."""
        for name in (*RESOLUTION_FIELDS, *INTERIM_FIELDS):
            self.query_one(f"#{name}-field").display = name in (RESOLUTION_FIELDS if kind == "resolution"
                                                                  else INTERIM_FIELDS)
        self.show_refusal({})

    def values(self) -> GrievanceAnswer:
        typed = {name: self.query_one(f"#{name}", Input).value for name in (*RESOLUTION_FIELDS, *INTERIM_FIELDS)}
        return GrievanceAnswer(self.kind, **typed)

    def show_refusal(self, errors: dict[str, str]) -> None:
        """Each problem under its field, what belongs to none under the form; focus on the first bad field."""
        first = show_errors(self, errors, self.FIELDS)
        show_error(self, "form", "; ".join(message for name, message in errors.items() if name not in self.FIELDS))
        if first is not None:
            self.query_one(f"#{first}").focus()

    def write(self, values: GrievanceAnswer) -> ActionDone:
        from frontdesk.services.followups import respond_to_grievance

        answered: GrievanceAnswered = respond_to_grievance(self.desk, self.item.id, self.item.version,
                                                           values.for_service())
        name = who(self.item)
        if answered.status != "done":
            return ActionDone(f"Interim letter recorded: {name}. The written response is now due "
                              f"{describe_due(answered.due_at, self.desk.now(), self.zone)}.")
        return ActionDone(f"Grievance resolved in writing: {name}.{still_open(answered.episode)}",
                          closable=answered.episode if answered.episode.can_close else None)
