"""Checks without a phone: saved snapshots and Android bug reports (``adb bugreport``).

``load_input(path)`` reads any of them into a Snapshot; ``droidcheck recheck DIR`` re-evaluates a folder.

``load_input`` is imported on first use (PEP 562): the CLI imports ``droidcheck.offline.commands`` at start,
and the loader with its snapshot, dump and parser modules would add ~20 ms to every ``droidcheck --help``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from droidcheck.offline.loader import load_input

__all__ = ["load_input"]


def __getattr__(name: str) -> Any:
    if name == "load_input":
        from droidcheck.offline.loader import load_input

        return load_input
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
