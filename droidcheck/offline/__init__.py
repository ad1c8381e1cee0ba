"""Checks without a phone: saved snapshots and Android bug reports (``adb bugreport``).

``load_input(path)`` reads any of them into a Snapshot; ``droidcheck recheck DIR`` re-evaluates a folder.
"""

from __future__ import annotations

from droidcheck.offline.loader import load_input

__all__ = ["load_input"]
