"""The wheel carries what the app needs at run time; a checkout finds the same files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from frontdesk.paths import bundled

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_FILES = [
    "frontdesk/data/playbooks.toml",
    "frontdesk/data/categories.toml",
    "frontdesk/app.tcss",
    "frontdesk/store/migrations/env.py",
    "frontdesk/store/migrations/script.py.mako",
    "frontdesk/store/migrations/versions/0001_initial_schema.py",
]


def test_a_checkout_or_editable_install_finds_the_bundled_defaults() -> None:
    assert "[[playbook]]" in bundled("playbooks.toml")
    assert "[[category]]" in bundled("categories.toml")
    with pytest.raises(FileNotFoundError):
        bundled("no-such-file.toml")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{result.stderr[-2000:]}")
    (path,) = out.glob("frontdesk-*.whl")
    return path


def test_the_wheel_carries_data_tcss_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in RUNTIME_FILES if name not in names]
    assert not missing, f"missing from the wheel: {missing}"
    assert not any(name.startswith("tests/") for name in names)


def test_an_installed_wheel_reads_its_defaults_from_the_package(wheel: Path, tmp_path: Path) -> None:
    """Unpacked like `pip install .` would, away from the checkout, the defaults are found in the package."""
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    script = (
        "import frontdesk.paths as p, pathlib;"
        "assert pathlib.Path(p.__file__).is_relative_to(%r), p.__file__;"
        "print(p.bundled('playbooks.toml').count('[[playbook]]'))" % str(target)
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(target)}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 5
