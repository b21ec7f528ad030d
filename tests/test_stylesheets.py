"""Stylesheets scoped to their screen: every .tcss beside the screens is loaded at start, app-wide, so a
rule that does not start with its screen's (or dialog's) type styles every screen's widgets of that id
or class (incident.tcss's #outcome, .section and .hint once did)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from textual.screen import Screen

import frontdesk.screens

SCREENS_DIR = Path(frontdesk.screens.__file__).parent


def screen_types() -> dict[str, type[Screen[object]]]:
    """Every screen and dialog class the screens package defines, by name."""
    found: dict[str, type[Screen[object]]] = {}
    for module_info in pkgutil.iter_modules(frontdesk.screens.__path__):
        module = importlib.import_module(f"frontdesk.screens.{module_info.name}")
        found.update({name: value for name, value in vars(module).items()
                      if inspect.isclass(value) and issubclass(value, Screen) and value.__module__ == module.__name__})
    return found


def selectors(stylesheet: Path) -> list[str]:
    text = re.sub(r"/\*.*?\*/", "", stylesheet.read_text(), flags=re.S)
    return [selector.strip() for block in re.findall(r"([^{}]+)\{", text) for selector in block.split(",")]


@pytest.mark.parametrize("stylesheet", sorted(SCREENS_DIR.glob("*.tcss")), ids=lambda path: path.name)
def test_every_rule_starts_with_a_screen_or_dialog_type(stylesheet: Path) -> None:
    types = screen_types()
    rules = selectors(stylesheet)
    assert rules, "no rules read"
    unscoped = [rule for rule in rules if re.match(r"[A-Za-z_]\w*", rule) is None
                or rule.split()[0].split(".")[0].split(":")[0] not in types]
    assert unscoped == []


def test_each_stylesheet_is_some_screen_s_own() -> None:
    """A .tcss nobody names in CSS_PATH would still be loaded by the app: each belongs to a screen."""
    owned = {getattr(screen, "CSS_PATH", None) for screen in screen_types().values()}
    assert {path.name for path in SCREENS_DIR.glob("*.tcss")} <= owned
