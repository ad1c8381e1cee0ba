"""The snapshot: raw text of every command run on a phone, plus where and when it was read.

The snapshot is the boundary of the pipeline. Everything before it talks to a device; everything after it
is a pure function of this data. It can be saved, loaded back, or built from a bug report, and the parsers
cannot tell the difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from droidcheck.errors import DroidcheckError
from droidcheck.status import OutputStatus

SNAPSHOT_FORMAT = "droidcheck.snapshot"
SNAPSHOT_VERSION = 1


#: Statuses a saved output may carry (``unrecognised`` is only ever set in memory).
SAVED_STATUSES = ("ok", "timeout", "lost", "error", "unavailable", "malformed", "truncated")
#: Phase-1 probes every check needs: a snapshot without one of them is incomplete (the per-package probes
#: depend on what phase 1 found, and ``role_sms``/``dumpsys_role`` on the Android version).
IMPORTANT_PROBES = ("date", "getprop", "settings_global", "settings_secure", "telephony_registry", "isub",
                    "packages_system", "packages_third_party")


class SnapshotError(DroidcheckError):
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
        are derived, never saved: see ``droidcheck.parsers.recognise``);
      * ``malformed`` – the reply's markers around it were not as sent (``error`` says how); no output;
      * ``truncated`` – it printed more than droidcheck keeps for one command; ``stdout`` is its start.
    """

    probe: str
    command: str
    stdout: str = ""
    exit_code: int | None = None
    duration_s: float = 0.0
    status: str = OutputStatus.OK  # an OutputStatus; a loaded file's word is kept as it is (plain str)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == OutputStatus.OK


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


_OUTPUT_FIELDS = tuple(f.name for f in fields(CommandOutput))
_META_FIELDS = tuple(f.name for f in fields(SnapshotMeta))


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
        if out.status == OutputStatus.TIMEOUT:
            return f"'{out.command}' timed out after {out.duration_s:.1f} s"
        if out.status == OutputStatus.LOST:
            return f"the phone was lost before '{out.command}' finished"
        if out.status == OutputStatus.UNAVAILABLE:
            return out.error or f"'{out.command}' is not in this source"
        if out.status == OutputStatus.ERROR:
            return f"'{out.command}' failed: {out.error}"
        if out.status == OutputStatus.UNRECOGNISED:
            return f"output of '{out.command}' not recognised"
        if out.status in ("malformed", "truncated"):
            return f"'{out.command}' could not be read: {out.error}"
        return f"'{out.command}' gave no usable output"

    def add(self, output: CommandOutput) -> None:
        """Store one output, without what droidcheck never keeps (notification text, settings naming the
        owner: ``collect.plan.drop_private``), whether it was read live, imported or loaded from a file."""
        from droidcheck.collect.plan import drop_private

        if output.stdout:
            output.stdout = drop_private(output.probe, output.stdout)
        self.outputs[output.probe] = output

    # -- persistence -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        # field by field rather than dataclasses.asdict, which deep-copies every value (a fleet converts
        # 200 snapshots: asdict was ~1 ms of each phone's evaluation); both classes hold only flat values
        meta = {name: getattr(self.meta, name) for name in _META_FIELDS}
        meta["problems"] = list(self.meta.problems)
        return {
            "format": SNAPSHOT_FORMAT,
            "version": SNAPSHOT_VERSION,
            "meta": meta,
            "outputs": [{name: getattr(o, name) for name in _OUTPUT_FIELDS} for o in self.outputs.values()],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Any) -> Snapshot:
        """A snapshot from its JSON form. A file is untrusted: every field must have its type (else
        SnapshotError), a snapshot with no outputs at all is an error, and one that lacks the outputs the
        important rules need loads as incomplete, whatever its ``complete`` says."""
        if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
            raise SnapshotError("not a droidcheck snapshot (no 'format: droidcheck.snapshot')")
        version = data.get("version")
        if type(version) is not int or version < 1:  # bool is an int in Python: true is not version 1
            raise SnapshotError(f"snapshot version {version!r} is not a version number")
        if version > SNAPSHOT_VERSION:
            raise SnapshotError(
                f"snapshot version {version!r} is newer than this droidcheck understands "
                f"({SNAPSHOT_VERSION}); upgrade droidcheck"
            )
        raw_meta = data.get("meta", {})
        if not isinstance(raw_meta, dict):
            raise SnapshotError("snapshot is damaged: 'meta' is not an object")
        raw_outputs = data.get("outputs", [])
        if not isinstance(raw_outputs, list):
            raise SnapshotError("snapshot is damaged: 'outputs' is not a list")
        if not raw_outputs:
            raise SnapshotError("snapshot has no command outputs: nothing was read, so nothing can be checked")
        meta = SnapshotMeta(**_typed(raw_meta, SnapshotMeta, "meta"))
        snap = cls(meta=meta)
        for n, raw in enumerate(raw_outputs):
            if not isinstance(raw, dict):
                raise SnapshotError(f"snapshot is damaged: output {n + 1} is not an object")
            fields = _typed(raw, CommandOutput, f"output {n + 1}")
            for name in ("probe", "command"):
                if name not in fields:
                    raise SnapshotError(f"snapshot is damaged: output {n + 1} has no '{name}'")
            if fields.get("status", "ok") not in SAVED_STATUSES:
                raise SnapshotError(f"snapshot is damaged: output {n + 1} has status {fields['status']!r}")
            if fields["probe"] in snap.outputs:
                raise SnapshotError(f"snapshot is damaged: probe {fields['probe']!r} appears twice")
            snap.add(CommandOutput(**fields))
        absent = [p for p in IMPORTANT_PROBES if p not in snap.outputs]
        if absent:
            snap.meta.complete = False
            snap.meta.problems = [*snap.meta.problems,
                                  *(f"the snapshot has no output of '{p}'" for p in absent)]
        return snap

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        """A snapshot file, read with bounds: a regular file, at most 64 MB, nested at most 64 deep."""
        from droidcheck.errors import InputError
        from droidcheck.untrusted import load_json

        try:
            data = load_json(path)
        except InputError as exc:
            raise SnapshotError(exc.message + (f" ({exc.hint})" if exc.hint else "")) from None
        return cls.from_dict(data)


def _type_ok(value: Any, hint: str) -> bool:
    if value is None:
        return "None" in hint
    if isinstance(value, bool):
        return "bool" in hint
    if isinstance(value, int):
        return "int" in hint or "float" in hint
    if isinstance(value, float):
        return "float" in hint
    if isinstance(value, str):
        return "str" in hint and "list" not in hint
    if isinstance(value, list):
        return "list[str]" in hint and all(isinstance(v, str) for v in value)
    return False


def _typed(raw: dict[str, Any], cls: type[SnapshotMeta] | type[CommandOutput], where: str) -> dict[str, Any]:
    """The known fields of ``raw`` for dataclass ``cls``, each checked against its annotation."""
    out: dict[str, Any] = {}
    for name, f in cls.__dataclass_fields__.items():
        if name not in raw:
            continue
        value = raw[name]
        if not _type_ok(value, str(f.type)):
            raise SnapshotError(f"snapshot is damaged: {where} field '{name}' is {type(value).__name__}, "
                                f"expected {f.type}")
        out[name] = value
    return out
