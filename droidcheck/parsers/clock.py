"""Clock readings: ``date +%s`` (device epoch seconds) and ``cat /proc/uptime``.

* ``date +%s`` is toybox ``date`` (O+; toolbox ``date`` before): one integer, seconds since the epoch.
* ``/proc/uptime`` is the kernel's ``fs/proc/uptime.c``: ``"%lu.%02lu %lu.%02lu\\n"`` — seconds since
  boot and the summed idle time of all CPUs.

Both parsers return ``None`` for anything else; they never raise.
"""

from __future__ import annotations

import re

_EPOCH = re.compile(r"^\s*(-?\d{1,12})\s*$")
_UPTIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*$")


def _first_line(text: str) -> str:
    for line in text.replace("\r", "").split("\n"):
        if line.strip():
            return line
    return ""


def parse_epoch_seconds(text: str) -> int | None:
    """The integer ``date +%s`` printed, or None (empty, an error message, a date in another format)."""
    m = _EPOCH.match(_first_line(text))
    return int(m.group(1)) if m else None


def parse_uptime(text: str) -> float | None:
    """Seconds since boot from ``/proc/uptime`` (first of its two numbers), or None."""
    m = _UPTIME.match(_first_line(text))
    return float(m.group(1)) if m else None
