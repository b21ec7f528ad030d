"""Sites and staff: setting up a store, and who may work at a terminal."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from frontdesk.clock import Clock
from frontdesk.errors import InvalidInput, NotFound
from frontdesk.schemas.inputs import SiteInput, StaffInput
from frontdesk.schemas.reads import SiteInfo, StaffInfo
from frontdesk.services import audit
from frontdesk.services.context import Actor
from frontdesk.services.pins import hash_pin
from frontdesk.services.playbooks import seed_defaults
from frontdesk.store.db import Store
from frontdesk.store.models import Category, Site, Staff


def site_info(site: Site) -> SiteInfo:
    return SiteInfo(id=site.id, name=site.name, time_zone=site.time_zone, phone_region=site.phone_region,
                    currency=site.currency)


def staff_info(staff: Staff) -> StaffInfo:
    return StaffInfo(id=staff.id, name=staff.name, role=staff.role, active=staff.active, site_id=staff.site_id,
                     has_pin=staff.pin_hash is not None)


def is_empty(store: Store) -> bool:
    """True for a store with no site yet: the app offers setup or the demo."""
    with store.read() as session:
        return (session.scalar(select(func.count()).select_from(Site)) or 0) == 0


def add_site(store: Store, clock: Clock, data: SiteInput, terminal: str, kind: str = "restaurant") -> SiteInfo:
    """Add a site; the store's first one also seeds the categories, root causes and playbooks of its kind of
    business (restaurant, hotel or clinic)."""
    try:
        with store.begin() as session:
            if session.scalar(select(Site.id).where(func.lower(Site.name) == data.name.lower())):
                raise InvalidInput.one("name", f"a site called {data.name!r} already exists")
            site = Site(**data.model_dump(), created_at=clock.now())
            session.add(site)
            session.flush()
            if session.scalar(select(func.count()).select_from(Category)) == 0:
                seed_defaults(session, kind)
            audit.record(session, Actor(store, clock, site.id, terminal), "create", "site", site.id,
                         ("name", "time_zone", "phone_region", "currency"))
            return site_info(site)
    except IntegrityError:
        raise InvalidInput.one("name", f"a site called {data.name!r} already exists") from None


def add_staff(store: Store, clock: Clock, data: StaffInput, terminal: str, site_id: int | None = None) -> StaffInfo:
    with store.begin() as session:
        home = data.site_id or site_id
        if home is not None and session.get(Site, home) is None:
            raise InvalidInput.one("site_id", "no such site")
        duplicate = session.scalar(
            select(Staff.id).where(func.lower(Staff.name) == data.name.lower(), Staff.active.is_(True))
        )
        if duplicate:
            raise InvalidInput.one("name", f"an active staff member called {data.name!r} already exists")
        staff = Staff(
            name=data.name,
            role=data.role,
            pin_hash=hash_pin(data.pin) if data.pin else None,
            active=True,
            site_id=home,
            created_at=clock.now(),
        )
        session.add(staff)
        session.flush()
        audit_site = home or session.scalar(select(func.min(Site.id)))
        audit.record(session, Actor(store, clock, audit_site or 0, terminal), "create", "staff", staff.id,
                     ("name", "role", "site_id") + (("pin_hash",) if data.pin else ()))
        return staff_info(staff)


def setup_store(store: Store, clock: Clock, site: SiteInput, staff: StaffInput, terminal: str,
                kind: str = "restaurant") -> tuple[SiteInfo, StaffInfo]:
    """A new store's first site and first staff member (a manager, unless told otherwise).

    One transaction: a kill half-way never leaves a site nobody may work at.
    """
    with store.one_transaction() as one:
        created = add_site(one, clock, site, terminal, kind)
        first = add_staff(one, clock, staff, terminal, site_id=created.id)
    return created, first


def list_sites(store: Store) -> list[SiteInfo]:
    with store.read() as session:
        return [site_info(site) for site in session.scalars(select(Site).order_by(Site.id))]


def find_site(store: Store, name: str | None) -> SiteInfo:
    """The site called `name` (any case), or the store's only/first site when no name is given."""
    sites = list_sites(store)
    if not sites:
        raise NotFound("this store has no site yet: run `frontdesk setup`")
    if name is None:
        return sites[0]
    for site in sites:
        if site.name.lower() == name.strip().lower():
            return site
    raise NotFound(f"no site called {name!r} (sites: {', '.join(site.name for site in sites)})")


def list_staff(store: Store, *, site_id: int | None = None, include_inactive: bool = False) -> list[StaffInfo]:
    """Staff who may work at a site's terminals (their home site, or every site)."""
    with store.read() as session:
        statement = select(Staff).order_by(Staff.name)
        if not include_inactive:
            statement = statement.where(Staff.active.is_(True))
        if site_id is not None:
            statement = statement.where((Staff.site_id == site_id) | Staff.site_id.is_(None))
        return [staff_info(staff) for staff in session.scalars(statement)]


def find_staff(store: Store, name: str, site_id: int | None = None) -> StaffInfo:
    for staff in list_staff(store, site_id=site_id):
        if staff.name.lower() == name.strip().lower():
            return staff
    raise NotFound(f"no active staff member called {name!r}")


def disable_staff(store: Store, clock: Clock, name: str, terminal: str) -> StaffInfo:
    """Mark a staff member inactive; their history stays attributed to them."""
    with store.begin() as session:
        staff = session.scalars(
            select(Staff).where(func.lower(Staff.name) == name.strip().lower(), Staff.active.is_(True))
        ).first()
        if staff is None:
            raise NotFound(f"no active staff member called {name!r}")
        staff.active = False
        session.flush()
        site_id = staff.site_id or session.scalar(select(func.min(Site.id))) or 0
        audit.record(session, Actor(store, clock, site_id, terminal), "disable", "staff", staff.id, ("active",))
        return staff_info(staff)
