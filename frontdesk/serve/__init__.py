"""`frontdesk serve`: the same app in a browser tab, for the host stand's tablet (issue 18).

textual-serve runs one app process per websocket and ships the page's
scripts and fonts; it has no Origin check, no cap on sessions, runs its
command through a shell and links a web font from the internet. This
package keeps its process plumbing (`AppService`) and replaces the rest:
its own aiohttp routes, an Origin check, a session cap, a fixed argv with
the terminal's name in the environment only, and a page with local fonts
that exposes the terminal's text to tests.
"""
