"""Bilang Karyo: the immigration-service information site of Kanim Jogja."""

from __future__ import annotations

__version__ = "0.1.0"
