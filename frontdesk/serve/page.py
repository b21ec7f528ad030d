"""The page a browser tab opens: textual-serve's terminal, with local fonts and the terminal's text for tests.

textual-serve's own template links Roboto Mono from Google Fonts (a request
to the internet from every tablet) and keeps the xterm instance out of
reach. Here the font comes from textual-serve's static folder, and a patched
copy of its script also puts the xterm instance on `window.frontdeskTerminal`,
so `window.frontdeskScreenText()` reads the screen as text (not pixels).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

FONT_FILES = ("RobotoMono-VariableFont_wght.ttf", "RobotoMono-Italic-VariableFont_wght.ttf")
"""The fonts textual-serve ships in static/fonts (checked by a test)."""

TERMINAL_PATTERN = re.compile(r"this\.terminal=new (\w+)\.Terminal\(")
"""Where textual-serve's bundled script makes its xterm instance."""

BUSY_RETRY_SECONDS = 30


class ScriptChanged(RuntimeError):
    """textual-serve's script no longer looks as expected: the page could not read the terminal's text."""


def patched_textual_js(source: str) -> str:
    """textual-serve's script, which also hands its xterm instance to `window.frontdeskTerminal`."""
    found = TERMINAL_PATTERN.findall(source)
    if len(found) != 1:
        raise ScriptChanged(
            f"textual-serve's textual.js makes its terminal {len(found)} times where frontdesk expects once "
            f"(pattern {TERMINAL_PATTERN.pattern!r}): check the textual-serve version against constraints.txt")
    return TERMINAL_PATTERN.sub(lambda match: f"this.terminal=window.frontdeskTerminal=new {match[1]}.Terminal(",
                                source)


def read_patched_js(static: Path) -> bytes:
    return patched_textual_js((static / "js" / "textual.js").read_text(encoding="utf-8")).encode("utf-8")


STYLE = """
@font-face { font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
             src: url("{prefix}/static/fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
@font-face { font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
             src: url("{prefix}/static/fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype"); }
html, body { margin: 0; height: 100%; background: #0c181f; }
body { font-family: "Roboto Mono", menlo, monospace; color: rgba(255, 255, 255, 0.95); }
.textual-terminal { width: 100vw; height: 100vh; opacity: 0; }
body.-first-byte .textual-terminal { opacity: 1; }
.notice { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
          flex-direction: column; z-index: 10; background: #0c181f; text-align: center; padding: 2em; }
.notice p { max-width: 36em; line-height: 1.5; }
.notice button { font: inherit; padding: 16px 32px; margin: 16px; border: none; color: #fff;
                 background: #5e0ba7; cursor: pointer; }
body.-first-byte #starting, #ended { display: none; }
body.-closed #ended { display: flex; }
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{prefix}/static/css/xterm.css">
<style>{style}</style>
<script src="{prefix}/frontdesk/textual.js"></script>
<script>
window.frontdeskScreenText = function () {{
  const terminal = window.frontdeskTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active, lines = [];
  for (let row = 0; row < terminal.rows; row++) {{
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true) : "");
  }}
  return lines.join("\\n");
}};
</script>
</head>
<body>
<div class="notice" id="starting"><p>{title}: starting…</p></div>
<div class="notice" id="ended">
  <p>Session ended. Anything typed into an incident is kept as a draft: sign in again to pick it up.</p>
  <button type="button" onclick="window.location.reload()">Start again</button>
</div>
<div id="terminal" class="textual-terminal" data-font-size="{font_size}"></div>
<script>
document.getElementById("terminal").dataset.sessionWebsocketUrl =
  (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "{prefix}/ws";
</script>
</body>
</html>
"""

BUSY = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry}">
<title>{title}: busy</title>
<style>{style}</style>
</head>
<body>
<div class="notice"><p>Every one of this desk's {sessions} browser sessions is in use. Close a tab you no longer need,
or wait: this page tries again every {retry} seconds.</p></div>
</body>
</html>
"""


def page(prefix: str, *, title: str = "frontdesk", font_size: int = 16) -> str:
    """The app's page; `prefix` is the path a reverse proxy serves it under ("" at the root)."""
    quoted = html.escape(prefix, quote=True)
    return PAGE.format(title=html.escape(title), prefix=quoted, style=STYLE.replace("{prefix}", quoted),
                       font_size=int(font_size))


def busy_page(prefix: str, sessions: int, *, title: str = "frontdesk") -> str:
    """What a tab over the session cap gets (with HTTP 503): a polite word and a retry."""
    quoted = html.escape(prefix, quote=True)
    return BUSY.format(title=html.escape(title), style=STYLE.replace("{prefix}", quoted), sessions=int(sessions),
                       retry=BUSY_RETRY_SECONDS)
