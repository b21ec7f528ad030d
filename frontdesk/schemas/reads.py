"""Frozen read models: what services hand back to screens, never ORM rows.

ORM objects belong to their session's thread; these are plain values a
screen can keep and render. Customer text in them is shown literally.
"""

from __future__ import annotations

from datetime import date, datetime, time

from frontdesk.schemas.base import ReadModel


class SiteInfo(ReadModel):
    id: int
    name: str
    time_zone: str
    phone_region: str
    currency: str


class StaffInfo(ReadModel):
    id: int
    name: str
    role: str
    active: bool
    site_id: int | None
    has_pin: bool
    first_sign_in_today: bool = False
    """Set by a sign-in: the person's first of the site's local day (a lead's terminal opens on the queue)."""


class SearchHit(ReadModel):
    customer_id: int
    name: str
    phone: str | None
    email: str | None
    last_visit_at: datetime | None
    flag_level: str | None
    flag_headline: str | None


class Acknowledgement(ReadModel):
    staff_name: str
    at: datetime
    terminal: str
    site_name: str


class FlagInfo(ReadModel):
    id: int
    customer_id: int
    incident_id: int | None
    level: str
    headline: str
    message: str
    greeting: str | None
    active: bool
    created_at: datetime
    created_by: str
    incident_occurred_at: datetime | None
    incident_description: str | None
    acknowledgements: tuple[Acknowledgement, ...]
    version: int
    promise_open: bool = False
    """Its incident holds a promise neither kept nor broken (the banner says so, without its words)."""
    promise_due_at: datetime | None = None


class VisitInfo(ReadModel):
    id: int
    site_id: int
    site_name: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    departure: str | None
    incidents: int


class PromiseInfo(ReadModel):
    incident_id: int
    text: str
    due_at: datetime | None
    likelihood: str | None
    status: str
    made_by: str = "?"
    """Who promised it: the incident's original ally."""
    made_at: datetime | None = None
    """When: the incident's time."""

    def overdue(self, now: datetime) -> bool:
        """Past its due time and neither kept nor broken."""
        return self.status == "pending" and self.due_at is not None and self.due_at < now


class IncidentBrief(ReadModel):
    id: int
    site_id: int
    occurred_at: datetime
    category: str
    severity: str
    product: str | None
    description: str
    remedy_kind: str | None
    remedy_cost: int
    currency: str
    episode_status: str
    episode_outcome: str | None = None
    episode_root_cause: str | None = None
    repeat: bool = False
    """A later incident for this customer came within 30 days of the episode's close."""
    complete: bool
    promise: PromiseInfo | None
    sensitive: bool = False
    """Its category is sensitive: opening its story is audited (`view_story`)."""


class FollowUpBrief(ReadModel):
    id: int
    incident_id: int
    kind: str
    channel: str
    due_at: datetime
    status: str
    outcome: str | None
    attempts: int
    owner: str
    completed_at: datetime | None
    completed_by: str | None


class TimelineEntry(ReadModel):
    at: datetime
    kind: str
    """visit, incident or follow_up."""
    title: str
    """Neutral: a guest may read it (a sensitive category says "Care")."""
    detail: str
    record_id: int
    story: str | None = None
    """What happened (description, remedy): shown only with the story (F6)."""


class CustomerCard(ReadModel):
    """Everything a host needs before greeting: flags, tenure, history, promises."""

    id: int
    version: int
    name: str
    phone: str | None
    email: str | None
    consent_call: bool
    consent_text: bool
    consent_email: bool
    consent_post: bool
    postal_address: str | None
    notes: str | None
    customer_since: datetime
    visit_count: int
    last_visit_at: datetime | None
    in_house_visit_id: int | None
    """The open visit at this terminal's site, if the guest is in house."""
    incident_count: int
    remedy_totals: dict[str, int]
    """Total remedy value given, per currency, in minor units."""
    active_flags: tuple[FlagInfo, ...]
    incidents: tuple[IncidentBrief, ...]
    follow_ups: tuple[FollowUpBrief, ...]
    open_promises: tuple[PromiseInfo, ...]
    visits: tuple[VisitInfo, ...]
    timeline: tuple[TimelineEntry, ...]

    @property
    def incidents_per_visit(self) -> float:
        return self.incident_count / self.visit_count if self.visit_count else float(self.incident_count)


class InHouseGuest(ReadModel):
    visit_id: int
    customer_id: int
    name: str
    checked_in_at: datetime
    flag_level: str | None
    flag_headline: str | None
    incident_today: str | None
    """The category of today's incident ("Food and drink"): neutral, as guests can see the list."""


class PlanStepPreview(ReadModel):
    kind: str
    channel: str
    due_at: datetime
    owner_id: int
    owner_name: str
    words: str | None
    local_time: time | None = None
    """The local time it is planned for (timing.due_note says if a clock change moved it)."""


class LogResult(ReadModel):
    incident_id: int
    flag_id: int | None
    alert_id: int | None
    follow_ups: tuple[PlanStepPreview, ...]
    time_notes: dict[str, str]


class IncidentDetail(ReadModel):
    """A whole deposition, for the amend view and the queue's detail panel."""

    id: int
    version: int
    site_id: int
    customer_id: int | None
    customer_name: str | None
    guest_description: str | None
    occurred_at: datetime
    local_date: date
    local_hour: int
    local_weekday: int
    logged_at: datetime
    logged_by: str
    category: str
    product: str | None
    location: str | None
    severity: str
    description: str
    reaction: str | None
    remedy_kind: str | None
    remedy_cost: int
    currency: str
    remedy_sought: str | None = None
    """What the customer asked for."""
    promise_text: str | None
    promise_due_at: datetime | None
    promise_likelihood: str | None
    promise_status: str | None
    ally_id: int
    ally_name: str
    handoff_to: str | None
    handoff_staff_id: int | None
    handoff_expected_at: datetime | None
    handoff_status: str | None
    root_cause: str | None
    complete: bool
    episode_status: str
    episode_outcome: str | None = None
    """recovered, not_recovered or unknown, once closed."""
    episode_root_cause: str | None = None
    """The root cause's label, once closed."""
    repeat_incident_id: int | None = None
    """A later incident for the same customer within 30 days of the close: the episode was a repeat."""
    flag: FlagInfo | None
    follow_ups: tuple[FollowUpBrief, ...]


class DueItem(ReadModel):
    id: int
    version: int
    incident_id: int
    customer_id: int | None
    customer_name: str | None
    site_id: int
    kind: str
    channel: str
    due_at: datetime
    bucket: str
    """overdue, today or upcoming, in the site's zone."""
    owner_id: int
    owner_name: str
    attempts: int
    escalation: int
    """0; 1 escalated to the site's leads (overdue by their threshold, or three attempts); 2 to its managers."""
    escalated_at: datetime | None
    incident_summary: str
    local_time: time | None = None
    """The local time it is planned for (timing.due_note says if a clock change moved it)."""
    grievance_response: bool = False
    """A grievance's written response: done with a resolution or an interim notice, not an outcome."""


class DueCounts(ReadModel):
    overdue: int
    today: int
    week: int
    escalated: int = 0
    """Open and escalated (to the leads or the managers), whatever is due when."""


class EscalationCounts(ReadModel):
    """Open follow-ups escalated to the leads (level 1) and to the managers (level 2)."""

    leads: int
    managers: int


class EscalatedItem(ReadModel):
    """One escalated follow-up, as `frontdesk escalations` lists it."""

    follow_up_id: int
    incident_id: int
    site: str
    escalation: int
    escalated_at: datetime | None
    due_at: datetime
    overdue_since: datetime
    """Where the escalation clock counts from (the first due time, unless a lead restarted it)."""
    kind: str
    channel: str
    owner: str
    attempts: int
    customer: str | None
    about: str


class DueQueue(ReadModel):
    items: tuple[DueItem, ...]
    counts: DueCounts
    total: int
    """Rows matching the filters, across all pages."""
    offset: int
    limit: int


class Attempt(ReadModel):
    at: datetime
    by: str
    outcome: str
    note: str | None


class FollowUpDetail(ReadModel):
    item: DueItem
    status: str
    outcome: str | None
    words: str | None
    note: str | None
    skip_reason: str | None
    reschedule_reason: str | None = None
    """Why it was last moved with a reason (a lead's or manager's restarted the escalation clock)."""
    completed_at: datetime | None
    completed_by: str | None
    attempts: tuple[Attempt, ...]
    incident: IncidentDetail
    phone: str | None
    email: str | None
    postal_address: str | None
    consent: dict[str, bool]
    """Consent per channel: call, text, email, note (post); in person needs none."""


class NoteToWrite(ReadModel):
    follow_up_id: int
    customer_id: int | None
    name: str | None
    postal_address: str | None
    consent_post: bool
    incident_summary: str
    words: str | None
    due_at: datetime
    owner_name: str


class AlertInfo(ReadModel):
    id: int
    incident_id: int
    site_id: int
    headline: str
    severity: str
    created_at: datetime
    created_terminal: str
    customer_name: str | None
    version: int


class EpisodeInfo(ReadModel):
    """An episode as its close dialog needs it: can it close, what stays open, what closing asks."""

    incident_id: int
    status: str
    open_follow_ups: int
    promise_status: str | None
    flag_active: bool
    can_close: bool
    blockers: tuple[str, ...]
    """What stays open, in words ("1 follow-up is still open")."""
    customer_name: str | None = None
    promise_text: str | None = None
    root_cause: str | None = None
    """The key chosen at close (None while open)."""
    outcome: str | None = None
    """recovered, not_recovered or unknown, chosen at close (None while open)."""
    proposed_outcome: str = "unknown"
    """What the close dialog proposes, from the last follow-up's outcome."""
    root_causes: tuple[tuple[str, str], ...] = ()
    """The list to choose from at close, as (key, label)."""


class IncidentRow(ReadModel):
    """An incident in a list (today's incidents, a report's drill-down)."""

    id: int
    occurred_at: datetime
    customer_id: int | None
    customer_name: str | None
    category: str
    severity: str
    summary: str
    complete: bool
    episode_status: str


class CompletionResult(ReadModel):
    """What a follow-up action led to, for the screen's confirmation."""

    follow_up_id: int
    status: str
    outcome: str | None
    attempts: int
    due_at: datetime
    escalation: int
    new_follow_up_id: int | None
    """The new check-in scheduled after "reached – still unhappy"."""
    new_follow_up_due_at: datetime | None
    episode: EpisodeInfo
    """The episode as this completion left it, read in the same transaction."""


class GrievanceAnswered(ReadModel):
    """Where a grievance's written response stands after a resolution (done) or an interim notice (moved)."""

    status: str
    due_at: datetime
    episode: EpisodeInfo
    """The episode as the response left it, read in the same transaction."""


class Rescheduled(ReadModel):
    """Where a rescheduled follow-up went, and what was assumed reading a typed time."""

    due_at: datetime
    time_notes: tuple[str, ...] = ()
    escalation: int = 0
    """The level after the move: 0 when a lead's or manager's reason restarted the clock."""


class Count(ReadModel):
    key: str
    label: str
    count: int


class Rate(ReadModel):
    """How many of `n` did something: a share shows only with its n (no n, no share)."""

    count: int
    n: int

    @property
    def share(self) -> float | None:
        return round(self.count / self.n, 4) if self.n else None


class RemedyLine(ReadModel):
    """Remedies given for one category in one currency (minor units)."""

    category: str
    label: str
    currency: str
    incidents: int
    total: int


class PersonFigures(ReadModel):
    """What one staff member followed through in the period: closing loops, never speed."""

    staff_id: int
    name: str
    follow_ups_owned: int = 0
    follow_ups_on_time: int = 0
    promises_made: int = 0
    promises_kept: int = 0
    handoffs_checked: int = 0
    recoveries: int = 0


class RepeatCustomer(ReadModel):
    """A customer with two or more incidents in the period, with the facts that tell a regular from a complainer."""

    customer_id: int
    name: str
    customer_since: date
    tenure_days: int
    visits: int
    """Every visit, the ones a guest list brought in included."""
    incidents: int
    """In the period."""
    incidents_ever: int
    incidents_per_visit: float | None
    """incidents_ever / visits; None with no visit."""
    remedy_totals: dict[str, int]
    """Every remedy they were given, per currency, in minor units."""


class Report(ReadModel):
    """What recurs and whether follow-through happens, for a manager, over a period."""

    first_day: date
    last_day: date
    site_name: str | None
    """None when the report covers every site."""
    category: str | None = None
    """The one category the report is narrowed to, or None for all."""
    incidents: int
    by_category: tuple[Count, ...]
    by_product: tuple[Count, ...]
    by_hour: tuple[Count, ...]
    by_weekday: tuple[Count, ...]
    by_severity: tuple[Count, ...]
    remedy_totals: dict[str, int]
    """Remedy value given, per currency, in minor units."""
    follow_ups_due: int
    follow_ups_on_time: int
    follow_ups_late: int
    follow_ups_overdue: int
    follow_ups_escalated: int = 0
    """Of those due, how many stand escalated to the leads or the managers."""
    promises_made: int
    promises_kept: int
    promises_broken: int
    promises_pending: int
    customers_with_incidents: int
    customers_returned: int
    """Of those, how many came back for a later visit."""
    trend: tuple[Count, ...] = ()
    """Incidents per week of the period (key: the week's first day; the last week may be short)."""
    by_category_hour: tuple[Count, ...] = ()
    """Incidents per category and local hour, key `category|hour`, only the cells that are not zero."""
    root_causes: tuple[Count, ...] = ()
    """Closed episodes by root cause, most frequent first ("unknown" counted like any other)."""
    remedies: tuple[RemedyLine, ...] = ()
    median_days_to_first_contact: float | None = None
    """Median local days from an incident to its first follow-up done; None when none was done."""
    first_contacts: int = 0
    """How many incidents the median is over."""
    episodes_open: tuple[Count, ...] = ()
    """Open episodes by age in local days: 0-6, 7-13, 14-29, 30+."""
    outcomes: tuple[Count, ...] = ()
    """Closed episodes by outcome: recovered, not_recovered, unknown."""
    came_back: dict[str, Rate] = {}
    """`30d`, `90d` for customers with an incident; `baseline_30d`, `baseline_90d` for visitors without one."""
    came_back_by_category: dict[str, dict[str, Rate]] = {}
    """Per category key: `30d`, `90d` for customers with an incident of that category."""
    people: tuple[PersonFigures, ...] = ()
    repeat_customers: tuple[RepeatCustomer, ...] = ()
    """The most frequent first (at most 20)."""


class ReportView(ReadModel):
    """What F5 shows: the report for the period asked for, and the categories it may be narrowed to."""

    period: str
    """week, 4w, quarter or custom (typed days)."""
    report: Report
    categories: tuple[tuple[str, str], ...]
    """Active categories as (key, label), in their file order."""


class MergeResult(ReadModel):
    """What `customers merge` moved from the other customer to the one kept."""

    keep_id: int
    other_id: int
    moved: dict[str, int]
    """Rows moved, by table: visits, incidents, flags, follow-ups."""


class DuplicateGroup(ReadModel):
    """Customers who share a phone or email; `same_person` when they also share the name (merge them)."""

    contact: str
    """"phone" or "email": what they share (not the value: the list may be printed)."""
    customers: tuple[SearchHit, ...]
    same_person: bool


class SearchResult(ReadModel):
    """A search's rows, and whether part of what was typed was left out (more than 8 words or 100 characters)."""

    hits: tuple[SearchHit, ...]
    shortened: bool = False
