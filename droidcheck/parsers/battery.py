"""``dumpsys battery``: the battery's charge, as BatteryService prints it.

BatteryService ``dumpInternal`` (frameworks/base services/core/java/com/android/server/BatteryService.java),
the same on Android 8 to 16 for what is read here::

    Current Battery Service state:
      (UPDATES STOPPED -- use 'reset' to restart)     <- only after 'dumpsys battery set …'
      AC powered: false
      USB powered: true
      Wireless powered: false
      Dock powered: false                             <- Android 14+
      …
      level: 57
      scale: 100
      …

``level`` is the charge from 0 to ``scale`` (``BATTERY_SCALE``, 100). After ``dumpsys battery set level N``
(a tester's or an app's fake) the service prints the fake value and the ``UPDATES STOPPED`` line: the level
is then not the battery's, and is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER = "Current Battery Service state:"
_FIELD = re.compile(r"^ {2}(level|scale): (-?\d{1,9})\s*$")


@dataclass(frozen=True)
class BatteryDump:
    level: int | None
    scale: int | None
    updates_stopped: bool  # the values were set by hand ('dumpsys battery set'), not read from the battery

    @property
    def percent(self) -> int | None:
        """The charge in percent, or None when the dump does not give a level within its scale."""
        if self.level is None or not self.scale or self.scale < 0 or not 0 <= self.level <= self.scale:
            return None
        return round(self.level * 100 / self.scale)


def parse_battery(text: str | None) -> BatteryDump | None:
    """The charge fields of ``dumpsys battery``; None when the text is not that dump (no header line).
    A field written twice is not read (a value is never guessed from two)."""
    if text is None:
        return None
    lines = text.replace("\r", "").split("\n")
    if not any(ln.strip() == HEADER for ln in lines):
        return None
    seen: dict[str, list[int]] = {}
    for ln in lines:
        m = _FIELD.match(ln)
        if m is not None:
            seen.setdefault(m.group(1), []).append(int(m.group(2)))

    def one(key: str) -> int | None:
        values = seen.get(key, [])
        return values[0] if len(values) == 1 else None

    return BatteryDump(one("level"), one("scale"), any("UPDATES STOPPED" in ln for ln in lines))
