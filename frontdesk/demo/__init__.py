"""The demo restaurant: a realistic store built through the services (`frontdesk demo`).

It sits above the services (it calls them as a terminal would) and below the
CLI and the app, which offer it on an empty store.
"""
