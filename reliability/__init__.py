"""Suites that put a real server through load, crashes and faults: `make load`, `make crash`."""
