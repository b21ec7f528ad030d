"""Widgets: what a person sees, rendering customer text literally."""
