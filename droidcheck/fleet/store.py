"""The run directory: what a fleet run planned, and every device result as soon as it is known.

Layout::

    RUN_DIR/manifest.json                  run id, start time, servers, devices planned, and
                                           "folders": device key → its folder under devices/
    RUN_DIR/results.jsonl                  one line per finished device, appended, flushed and fsynced
    RUN_DIR/devices/<folder>/result.json   the full (redacted) result
    RUN_DIR/devices/<folder>/snapshot.json
    RUN_DIR/summary.json, junit.xml        written at the end

A folder name is a readable prefix of the device key plus a hash of the whole key (:func:`folder_name`):
serials such as ``R58:X``, ``R58/X`` and ``R58_X`` read alike once made file-name safe, and a serial can be
longer than a file name may be. Everything that opens a run (resume, retry, the summary) goes through the
manifest's mapping; a run written before the mapping existed keeps its old names (:func:`safe_name`).

``results.jsonl`` is the source of truth: per-device files are written first (atomically, via rename),
then the line is appended, so a line never points at a missing file. A kill can at worst leave a torn
last line, which :func:`read_records` skips. For a device listed twice (``--retry-failed``) the last
line wins.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
RESULTS = "results.jsonl"
#: What a device's status may be in results.jsonl (``droidcheck.fleet.runner`` names them).
STATUSES = ("passed", "failed", "incomplete", "not ready")
_PREFIX_CHARS = 40
_FOLDER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,79}$")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def device_key(server: str, serial: str) -> str:
    """A device's identity across runs: the same serial on two servers is two devices."""
    return f"{server}/{serial}"


def safe_name(key: str) -> str:
    """The folder name runs used before :func:`folder_name` (not unique: kept to read those runs)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_") or "device"


def folder_name(key: str) -> str:
    """A device's folder: unique (a hash of the whole key) and bounded (≤ 53 characters), readable (the
    serial's end, where it differs from its neighbours, is kept when the key is long)."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key.rsplit("/", 1)[-1]).strip("._-")
    if len(readable) > _PREFIX_CHARS:
        readable = readable[:_PREFIX_CHARS // 2] + "_" + readable[-(_PREFIX_CHARS // 2 - 1):]
    return f"{readable or 'device'}-{digest}"


def result_json(result: Mapping[str, Any]) -> str:
    """A device's result.json text."""
    return json.dumps(result, indent=2, ensure_ascii=False)


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
        manifest = dict(manifest)
        manifest.setdefault("folders", {d["key"]: folder_name(d["key"]) for d in manifest.get("devices", [])})
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
        _check_manifest(path / MANIFEST, manifest)
        _drop_torn_tail(path / RESULTS)
        return cls(path, manifest)

    def save_manifest(self) -> None:
        _write_atomic(self.path / MANIFEST, json.dumps(self.manifest, indent=2))

    def device_dir(self, key: str) -> Path:
        folders = self.manifest.get("folders")
        if folders is None:  # a run from before the mapping
            return self.path / "devices" / safe_name(key)
        if key not in folders:  # not planned (cannot happen through run_fleet): named like the others
            with self._lock:
                folders.setdefault(key, folder_name(key))
        return self.path / "devices" / folders[key]

    def record(self, line: dict[str, Any], result: Mapping[str, Any] | str | None,
               snapshot_json: str | None) -> None:
        """Persist one finished device: ``result`` is its result, or that result's JSON text already made
        (``result_json``). Thread-safe; durable when it returns."""
        d = self.device_dir(line["key"])
        d.mkdir(parents=True, exist_ok=True)
        if snapshot_json is not None:
            _write_atomic(d / "snapshot.json", snapshot_json)
        if result is not None:
            _write_atomic(d / "result.json", result if isinstance(result, str) else result_json(result))
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


def _check_manifest(path: Path, manifest: Any) -> None:
    """A manifest is a file anyone could edit: refuse one whose shape droidcheck did not write, and above
    all a folder mapping that could lead outside the run directory or give two devices one folder."""
    from droidcheck.errors import InputError

    def bad(why: str) -> InputError:
        return InputError(f"{path}: {why}", "This manifest was not written by droidcheck (or was edited); "
                          "start a new run instead.")

    if not isinstance(manifest, dict):
        raise bad("the manifest is not a JSON object")
    devices = manifest.get("devices", [])
    if not isinstance(devices, list):
        raise bad("the manifest's 'devices' is not a list")
    for i, d in enumerate(devices):
        if not isinstance(d, dict) or not all(isinstance(d.get(k), str) for k in ("key", "server", "serial")):
            raise bad(f"the manifest's device {i + 1} lacks a text key, server or serial")
        rules = d.get("rules", [])
        if not (isinstance(rules, list) and all(isinstance(r, str) for r in rules)) or not all(
                isinstance(d.get(k), str | None) for k in ("state", "hint", "transport", "model", "label", "group")):
            raise bad(f"the manifest's device {i + 1} has a field of the wrong type")
    folders = manifest.get("folders")
    if folders is None:
        return
    if not isinstance(folders, dict):
        raise bad("the manifest's 'folders' is not a mapping")
    seen: set[str] = set()
    for key, folder in folders.items():
        if not isinstance(folder, str) or not _FOLDER.match(folder) or folder.lower() in seen:
            raise bad(f"the folder {folder!r} for {key!r} is not a plain, unique folder name")
        seen.add(folder.lower())


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
    """Every line of results.jsonl, in order. A torn last line (no newline: a kill mid-append, or a run
    still writing) is skipped; any other line that droidcheck could not have written is an InputError
    naming it, since the file decides what --resume and --retry-failed check again."""
    path = run_dir / RESULTS
    try:
        data = path.read_bytes()
    except OSError:
        return []
    lines = []
    raws = data.split(b"\n")
    for n, raw in enumerate(raws, 1):
        torn = n == len(raws)  # after the last newline: empty, or a line still being written
        if not raw.strip():
            continue
        try:
            item = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            if torn:
                continue
            raise _bad_line(path, n, "is not UTF-8 text") from None
        except ValueError as exc:
            if torn:
                continue
            raise _bad_line(path, n, f"is not JSON ({exc})") from None
        lines.append(_checked_line(path, n, item))
    return lines


#: Fields of a results.jsonl line that the summary, reports and history read, and their types.
_LINE_TEXT = ("key", "server", "serial", "status")
_LINE_OPTIONAL_TEXT = ("label", "group", "model", "verdict", "hint")
_LINE_LISTS = ("likely_causes", "cause_titles", "problems")


def _bad_line(path: Path, n: int, why: str) -> Exception:
    from droidcheck.errors import InputError

    return InputError(f"{path} line {n} {why}", "This file was not written by droidcheck (or was edited); "
                      "remove the line, or start a new run.")


def _checked_line(path: Path, n: int, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _bad_line(path, n, "is not a JSON object")
    for k in _LINE_TEXT:
        if not isinstance(item.get(k), str):
            raise _bad_line(path, n, f"has no text '{k}'" if k not in item else f"has a '{k}' that is not text")
    if item["status"] not in STATUSES:
        raise _bad_line(path, n, f"has an unknown status {item['status']!r} (expected one of {', '.join(STATUSES)})")
    for k in _LINE_OPTIONAL_TEXT:
        if not isinstance(item.get(k), str | None):
            raise _bad_line(path, n, f"has a '{k}' that is not text")
    for k in _LINE_LISTS:
        v = item.get(k)
        if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            raise _bad_line(path, n, f"has a '{k}' that is not a list of text")
    return item


def read_records(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Device key → its latest line."""
    return {line["key"]: line for line in read_lines(run_dir)}
