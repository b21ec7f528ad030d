"""Customers and their visits: create, edit, check in and out, and the customer card."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from frontdesk import timing
from frontdesk.errors import Conflict, NotAllowed, NotFound
from frontdesk.money import format_money
from frontdesk.schemas.inputs import CustomerInput
from frontdesk.schemas.reads import (
    Acknowledgement,
    CustomerCard,
    FlagInfo,
    FollowUpBrief,
    IncidentBrief,
    DuplicateGroup,
    InHouseGuest,
    MergeResult,
    PromiseInfo,
    SearchHit,
    TimelineEntry,
    VisitInfo,
)
from frontdesk.schemas.vocab import how, label
from frontdesk.services import audit, episodes
from frontdesk.services.authority import require, require_staff
from frontdesk.services.context import Actor
from frontdesk.services.search import LEVEL_RANK, index_customer, rank
from frontdesk.text import fold, identity_keys
from frontdesk.store.models import (
    Customer,
    CustomerIdentity,
    Episode,
    Flag,
    FlagAcknowledgement,
    FollowUp,
    Incident,
    RootCause,
    Visit,
)
from frontdesk.store.queries import (
    category_labels,
    for_change,
    open_visit,
    repeat_of,
    sensitive_categories,
    sites_by_id,
    staff_names,
)

EDITABLE = (
    "name",
    "phone",
    "email",
    "consent_call",
    "consent_text",
    "consent_email",
    "consent_post",
    "postal_address",
    "notes",
)
TIMELINE_LIMIT = 200


class DuplicateCustomer(NotAllowed):
    """Customers with this phone or email are on file under another name: `matches`, to open one of them
    instead, or to add this one anyway (`allow_duplicate`): a household shares a landline or an email."""

    same_person = False

    def __init__(self, matches: list[SearchHit]) -> None:
        self.matches = matches
        names = ", ".join(hit.name for hit in matches[:3])
        super().__init__(f"already on file with this phone or email: {names}")


class SameCustomer(DuplicateCustomer):
    """This person is on file already (the same phone or email and the same name): open `matches[0]`.

    Never added twice, not even when asked to, nor by two terminals at the same instant.
    """

    same_person = True

    def __init__(self, matches: list[SearchHit]) -> None:
        super().__init__(matches)
        self.args = (f"{matches[0].name} is on file already with this phone or email; open them instead",)


def parse_customer(actor: Actor, data: Mapping[str, Any]) -> CustomerInput:
    """Validate customer details with the site's phone region."""
    with actor.store.read() as session:
        region = actor.site(session).phone_region
    return CustomerInput.parse(data, region=region)


def duplicates(session: Session, phone: str | None, email: str | None, exclude: int | None = None) -> list[SearchHit]:
    conditions = []
    if phone:
        conditions.append(Customer.phone == phone)
    if email:
        conditions.append(Customer.email == email)
    if not conditions:
        return []
    statement = select(Customer.id).where(or_(*conditions))
    if exclude is not None:
        statement = statement.where(Customer.id != exclude)
    return rank(session, session.scalars(statement.limit(20)), 20)


def find_duplicates(actor: Actor, details: CustomerInput) -> list[SearchHit]:
    """Existing customers with the same phone or email, to offer before creating one."""
    with actor.store.read() as session:
        return duplicates(session, details.phone, details.email)


def same_person(session: Session, details: CustomerInput, exclude: int | None = None,
                matches: list[SearchHit] | None = None) -> list[SearchHit]:
    """Customers who are this person: the same phone or email and name (`matches`: those with the phone or email).

    Those with the contact are compared directly (customers put on file in
    bulk or before identities were kept have no keys), then the identity
    keys are read: on PostgreSQL each statement sees what was committed
    before it, so one that another terminal's commit landed between is
    still classed right.
    """
    keys = identity_keys(details.name, details.phone, details.email)
    if not keys:
        return []
    if matches is None:
        matches = duplicates(session, details.phone, details.email, exclude)
    ids = {hit.customer_id for hit in matches if identity_keys(hit.name, hit.phone, hit.email) & keys}
    statement = select(CustomerIdentity.customer_id).where(CustomerIdentity.key.in_(keys))
    ids.update(session.scalars(statement if exclude is None else statement.where(CustomerIdentity.customer_id != exclude)))
    return rank(session, ids, 20)


def _refuse_duplicates(session: Session, details: CustomerInput, allow_duplicate: bool, exclude: int | None = None) -> None:
    """The same person: always refused. Another name with this phone or email: refused unless allowed."""
    matches = duplicates(session, details.phone, details.email, exclude)
    if same := same_person(session, details, exclude, matches):
        raise SameCustomer(same)
    if matches and not allow_duplicate:
        raise DuplicateCustomer(matches)


def _claim_identity(session: Session, customer: Customer) -> None:
    """Make the customer's identity keys theirs; a key another customer holds fails the flush (IntegrityError)."""
    session.execute(delete(CustomerIdentity).where(CustomerIdentity.customer_id == customer.id))
    session.add_all(CustomerIdentity(key=key, customer_id=customer.id)
                    for key in identity_keys(customer.name, customer.phone, customer.email))
    session.flush()


def _taken_meanwhile(actor: Actor, details: CustomerInput, exclude: int | None = None) -> SameCustomer | None:
    """After a unique-key failure: the customer another terminal put on file first, if that was the cause."""
    with actor.store.read() as session:
        same = same_person(session, details, exclude)
    return SameCustomer(same) if same else None


def create_customer(actor: Actor, details: CustomerInput, *, allow_duplicate: bool = False) -> int:
    """Add a customer, never the same person twice (DESIGN.md's customer identity).

    The same phone or email with the same name raises SameCustomer, also
    when another terminal adds that person at the same instant (the unique
    identity key decides). Another name with that phone or email raises
    DuplicateCustomer unless `allow_duplicate`.
    """
    try:
        with actor.store.begin() as session:
            require(session, actor, "edit_customers")
            _refuse_duplicates(session, details, allow_duplicate)
            now = actor.now()
            customer = Customer(
                **details.model_dump(include=set(EDITABLE)),
                customer_since=now,
                site_id=actor.site_id,
                created_at=now,
            )
            session.add(customer)
            session.flush()
            index_customer(session, customer)
            _claim_identity(session, customer)
            audit.record(session, actor, "create", "customer", customer.id, EDITABLE)
            return customer.id
    except IntegrityError:
        if (refusal := _taken_meanwhile(actor, details)) is not None:
            raise refusal from None
        raise


def edit_customer(actor: Actor, customer_id: int, expected_version: int, details: CustomerInput, *,
                  allow_duplicate: bool = False) -> int:
    """Replace a customer's editable details; returns the new version.

    Details changed since the person opened them are refused, naming who
    changed them and when (the row is locked first, so on PostgreSQL too).
    Details that make them another customer on file are refused as on create.
    """
    try:
        return _edit_customer(actor, customer_id, expected_version, details, allow_duplicate)
    except StaleDataError:
        with actor.store.read() as session:
            raise _changed(session, actor, customer_id) from None
    except IntegrityError:
        if (refusal := _taken_meanwhile(actor, details, exclude=customer_id)) is not None:
            raise refusal from None
        raise


def _changed(session: Session, actor: Actor, customer_id: int) -> Conflict:
    return Conflict(f"these details were changed {audit.changed_meanwhile(session, actor, 'customer', customer_id)}"
                    " meanwhile; reopen the card and try again")


def _edit_customer(actor: Actor, customer_id: int, expected_version: int, details: CustomerInput,
                   allow_duplicate: bool) -> int:
    with actor.store.begin() as session:
        require(session, actor, "edit_customers")
        customer = _customer(session, customer_id)
        if customer.version != expected_version:
            raise _changed(session, actor, customer_id)
        changed = [field for field in EDITABLE if getattr(customer, field) != getattr(details, field)]
        identity = {"name", "phone", "email"} & set(changed)
        if identity:
            _refuse_duplicates(session, details, allow_duplicate or not {"phone", "email"} & identity, customer_id)
        for field in changed:
            setattr(customer, field, getattr(details, field))
        if changed:
            session.flush()
            if identity:
                index_customer(session, customer)
                _claim_identity(session, customer)
            audit.record(session, actor, "edit", "customer", customer.id, changed)
        return customer.version


MERGED: dict[str, type[Visit] | type[Incident] | type[Flag] | type[FollowUp]] = {
    "visits": Visit, "incidents": Incident, "flags": Flag, "follow_ups": FollowUp}
"""Every table that points at a customer and moves in a merge (search tokens and identities are rebuilt)."""


def merge_customers(actor: Actor, keep_id: int, other_id: int) -> MergeResult:
    """Join two records of one person: `other_id`'s whole history moves to `keep_id`, and `other_id` goes.

    The kept customer's details stay; a phone, email, address or notes only
    the other had are taken over, the earlier "customer since" and the later
    last visit are kept. Audited as `merge` on both ids (ids only).
    """
    if keep_id == other_id:
        raise NotAllowed("a customer cannot be merged with themselves")
    with actor.store.begin() as session:
        require(session, actor, "privacy")
        keep, other = _customer(session, keep_id), _customer(session, other_id)
        moved = {}
        for name, model in MERGED.items():
            result = session.execute(update(model).where(model.customer_id == other_id).values(customer_id=keep_id))
            moved[name] = getattr(result, "rowcount", 0) or 0
        taken = [field for field in ("phone", "email", "postal_address", "notes")
                 if getattr(keep, field) is None and getattr(other, field) is not None]
        for field in taken:
            setattr(keep, field, getattr(other, field))
        keep.customer_since = min(keep.customer_since, other.customer_since)
        if other.last_visit_at is not None and (keep.last_visit_at is None or other.last_visit_at > keep.last_visit_at):
            keep.last_visit_at = other.last_visit_at
        session.delete(other)
        session.flush()
        index_customer(session, keep)
        _claim_identity(session, keep)
        audit.record(session, actor, "merge", "customer", keep_id, [*taken, f"from:{other_id}"])
        audit.record(session, actor, "merge", "customer", other_id, [f"into:{keep_id}"])
        return MergeResult(keep_id=keep_id, other_id=other_id, moved=moved)


def duplicate_groups(actor: Actor, limit: int = 200) -> list[DuplicateGroup]:
    """Customers who share a phone or an email, the same person (same name too) first: what to merge."""
    with actor.store.read() as session:
        require(session, actor, "privacy")
        groups = []
        for contact, column in (("phone", Customer.phone), ("email", Customer.email)):
            shared = (select(column).where(column.is_not(None)).group_by(column)
                      .having(func.count() > 1).limit(limit).subquery())
            members: dict[str | None, list[int]] = defaultdict(list)
            for value, customer_id in session.execute(
                select(column, Customer.id).where(column.in_(select(shared))).order_by(Customer.id)
            ):
                members[value].append(customer_id)
            for ids in members.values():
                hits = tuple(sorted(rank(session, ids, len(ids)), key=lambda hit: hit.customer_id))
                names = {" ".join(fold(hit.name).split()) for hit in hits}
                groups.append(DuplicateGroup(contact=contact, customers=hits, same_person=len(names) < len(hits)))
        return sorted(groups, key=lambda group: not group.same_person)


def _customer(session: Session, customer_id: int) -> Customer:
    customer = for_change(session, Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} is not on file")
    return customer


def check_in(actor: Actor, customer_id: int, keep_promises: Sequence[int] = ()) -> int:
    """Start a visit at the terminal's site; returns the visit id.

    `keep_promises` names incidents of this customer whose open promise the
    host honours now, at the door: each is marked kept in the same
    transaction (audited as `amend` of the incident), and its open promise
    check is done, as when the promise is marked kept on the incident. A
    promise settled meanwhile at another terminal refuses the whole
    check-in, saying so.

    A visit still open from an earlier local day was never checked out (a
    forgotten check-out is common at a busy stand): it is closed at the end
    of its day, recorded as such in the audit trail, and the new visit starts.
    A visit open since earlier today is refused: the guest is in house.
    """
    with actor.store.begin() as session:
        require_staff(session, actor, "check_in_out")
        _customer(session, customer_id)  # there, and locked: a second check-in waits and finds this visit
        now = actor.now()
        if (current := open_visit(session, customer_id, actor.site_id)) is not None:
            tz = actor.zone(session)
            started = timing.local(current.checked_in_at, tz)
            if started.date() == timing.local(now, tz).date():
                raise Conflict(f"already checked in at {started:%H:%M}")
            current.checked_out_at = min(now, timing.at_local(started.date() + timedelta(days=1), time(0), tz))
            current.departure = "out"
            session.flush()
            audit.record(session, actor, "auto_check_out", "visit", current.id, ("checked_out_at", "departure"))
        visit = Visit(customer_id=customer_id, site_id=actor.site_id, checked_in_at=now, checked_in_by_id=actor.staff_id)
        session.add(visit)
        # Not through the ORM: a check-in is no edit of the details, so it leaves their version alone
        # (someone editing the card meanwhile is not told it "changed").
        session.execute(update(Customer).where(Customer.id == customer_id).values(last_visit_at=now))
        session.flush()
        audit.record(session, actor, "check_in", "visit", visit.id, ("checked_in_at",))
        for incident_id in keep_promises:
            _keep_promise(session, actor, customer_id, incident_id)
        return visit.id


def _keep_promise(session: Session, actor: Actor, customer_id: int, incident_id: int) -> None:
    incident = session.get(Incident, incident_id)
    if incident is None or incident.customer_id != customer_id or not incident.promise_text:
        raise NotFound(f"no promise to this guest on incident {incident_id}")
    if (incident.promise_status or "pending") != "pending":
        raise Conflict(f"that promise was already marked {label(incident.promise_status)} meanwhile")
    episodes.settle_promise(session, actor, incident, "kept")
    session.flush()
    audit.record(session, actor, "amend", "incident", incident.id, ("promise_settled_at", "promise_status"))


def check_out(actor: Actor, visit_id: int, departure: str = "out") -> None:
    """End a visit: checked out, or left (walked out, left without a word)."""
    if departure not in ("out", "left"):
        raise NotAllowed("departure is 'out' or 'left'")
    with actor.store.begin() as session:
        require_staff(session, actor, "check_in_out")
        visit = session.get(Visit, visit_id)
        if visit is None:
            raise NotFound(f"visit {visit_id} does not exist")
        if visit.checked_out_at is not None:
            tz = actor.zone(session)
            names = staff_names(session)
            raise Conflict(
                f"already {label(visit.departure)} at {timing.local(visit.checked_out_at, tz):%H:%M}"
                f" by {names.get(visit.checked_out_by_id or 0, 'someone')}"
            )
        visit.checked_out_at = actor.now()
        visit.checked_out_by_id = actor.staff_id
        visit.departure = departure
        audit.record(session, actor, "check_out", "visit", visit.id, ("checked_out_at", "departure"))


def flag_infos(session: Session, flags: list[Flag]) -> list[FlagInfo]:
    """Flags with who raised them, what happened, and every acknowledgement."""
    if not flags:
        return []
    names = staff_names(session)
    sites = sites_by_id(session)
    incident_ids = [flag.incident_id for flag in flags if flag.incident_id]
    incidents = {
        incident.id: incident
        for incident in session.scalars(select(Incident).where(Incident.id.in_(incident_ids)))
    } if incident_ids else {}
    acks: dict[int, list[Acknowledgement]] = defaultdict(list)
    statement = (
        select(FlagAcknowledgement)
        .where(FlagAcknowledgement.flag_id.in_([flag.id for flag in flags]))
        .order_by(FlagAcknowledgement.acknowledged_at)
    )
    for ack in session.scalars(statement):
        acks[ack.flag_id].append(
            Acknowledgement(
                staff_name=names.get(ack.staff_id, "?"),
                at=ack.acknowledged_at,
                terminal=ack.terminal,
                site_name=sites[ack.site_id].name if ack.site_id in sites else "?",
            )
        )
    infos = []
    for flag in flags:
        incident = incidents.get(flag.incident_id or 0)
        infos.append(
            FlagInfo(
                id=flag.id,
                customer_id=flag.customer_id,
                incident_id=flag.incident_id,
                level=flag.level,
                headline=flag.headline,
                message=flag.message,
                greeting=flag.greeting,
                active=flag.active,
                created_at=flag.created_at,
                created_by=names.get(flag.created_by_id, "?"),
                incident_occurred_at=incident.occurred_at if incident else None,
                incident_description=incident.description if incident else None,
                promise_open=bool(incident and incident.promise_text and (incident.promise_status or "pending")
                                  == "pending"),
                promise_due_at=incident.promise_due_at if incident else None,
                acknowledgements=tuple(acks[flag.id]),
                version=flag.version,
            )
        )
    return infos


def promise_of(incident: Incident, names: Mapping[int, str]) -> PromiseInfo | None:
    if not incident.promise_text:
        return None
    return PromiseInfo(
        incident_id=incident.id,
        text=incident.promise_text,
        due_at=incident.promise_due_at,
        likelihood=incident.promise_likelihood,
        status=incident.promise_status or "pending",
        made_by=names.get(incident.ally_id, "?"),
        made_at=incident.occurred_at,
    )


def customer_name(actor: Actor, customer_id: int) -> str:
    """Only the name, to attach a customer known by id (their card would read their whole history)."""
    with actor.store.read() as session:
        name = session.scalar(select(Customer.name).where(Customer.id == customer_id))
        if name is None:
            raise NotFound(f"customer {customer_id} is not on file")
        return name


def customer_card(actor: Actor, customer_id: int) -> CustomerCard:
    """The customer card: flag first, then tenure, history and open promises."""
    with actor.store.read() as session:
        customer = _customer(session, customer_id)
        names = staff_names(session)
        sites = sites_by_id(session)
        visit_count = session.scalar(select(func.count()).where(Visit.customer_id == customer_id)) or 0
        visits = list(
            session.scalars(
                select(Visit)
                .where(Visit.customer_id == customer_id)
                .order_by(Visit.checked_in_at.desc())
                .limit(TIMELINE_LIMIT)
            )
        )
        incidents = list(
            session.scalars(
                select(Incident).where(Incident.customer_id == customer_id).order_by(Incident.occurred_at.desc())
            )
        )
        episodes = {
            episode.incident_id: episode
            for episode in session.scalars(
                select(Episode).where(Episode.incident_id.in_([incident.id for incident in incidents]))
            )
        } if incidents else {}
        follow_ups = list(
            session.scalars(
                select(FollowUp)
                .where(FollowUp.customer_id == customer_id)
                .order_by(FollowUp.due_at.desc())
                .limit(TIMELINE_LIMIT)
            )
        )
        flags = sorted(
            session.scalars(select(Flag).where(Flag.customer_id == customer_id, Flag.active.is_(True))),
            key=lambda flag: (LEVEL_RANK.get(flag.level, 0), flag.created_at),
            reverse=True,
        )  # the same order as search: highest level first, then newest
        per_visit: dict[int, int] = defaultdict(int)
        totals: dict[str, int] = defaultdict(int)
        briefs = []
        sensitive = sensitive_categories(session)
        causes = {row.key: row.label for row in session.execute(select(RootCause.key, RootCause.label))}
        for incident in incidents:
            if incident.visit_id:
                per_visit[incident.visit_id] += 1
            currency = sites[incident.site_id].currency
            if incident.remedy_cost:
                totals[currency] += incident.remedy_cost
            briefs.append(
                IncidentBrief(
                    id=incident.id,
                    site_id=incident.site_id,
                    occurred_at=incident.occurred_at,
                    category=incident.category,
                    severity=incident.severity,
                    product=incident.product,
                    description=incident.description,
                    remedy_kind=incident.remedy_kind,
                    remedy_cost=incident.remedy_cost,
                    currency=currency,
                    episode_status=episode.status if (episode := episodes.get(incident.id)) else "open",
                    episode_outcome=episode.outcome if episode else None,
                    episode_root_cause=causes.get(episode.root_cause or "") if episode else None,
                    repeat=episode is not None and repeat_of(
                        episode.closed_at if episode.status == "closed" else None,
                        [(other.id, other.occurred_at) for other in incidents]) is not None,
                    complete=incident.complete,
                    promise=promise_of(incident, names),
                    sensitive=incident.category in sensitive,
                )
            )
        visit_infos = [
            VisitInfo(
                id=visit.id,
                site_id=visit.site_id,
                site_name=sites[visit.site_id].name,
                checked_in_at=visit.checked_in_at,
                checked_out_at=visit.checked_out_at,
                departure=visit.departure,
                incidents=per_visit.get(visit.id, 0),
            )
            for visit in visits
        ]
        follow_up_briefs = [follow_up_brief(item, names) for item in follow_ups]
        current = open_visit(session, customer_id, actor.site_id)
        return CustomerCard(
            id=customer.id,
            version=customer.version,
            name=customer.name,
            phone=customer.phone,
            email=customer.email,
            consent_call=customer.consent_call,
            consent_text=customer.consent_text,
            consent_email=customer.consent_email,
            consent_post=customer.consent_post,
            postal_address=customer.postal_address,
            notes=customer.notes,
            customer_since=customer.customer_since,
            visit_count=visit_count,
            last_visit_at=customer.last_visit_at,
            in_house_visit_id=current.id if current else None,
            incident_count=len(incidents),
            remedy_totals=dict(totals),
            active_flags=tuple(flag_infos(session, flags)),
            incidents=tuple(briefs),
            follow_ups=tuple(follow_up_briefs),
            open_promises=tuple(
                brief.promise for brief in briefs if brief.promise and brief.promise.status == "pending"
            ),
            visits=tuple(visit_infos),
            timeline=tuple(_timeline(visit_infos, briefs, follow_up_briefs, category_labels(session),
                                     category_labels(session, neutral=True))),
        )


def follow_up_brief(item: FollowUp, names: Mapping[int, str]) -> FollowUpBrief:
    return FollowUpBrief(
        id=item.id,
        incident_id=item.incident_id,
        kind=item.kind,
        channel=item.channel,
        due_at=item.due_at,
        status=item.status,
        outcome=item.outcome,
        attempts=item.attempts,
        owner=names.get(item.owner_id, "?"),
        completed_at=item.completed_at,
        completed_by=names.get(item.completed_by_id) if item.completed_by_id else None,
    )


def _timeline(
    visits: list[VisitInfo], incidents: list[IncidentBrief], follow_ups: list[FollowUpBrief],
    categories: Mapping[str, str], neutral: Mapping[str, str],
) -> list[TimelineEntry]:
    """Visits, incidents (remedy and story behind F6) and follow-ups (with outcome), newest first."""
    entries = [
        TimelineEntry(
            at=visit.checked_in_at,
            kind="visit",
            title=f"Visit at {visit.site_name}",
            detail=(
                f"{label(visit.departure)}" if visit.checked_out_at else "in house"
            ) + (f" · {visit.incidents} incident{'s' if visit.incidents != 1 else ''}" if visit.incidents else ""),
            record_id=visit.id,
        )
        for visit in visits
    ]
    for incident in incidents:
        remedy = label(incident.remedy_kind) if incident.remedy_kind else "no remedy recorded"
        if incident.remedy_cost:
            remedy += f" {format_money(incident.remedy_cost, incident.currency)}"
        entries.append(
            TimelineEntry(
                at=incident.occurred_at,
                kind="incident",
                title=f"Incident · {neutral.get(incident.category, incident.category)} · {label(incident.severity)}",
                detail="repeat: another incident within 30 days of closing" if incident.repeat else "",
                record_id=incident.id,
                story=(f"{categories.get(incident.category, incident.category)}: " if incident.sensitive else "")
                + f"{incident.description.splitlines()[0] if incident.description else ''} · {remedy}"
                + (f" · closed, {label(incident.episode_outcome)}" if incident.episode_outcome else "")
                + (f" (root cause: {incident.episode_root_cause.lower()})" if incident.episode_root_cause else ""),
            )
        )
    for item in follow_ups:
        when = item.completed_at or item.due_at
        state = label(item.outcome) if item.outcome else label(item.status)
        entries.append(
            TimelineEntry(
                at=when,
                kind="follow_up",
                title=f"Follow-up · {label(item.kind)} {how(item.channel)}",
                detail=f"{state} · {item.owner}",
                record_id=item.id,
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:TIMELINE_LIMIT]


def in_house(actor: Actor) -> list[InHouseGuest]:
    """Guests in house now at this site who have an active flag or an incident today."""
    with actor.store.read() as session:
        tz = actor.zone(session)
        today = timing.local(actor.now(), tz).date()
        rows = session.execute(
            select(Visit.id, Visit.customer_id, Visit.checked_in_at, Customer.name)
            .join(Customer, Customer.id == Visit.customer_id)
            .where(Visit.site_id == actor.site_id, Visit.checked_out_at.is_(None))
            .order_by(Visit.checked_in_at)
        ).all()
        if not rows:
            return []
        ids = [row.customer_id for row in rows]
        flags: dict[int, Flag] = {}
        flag: Flag | None
        incident: Incident | None
        for flag in session.scalars(
            select(Flag).where(Flag.customer_id.in_(ids), Flag.active.is_(True)).order_by(Flag.created_at)
        ):
            best = flags.get(flag.customer_id)
            if best is None or LEVEL_RANK.get(flag.level, 0) >= LEVEL_RANK.get(best.level, 0):
                flags[flag.customer_id] = flag
        today_incidents: dict[int, Incident] = {}
        for incident in session.scalars(
            select(Incident)
            .where(Incident.customer_id.in_(ids), Incident.site_id == actor.site_id, Incident.local_date == today)
            .order_by(Incident.occurred_at)
        ):
            today_incidents[incident.customer_id or 0] = incident
        categories = category_labels(session, neutral=True)
        guests = []
        for row in rows:
            flag = flags.get(row.customer_id)
            incident = today_incidents.get(row.customer_id)
            if flag is None and incident is None:
                continue
            guests.append(
                InHouseGuest(
                    visit_id=row.id,
                    customer_id=row.customer_id,
                    name=row.name,
                    checked_in_at=row.checked_in_at,
                    flag_level=flag.level if flag else None,
                    flag_headline=flag.headline if flag else None,
                    incident_today=categories.get(incident.category, incident.category) if incident else None,
                )
            )
        return guests


def recent_customers(actor: Actor, days: int = 30, limit: int = 20) -> list[SearchHit]:
    """Customers seen lately, flagged first: what the greet screen shows before typing."""
    with actor.store.read() as session:
        since = actor.now() - timedelta(days=days)
        ids = session.scalars(
            select(Customer.id).where(Customer.last_visit_at >= since).order_by(Customer.last_visit_at.desc()).limit(200)
        )
        return rank(session, ids, limit)

