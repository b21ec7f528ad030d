"""Named settings kept in the store: store-wide and per site.

`require_pin` is a store setting, not a terminal's, so no terminal's
environment can switch PINs off. Values are stored as text and typed here;
an empty value means "none" (no limit, no retention period).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.money import minor_digits
from frontdesk.services import audit
from frontdesk.services.authority import require
from frontdesk.services.context import Actor
from frontdesk.store.models import Site, SiteSetting, StoreSetting

Value = bool | int | None


@dataclass(frozen=True)
class Spec:
    kind: type[bool] | type[int]
    default: Value
    about: str
    optional: bool = False
    """An empty value (None) is allowed: no limit."""


STORE: dict[str, Spec] = {
    "require_pin": Spec(bool, True, "every sign-in needs the person's PIN"),
    "retention_days": Spec(int, None, "days a closed episode's personal data is kept (empty: no limit)", True),
    "keep_backups_days": Spec(int, 30, "days automatic backups beside a SQLite store are kept"),
}
SITE: dict[str, Spec] = {
    "escalate_lead_after_days": Spec(int, 1, "local days overdue before a follow-up rises to the leads"),
    "escalate_manager_after_days": Spec(int, 3, "local days overdue before it rises to the managers"),
    **{f"remedy_limit_{role}": Spec(int, None, f"most a {role} gives away unapproved, in minor units "
                                               "(empty: no limit)", True)
       for role in ("host", "staff", "lead", "manager")},
}
REMEDY_LIMITS: dict[str, Decimal | None] = {"host": Decimal(0), "staff": Decimal("20.00"), "lead": Decimal("100.00"),
                                            "manager": None}
"""Default remedy limits in the site's currency (issue 15), used in its minor units (frontdesk.money); None: no
limit. An explicit empty setting also means no limit."""


@dataclass(frozen=True)
class SettingInfo:
    name: str
    site: str | None
    """The site's name for a per-site setting; None for a store-wide one."""
    value: Value
    default: Value
    about: str


def _read(spec: Spec, text: str | None) -> Value:
    if text is None:
        return spec.default
    if text == "":
        return None
    if spec.kind is bool:
        return text == "true"
    return int(text)


def parse_value(name: str, spec: Spec, text: str) -> str:
    """The stored text for a typed value, or InvalidInput saying what the setting takes."""
    value = text.strip().lower()
    if value in ("", "none") and spec.optional:
        return ""
    if spec.kind is bool:
        if value in ("1", "true", "yes", "on"):
            return "true"
        if value in ("0", "false", "no", "off"):
            return "false"
        raise InvalidInput.one(name, f"{name} is true or false")
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        empty = " (or empty for none)" if spec.optional else ""
        raise InvalidInput.one(name, f"{name} is a whole number of 0 or more{empty}")
    return str(int(value))


def store_setting(session: Session, name: str) -> Value:
    return _read(STORE[name], session.scalar(select(StoreSetting.value).where(StoreSetting.name == name)))


def site_default(session: Session, site_id: int, name: str) -> Value:
    """A per-site setting's default; a remedy limit's is its amount in the site currency's minor units."""
    role = name.removeprefix("remedy_limit_")
    if role == name:
        return SITE[name].default
    major = REMEDY_LIMITS[role]
    if major is None:
        return None
    site = session.get(Site, site_id)
    if site is None:
        return None
    return int(major.scaleb(minor_digits(site.currency)))


def site_setting(session: Session, site_id: int, name: str) -> Value:
    row = session.get(SiteSetting, (site_id, name))
    if row is None:
        return site_default(session, site_id, name)
    return _read(SITE[name], row.value)


def site_value(name: str, stored: str | None) -> Value:
    """A per-site setting's value from its stored text (None: not set, its default), for a caller that read the
    text itself. Not for remedy limits: their default depends on the site's currency (site_default)."""
    return _read(SITE[name], stored)


def check_lock_after(actor: Actor, lock_after_seconds: int) -> None:
    """A terminal that never locks is allowed only when the store does not require PINs."""
    if lock_after_seconds == 0:
        with actor.store.read() as session:
            if actor.pin_always or store_setting(session, "require_pin"):
                raise NotAllowed("lock_after_seconds = 0 (never lock) is allowed only when the store's "
                                 "require_pin is off (frontdesk settings set require_pin false)")


def list_settings(actor: Actor) -> list[SettingInfo]:
    with actor.store.read() as session:
        found = [SettingInfo(name, None, store_setting(session, name), spec.default, spec.about)
                 for name, spec in STORE.items()]
        for site in session.scalars(select(Site).order_by(Site.id)):
            found += [SettingInfo(name, site.name, site_setting(session, site.id, name),
                                  site_default(session, site.id, name), spec.about)
                      for name, spec in SITE.items()]
        return found


def set_setting(actor: Actor, name: str, text: str, site_name: str | None = None) -> SettingInfo:
    """Change one setting (manager); a per-site one needs the site unless the store has only one."""
    if name not in STORE and name not in SITE:
        known = ", ".join([*STORE, *SITE])
        raise InvalidInput.one("name", f"no setting called {name!r} (settings: {known})")
    spec = STORE.get(name) or SITE[name]
    stored = parse_value(name, spec, text)
    with actor.store.begin() as session:
        require(session, actor, "settings")
        if name in STORE:
            if site_name is not None:
                raise InvalidInput.one("site", f"{name} is a store-wide setting: leave out --site")
            row = session.get(StoreSetting, name) or StoreSetting(name=name)
            row.value = stored
            session.add(row)
            audit.record(session, actor, "setting_change", "store", 0, (name,))
            return SettingInfo(name, None, _read(spec, stored), spec.default, spec.about)
        site = _site(session, site_name)
        site_row = session.get(SiteSetting, (site.id, name)) or SiteSetting(site_id=site.id, name=name)
        site_row.value = stored
        session.add(site_row)
        audit.record(session, actor, "setting_change", "site", site.id, (name,))
        return SettingInfo(name, site.name, _read(spec, stored), site_default(session, site.id, name), spec.about)


def _site(session: Session, name: str | None) -> Site:
    sites = list(session.scalars(select(Site).order_by(Site.id)))
    if name is None:
        if len(sites) == 1:
            return sites[0]
        raise InvalidInput.one("site", "this is a per-site setting: say which site with --site NAME")
    for site in sites:
        if site.name.lower() == name.strip().lower():
            return site
    raise NotFound(f"no site called {name!r}")


def shown(value: Value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
