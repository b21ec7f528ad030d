"""Stores that cost seconds to build (the demo restaurant), built once per test run and copied per test."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def built_once(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str,
               build: Callable[[Path], object]) -> Path:
    """`build(path)` run once for the whole run, its file shared by the xdist workers (the first to take the
    lock, in the folder their base temporary folders share, builds it; the others wait and reuse it)."""
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    folder = shared / name
    folder.mkdir(exist_ok=True)
    path = folder / "demo.db"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "built").exists():
            path.unlink(missing_ok=True)
            build(path)
            (folder / "built").touch()
    return path


def copied(template: Path, tmp_path: Path) -> str:
    """A fresh copy of a built store for one test, as a URL."""
    path = tmp_path / template.name
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
