# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A channel platform played over real HTTP on loopback: see README.md."""

from .server import Simulator

__all__ = ["Simulator"]
