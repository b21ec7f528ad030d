"""Stress tests: concurrency and crashes (a package, so its module names do not clash with tests/services)."""
