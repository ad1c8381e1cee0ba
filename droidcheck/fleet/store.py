"""The run directory: what a fleet run planned, and every device result as soon as it is known.

Layout::

    RUN_DIR/manifest.json                  run id, start time, servers, devices planned
    RUN_DIR/results.jsonl                  one line per finished device, appended, flushed and fsynced
    RUN_DIR/devices/<safe key>/result.json the full (redacted) result
    RUN_DIR/devices/<safe key>/snapshot.json
    RUN_DIR/summary.json, junit.xml        written at the end

``results.jsonl`` is the source of truth: per-device files are written first (atomically, via rename),
then the line is appended, so a line never points at a missing file. A kill can at worst leave a torn
last line, which :func:`read_records` skips. For a device listed twice (``--retry-failed``) the last
line wins.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
RESULTS = "results.jsonl"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def device_key(server: str, serial: str) -> str:
    """A device's identity across runs: the same serial on two servers is two devices."""
    return f"{server}/{serial}"


def safe_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_") or "device"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass
class RunStore:
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(cls, path: Path, manifest: dict[str, Any]) -> RunStore:
        (path / "devices").mkdir(parents=True, exist_ok=True)
        if (path / MANIFEST).exists():
            from droidcheck.errors import InputError

            raise InputError(f"{path} already holds a run", "Use --resume or --retry-failed, or another --out.")
        _write_atomic(path / MANIFEST, json.dumps(manifest, indent=2))
        (path / RESULTS).touch()
        return cls(path, manifest)

    @classmethod
    def open(cls, path: Path) -> RunStore:
        from droidcheck.errors import InputError

        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{path} is not a fleet run directory: {exc}") from None
        _drop_torn_tail(path / RESULTS)
        return cls(path, manifest)

    def save_manifest(self) -> None:
        _write_atomic(self.path / MANIFEST, json.dumps(self.manifest, indent=2))

    def device_dir(self, key: str) -> Path:
        return self.path / "devices" / safe_name(key)

    def record(self, line: dict[str, Any], result: dict[str, Any] | None, snapshot_json: str | None) -> None:
        """Persist one finished device. Thread-safe; durable when it returns."""
        d = self.device_dir(line["key"])
        d.mkdir(parents=True, exist_ok=True)
        if snapshot_json is not None:
            _write_atomic(d / "snapshot.json", snapshot_json)
        if result is not None:
            _write_atomic(d / "result.json", json.dumps(result, indent=2, ensure_ascii=False))
        data = json.dumps(line, ensure_ascii=False) + "\n"
        # Append under the lock (lines never interleave), fsync outside it: a device waits for its own
        # line to reach the disk, not for every other device's fsync in turn (group commit by the OS).
        with self._lock, open(self.path / RESULTS, "a", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            fd = os.dup(fh.fileno())
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def records(self) -> dict[str, dict[str, Any]]:
        return read_records(self.path)

    def result_of(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.device_dir(key) / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


def _drop_torn_tail(path: Path) -> None:
    """A kill mid-append can leave a last line without its newline; cut it off, or the next append
    would glue a good line onto it and lose both."""
    try:
        with open(path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)
    except FileNotFoundError:
        pass


def read_lines(run_dir: Path) -> list[dict[str, Any]]:
    """Every intact line of results.jsonl, in order (a torn last line from a kill is skipped)."""
    lines = []
    try:
        text = (run_dir / RESULTS).read_text(encoding="utf-8")
    except OSError:
        return []
    for raw in text.splitlines():
        try:
            item = json.loads(raw)
        except ValueError:
            continue
        if isinstance(item, dict) and "key" in item:
            lines.append(item)
    return lines


def read_records(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Device key → its latest line."""
    return {line["key"]: line for line in read_lines(run_dir)}
