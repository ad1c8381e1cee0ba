"""Live per-device progress on stderr (only on a terminal: CI logs and pipes get no redraw noise)."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

STAGES = ("queued", "reading", "evaluating", "done", "incomplete", "failed")


class Progress:
    """Do-nothing progress; :func:`make_progress` picks the live one on a TTY."""

    def add(self, key: str, label: str) -> None: ...

    def update(self, key: str, stage: str, note: str = "") -> None: ...

    def landed(self, key: str, line: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        """A device's outcome was recorded: its results.jsonl ``line`` and its result (the evaluation's
        digest, ``droidcheck.fleet.evaluate.result_digest``, or a stand-in of that shape), from memory,
        before the ``update`` to its final stage."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None: ...


class LiveProgress(Progress):
    MAX_ROWS = 20  # a 200-phone fleet shows the counts and the devices being worked on, not 200 rows

    def __init__(self) -> None:
        from rich.console import Console
        from rich.live import Live

        self._lock = threading.Lock()
        self._rows: dict[str, list[Any]] = {}
        self._start = time.monotonic()
        self._live = Live(console=Console(stderr=True), refresh_per_second=4, transient=False,
                          get_renderable=self._render)

    def add(self, key: str, label: str) -> None:
        with self._lock:
            self._rows[key] = [label, "queued", "", time.monotonic()]

    def update(self, key: str, stage: str, note: str = "") -> None:
        with self._lock:
            row = self._rows.setdefault(key, [key, stage, "", time.monotonic()])
            row[1], row[2], row[3] = stage, note, time.monotonic()

    def _render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        from droidcheck.report.safe_text import safe

        style = {"queued": "dim", "reading": "cyan", "evaluating": "magenta", "done": "green",
                 "incomplete": "dark_orange", "failed": "red"}
        with self._lock:
            rows = list(self._rows.values())
        counts = Counter(r[1] for r in rows)
        head = Text(f"{time.monotonic() - self._start:5.1f} s  ")
        for stage in STAGES:
            head.append(f"{stage} {counts.get(stage, 0)}  ", style=style[stage])
        active = [r for r in rows if r[1] in ("reading", "evaluating")]
        recent = sorted((r for r in rows if r[1] in ("done", "incomplete", "failed")), key=lambda r: -r[3])
        shown = (active + recent)[: self.MAX_ROWS]
        table = Table("device", "stage", "", box=None, pad_edge=False)
        for label, stage, note, _t in shown:
            table.add_row(safe(label), Text(stage, style=style.get(stage, "")), safe(note))
        return Group(head, table)

    def __enter__(self) -> Progress:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()


def make_progress(enabled: bool = True) -> Progress:
    return LiveProgress() if enabled and sys.stderr.isatty() else Progress()
