"""One-off notices from library code to the user (e.g. "droidcheck started an adb server").

Library code never prints: it calls :func:`notice`, which goes nowhere unless a front end (the CLI) has
installed a sink with :func:`set_sink`. Each distinct notice is given once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_sink: Callable[[str], None] | None = None
_given: set[str] = set()
_lock = threading.Lock()


def set_sink(sink: Callable[[str], None] | None) -> None:
    global _sink
    _sink = sink


def notice(message: str) -> None:
    with _lock:
        if message in _given:
            return
        _given.add(message)
        sink = _sink
    if sink is not None:
        sink(message)
