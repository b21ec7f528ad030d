"""The server behind `frontdesk serve`: one app process per browser tab, each its own terminal.

Routes: `/` the page (or, at the session cap, a polite 503 page), `/ws` the
websocket that drives one app process (same Origin only; over the cap, 503),
`/frontdesk/textual.js` textual-serve's script patched to expose the terminal,
and `/static` textual-serve's own scripts, styles and fonts.

Nothing from a request reaches a command line: the app runs as
`python -m frontdesk` with a fixed argv, and everything it needs (the store,
its terminal name, `FRONTDESK_SERVED`, the lock) goes through its environment.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import secrets
import sys
from asyncio.subprocess import Process
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from frontdesk.config import WEB_TERMINAL_PREFIX
from frontdesk.serve.page import busy_page, page, read_patched_js

STATIC = Path(textual_serve.__file__).parent / "static"
"""textual-serve's scripts, styles and fonts."""

INHERITED_NOT = ("FRONTDESK_STAFF", "FRONTDESK_KIOSK", "FRONTDESK_TERMINAL", "FRONTDESK_SITE", "FRONTDESK_THEME")
"""Settings of the shell that started the server which must not reach a served app (it gets its own)."""
STOP_SECONDS = 10.0
"""How long a served app has to keep its drafts and exit when the server stops, before it is killed."""


@dataclass(frozen=True)
class ServeConfig:
    """What `frontdesk serve` was given, checked."""

    host: str
    port: int
    public_url: str
    """The address browsers use (a TLS proxy's, or http://host:port): its origin is the only one accepted."""
    max_sessions: int
    environment: dict[str, str]
    """FRONTDESK_* for every served app: the store, the site, the theme and the lock."""

    @property
    def origins(self) -> frozenset[str]:
        """Origins whose websockets are accepted: the public URL's (and, bound to loopback, its other names)."""
        parts = urlsplit(self.public_url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if is_loopback(self.host) and parts.hostname is not None and is_loopback(parts.hostname):
            port = f":{parts.port}" if parts.port else ""
            return frozenset({origin} | {f"{parts.scheme}://{name}{port}" for name in LOOPBACK_NAMES})
        return frozenset({origin})

    @property
    def prefix(self) -> str:
        """The path a reverse proxy serves the page under ("" at the root)."""
        return urlsplit(self.public_url).path.rstrip("/")


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def web_terminal() -> str:
    """A browser tab's terminal name: `web-` and six hex digits, new for every tab."""
    return f"{WEB_TERMINAL_PREFIX}{secrets.token_hex(3)}"


class ServedApp(AppService):
    """textual-serve's app process, started without a shell and with frontdesk's environment.

    THIRD-PARTY INTERNALS: textual-serve has no public way to change how the
    process starts, so this overrides its private `_build_environment` and
    `_open_app_process` (and sets `_process` / `_stdin` as the original does).
    `tests/serve/test_server.py::test_textual_serve_internals_are_as_expected`
    fails loudly when a textual-serve release renames or reshapes them.
    """

    def __init__(self, environment: dict[str, str], *, write_bytes: Callable[[bytes], Awaitable[None]],
                 write_str: Callable[[str], Awaitable[None]], close: Callable[[], Awaitable[None]],
                 download_manager: DownloadManager) -> None:
        # `command` is only a label here: _open_app_process below never hands it to a shell.
        super().__init__("python -m frontdesk", write_bytes=write_bytes, write_str=write_str,
                         close=close, download_manager=download_manager)
        self.terminal = web_terminal()
        self.app_environment = environment
        self.process: Process | None = None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in INHERITED_NOT:
            environment.pop(name, None)
        environment.update(self.app_environment)
        environment["FRONTDESK_TERMINAL"] = self.terminal
        environment["FRONTDESK_SERVED"] = "1"
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        """`python -m frontdesk`, no shell, nothing from the request in its argv."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "frontdesk",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
        )
        assert process.stdin is not None
        self._process = self.process = process
        self._stdin = process.stdin
        return process

    async def stop_and_wait(self) -> None:
        """Ask the app to quit (it keeps its drafts as it goes), wait for it, and kill it only if it hangs."""
        try:
            await asyncio.wait_for(self.stop(), STOP_SECONDS)
        except (TimeoutError, asyncio.TimeoutError):
            pass
        if self.process is not None and self.process.returncode is None:
            try:
                await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
            except (TimeoutError, asyncio.TimeoutError):
                self.process.kill()
                await self.process.wait()


def _size(text: str | None, default: int) -> int:
    try:
        return max(10, min(int(text or default), 1000))
    except ValueError:
        return default


class DeskServer:
    """The aiohttp application: the page, the websocket, the scripts and fonts."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.sessions: set[ServedApp] = set()
        """The apps running now, for the shutdown to stop."""
        self.open_sockets = 0
        """Websockets accepted and not yet ended: what the cap counts."""
        self.download_manager = DownloadManager()
        self.script = read_patched_js(STATIC)

    def make_app(self) -> web.Application:
        app = web.Application()
        app.add_routes([
            web.get("/", self.handle_index),
            web.get("/ws", self.handle_websocket),
            web.get("/frontdesk/textual.js", self.handle_script),
            web.static("/static", STATIC),
        ])
        app.on_shutdown.append(self.on_shutdown)
        return app

    @property
    def full(self) -> bool:
        return self.open_sockets >= self.config.max_sessions

    def busy(self) -> web.Response:
        return web.Response(status=503, text=busy_page(self.config.prefix, self.config.max_sessions),
                            content_type="text/html", headers={"Retry-After": "30"})

    async def handle_index(self, request: web.Request) -> web.Response:
        if self.full:
            return self.busy()
        return web.Response(text=page(self.config.prefix), content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    async def handle_script(self, request: web.Request) -> web.Response:
        return web.Response(body=self.script, content_type="application/javascript")

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin", "").lower()
        if origin not in self.config.origins:
            return web.Response(status=403, text="websockets are accepted from this desk's own page only\n")
        if self.full:
            return self.busy()
        self.open_sockets += 1
        websocket = web.WebSocketResponse(heartbeat=15)

        async def close() -> None:
            await websocket.close()

        service = ServedApp(self.config.environment, write_bytes=websocket.send_bytes,
                            write_str=websocket.send_str, close=close,
                            download_manager=self.download_manager)
        try:
            await websocket.prepare(request)
            self.sessions.add(service)
            await service.start(_size(request.query.get("width"), 80), _size(request.query.get("height"), 24))
            await self.relay(websocket, service)
        finally:
            await service.stop_and_wait()
            self.sessions.discard(service)
            self.open_sockets -= 1
        return websocket

    async def relay(self, websocket: web.WebSocketResponse, service: ServedApp) -> None:
        """The browser's keys, clicks and sizes to the app (textual-serve's protocol)."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = envelope[0], (envelope[1] if len(envelope) > 1 else None)
            except (ValueError, TypeError, IndexError, KeyError):
                continue
            if kind == "stdin" and isinstance(data, str):
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await service.set_terminal_size(_size(str(data.get("width")), 80), _size(str(data.get("height")), 24))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def on_shutdown(self, app: web.Application) -> None:
        """Ctrl+C or SIGTERM: every served app quits (keeping its drafts) before the server goes."""
        await asyncio.gather(*(service.stop_and_wait() for service in list(self.sessions)))


def serve(config: ServeConfig, *, say: Callable[[str], None] = print) -> None:
    """Run until Ctrl+C or SIGTERM, then stop every served app cleanly."""
    if not is_loopback(config.host):
        say(f"Warning: serving on {config.host}, beyond this machine. Anyone who reaches it gets the sign-in "
            "screen: put it behind a TLS reverse proxy on the business's own network (see README, "
            "'On a tablet'), and give --public-url the address the proxy serves.")
    say(f"frontdesk is served on {config.public_url} (at most {config.max_sessions} tabs at once); "
        "Ctrl+C stops it.")
    web.run_app(DeskServer(config).make_app(), host=config.host, port=config.port, print=None,
                handle_signals=True, access_log=None)
