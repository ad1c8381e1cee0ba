"""The audit log: JSON Lines, written *before* each change and again after it, each line flushed and fsynced,
so that a run stopped at any point still says what it was changing (and ``fix --undo`` can restore it).

Format version 2 (``"format": "droidcheck.fix"``). The first line is a header; then, per change, an
``intent`` record written before the phone is touched and a ``result`` record written after (a declined or
refused fix has only a ``result``)::

    {"format": "droidcheck.fix", "version": 2, "record": "header", "mode": "fix" | "undo", "serial": "…",
     "droidcheck": "0.9.0", "time": "2026-10-01T08:00:00.123Z"}
    {"format": "droidcheck.fix", "version": 2, "record": "intent", "n": 1, "time": "…", "serial": "…",
     "mode": "fix", "fix": "dnd_off", "kind": "auto", "summary": "…", "package": null,
     "commands": ["cmd notification set_dnd off"], "before": {"zen_mode": "2"}, "restore": {"zen_mode": 2}}
    {"format": "droidcheck.fix", "version": 2, "record": "result", "n": 1, "time": "…", "serial": "…",
     "mode": "fix", "fix": "dnd_off", "kind": "auto", "summary": "…", "findings": [{"rule": "…", "status": "fail"}],
     "package": null, "restore": {"zen_mode": 2}, "commands": […], "reads": {…},
     "outputs": [{"command": "…", "rc": 0, "output": ""}], "before": {…}, "after": {"zen_mode": "0"},
     "applied": true, "why": "done" | "declined" | "failed on the phone: …" | "refused: …",
     "reversible": true, "undo": ["cmd notification set_dnd on"], "instruction": null, "note": null}

``restore`` holds the typed values ``fix --undo`` puts back (see ``actions.Restore``); ``undo`` and ``reads``
only document what droidcheck computed and ran: ``fix --undo`` never runs a command string from a file.
Phone-printed text (``outputs``, ``before``, ``after``, ``why``) is redacted like every report.
Version 1 logs (no header, one record per fix) are still read, and undone only if they validate under the
same registry rules (see ``droidcheck.fix.undo``). ``result["changes"]`` holds the ``result`` records.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from droidcheck.errors import InputError

LOG_FORMAT = "droidcheck.fix"
LOG_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_LOG_BYTES = 16 * 1024 * 1024  # a fix log is a few KB; anything this big is not one
_PHONE_TEXT = ("outputs", "before", "after", "why")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_log_dir() -> Path:
    """Where fix and undo logs go unless ``--log`` says otherwise: the per-user data folder, not the
    current one (``platformdirs.user_data_dir("droidcheck")/fix-logs``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("droidcheck")) / "fix-logs"


def default_log_path(serial: str, prefix: str = "droidcheck-fix") -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in serial)[:64]
    return default_log_dir() / f"{prefix}-{safe}-{stamp}.jsonl"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("droidcheck")
    except Exception:  # not installed as a distribution (running from a source tree)
        return "unknown"


class AuditLog:
    """Append-only JSON Lines writer. :meth:`start` creates the file and writes the header; every record is
    flushed and fsynced before :meth:`write` returns, and any failure is an :class:`InputError` (exit 2), so
    a caller that writes its intent before touching the phone never makes a change it did not record.

    The file is created only when the first change is about to be made (the first :meth:`write`): a run
    where every fix was declined, or nothing needed undoing, leaves no log. Records of what was *not*
    changed (declined, refused) given to :meth:`record` before that wait in memory and go into the file,
    in order, when it starts. :meth:`preflight` checks the destination up front, creating nothing.
    ``make_folder``: create the log's folder when starting (the default folder; a folder the user named
    must exist)."""

    def __init__(self, path: Path, mode: str = "fix", serial: str = "", *, make_folder: bool = False) -> None:
        self.path = path
        self.mode = mode
        self.serial = serial
        self.make_folder = make_folder
        self._fh: IO[str] | None = None
        self._pending: list[dict[str, Any]] = []
        self.started = False  # the file was created (stays True after close)

    def preflight(self) -> None:
        """Raise :class:`InputError` now, before anything is asked or changed, if the log could not be
        created later: it already exists, or its folder cannot be written."""
        from droidcheck.outfile import check_writable_file, check_writable_folder

        if self.path.exists() and (not self.path.is_file() or self.path.stat().st_size > 0):
            self.start()  # raises the "already exists" / "not a regular file" error, creating nothing
        if self.make_folder:
            check_writable_folder(self.path.parent, "the audit log")
        else:
            check_writable_file(self.path, "the audit log")

    def _fail(self, exc: OSError) -> InputError:
        return InputError(f"cannot write the audit log {self.path}: {exc.strerror or exc}; nothing more was "
                          "changed on the phone", "Give --log a file in a folder that exists and can be written.")

    def start(self) -> None:
        if self._fh is not None:
            return
        try:
            if self.path.exists() and not self.path.is_file():
                raise InputError(f"the audit log {self.path} is not a regular file; nothing was changed on the "
                                 "phone", "Give --log a new file name.")
            if self.path.exists() and self.path.stat().st_size > 0:
                raise InputError(f"the audit log {self.path} already exists; nothing was changed on the phone",
                                 "Give --log a new file name (one log per run, so --undo knows what to restore).")
            if self.make_folder:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise self._fail(exc) from None
        self.started = True
        header = self._line({"record": "header", "mode": self.mode, "serial": self.serial, "droidcheck": _version()})
        if self._pending:  # the run began before its first change
            header["time"] = self._pending[0]["time"]
        self._emit(header)
        pending, self._pending = self._pending, []
        for line in pending:
            self._emit(line)

    def write(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write ``record`` now (starting the log): for the intent of a change and everything after it."""
        self.start()
        return self._emit(self._line(record))

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write ``record`` if the log has started, else keep it for when (if) it starts."""
        if self._fh is not None:
            return self.write(record)
        line = self._line(record)
        self._pending.append(line)
        return line

    def _line(self, record: dict[str, Any]) -> dict[str, Any]:
        clean = {k: (_redact(v) if k in _PHONE_TEXT else v) for k, v in record.items()}
        return {"format": LOG_FORMAT, "version": LOG_VERSION, "time": utc_now(), **clean}

    def _emit(self, line: dict[str, Any]) -> dict[str, Any]:
        assert self._fh is not None
        try:
            self._fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise self._fail(exc) from None
        return line

    def close(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):  # every record was already fsynced (or reported as failed)
                self._fh.close()
            self._fh = None


def _redact(value: Any) -> Any:
    from droidcheck.report.redact import redact_value

    return redact_value(value)


@dataclass
class LogFile:
    """A fix log as read: its format version, its header (version 2), and its records with line numbers."""

    path: Path
    version: int
    header: dict[str, Any] | None
    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    torn_line: int | None = None  # a last line cut short (the run was killed mid-write); skipped


def _read_text(path: Path) -> str:
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path} is not a regular file", "Give the .jsonl file 'droidcheck fix' wrote.")
        if st.st_size > MAX_LOG_BYTES:
            raise InputError(f"{path} is {st.st_size} bytes: too big for a droidcheck fix log")
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a droidcheck fix log (not UTF-8 text)") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_log(path: Path) -> LogFile:
    """Every line of a fix log, each one checked to be a droidcheck fix record of one known version."""
    hint = "Give the .jsonl file 'droidcheck fix' wrote."
    lines = _read_text(path).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    records: list[tuple[int, dict[str, Any]]] = []
    torn = None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            if i == len(lines):
                torn = i
                continue
            raise InputError(f"{path}:{i} is not JSON", hint) from None
        if not isinstance(rec, dict) or rec.get("format") != LOG_FORMAT:
            raise InputError(f"{path}:{i} is not a droidcheck fix record", hint)
        records.append((i, rec))
    if not records:
        raise InputError(f"{path} is not a droidcheck fix log", hint)
    versions = {type(r.get("version")).__name__ + ":" + str(r.get("version")) for _, r in records}
    if len(versions) != 1:
        raise InputError(f"{path} mixes records of several log versions ({', '.join(sorted(versions))})", hint)
    version = records[0][1].get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise InputError(f"{path} is a droidcheck fix log of version {version!r}, which this droidcheck cannot "
                         "read", "Use the droidcheck that wrote it.")
    header = None
    if version >= 2:
        first = records[0][1]
        if first.get("record") != "header":
            raise InputError(f"{path}:{records[0][0]} should be the log's header", hint)
        if any(r.get("record") == "header" for _, r in records[1:]):
            raise InputError(f"{path} holds more than one run (several headers)", hint)
        header, records = first, records[1:]
    return LogFile(path, version, header, records, torn)


def change_entry(record: dict[str, Any]) -> dict[str, Any]:
    """A log record as it goes into ``result["changes"]``."""
    return {k: v for k, v in record.items() if k not in ("format", "version", "record")}
