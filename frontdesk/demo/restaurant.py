"""The demo restaurant: a realistic store built through the services themselves.

`build_demo` sets up a site and its staff and then lives through nine weeks
of a restaurant's life on a pinned clock that walks forward from the past
to the real "now": guests are added when they first come and checked in and
out, incidents are deposed while the guest is in the house, follow-ups are
done (or not) when they fall due, promises are kept or broken, episodes are
closed. Because every change goes through the same services as a person at
a terminal, the demo obeys every rule and leaves the audit trail a real
store would. It ends with the store as a shift lead would find it now: some
follow-ups overdue, some due today, more upcoming, guests in house (some of
them flagged) and alerts nobody has acknowledged yet.

The same seed gives the same restaurant (times move with "now").
"""

from __future__ import annotations

import heapq
import itertools
import random
import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import func, select

from frontdesk import timing
from frontdesk.clock import Clock, FixedClock
from frontdesk.demo.data import People, Story, demo_data, email_local_part, fill_phone
from frontdesk.errors import NotAllowed
from frontdesk.schemas.inputs import (
    CustomerInput,
    FlagInput,
    IncidentInput,
    OutcomeInput,
    SiteInput,
    SkipInput,
    StaffInput,
)
from frontdesk.schemas.reads import FollowUpBrief, LogResult, SiteInfo
from frontdesk.schemas.vocab import Outcome
from frontdesk.services import customers, episodes, flags, followups, incidents, setup
from frontdesk.services.alerts import acknowledge_alert
from frontdesk.services.context import Actor
from frontdesk.services.remedies import RemedyApproval, approval_needed
from frontdesk.store.db import Store
from frontdesk.store.models import Alert, Customer, Flag, FollowUp, Incident, Visit

DEMO_SEED = 2026
HISTORY_DAYS = 63
"""Nine weeks of visits before today."""
CUSTOMERS = 330
INCIDENTS = 48
RECENT_INCIDENTS = 14
"""Incidents of the last ten days, whose follow-ups are still being worked."""
REGULARS = 32
"""Guests who come every week or so; then a hundred who came a few times; the rest once."""
OCCASIONAL = 100
IN_HOUSE = 8
NEWCOMERS = 2
"""Guests whose first visit is the one in progress now."""
SETTLED_AFTER = timedelta(days=12)
"""Incidents older than this have been followed through (most episodes closed)."""
FRESH_BEFORE = timedelta(days=3)
"""Incidents younger than this have had nothing done yet."""
OTHER_TERMINALS = ("bar", "back office")
LUNCH = (time(12, 0), 150)
DINNER = (time(18, 0), 240)
"""Service start (local) and length in minutes: when guests arrive."""


@dataclass
class Guest:
    """A demo guest before and after they are on file."""

    name: str
    details: dict[str, Any]
    visits: list[datetime] = field(default_factory=list)
    customer_id: int | None = None


@dataclass
class Episode:
    """What the demo knows about one logged incident while living through it."""

    incident_id: int
    occurred_at: datetime
    ally_id: int
    guest: Guest | None
    flag_id: int | None
    alert_id: int | None
    has_promise: bool
    has_handoff: bool
    fate: str
    """settled, active or fresh: how far the follow-through has come by now."""
    clear_flag_on_close: bool = True


class Demo:
    """The demo's world: a clock that moves, the actors, and a queue of things to do."""

    def __init__(self, store: Store, clock: FixedClock, now: datetime, site: SiteInfo, staff: dict[str, int],
                 terminal: str, rng: random.Random) -> None:
        self.store = store
        self.now = now
        self.clock = clock
        self.site = site
        self.tz = timing.zone(site.time_zone)
        self.staff = staff
        self.terminal = terminal
        self.rng = rng
        self.events: list[tuple[datetime, int, Callable[[], None]]] = []
        self.sequence = itertools.count()
        self.active_flags: dict[int, list[int]] = {}
        """Customer id to their active flag ids, as the demo raised and cleared them."""
        self.in_house: set[int] = set()
        self.unreachable_planned = False
        self.progress: Callable[[float], object] | None = None
        """Told how far the build is (0 to 1), for a progress bar: it takes seconds."""
        self.done = 0

    def actor(self, role_or_name: str, terminal: str | None = None) -> Actor:
        staff_id = self.staff[role_or_name]
        return Actor(self.store, self.clock, self.site.id, terminal or self.terminal, staff_id)

    def at(self, instant: datetime, action: Callable[[], None]) -> None:
        """Do `action` when the clock reaches `instant` (never after now)."""
        if instant <= self.now:
            heapq.heappush(self.events, (instant, next(self.sequence), action))

    def run_until(self, until: datetime) -> None:
        while self.events and self.events[0][0] <= until:
            instant, _, action = heapq.heappop(self.events)
            self.clock.set(max(instant, self.clock.now()))
            action()
            self.done += 1
            if self.progress is not None and self.done % 25 == 0:
                self.progress(self.done / (self.done + len(self.events)))

    def local(self, day: date, at: time) -> datetime:
        return timing.at_local(day, at, self.tz)


def unique_site_name(store: Store, wanted: str) -> str:
    """`wanted`, or "wanted (2)" and so on when a site of that name exists (a forced second build)."""
    taken = {site.name.lower() for site in setup.list_sites(store)}
    for number in itertools.count(1):
        name = wanted if number == 1 else f"{wanted} ({number})"
        if name.lower() not in taken:
            return name
    raise AssertionError("unreachable")


def _set_up(store: Store, clock: Clock, terminal: str) -> tuple[SiteInfo, dict[str, int]]:
    """The demo site and its staff; on a forced run, staff of the same name are reused."""
    data = demo_data()
    site = setup.add_site(
        store, clock, SiteInput.parse({**data.site.model_dump(), "name": unique_site_name(store, data.site.name)}), terminal
    )
    # Looked up first, not tried and caught: inside the build's one transaction a refused call ends it.
    on_file = {member.name.lower(): member for member in setup.list_staff(store)}
    staff: dict[str, int] = {}
    for seed in data.staff:
        member = on_file.get(seed.name.lower()) or setup.add_staff(
            store, clock, StaffInput.parse({"name": seed.name, "role": seed.role, "pin": seed.pin}), terminal,
            site_id=site.id)
        staff[seed.name] = member.id
        staff.setdefault(seed.role, member.id)
    return site, staff


def _guests(rng: random.Random, count: int, region: str) -> list[Guest]:
    """Guests with accented names, phones from many countries (all valid), emails and addresses."""
    data = demo_data()
    weights = [people.weight for people in data.people]
    phones: set[str] = set()
    emails: set[str] = set()
    guests = []
    # Every country at least once, then by weight.
    origins = list(data.people) + rng.choices(data.people, weights=weights, k=count - len(data.people))
    rng.shuffle(origins)
    for people in origins:
        first, last = rng.choice(people.first), rng.choice(people.last)
        name = f"{first} {last}"
        details: dict[str, Any] = {"name": name}
        if rng.random() < 0.9:
            details["phone"] = _phone(rng, people, region, phones)
        if rng.random() < 0.75 or "phone" not in details:
            local_part = email_local_part(first, last, rng.randrange(4))
            email = f"{local_part}@{rng.choice(people.domains)}"
            while email in emails:
                email = f"{local_part}{rng.randrange(2, 99)}@{rng.choice(people.domains)}"
            emails.add(email)
            details["email"] = email
        details["consent_call"] = "phone" in details and rng.random() < 0.85
        details["consent_text"] = "phone" in details and rng.random() < 0.6
        details["consent_email"] = "email" in details and rng.random() < 0.7
        if rng.random() < 0.3:
            details["postal_address"] = f"{rng.randrange(1, 420)} {rng.choice(data.places.streets)}\n{rng.choice(data.places.towns)}"
            details["consent_post"] = rng.random() < 0.9
        if rng.random() < 0.08:
            details["notes"] = rng.choice(
                ("Prefers the corner booth.", "Celebrates their anniversary here in spring.",
                 "Coeliac: check the pasta with the kitchen.", "Likes to be greeted in Italian.",
                 "Usually books for six on Sundays.")
            )
        guests.append(Guest(name=name, details=details))
    return guests


def _phone(rng: random.Random, people: People, region: str, used: set[str]) -> str:
    """A valid, unused number, typed as a host would: national for home, international for abroad."""
    while True:
        typed = fill_phone(rng.choice(people.phone), rng)
        number = phonenumbers.parse(typed, None)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number) and e164 not in used:
            used.add(e164)
            if people.region == region:
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            return typed


def _schedule_visits(demo: Demo, guests: list[Guest]) -> None:
    """Regulars weekly, some guests a few times, most once: arrival instants over the history."""
    rng = demo.rng
    today = timing.local(demo.now, demo.tz).date()
    first_day = today - timedelta(days=HISTORY_DAYS)

    def arrival(day: date) -> datetime:
        start, length = LUNCH if rng.random() < 0.35 else DINNER
        minutes = rng.randrange(0, length - 30, 5)
        return demo.local(day, start) + timedelta(minutes=minutes)

    for number, guest in enumerate(guests):
        if number >= len(guests) - NEWCOMERS:
            continue  # first seen today
        if number < REGULARS:
            day = first_day + timedelta(days=rng.randrange(0, 14))
            while day < today:
                guest.visits.append(arrival(day))
                day += timedelta(days=rng.randrange(6, 12))
        else:
            count = rng.choice((2, 2, 3)) if number < REGULARS + OCCASIONAL else 1
            days = sorted(rng.sample(range(HISTORY_DAYS), count))
            guest.visits.extend(arrival(first_day + timedelta(days=offset)) for offset in days)


def _visit(demo: Demo, guest: Guest, arrival: datetime, stay: timedelta | None) -> None:
    """Add the guest on their first visit, check them in, read their flag, check them out."""
    host = demo.actor("host")

    def arrive() -> None:
        if guest.customer_id is None:
            guest.customer_id = _create(demo, guest)
        visit_id = customers.check_in(host, guest.customer_id)
        demo.in_house.add(guest.customer_id)
        for flag_id in demo.active_flags.get(guest.customer_id, [])[:1]:
            if stay is not None or demo.rng.random() < 0.4:
                flags.acknowledge_flag(host, flag_id)
        if stay is not None:
            departure = "left" if demo.rng.random() < 0.03 else "out"
            demo.at(arrival + stay, lambda: _leave(demo, guest, visit_id, departure))

    demo.at(arrival, arrive)


def _leave(demo: Demo, guest: Guest, visit_id: int, departure: str) -> None:
    customers.check_out(demo.actor("host"), visit_id, departure)
    demo.in_house.discard(guest.customer_id or 0)


def _create(demo: Demo, guest: Guest) -> int:
    """Put a guest on file; a forced second demo in one store gets fresh numbers on a clash."""
    host = demo.actor("host")
    details = dict(guest.details)
    for _ in range(20):
        data = CustomerInput.parse(details, region=demo.site.phone_region)
        # Looked up first, not tried and caught: inside the build's one transaction a refused call ends it.
        if not customers.find_duplicates(host, data):
            return customers.create_customer(host, data)
        people = next(p for p in demo_data().people if p.region == demo.site.phone_region)
        if "phone" in details:
            details["phone"] = fill_phone(demo.rng.choice(people.phone), demo.rng)
        if "email" in details:
            local_part, domain = details["email"].split("@")
            details["email"] = f"{local_part}{demo.rng.randrange(100, 999)}@{domain}"
    raise NotAllowed("could not add demo guests without clashing with customers already on file")


def _incident_plan(rng: random.Random) -> list[tuple[Story, str]]:
    """Stories with a severity each: every severity and every category at least once."""
    stories = demo_data().stories
    plan: list[tuple[Story, str]] = []
    for severity in ("minor", "moderate", "major", "critical"):
        story = rng.choice([story for story in stories if severity in story.severities])
        plan.append((story, severity))
    for category in sorted({story.category for story in stories}):
        if not any(story.category == category for story, _ in plan):
            story = rng.choice([story for story in stories if story.category == category])
            plan.append((story, rng.choice(story.severities)))
    while len(plan) < INCIDENTS:
        story = rng.choice(stories)
        severity = rng.choices(story.severities, weights=[4, 3, 2, 1][: len(story.severities)])[0]
        plan.append((story, severity))
    rng.shuffle(plan)
    return plan


def _schedule_incidents(demo: Demo, guests: list[Guest]) -> None:
    """Pick visits for the incidents: most in the history, a dozen in the last ten days."""
    rng = demo.rng
    cutoff = demo.now - timedelta(days=10)
    yesterday = demo.now - timedelta(hours=30)
    visits = sorted(((arrival, guest) for guest in guests for arrival in guest.visits), key=lambda visit: visit[0])
    older = [visit for visit in visits if visit[0] < cutoff]
    recent = [visit for visit in visits if cutoff <= visit[0] < yesterday]
    last_day = [visit for visit in visits if yesterday <= visit[0] < demo.now - timedelta(hours=6)]
    # One quick log from the last day is still not finished: its reminder is overdue.
    unfinished = rng.choice(last_day or recent)
    recent = [visit for visit in recent + last_day if visit is not unfinished]
    chosen = [(visit, "full") for visit in rng.sample(older, INCIDENTS - RECENT_INCIDENTS)]
    chosen[rng.randrange(5, 15)] = (chosen[rng.randrange(5, 15)][0], "unknown")
    chosen += [(visit, "quick" if number < 3 else "full")
               for number, visit in enumerate(rng.sample(recent, RECENT_INCIDENTS - 1))]
    chosen.append((unfinished, "quick"))
    for ((arrival, guest), kind), (story, severity) in zip(chosen, _incident_plan(rng), strict=True):
        occurred = arrival + timedelta(minutes=rng.randrange(15, 70, 5))
        logged = occurred + timedelta(minutes=rng.randrange(5, 40))
        demo.at(logged, _log_action(demo, guest, story, severity, occurred, kind))


def _log_action(demo: Demo, guest: Guest | None, story: Story, severity: str, occurred: datetime,
                kind: str) -> Callable[[], None]:
    def log() -> None:
        _log(demo, guest, story, severity, occurred, kind)

    return log


def _approval_for(actor: Actor, cost: int) -> RemedyApproval | None:
    """The answer to a remedy above the person's limit (None: within it): a lead approves (their PIN from
    demo.toml); one that only a manager may approve is left pending approval, as if no manager was at hand, so the
    queue shows one. Asked before saving: the demo is built in one transaction."""
    needed = approval_needed(actor, cost)
    if needed is None:
        return None
    pins = {member.name: member.pin for member in demo_data().staff}
    leads = {member.name for member in demo_data().staff if member.role == "lead"}
    if not needed.approvers or needed.approvers[0][1] not in leads:
        return RemedyApproval(pending=True)
    approver_id, name = needed.approvers[0]
    return RemedyApproval(approver_id, pins[name])


def _log_with_approval(actor: Actor, data: IncidentInput) -> LogResult:
    """Log, answering a remedy above the logger's limit as `_approval_for` says."""
    return incidents.log_incident(actor, data, approval=_approval_for(actor, data.remedy_cost))


def _log(demo: Demo, guest: Guest | None, story: Story, severity: str, occurred: datetime, kind: str) -> None:
    """Depose an incident (full, quick, or about a guest not yet identified) and plan its follow-through."""
    rng = demo.rng
    ally_name = rng.choice([member.name for member in demo_data().staff if member.role in ("staff", "lead", "host")])
    terminal = rng.choice((demo.terminal, *OTHER_TERMINALS))
    actor = demo.actor(ally_name, terminal)
    customer_id = guest.customer_id if guest and kind != "unknown" else None
    age = demo.now - occurred
    if kind == "quick":
        data = incidents.parse_quick_log(actor, {
            "customer_id": customer_id, "occurred_at": occurred, "category": story.category,
            "severity": severity, "description": story.description.split(";")[0].split(".")[0],
        })
        result = incidents.quick_log(actor, data)
    else:
        raw: dict[str, Any] = {
            "customer_id": customer_id,
            "occurred_at": occurred,
            "category": story.category,
            "severity": severity,
            "description": story.description,
            "reaction": story.reaction,
            "product": story.product,
            "location": rng.choice(demo_data().places.locations),
            "remedy_kind": story.remedy,
            "remedy_cost": story.cost * 100,
        }
        if customer_id is None:
            raw["guest_description"] = "Woman in a green coat, table by the window, paid cash; did not leave a name."
        if story.promise:
            local_day = timing.local(demo.clock.now(), demo.tz).date()
            raw.update(promise_text=story.promise, promise_likelihood=story.likelihood or "likely",
                       promise_due_at=demo.local(local_day + timedelta(days=rng.randrange(1, 5)), time(17)))
        if story.handoff:
            raw.update(handoff_to=story.handoff,
                       handoff_expected_at=demo.local(timing.local(demo.clock.now(), demo.tz).date()
                                                      + timedelta(days=rng.randrange(1, 3)), time(16)))
        result = _log_with_approval(actor, incidents.parse_incident(actor, raw))
    fate = "settled" if age > SETTLED_AFTER else "fresh" if age < FRESH_BEFORE else "active"
    episode = Episode(
        incident_id=result.incident_id, occurred_at=occurred, ally_id=demo.staff[ally_name],
        guest=guest if customer_id else None, flag_id=result.flag_id, alert_id=result.alert_id,
        has_promise=bool(kind != "quick" and story.promise), has_handoff=bool(kind != "quick" and story.handoff),
        fate=fate, clear_flag_on_close=rng.random() < 0.8,
    )
    if result.flag_id and customer_id:
        demo.active_flags.setdefault(customer_id, []).append(result.flag_id)
    if result.alert_id and age > timedelta(days=2):
        other = demo.actor("lead", OTHER_TERMINALS[1] if terminal != OTHER_TERMINALS[1] else demo.terminal)
        demo.at(demo.clock.now() + timedelta(minutes=rng.randrange(2, 30)),
                lambda: acknowledge_alert(other, result.alert_id or 0))
    if kind == "unknown" and guest is not None and fate != "fresh":
        demo.at(demo.clock.now() + timedelta(days=1, hours=2), lambda: _identify(demo, episode, guest))
    if kind == "quick" and fate != "fresh":
        demo.at(demo.clock.now() + timedelta(hours=rng.randrange(1, 3)),
                lambda: _finish_deposition(demo, episode, story))
    detail = incidents.incident_detail(actor, result.incident_id)
    for brief in detail.follow_ups:
        _plan_follow_up(demo, episode, brief)


def _identify(demo: Demo, episode: Episode, guest: Guest) -> None:
    """The unknown guest turns out to be on file: attach them (their flag is raised then)."""
    if guest.customer_id is None:
        return
    lead = demo.actor("lead")
    detail = incidents.incident_detail(lead, episode.incident_id)
    updated = incidents.amend_incident(lead, episode.incident_id, detail.version,
                                       incidents.parse_amend(lead, {"customer_id": guest.customer_id}))
    episode.guest = guest
    if updated.flag and updated.flag.active:
        episode.flag_id = updated.flag.id
        demo.active_flags.setdefault(guest.customer_id, []).append(updated.flag.id)


def _finish_deposition(demo: Demo, episode: Episode, story: Story) -> None:
    """Complete a quick log while memory is fresh; this closes its reminder."""
    actor = Actor(demo.store, demo.clock, demo.site.id, OTHER_TERMINALS[1], episode.ally_id)
    detail = incidents.incident_detail(actor, episode.incident_id)
    changes = {"description": story.description, "reaction": story.reaction, "product": story.product,
               "remedy_kind": story.remedy, "remedy_cost": story.cost * 100, "complete": True}
    amendment = incidents.parse_amend(actor, {k: v for k, v in changes.items() if v is not None})
    incidents.amend_incident(actor, episode.incident_id, detail.version, amendment,
                             approval=_approval_for(actor, amendment.remedy_cost or 0))


def _plan_follow_up(demo: Demo, episode: Episode, brief: FollowUpBrief) -> None:
    """Decide when (and whether) a follow-up gets done, by how old its incident is now."""
    rng = demo.rng
    if brief.kind in ("incomplete_deposition", "remedy_approval"):
        return  # closed by finishing the deposition, or left to show as overdue; an approval waits for a manager
    if episode.fate == "fresh":
        return
    if (episode.fate == "active" and not demo.unreachable_planned and brief.kind == "check_in"
            and brief.channel == "call" and brief.due_at < demo.now - timedelta(days=4)):
        demo.unreachable_planned = True
        demo.at(brief.due_at + timedelta(minutes=10), lambda: _unanswered(demo, episode, brief.id, 3))
        return
    if episode.fate == "active" and (brief.due_at > demo.now - timedelta(hours=36) or rng.random() < 0.35):
        return  # still open: due soon, or overdue because nobody got to it
    when = brief.due_at + timedelta(minutes=rng.randrange(0, 180, 5))
    if brief.kind == "promise_check":
        demo.at(when, lambda: _settle_promise(demo, episode))
        return
    demo.at(when, lambda: _do_follow_up(demo, episode, brief, tries=0))


def _unanswered(demo: Demo, episode: Episode, follow_up_id: int, left: int) -> None:
    """Nobody picks up, three days running: the item is marked for the lead's attention."""
    result = followups.complete(_owner(demo, episode), follow_up_id, None, OutcomeInput(outcome="no_answer"))
    if left > 1:
        demo.at(result.due_at + timedelta(minutes=15), lambda: _unanswered(demo, episode, follow_up_id, left - 1))


def _owner(demo: Demo, episode: Episode) -> Actor:
    return Actor(demo.store, demo.clock, demo.site.id, OTHER_TERMINALS[1], episode.ally_id)


def _do_follow_up(demo: Demo, episode: Episode, brief: FollowUpBrief, tries: int) -> None:
    """Call, write or drop by: mostly reached and satisfied, sometimes no answer or still unhappy."""
    rng = demo.rng
    actor = _owner(demo, episode)
    if brief.kind == "handoff_check":
        detail = incidents.incident_detail(actor, episode.incident_id)
        if detail.handoff_status == "pending":
            incidents.amend_incident(actor, episode.incident_id, detail.version,
                                     incidents.parse_amend(actor, {"handoff_status": "fixed"}))
    outcome: Outcome | None
    if brief.channel == "note":
        outcome = None
    elif brief.channel in ("call", "text") and tries < 2 and rng.random() < 0.15:
        outcome = rng.choice(("no_answer", "left_message"))
    elif brief.kind == "check_in" and episode.fate == "settled" and rng.random() < 0.06:
        outcome = "reached_unhappy"
    else:
        outcome = "reached_satisfied"
    note = {"reached_unhappy": "Still cross about the bill; wants to talk to the manager.",
            "left_message": "Left a voicemail with our direct number."}.get(outcome or "")
    result = followups.complete(actor, brief.id, None, OutcomeInput(outcome=outcome, note=note))
    if result.status == "open":
        again = brief.model_copy(update={"due_at": result.due_at})
        demo.at(result.due_at + timedelta(minutes=rng.randrange(0, 90, 5)),
                lambda: _do_follow_up(demo, episode, again, tries + 1))
        return
    if result.new_follow_up_id and result.new_follow_up_due_at:
        new = brief.model_copy(update={"id": result.new_follow_up_id, "kind": "check_in",
                                       "due_at": result.new_follow_up_due_at})
        demo.at(result.new_follow_up_due_at + timedelta(minutes=30), lambda: _do_follow_up(demo, episode, new, 2))
        return
    _maybe_close(demo, episode)


def _settle_promise(demo: Demo, episode: Episode) -> None:
    """Mark the promise kept (or, honestly, broken); that closes its promise check."""
    actor = _owner(demo, episode)
    detail = incidents.incident_detail(actor, episode.incident_id)
    if detail.promise_status != "pending":
        return
    status = "broken" if demo.rng.random() < 0.2 else "kept"
    incidents.amend_incident(actor, episode.incident_id, detail.version,
                             incidents.parse_amend(actor, {"promise_status": status}))
    _maybe_close(demo, episode)


CAUSES_BY_CATEGORY = {
    "wait": ("staffing", "process"),
    "food": ("equipment", "supplier", "training"),
    "service": ("training", "communication"),
    "order": ("communication", "process"),
    "billing": ("process", "policy"),
    "booking": ("communication", "process"),
    "cleanliness": ("staffing", "facility"),
    "facilities": ("facility", "equipment"),
    "safety": ("training", "process"),
}
"""The root causes a lead finds plausible for each category; any other category: customer expectation."""


def root_cause_of(incident_id: int, category: str) -> str:
    """The demo's root cause for an episode: one of its category's, by the incident's id (not the demo's random
    numbers, so adding this changed no other part of the demo); one in seven is honestly unknown."""
    if incident_id % 7 == 0:
        return "unknown"
    causes = CAUSES_BY_CATEGORY.get(category, ("customer_expectation",))
    return causes[incident_id % len(causes)]


def _maybe_close(demo: Demo, episode: Episode) -> None:
    """A settled episode with nothing left open is closed by a lead, usually clearing its flag."""
    if episode.fate != "settled":
        return
    lead = demo.actor("lead")
    info = episodes.episode_info(lead, episode.incident_id)
    if info.status != "open" or info.blockers:
        return

    def close() -> None:
        current = episodes.episode_info(lead, episode.incident_id)
        if current.status != "open" or current.blockers:
            return
        category = incidents.incident_detail(lead, episode.incident_id).category
        episodes.close_episode(lead, episode.incident_id, root_cause=root_cause_of(episode.incident_id, category),
                               clear_flag=episode.clear_flag_on_close)  # the outcome proposed from the follow-ups
        if episode.clear_flag_on_close and episode.guest and episode.guest.customer_id and episode.flag_id:
            raised = demo.active_flags.get(episode.guest.customer_id, [])
            if episode.flag_id in raised:
                raised.remove(episode.flag_id)
            if not raised:
                demo.active_flags.pop(episode.guest.customer_id, None)

    demo.at(demo.clock.now() + timedelta(hours=demo.rng.randrange(1, 6)), close)


def _desk_work(demo: Demo) -> None:
    """A lead's morning at the queue: reassign one item, skip one (with the reason), move one."""
    lead = demo.actor("lead")
    with demo.store.read() as session:
        open_ids = session.scalars(
            select(FollowUp.id)
            .where(FollowUp.site_id == demo.site.id, FollowUp.status == "open", FollowUp.escalation == 0,
                   FollowUp.kind.in_(("check_in", "wrap_up")), FollowUp.channel.in_(("call", "text")),
                   FollowUp.owner_id != demo.staff["staff"])  # the first is reassigned to them
            .order_by(FollowUp.due_at.desc())
        ).all()
    if len(open_ids) > 3:
        followups.reassign(lead, open_ids[0], None, demo.staff["staff"])
        followups.skip(lead, open_ids[1], None,
                       SkipInput(reason="The guest asked us by email not to call again; we respect that."))
        followups.reschedule_by_days(lead, open_ids[2], None, 1)


def _promises_to_honour(demo: Demo, guests: list[Guest], promised: list[Guest]) -> None:
    """Four days ago, two regulars were promised something that is still open (issue 15): the first will be
    in house tonight, its promise overdue since yesterday; the second is expected, its promise due tonight,
    so checking them in offers to mark it kept. Their follow-ups stay open, and by now are escalated."""
    known = [guest for guest in guests if guest.customer_id and guest.customer_id not in demo.active_flags
             and guest.customer_id not in demo.in_house]
    stories = [story for story in demo_data().stories if story.promise and "safety" != story.category]
    today = timing.local(demo.now, demo.tz).date()
    dues = (demo.local(today - timedelta(days=1), time(17)), _later_today(demo.now, demo.tz))
    actor = demo.actor("lead")
    for guest, story, due in zip(demo.rng.sample(known, 2), stories, dues, strict=False):
        raw = {
            "customer_id": guest.customer_id, "occurred_at": demo.clock.now() - timedelta(hours=1),
            "category": story.category, "severity": "minor", "description": story.description,
            "reaction": story.reaction, "promise_text": story.promise, "promise_due_at": due,
            "promise_likelihood": story.likelihood or "likely", "raise_flag": True,
        }
        result = incidents.log_incident(actor, incidents.parse_incident(actor, raw))
        if result.flag_id and guest.customer_id:
            demo.active_flags.setdefault(guest.customer_id, []).append(result.flag_id)
        promised.append(guest)


def _in_house_now(demo: Demo, guests: list[Guest], promised: list[Guest]) -> None:
    """Guests at their tables now: the regular with an overdue promise, three flagged regulars, others, and one
    with a fresh incident. The regular whose promise is due tonight is not here yet."""
    rng = demo.rng
    expected = {guest.customer_id for guest in promised}
    flagged = [guest for guest in guests if guest.customer_id in demo.active_flags
               and guest.customer_id not in demo.in_house and guest.customer_id not in expected]
    known = [guest for guest in guests if guest.customer_id and guest.customer_id not in demo.active_flags
             and guest.customer_id not in demo.in_house]
    newcomers = [guest for guest in guests if guest.customer_id is None]
    chosen = [guest for guest in promised[:1] if guest.customer_id not in demo.in_house]
    chosen += rng.sample(flagged, min(3, len(flagged)))
    chosen += rng.sample(newcomers, min(2, len(newcomers)))
    chosen += rng.sample(known, IN_HOUSE - len(chosen))
    arrivals = sorted(demo.now - timedelta(minutes=rng.randrange(12, 110)) for _ in chosen)
    for guest, arrival in zip(chosen, arrivals, strict=True):
        _visit(demo, guest, arrival, stay=None)
    # One of them has just had a bad experience: an alert every terminal sees, a promise due later today.
    unlucky = chosen[-1]
    story = next(story for story in demo_data().stories if story.category == "wait" and story.promise)
    occurred = max(arrivals[-1] + timedelta(minutes=5), demo.now - timedelta(minutes=6))
    demo.at(min(occurred + timedelta(minutes=4), demo.now), lambda: _log_today(demo, unlucky, story, occurred))


def _later_today(now: datetime, tz: Any) -> datetime:
    """An instant later today (local), however late it already is."""
    midnight = timing.at_local(timing.local(now, tz).date() + timedelta(days=1), time(0), tz)
    return min(now + timedelta(hours=2), now + (midnight - now) / 2)


def _log_today(demo: Demo, guest: Guest, story: Story, occurred: datetime) -> None:
    actor = demo.actor("Tomás Ortega", OTHER_TERMINALS[0])
    raw = {
        "customer_id": guest.customer_id, "occurred_at": min(occurred, demo.clock.now()),
        "category": story.category, "severity": "moderate", "description": story.description,
        "reaction": story.reaction, "location": "Table 12", "remedy_kind": "comped", "remedy_cost": 1800,
        "promise_text": "The manager stops by before they leave, and calls tomorrow to make it right.",
        "promise_due_at": _later_today(demo.now, demo.tz), "promise_likelihood": "likely",
    }
    result = incidents.log_incident(actor, incidents.parse_incident(actor, raw))
    if result.flag_id and guest.customer_id:
        demo.active_flags.setdefault(guest.customer_id, []).append(result.flag_id)


def _hand_flags(demo: Demo, guests: list[Guest]) -> None:
    """A flag raised by hand, without an incident: a care note every host should read."""
    on_file = [guest for guest in guests if guest.customer_id]
    guest = demo.rng.choice(on_file)
    flag_id = flags.raise_flag(demo.actor("manager"), guest.customer_id or 0, FlagInput(
        headline="Seat away from the bar",
        message="Hard of hearing; was unhappy at the bar table on her last two visits.",
        greeting="Offer the quiet corner before she has to ask.",
    ), level="care")
    demo.active_flags.setdefault(guest.customer_id or 0, []).append(flag_id)


def _summary(store: Store, demo: Demo, seconds: float) -> str:
    actor = demo.actor("lead", demo.terminal)
    queue = followups.due_queue(actor, limit=1)
    with store.read() as session:
        site_id = demo.site.id

        def count(statement: Any) -> int:
            return session.scalar(statement) or 0

        guests = count(select(func.count()).select_from(Customer).where(Customer.site_id == site_id))
        visits = count(select(func.count()).select_from(Visit).where(Visit.site_id == site_id))
        in_house = count(select(func.count()).select_from(Visit).where(Visit.site_id == site_id,
                                                                       Visit.checked_out_at.is_(None)))
        logged = count(select(func.count()).select_from(Incident).where(Incident.site_id == site_id))
        active = count(select(func.count()).select_from(Flag).join(Customer, Customer.id == Flag.customer_id)
                       .where(Flag.active.is_(True), Customer.site_id == site_id))
        alerts = count(select(func.count()).select_from(Alert).where(Alert.site_id == site_id,
                                                                     Alert.acknowledged_at.is_(None)))
    return (
        f"Demo restaurant {demo.site.name} ({demo.site.time_zone}): {guests} customers, {visits} visits, "
        f"{logged} incidents, {queue.total} open follow-ups ({queue.counts.overdue} overdue, "
        f"{queue.counts.today} due today), {active} active flags, {alerts} unacknowledged alerts, "
        f"{in_house} guests in house; built in {seconds:.1f} s. Sign in with these PINs: "
        + ", ".join(f"{member.name} {member.pin}" for member in demo_data().staff) + "."
    )


def build_demo(store: Store, clock: Clock, *, terminal: str, force: bool = False, seed: int = DEMO_SEED,
               progress: Callable[[float], object] | None = None) -> str:
    """Fill a store with the demo restaurant, through the services; returns a one-line summary.

    Refuses a store that already has data unless `force`: the demo is for a
    first look or a training desk, never mixed into a real one by accident.
    One transaction: a kill at any moment leaves no half-built restaurant, so
    the next `demo` starts from what was there before.
    """
    with store.one_transaction() as store:
        if not setup.is_empty(store) and not force:
            raise NotAllowed("this store already has data; the demo goes into an empty store "
                             "(use --force to add it anyway)")
        started = wallclock.perf_counter()
        rng = random.Random(seed)
        now = clock.now()
        history = FixedClock(now - timedelta(days=HISTORY_DAYS + 1))
        site, staff = _set_up(store, history, terminal)
        demo = Demo(store, history, now, site, staff, terminal, rng)
        demo.progress = progress
        guests = _guests(rng, CUSTOMERS, site.phone_region)
        _schedule_visits(demo, guests)
        for guest in guests:
            for arrival in guest.visits:
                _visit(demo, guest, arrival, timedelta(minutes=rng.randrange(50, 150, 5)))
        _schedule_incidents(demo, guests)
        demo.at(now - timedelta(days=20), lambda: _hand_flags(demo, guests))
        demo.at(now - timedelta(hours=26), lambda: _desk_work(demo))
        promised: list[Guest] = []
        demo.at(now - timedelta(days=4), lambda: _promises_to_honour(demo, guests, promised))
        demo.run_until(now - timedelta(hours=3))
        _in_house_now(demo, guests, promised)
        demo.run_until(now)
        if progress is not None:
            progress(1.0)
        return _summary(store, demo, wallclock.perf_counter() - started)
