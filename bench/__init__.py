"""Benchmarks: scripts that print figures, never assertions. Run with `make bench`."""
