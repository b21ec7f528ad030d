"""Fixtures and Hypothesis profiles for the proofs (bad input, random keys, privacy in failure).

Two Hypothesis profiles: "ci" (about 25 examples, the same ones every run,
so CI is reproducible and quick) and "deep" (many more, freshly random),
chosen by the suite's `--deep` option (tests/conftest.py). Tests that drive
Pilot take `deadline=None` from both: a frame under load is not a bug.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from . import seed_shop

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture,
                 HealthCheck.large_base_example]
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_SLOW_IS_FINE, print_blob=True)
settings.register_profile("deep", max_examples=300, deadline=None, suppress_health_check=_SLOW_IS_FINE,
                          print_blob=True)
settings.register_profile("once", max_examples=1, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_SLOW_IS_FINE, phases=[Phase.explicit, Phase.generate])


def pytest_configure(config: pytest.Config) -> None:
    """`--deep` picks "deep"; Hypothesis's own `--hypothesis-profile once` (one example, no shrinking) wins."""
    if not config.getoption("--hypothesis-profile", default=None):
        settings.load_profile("deep" if config.getoption("--deep", default=False) else "ci")


@pytest.fixture
def deep(request: pytest.FixtureRequest) -> bool:
    """The larger counts: `pytest --deep`."""
    return bool(request.config.getoption("--deep", default=False))


@pytest.fixture
def proof_settings() -> settings:
    """The profile loaded for this run, for tests that build their Hypothesis test inside the test function."""
    return settings()


@pytest.fixture
def shop(sqlite_desk: Any) -> Any:
    """A set-up SQLite store with a Friday evening in it (see seed_shop)."""
    return seed_shop(sqlite_desk)


@pytest.fixture
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """Where this test may write: HOME (with the log dir), its own TMPDIR and working directory.

    Relative paths typed into the app (a notes file) land in the working
    directory, never in the checkout; `tempfile` uses the private TMPDIR.
    """
    import tempfile

    home = Path(os.environ["HOME"])
    folders = {"home": home, "logs": Path(os.environ["FRONTDESK_LOG_DIR"]), "tmp": tmp_path / "tmpdir",
               "cwd": tmp_path / "cwd"}
    for name in ("tmp", "cwd"):
        folders[name].mkdir()
    monkeypatch.setenv("TMPDIR", str(folders["tmp"]))
    monkeypatch.setattr(tempfile, "tempdir", str(folders["tmp"]))
    monkeypatch.chdir(folders["cwd"])
    yield folders
