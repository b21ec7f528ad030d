"""`frontdesk serve` without a browser: the Origin check, the session cap, the page, the script patch,
the served app's environment, the flags' refusals, and textual-serve's internals that we lean on."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import aiohttp
import pytest
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from frontdesk.cli import main
from frontdesk.serve import page as pages
from frontdesk.serve.server import STATIC, ServeConfig, ServedApp


def test_textual_serve_internals_are_as_expected() -> None:
    """ServedApp overrides two private methods of textual-serve's AppService and sets the two private
    attributes they set: if a release renames or reshapes them, this fails before the server quietly goes
    back to textual-serve's own shell command."""
    assert list(inspect.signature(AppService._build_environment).parameters) == ["self", "width", "height"]
    assert list(inspect.signature(AppService._open_app_process).parameters) == ["self", "width", "height"]
    assert "self._open_app_process(" in inspect.getsource(AppService.start)
    assert "create_subprocess_shell" in inspect.getsource(AppService._open_app_process)
    assert "self._process" in inspect.getsource(AppService.run)
    assert "self._stdin" in inspect.getsource(AppService.send_bytes) or "self.stdin" in inspect.getsource(
        AppService.send_bytes)
    assert "self._stdin" in inspect.getsource(AppService)
    assert "create_subprocess_shell" not in inspect.getsource(ServedApp)


async def _nothing(*_: object) -> None:
    return None


def test_a_served_app_gets_its_own_terminal_and_nothing_of_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each tab is `web-` plus six hex digits; the shell's staff, kiosk and terminal never reach it."""
    for name, value in (("FRONTDESK_STAFF", "Giulia Romano"), ("FRONTDESK_KIOSK", "1"),
                        ("FRONTDESK_TERMINAL", "stand")):
        monkeypatch.setenv(name, value)
    made = [ServedApp({"FRONTDESK_DATABASE_URL": "sqlite:///x.db", "FRONTDESK_LOCK_AFTER_SECONDS": "300"},
                      write_bytes=_nothing, write_str=_nothing, close=_nothing, download_manager=DownloadManager())
            for _ in range(2)]
    environments = [app._build_environment(100, 30) for app in made]
    for app, environment in zip(made, environments, strict=True):
        assert environment["FRONTDESK_TERMINAL"] == app.terminal
        assert app.terminal.startswith("web-") and len(app.terminal) == 10
        int(app.terminal[4:], 16)
        assert environment["FRONTDESK_SERVED"] == "1"
        assert environment["FRONTDESK_DATABASE_URL"] == "sqlite:///x.db"
        assert environment["FRONTDESK_LOCK_AFTER_SECONDS"] == "300"
        assert "FRONTDESK_STAFF" not in environment and "FRONTDESK_KIOSK" not in environment
        assert environment["COLUMNS"] == "100"
    assert made[0].terminal != made[1].terminal


def test_the_script_patch_finds_the_terminal_exactly_once() -> None:
    source = (STATIC / "js" / "textual.js").read_text(encoding="utf-8")
    patched = pages.patched_textual_js(source)
    assert patched.count("window.frontdeskTerminal=new ") == 1
    assert len(patched) == len(source) + len("window.frontdeskTerminal=")
    with pytest.raises(pages.ScriptChanged, match="0 times"):
        pages.patched_textual_js("this.term=new v.Terminal({})")
    with pytest.raises(pages.ScriptChanged, match="2 times"):
        pages.patched_textual_js("this.terminal=new v.Terminal(1);this.terminal=new w.Terminal(2)")


def test_the_page_uses_local_fonts_only_and_honours_a_proxy_prefix() -> None:
    for name in pages.FONT_FILES:
        assert (STATIC / "fonts" / name).is_file(), name
    text = pages.page("/desk")
    assert "googleapis" not in text and "https://" not in text and "http://" not in text
    assert '"/desk/static/fonts/RobotoMono-VariableFont_wght.ttf"' in text
    assert 'src="/desk/frontdesk/textual.js"' in text
    assert '"/desk/ws"' in text
    assert "frontdeskScreenText" in text and "Session ended" in text
    busy = pages.busy_page("", 3)
    assert 'http-equiv="refresh" content="30"' in busy and "3 browser sessions" in busy


def test_origins_accepted() -> None:
    local = ServeConfig("127.0.0.1", 8000, "http://127.0.0.1:8000", 8, {})
    assert local.origins == {"http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"}
    proxied = ServeConfig("0.0.0.0", 8000, "https://stand.example/desk", 8, {})
    assert proxied.origins == {"https://stand.example"} and proxied.prefix == "/desk"


async def _open_socket(session: aiohttp.ClientSession, url: str, origin: str) -> aiohttp.ClientWebSocketResponse:
    return await session.ws_connect(f"{url}/ws?width=80&height=24", origin=origin)


async def _first_bytes(socket: aiohttp.ClientWebSocketResponse) -> bytes:
    async for message in socket:
        if message.type == aiohttp.WSMsgType.BINARY:
            return bytes(message.data)
    raise AssertionError("the served app sent nothing")


def test_another_origin_is_refused_and_the_cap_holds(serve) -> None:
    """A websocket from another site gets 403 (no app starts); with --max-sessions 1, a second tab gets
    the polite page (503) while the first is served, and the first still works."""
    served = serve("--max-sessions", "1")

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await _open_socket(session, served.url, "http://evil.example")
            assert refused.value.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as no_origin:
                await session.ws_connect(f"{served.url}/ws")
            assert no_origin.value.status == 403
            first = await _open_socket(session, served.url, served.url)
            assert await asyncio.wait_for(_first_bytes(first), 30)
            with pytest.raises(aiohttp.WSServerHandshakeError) as capped:
                await _open_socket(session, served.url, served.url)
            assert capped.value.status == 503
            async with session.get(served.url + "/") as response:
                assert response.status == 503
                assert "Close a tab you no longer need" in await response.text()
            await first.close()

    asyncio.run(scenario())
    assert served.stop() == 0


@pytest.mark.parametrize(("flags", "says"), [
    (["serve", "--port", "http"], "--port is a whole number from 1 to 65535"),
    (["serve", "--max-sessions", "0"], "--max-sessions is a whole number from 1"),
    (["serve", "--public-url", "ftp://stand.example"], "--public-url is the address browsers open"),
    (["serve", "--host", "bad host"], "--host is an address"),
    (["--lock-after", "0", "serve"], "always locks when idle"),
    (["--site", "Nowhere", "serve"], "check --site"),
])
def test_bad_values_are_one_line_and_exit_2(demo_url: str, capsys: pytest.CaptureFixture[str], flags: list[str],
                                            says: str) -> None:
    """Each refused before anything listens (the store opened once, to check it)."""
    assert main(["--db", demo_url, *flags]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("frontdesk: ") and says in lines[0], lines


def test_an_empty_store_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty store would offer its setup to whoever opens the page: set it up first."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert main(["--db", url, "serve"]) == 2
    assert "the store is empty" in capsys.readouterr().err


def test_binding_beyond_loopback_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another address than loopback prints the warning README explains (TLS proxy on the business's own
    network); loopback does not."""
    from frontdesk.serve import server

    ran: list[dict[str, object]] = []
    monkeypatch.setattr(server.web, "run_app", lambda app, **options: ran.append(options))
    said: list[str] = []
    server.serve(ServeConfig("0.0.0.0", 8000, "https://stand.example", 8, {}), say=said.append)
    assert said[0].startswith("Warning: serving on 0.0.0.0") and "TLS reverse proxy" in said[0]
    said.clear()
    server.serve(ServeConfig("127.0.0.1", 8000, "http://127.0.0.1:8000", 8, {}), say=said.append)
    assert not any("Warning" in line for line in said)
    assert [options["host"] for options in ran] == ["0.0.0.0", "127.0.0.1"]
