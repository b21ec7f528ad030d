"""Playbooks and categories: stored, seeded from `data/`, replaced from a checked file.

They live in the store so every terminal on a shared store follows the same
plan. A replacement file is validated whole before anything is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from frontdesk import timing
from frontdesk.paths import bundled
from frontdesk.schemas.inputs import PlannedStep
from frontdesk.schemas.playbooks import (
    FILE_MAX_BYTES,
    SENSITIVE_CATEGORIES,
    CategorySpec,
    PlaybookFile,
    PlaybookFileError,
    RootCauseSpec,
    parse_categories,
    parse_playbook_file,
    parse_root_causes,
)
from frontdesk.store.db import Store
from frontdesk.store.models import Category, Playbook, PlaybookStep, RootCause

CHECKS_SEVERITY = "any"
"""The playbook row that holds the hand-off and promise checks."""
DEFAULT_HOUR = 10
HANDOFF_DEFAULT_DAYS = 1


@dataclass(frozen=True)
class Step:
    kind: str
    channel: str
    offset_days: int
    at_hour: int | None
    at_minute: int
    words: str | None

    def due(self, anchor: datetime, tz: ZoneInfo) -> datetime:
        """Calendar days after the anchor's local date, at the step's local hour.

        Without an hour the step keeps the anchor's own local time; a
        same-day step whose hour has already passed is due at the anchor.
        """
        if self.at_hour is None:
            wall = timing.local(anchor, tz)
            due = timing.scheduled(anchor, tz, self.offset_days, wall.hour, wall.minute)
        else:
            due = timing.scheduled(anchor, tz, self.offset_days, self.at_hour, self.at_minute)
        return max(due, anchor)


def planned(step: Step, anchor: datetime, tz: ZoneInfo, owner_id: int) -> PlannedStep:
    """The step as a follow-up to create, with the local time it is meant for (02:30 stays known
    when a clock change makes it 03:30 that day)."""
    due = step.due(anchor, tz)
    meant = time(step.at_hour, step.at_minute) if step.at_hour is not None else None
    return PlannedStep.model_construct(kind=step.kind, channel=step.channel, due_at=due, owner_id=owner_id,
                                       words=step.words, local_time=meant)


def handoff_anchor(occurred_at: datetime, expected_at: datetime | None, now: datetime, tz: ZoneInfo) -> datetime:
    """When to check a hand-off: at its expected fix time, or (none given) the next day at 10:00 after it was
    logged, not after it happened: a deposition written days later must not start with its check overdue."""
    if expected_at is not None:
        return expected_at
    return timing.scheduled(max(occurred_at, now), tz, HANDOFF_DEFAULT_DAYS, DEFAULT_HOUR)


def _step(row: PlaybookStep) -> Step:
    return Step(row.kind, row.channel, row.offset_days, row.at_hour, row.at_minute, row.words)


def plan_steps(session: Session, severity: str, category: str | None) -> list[Step]:
    """The steps for an incident: its category's own plan, else its severity's (one query for both plans)."""
    rows = session.execute(
        select(Playbook.category, PlaybookStep)
        .outerjoin(PlaybookStep, PlaybookStep.playbook_id == Playbook.id)
        .where(Playbook.severity == severity,
               Playbook.category.is_(None) if category is None else or_(Playbook.category == category,
                                                                        Playbook.category.is_(None)))
        .order_by(PlaybookStep.position)
    ).all()
    plans = {plan for plan, _ in rows}
    chosen = category if category in plans else None
    return [_step(step) for plan, step in rows if plan == chosen and step is not None]


def check_step(session: Session, kind: str) -> Step:
    """The hand-off or promise check step (due at its anchor unless the file says otherwise)."""
    row = session.scalars(
        select(PlaybookStep).join(Playbook, Playbook.id == PlaybookStep.playbook_id)
        .where(Playbook.severity == CHECKS_SEVERITY, PlaybookStep.kind == kind)
        .order_by(Playbook.id, PlaybookStep.position).limit(1)
    ).first()
    if row is not None:
        return _step(row)
    return Step(kind, "call" if kind == "promise_check" else "in_person", 0, None, 0, None)


def _replace_playbooks(session: Session, spec: PlaybookFile) -> None:
    session.execute(delete(PlaybookStep))
    session.execute(delete(Playbook))
    session.flush()
    for playbook_spec in spec.playbook:
        playbook = Playbook(severity=playbook_spec.severity, category=playbook_spec.category, name=playbook_spec.name)
        playbook.steps = [
            PlaybookStep(position=number, **step.model_dump())
            for number, step in enumerate(playbook_spec.step)
        ]
        session.add(playbook)
    if spec.check:
        checks = Playbook(severity=CHECKS_SEVERITY, category=None, name="Hand-off and promise checks")
        checks.steps = [PlaybookStep(position=number, **check.model_dump()) for number, check in enumerate(spec.check)]
        session.add(checks)


def _replace_categories(session: Session, categories: list[CategorySpec]) -> None:
    """Upsert categories in file order; keys no longer listed are kept but inactive."""
    existing = {category.key: category for category in session.scalars(select(Category))}
    for position, spec in enumerate(categories):
        row = existing.pop(spec.key, None)
        if row is None:
            sensitive = spec.key in SENSITIVE_CATEGORIES if spec.sensitive is None else spec.sensitive
            session.add(Category(key=spec.key, label=spec.label, position=position, active=True, sensitive=sensitive))
        else:
            row.label, row.position, row.active = spec.label, position, True
            if spec.sensitive is not None:
                row.sensitive = spec.sensitive
    for row in existing.values():
        row.active = False


def _replace_root_causes(session: Session, causes: list[RootCauseSpec]) -> None:
    """Upsert root causes in file order; keys no longer listed are kept (closed episodes name them) but inactive."""
    existing = {cause.key: cause for cause in session.scalars(select(RootCause))}
    for position, spec in enumerate(causes):
        row = existing.pop(spec.key, None)
        if row is None:
            session.add(RootCause(key=spec.key, label=spec.label, position=position, active=True))
        else:
            row.label, row.position, row.active = spec.label, position, True
    for row in existing.values():
        row.active = False


def root_causes_in(session: Session) -> tuple[tuple[str, str], ...]:
    """Active root causes as (key, label), in their file order."""
    rows = session.execute(
        select(RootCause.key, RootCause.label).where(RootCause.active.is_(True)).order_by(RootCause.position)
    )
    return tuple((row.key, row.label) for row in rows)


def root_causes(store: Store) -> tuple[tuple[str, str], ...]:
    with store.read() as session:
        return root_causes_in(session)


def category_keys(session: Session) -> set[str]:
    return set(session.scalars(select(Category.key)))


KINDS = ("restaurant", "hotel", "clinic")
"""Kinds of business with a preset (issue 15 item 6): the restaurant's is the defaults in data/, the others
data/presets/<kind>.toml."""


def seed_defaults(session: Session, kind: str = "restaurant") -> None:
    """Load the bundled categories, root causes and playbooks for a kind of business (on setup of a new store)."""
    if kind not in KINDS:
        raise PlaybookFileError(f"no preset for {kind!r} (presets: {', '.join(KINDS)})")
    if kind != "restaurant":
        source = f"presets/{kind}.toml"
        spec = parse_playbook_file(bundled(source), source)
        _replace_categories(session, spec.category or [])
        _replace_root_causes(session, spec.root_cause or [])
        session.flush()
        _check_categories(spec, category_keys(session), source)
        _replace_playbooks(session, spec)
        return
    _replace_categories(session, parse_categories(bundled("categories.toml"), "categories.toml"))
    _replace_root_causes(session, parse_root_causes(bundled("root_causes.toml"), "root_causes.toml"))
    session.flush()
    spec = parse_playbook_file(bundled("playbooks.toml"), "playbooks.toml")
    _check_categories(spec, category_keys(session), "playbooks.toml")
    _replace_playbooks(session, spec)


def _check_categories(spec: PlaybookFile, known: set[str], source: str) -> None:
    for number, playbook in enumerate(spec.playbook, 1):
        if playbook.category is not None and playbook.category not in known:
            raise PlaybookFileError(
                f"{source}: playbook {number}: category {playbook.category!r} is not known "
                f"(known: {', '.join(sorted(known))})"
            )


def load_playbook_file(store: Store, path: Path) -> PlaybookFile:
    """Replace every playbook (and the categories and root causes, if the file lists them) from `path`.

    The whole file is checked first; on any problem nothing is changed.
    """
    try:
        if path.stat().st_size > FILE_MAX_BYTES:  # before reading: the wrong file may be huge
            raise PlaybookFileError(f"{path}: larger than {FILE_MAX_BYTES // 1024} KiB; is it the right file?")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookFileError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PlaybookFileError(f"{path}: not a UTF-8 text file") from None
    spec = parse_playbook_file(text, str(path))
    with store.begin(bulk=True) as session:  # an administrator's load, not a terminal's save: no time limits
        if spec.category is not None:
            _replace_categories(session, spec.category)
            session.flush()
            known = {category.key for category in spec.category}
        else:
            known = set(session.scalars(select(Category.key).where(Category.active.is_(True))))
        _check_categories(spec, known, str(path))
        if spec.root_cause is not None:
            _replace_root_causes(session, spec.root_cause)
        _replace_playbooks(session, spec)
    return spec


def categories(store: Store) -> list[tuple[str, str]]:
    """Active categories as (key, label), in their file order."""
    with store.read() as session:
        rows = session.execute(
            select(Category.key, Category.label).where(Category.active.is_(True)).order_by(Category.position)
        )
        return [(row.key, row.label) for row in rows]


def describe_playbooks(store: Store) -> list[str]:
    """One line per playbook step, for `frontdesk playbooks list`."""
    lines = []
    with store.read() as session:
        for playbook in session.scalars(select(Playbook).order_by(Playbook.severity, Playbook.category)):
            lines.append(f"{playbook.severity}/{playbook.category or '*'}: {playbook.name}")
            for row in playbook.steps:
                hour = f"{row.at_hour:02d}:{row.at_minute:02d}" if row.at_hour is not None else "anchor time"
                lines.append(f"  +{row.offset_days}d {hour}  {row.kind} by {row.channel}")
    return lines
