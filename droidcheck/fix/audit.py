"""The audit log: JSON Lines, one record per action, flushed as each line is written so that an
interrupted run still says what was changed (and ``fix --undo`` can restore it).

Record (``"format": "droidcheck.fix"``)::

    {"format": "droidcheck.fix", "version": 1, "time": "2026-10-01T08:00:00.123Z", "serial": "…",
     "mode": "fix" | "undo", "fix": "dnd_off", "kind": "auto" | "guided" | "refused",
     "summary": "…", "findings": [{"rule": "do-not-disturb", "status": "fail"}],
     "commands": ["cmd notification set_dnd off"], "outputs": [{"command": "…", "rc": 0, "output": ""}],
     "before": {"zen_mode": "2"}, "after": {"zen_mode": "0"},
     "applied": true, "why": "done" | "declined" | "failed on the phone: …" | "refused: …",
     "reversible": true, "undo": ["cmd notification set_dnd on"],
     "instruction": null | "…", "note": null | "…"}

The same records (without ``format``/``version``) are what ``result["changes"]`` holds.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from droidcheck.errors import InputError

LOG_FORMAT = "droidcheck.fix"
LOG_VERSION = 1


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_log_path(serial: str, prefix: str = "droidcheck-fix") -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in serial)
    return Path(f"{prefix}-{safe}-{stamp}.jsonl")


class AuditLog:
    """Append-only JSON Lines writer; each record is flushed (and fsynced) before the next action."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    def write(self, record: dict[str, Any]) -> dict[str, Any]:
        if self._fh is None:
            try:
                self._fh = self.path.open("a", encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot write the audit log {self.path}: {exc.strerror or exc}") from None
        line = {"format": LOG_FORMAT, "version": LOG_VERSION, "time": utc_now(), **record}
        self._fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return line

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def read_log(path: Path) -> list[dict[str, Any]]:
    """The records of an audit log; a torn last line (run killed mid-write) is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    records = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines):
                continue
            raise InputError(f"{path}:{i} is not JSON") from None
        if isinstance(rec, dict) and rec.get("format") == LOG_FORMAT:
            records.append(rec)
    if not records:
        raise InputError(f"{path} is not a droidcheck fix log", "Give the .jsonl file 'droidcheck fix' wrote.")
    return records


def change_entry(record: dict[str, Any]) -> dict[str, Any]:
    """A log record as it goes into ``result["changes"]``."""
    return {k: v for k, v in record.items() if k not in ("format", "version")}
