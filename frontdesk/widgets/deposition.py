"""The deposition as the incident form holds it: typed values, each field's spec, and the draft.

`Deposition` is the form's content (times and the cost as typed, each choice
as its stored word); each of its fields carries a `FormField` (caption,
control, placeholder, section, and whether a new incident and an amendment
may set it). `FlagWords` is the flag a new incident raises, worded. The
`DepositionForm` and `SavePreview` widgets render and read these; the screen
saves them; `IncidentDraft` is what the draft keeper writes, as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from frontdesk import timing
from frontdesk.money import minor_digits
from frontdesk.schemas.vocab import (
    HANDOFF_STATUSES,
    LIKELIHOODS,
    REMEDY_KINDS,
    SEVERITIES,
    label,
)
from frontdesk.text import visible
from frontdesk.widgets.choice_row import Option
from frontdesk.widgets.form_field import FormField, spec, specs

if TYPE_CHECKING:
    from frontdesk.schemas.reads import IncidentDetail, PlanStepPreview

NOT_SAID: Option = (None, "—")
SEVERITY_CHOICES: tuple[Option, ...] = (NOT_SAID, *((severity, label(severity)) for severity in SEVERITIES))
REMEDY_CHOICES: tuple[Option, ...] = (NOT_SAID, *((kind, label(kind)) for kind in REMEDY_KINDS))
LIKELIHOOD_CHOICES: tuple[Option, ...] = (NOT_SAID, *((value, label(value)) for value in LIKELIHOODS))
PROMISE_CHOICES: tuple[Option, ...] = (NOT_SAID, ("pending", "pending"), ("kept", "kept"), ("broken", "broken"))
HANDOFF_CHOICES: tuple[Option, ...] = (NOT_SAID, *((value, label(value)) for value in HANDOFF_STATUSES))


@dataclass(frozen=True)
class Who:
    """Who it happened to: a customer on file, or what is known about an unknown guest."""

    customer_id: int | None = None
    name: str | None = field(default=None, compare=False)
    """Shown, not compared: a customer's name arrives a moment after their id."""
    guest: str = ""


NOBODY = Who()
"""No customer attached, nothing known about the guest."""


@dataclass(frozen=True)
class Deposition:
    """DESIGN.md's deposition, as typed; the order is the form's (Tab order, first error)."""

    customer: Who = spec(NOBODY, "Customer", "customer", section="Who and when",  # noqa: RUF009 (Who is frozen)
                         reported_as=("customer_id", "guest_description"))
    occurred_at: str = spec("", "When", "line", hint="now · or 20m ago, 19:40, yesterday 19:40")
    category: str | None = spec(None, "Category", "choice", options=(NOT_SAID,), section="What happened")
    severity: str | None = spec(None, "Severity", "choice", options=SEVERITY_CHOICES)
    product: str = spec("", "Product/service", "line", hint="e.g. fish soup, room 12 shower, online booking")
    location: str = spec("", "Where", "line", hint="table, room, counter, online")
    description: str = spec("", "What went wrong", "story", rows=3, hint="what went wrong, in plain words")
    reaction: str = spec("", "Reaction", "line", hint="how the customer reacted, how they left")
    remedy_kind: str | None = spec(None, "Remedy", "choice", options=REMEDY_CHOICES, section="What was done")
    remedy_cost: str = spec("", "Remedy cost", "line", hint="0.00")
    promise_text: str = spec("", "Promised", "line", hint="what was promised, if anything")
    promise_due_at: str = spec("", "Promised by", "line", hint="e.g. tomorrow 12:00, fri, +3d")
    promise_likelihood: str | None = spec(None, "How likely", "choice", options=LIKELIHOOD_CHOICES)
    promise_status: str | None = spec(None, "Promise", "choice", options=PROMISE_CHOICES, new=False)
    ally_id: str | None = spec(None, "Original ally", "choice")
    handoff_to: str = spec("", "Handed off to", "line", hint="who or which department, if anyone",
                           reported_as=("handoff_staff_id",))
    handoff_expected_at: str = spec("", "Fixed by", "line", hint="expected fixed by, e.g. 21:00, tomorrow")
    handoff_status: str | None = spec(None, "Hand-off", "choice", options=HANDOFF_CHOICES, new=False)
    root_cause: str = spec("", "Root cause", "story", rows=2, hint="why it happened, once known", new=False)
    remedy_sought: str = spec("", "Asked for", "line", hint="what the customer asked for, if they said so")
    """Last in the form (issue 15): optional, and the Tab order people have learnt stays as it was."""

    def for_log(self) -> dict[str, Any]:
        """The deposition as `log_incident` reads it: the fields a new incident has."""
        raw: dict[str, Any] = {item.name: getattr(self, item.name) for item in FIELDS
                               if item.new and item.kind != "customer"}
        raw.update(customer_id=self.customer.customer_id, guest_description=self.customer.guest,
                   category=self.category or "")
        return raw

    def changes_since(self, baseline: Deposition) -> dict[str, Any]:
        """What an amendment changes: only what the person changed, so a field nobody touched is never overwritten."""
        raw: dict[str, Any] = {}
        for item in FIELDS:
            now, before = getattr(self, item.name), getattr(baseline, item.name)
            if not item.amend or now == before:
                continue
            if item.kind == "customer":
                if now.customer_id != before.customer_id:
                    raw["customer_id"] = now.customer_id
                if now.guest != before.guest:
                    raw["guest_description"] = now.guest
            else:
                raw[item.name] = now
        return raw

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {item.name: getattr(self, item.name) for item in FIELDS if item.kind != "customer"}
        data.update(customer_id=self.customer.customer_id, customer_name=self.customer.name, guest=self.customer.guest)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Deposition:
        """A draft's values; a key it does not know is left out, a missing one left empty (older drafts)."""
        values: dict[str, Any] = {}
        for item in FIELDS:
            value = data.get(item.name)
            if item.kind in ("line", "story"):
                values[item.name] = str(value or "")
            elif item.kind == "choice":
                values[item.name] = None if value is None else str(value)
        customer_id = data.get("customer_id")
        name = data.get("customer_name")
        return cls(customer=Who(int(customer_id) if customer_id else None, str(name) if name else None,
                                str(data.get("guest") or "")), **values)

    @classmethod
    def from_detail(cls, detail: IncidentDetail, tz: ZoneInfo) -> Deposition:
        """An incident on file as the form shows it: local times, the cost as it would be typed.

        Control characters are made visible: an Input or TextArea draws its text raw.
        """
        cost = detail.remedy_cost
        return cls(
            customer=Who(detail.customer_id, visible(detail.customer_name) if detail.customer_name else None,
                         visible(detail.guest_description or "")),
            occurred_at=wall(detail.occurred_at, tz),
            category=detail.category,
            severity=detail.severity,
            product=visible(detail.product or ""),
            location=visible(detail.location or ""),
            description=visible(detail.description),
            reaction=visible(detail.reaction or ""),
            remedy_sought=visible(detail.remedy_sought or ""),
            remedy_kind=detail.remedy_kind,
            remedy_cost=f"{Decimal(cost).scaleb(-minor_digits(detail.currency)):f}" if cost else "",
            promise_text=visible(detail.promise_text or ""),
            promise_due_at=wall(detail.promise_due_at, tz),
            promise_likelihood=detail.promise_likelihood,
            promise_status=detail.promise_status,
            ally_id=str(detail.ally_id),
            handoff_to=visible(detail.handoff_to or ""),
            handoff_expected_at=wall(detail.handoff_expected_at, tz),
            handoff_status=detail.handoff_status,
            root_cause=visible(detail.root_cause or ""),
        )


@dataclass(frozen=True)
class FlagWords:
    """The flag a new incident raises: a neutral headline, the story, how to greet (controls `flag-<name>`)."""

    headline: str = spec("", "Headline", "line", hint="neutral: guests may see it", amend=False)
    message: str = spec("", "Story", "story", rows=4, hint="the story, for whoever meets them next", amend=False)
    greeting: str = spec("", "Greet with", "story", rows=3, hint="how to greet them", amend=False)


@dataclass(frozen=True)
class FlagChoice:
    """What the person decided about the flag; None leaves it to the deposition (severity, suggested words)."""

    raise_flag: bool | None = None
    headline: str | None = None
    message: str | None = None
    greeting: str | None = None


FIELDS = specs(Deposition)
FLAG_FIELDS = specs(FlagWords)
RAISE_FLAG = FormField("Flag", "choice", name="raise_flag", amend=False)
PLAN = FormField("Follow-ups", "choice", name="plan", amend=False)
"""The plan's caption and error line (its control is the plan preview)."""
CREATES = (RAISE_FLAG, *(replace(item, name=f"flag-{item.name}") for item in FLAG_FIELDS), PLAN)
"""What saving a new incident creates, as the form names it, after the deposition."""


def wall(instant: datetime | None, tz: ZoneInfo) -> str:
    """An instant as the form shows a time: local, to the minute."""
    return f"{timing.local(instant, tz):%Y-%m-%d %H:%M}" if instant else ""


def form_name(key: str) -> str:
    """The form field a service error belongs to ("plan.0.due_at" is the plan's; "form" when none)."""
    head, _, rest = key.partition(".")
    if head == "flag":
        return f"flag-{rest.split('.')[0] or 'headline'}"
    for item in (*FIELDS, *CREATES):
        if head == item.name or head in item.reported_as:
            return item.name
    return "form"


def caption(name: str) -> str:
    """A field's caption from its form or service name ("Promised by" for promise_due_at)."""
    item = next((item for item in (*FIELDS, *CREATES) if form_name(name) == item.name), None)
    return item.caption if item is not None else name.replace("_", " ")


@dataclass(frozen=True)
class IncidentDraft:
    """What the draft keeper writes: the form as typed, what it started from, and what "When" meant."""

    values: Deposition
    baseline: Deposition
    flag: FlagChoice = FlagChoice()
    plan: tuple[PlanStepPreview, ...] | None = None
    """The plan as the person edited it; None follows the playbook."""
    incident_id: int | None = None
    """The incident being amended; None for a new one."""
    incident_version: int | None = None
    staff: str = ""
    started_at: datetime | None = None
    """When typing began."""
    occurred: datetime | None = None
    """The instant "When" stood for when the draft was kept, so that a restart does not move the incident."""

    def to_json(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "incident_version": self.incident_version,
            "staff": self.staff,
            "values": self.values.to_json(),
            "baseline": self.baseline.to_json(),
            "flag": {item.name: getattr(self.flag, item.name) for item in fields(self.flag)},
            "plan": [step.model_dump(mode="json") for step in self.plan] if self.plan is not None else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "occurred": self.occurred.isoformat() if self.occurred else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IncidentDraft:
        """A kept draft (older drafts without the newer keys too)."""
        values = Deposition.from_json(data.get("values") or {})
        flag = data.get("flag") or {}
        plan = None
        if data.get("plan") is not None:
            from frontdesk.schemas.reads import (
                PlanStepPreview,  # loaded with the store, long before a draft
            )

            plan = tuple(PlanStepPreview.model_validate(step) for step in data["plan"])
        started_at = _instant(data.get("started_at"))
        if_now = started_at if not values.occurred_at.strip() else None  # older drafts: "now" meant then
        return cls(
            values=values,
            baseline=Deposition.from_json(data["baseline"]) if data.get("baseline") else Deposition(),
            flag=FlagChoice(**{item.name: flag.get(item.name) for item in fields(FlagChoice)}),
            plan=plan,
            incident_id=int(data["incident_id"]) if data.get("incident_id") else None,
            incident_version=int(data["incident_version"]) if data.get("incident_version") else None,
            staff=str(data.get("staff") or ""),
            started_at=started_at,
            occurred=_instant(data.get("occurred")) or if_now,
        )


def _instant(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None
