"""Named settings: typed, defaulted, per store or per site, changed by a manager and audited."""

from __future__ import annotations

import pytest

from frontdesk.errors import InvalidInput, NotAllowed
from frontdesk.services import settings
from frontdesk.services.context import Actor


def values(desk: Actor) -> dict[tuple[str | None, str], object]:
    return {(item.site, item.name): item.value for item in settings.list_settings(desk)}


def test_defaults(desk: Actor) -> None:
    assert values(desk) == {
        (None, "require_pin"): True, (None, "retention_days"): None, (None, "keep_backups_days"): 30,
        ("Bistro Berlin", "escalate_lead_after_days"): 1, ("Bistro Berlin", "escalate_manager_after_days"): 3,
        **{("Bistro Berlin", f"remedy_limit_{role}"): limit  # issue 15: 0, 20.00 and 100.00 EUR, no limit
           for role, limit in (("host", 0), ("staff", 2000), ("lead", 10000), ("manager", None))},
    }


def test_set_typed_values(desk: Actor) -> None:
    settings.set_setting(desk, "require_pin", "0")
    settings.set_setting(desk, "retention_days", "400")
    settings.set_setting(desk, "remedy_limit_host", "2500", "bistro berlin")
    settings.set_setting(desk, "escalate_lead_after_days", "2")
    got = values(desk)
    assert got[(None, "require_pin")] is False and got[(None, "retention_days")] == 400
    assert got[("Bistro Berlin", "remedy_limit_host")] == 2500
    assert got[("Bistro Berlin", "escalate_lead_after_days")] == 2
    settings.set_setting(desk, "remedy_limit_host", "")
    assert values(desk)[("Bistro Berlin", "remedy_limit_host")] is None


@pytest.mark.parametrize(("name", "value", "site", "says"), [
    ("require_pin", "maybe", None, "true or false"),
    ("retention_days", "-3", None, "whole number"),
    ("escalate_lead_after_days", "", None, "whole number"),
    ("require_pin", "1", "Bistro Berlin", "store-wide"),
    ("pool_size", "3", None, "no setting called 'pool_size'"),
])
def test_bad_values_are_refused(desk: Actor, name: str, value: str, site: str | None, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        settings.set_setting(desk, name, value, site)


def test_only_a_manager(desk: Actor, as_staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAllowed, match="Changing settings needs a manager; Lena is a lead"):
        settings.set_setting(as_staff("Lena"), "retention_days", "30")
