"""Screens: one per mode (F2 greet, F3 incident, F4 follow-ups, F5 reports) plus dialogs."""
