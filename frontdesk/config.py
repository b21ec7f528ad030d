"""Settings: config.toml, then FRONTDESK_* environment variables, then typed flags.

Read with tomllib and os.environ into a small frozen dataclass before the
first frame; nothing heavy is imported here. A flag wins only when the user
typed it.
"""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from frontdesk.errors import ConfigError
from frontdesk.paths import config_file
from frontdesk.text import control_characters, has_visible

ENV_PREFIX = "FRONTDESK_"
ENV_NAMES = {
    "database_url": "FRONTDESK_DATABASE_URL",
    "staff": "FRONTDESK_STAFF",
    "site": "FRONTDESK_SITE",
    "terminal": "FRONTDESK_TERMINAL",
    "theme": "FRONTDESK_THEME",
}


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    """SQLAlchemy URL of the store; None means the default SQLite file."""
    staff: str | None = None
    """Name of the staff member at the terminal; None asks at start."""
    site: str | None = None
    """Name of this terminal's site; None means the store's first site."""
    terminal: str = field(default_factory=socket.gethostname)
    """This station's name, recorded on audit events, drafts and alerts."""
    theme: str | None = None
    """A Textual theme name; `ansi-dark` suits a Linux console."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id to keys, e.g. {"greet": "f2,ctrl+g"}."""


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    known = {item.name for item in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise ConfigError(f"{path}: [keymap] maps binding ids to key names, e.g. greet = \"f2\"")
    for name, value in data.items():
        if name != "keymap" and not isinstance(value, str):
            raise ConfigError(f"{path}: {name} must be a string")
    return data


def load_settings(flags: dict[str, Any] | None = None, *, path: Path | None = None) -> Settings:
    """Merge the config file, the environment and the flags the user typed, in that order."""
    values: dict[str, Any] = dict(_read_file(path or config_file()))
    for name, variable in ENV_NAMES.items():
        if os.environ.get(variable):
            values[name] = os.environ[variable]
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = value
    if "terminal" in values:
        values["terminal"] = terminal_name(values["terminal"])
    return Settings(**values)


TERMINAL_MAX = 64


def terminal_name(value: str) -> str:
    """A station's name as given, trimmed; refused if it could not be shown as typed (it is, on alerts)."""
    name = value.strip()
    if control_characters(name):
        raise ConfigError(f"terminal name {name!r} has a control character (such as Esc); pick a plain name")
    if not has_visible(name):
        raise ConfigError("terminal name is empty: give a name such as stand or bar")
    if len(name) > TERMINAL_MAX:
        raise ConfigError(f"terminal name is longer than {TERMINAL_MAX} characters")
    return name
