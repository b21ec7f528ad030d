"""Fixtures for `frontdesk serve`: a demo store, and the server running on it as a real process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.templates import built_once, copied

SERVER_START_SECONDS = 30.0
SERVER_STOP_SECONDS = 20.0


def plain_env(home: Path) -> dict[str, str]:
    """The environment of a server or a command: the test's private home, no FRONTDESK_* of the caller."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FRONTDESK_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               FRONTDESK_CONFIG=str(home / "no-config.toml"), FRONTDESK_LOG_DIR=str(home / "logs"))
    return env


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The demo restaurant, built once by `frontdesk demo` (its staff and PINs are in README).

    Under xdist the workers share one build (the first to take the lock makes it, in the folder their
    base temporary folders share): it costs about 20 s of a CI machine's CPU.
    """
    def build(path: Path) -> None:
        subprocess.run([sys.executable, "-m", "frontdesk", "--db", f"sqlite:///{path}", "demo"], check=True,
                       capture_output=True, timeout=300, env=plain_env(path.parent))

    return built_once(tmp_path_factory, worker_id, "serve-demo", build)


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo store for this test."""
    return copied(demo_template, tmp_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


class Served:
    """A `frontdesk serve` process and where it listens."""

    def __init__(self, process: subprocess.Popen[str], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """Ctrl+C, as a person stops it; the exit status (waits for every served app to exit)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"frontdesk serve did not stop on Ctrl+C:\n{self.output()}") from None
        return self.process.returncode


@pytest.fixture
def serve(tmp_path: Path, demo_url: str) -> Iterator[Callable[..., Served]]:
    """Start `frontdesk serve` on the demo store (extra flags as arguments); stopped with Ctrl+C at the end."""
    started: list[Served] = []

    def start(*flags: str, db: str | None = None) -> Served:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "frontdesk", "--db", db or demo_url, "serve", "--port", str(port), *flags],
                stdout=out, stderr=subprocess.STDOUT, text=True, env=plain_env(tmp_path), cwd=tmp_path)
        served = Served(process, port, log)
        started.append(served)
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"frontdesk serve did not start:\n{served.output()}")
            time.sleep(0.05)  # polling for the port to answer, bounded by the deadline
        return served

    yield start
    for served in started:
        served.stop()
