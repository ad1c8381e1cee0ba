"""The snapshot: raw text of every command run on a phone, plus where and when it was read.

The snapshot is the boundary of the pipeline. Everything before it talks to a device; everything after it
is a pure function of this data. It can be saved, loaded back, or built from a bug report, and the parsers
cannot tell the difference.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SNAPSHOT_FORMAT = "droidcheck.snapshot"
SNAPSHOT_VERSION = 1


class SnapshotError(Exception):
    """A snapshot file cannot be read (not JSON, wrong format, newer version)."""


@dataclass
class CommandOutput:
    """What one command printed on the phone.

    ``status`` says whether the output can be trusted:
      * ``ok`` – the command ran to the end (``exit_code`` is its exit status);
      * ``timeout`` – it was stopped by its time limit; ``stdout`` holds what it printed until then;
      * ``lost`` – the phone went away (or the overall deadline passed) before or while it ran;
      * ``error`` – the command could not be started (``error`` says why);
      * ``unavailable`` – the source (a bug report) does not contain this output (``error`` says why);
      * ``unrecognised`` – it ran, but printed something that is not its command's format (set when facts
        are derived, never saved: see ``droidcheck.parsers.recognise``).
    """

    probe: str
    command: str
    stdout: str = ""
    exit_code: int | None = None
    duration_s: float = 0.0
    status: str = "ok"
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class SnapshotMeta:
    serial: str = ""
    model: str = ""
    maker: str = ""
    transport: str = ""
    adb_server: str = ""
    captured_at: str = ""  # host UTC time, ISO 8601, when the read started
    droidcheck_version: str = ""
    source: str = "adb"  # adb | bugreport | simulator
    round_trips: int = 0
    duration_s: float = 0.0
    # Device clock minus host clock, measured on the fly (seconds, round trip corrected), if measured.
    clock_offset_s: float | None = None
    clock_offset_uncertainty_s: float | None = None
    complete: bool = True
    problems: list[str] = field(default_factory=list)
    redacted: bool = False  # phone numbers, IMEI/ICCID and code-like numbers were removed before saving


@dataclass
class Snapshot:
    meta: SnapshotMeta
    outputs: dict[str, CommandOutput] = field(default_factory=dict)

    def get(self, probe: str) -> CommandOutput | None:
        """The output of ``probe`` if it ran to the end, else None."""
        out = self.outputs.get(probe)
        return out if out is not None and out.ok else None

    def text(self, probe: str) -> str | None:
        out = self.get(probe)
        return out.stdout if out is not None else None

    def why_missing(self, probe: str) -> str:
        """A plain reason why ``probe`` has no usable output, for `unknown` facts."""
        out = self.outputs.get(probe)
        if out is None:
            return f"'{probe}' was not read"
        if out.status == "timeout":
            return f"'{out.command}' timed out after {out.duration_s:.1f} s"
        if out.status == "lost":
            return f"the phone was lost before '{out.command}' finished"
        if out.status == "unavailable":
            return out.error or f"'{out.command}' is not in this source"
        if out.status == "error":
            return f"'{out.command}' failed: {out.error}"
        if out.status == "unrecognised":
            return f"output of '{out.command}' not recognised"
        return f"'{out.command}' gave no usable output"

    def add(self, output: CommandOutput) -> None:
        self.outputs[output.probe] = output

    # -- persistence -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": SNAPSHOT_FORMAT,
            "version": SNAPSHOT_VERSION,
            "meta": asdict(self.meta),
            "outputs": [asdict(o) for o in self.outputs.values()],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Any) -> Snapshot:
        if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
            raise SnapshotError("not a droidcheck snapshot (no 'format: droidcheck.snapshot')")
        version = data.get("version")
        if not isinstance(version, int) or version > SNAPSHOT_VERSION:
            raise SnapshotError(
                f"snapshot version {version!r} is newer than this droidcheck understands "
                f"({SNAPSHOT_VERSION}); upgrade droidcheck"
            )
        try:
            meta_fields = set(SnapshotMeta.__dataclass_fields__)
            meta = SnapshotMeta(**{k: v for k, v in dict(data.get("meta") or {}).items() if k in meta_fields})
            out_fields = set(CommandOutput.__dataclass_fields__)
            snap = cls(meta=meta)
            for raw in data.get("outputs") or []:
                snap.add(CommandOutput(**{k: v for k, v in dict(raw).items() if k in out_fields}))
        except (TypeError, ValueError) as exc:
            raise SnapshotError(f"snapshot is damaged: {exc}") from exc
        return snap

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SnapshotError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise SnapshotError(f"{path} is not a text file") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{path} is not JSON (line {exc.lineno}: {exc.msg})") from exc
        return cls.from_dict(data)
