"""Where frontdesk keeps its files, and how it finds its bundled defaults.

Only the standard library and platformdirs are imported here: this module is
read before the first frame.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "frontdesk"


def data_dir() -> Path:
    """The user data folder holding the default store."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """The user's config.toml; FRONTDESK_CONFIG points elsewhere (tests do)."""
    override = os.environ.get("FRONTDESK_CONFIG")
    if override:
        return Path(override)
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def station_file() -> Path:
    """Where this station's terminal-name suffix is kept: one file per controlling terminal (tty) in the
    user config folder, so two apps on one machine, in two terminals, are two stations."""
    tty = "no-tty"
    for stream in (0, 1, 2):
        try:
            tty = os.ttyname(stream).removeprefix("/dev/").replace("/", "-")
            break
        except OSError:
            continue
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "stations" / tty


def log_dir() -> Path:
    """Where crash logs go (record ids only, never personal data)."""
    override = os.environ.get("FRONTDESK_LOG_DIR")
    if override:
        return Path(override)
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def export_dir() -> Path:
    """Where the app saves what a manager takes away (a customer's data, a report's CSV): the home folder."""
    return Path.home()


def default_store_path() -> Path:
    return data_dir() / "frontdesk.db"


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it owner-only (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def bundled(name: str) -> str:
    """Text of a bundled default file from `data/`.

    A wheel carries the files in `frontdesk/data/` (hatchling's force-include);
    a source checkout or an editable install finds them in the top-level
    `data/` folder beside the package.
    """
    packaged = resources.files("frontdesk").joinpath("data", name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parent.parent / "data" / name
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    raise FileNotFoundError(f"bundled file {name!r} is missing from this installation")
