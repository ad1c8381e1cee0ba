"""Re-evaluate saved inputs in a folder (snapshots, bug reports, fleet runs) with a given rule set.

Files are chosen by content, like ``load_input``: ``*.json`` that are droidcheck snapshots (a fleet run's
``devices/*/snapshot.json`` among them; its ``result.json`` files are skipped), zips and text files that
are bug reports, and ``*.gz`` holding a snapshot or bug report text. One bad file never stops the run: it
is listed with its error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from droidcheck.errors import InputError
from droidcheck.offline.loader import _ZIP_MAGIC, load_input, sniff_text
from droidcheck.status import ExitCode
from droidcheck.untrusted import open_regular

if TYPE_CHECKING:
    from droidcheck.result import CheckResult

_SKIP_DIRS = {".git", "__pycache__", ".venv", "node_modules"}


@dataclass
class Recheck:
    """One input file and what re-checking it gave."""

    path: Path
    result: CheckResult | None = None
    error: str | None = None
    hint: str | None = None

    @property
    def failed(self) -> bool:
        return self.result is not None and self.result["verdict"]["status"] == "fail"


@dataclass
class RecheckRun:
    root: Path
    items: list[Recheck] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        """1 if any input failed its checks (or could not be read), else 0."""
        return ExitCode.FAILED if any(i.failed or i.error for i in self.items) else ExitCode.OK


def _head(path: Path, size: int) -> bytes | None:
    """The first bytes of a regular file (never blocking on a FIFO swapped in since the walk), or None."""
    try:
        with open_regular(path) as fh:
            return fh.read(size)
    except (OSError, InputError):
        return None


def _is_snapshot_json(path: Path) -> bool:
    head = _head(path, 4096)
    if head is None:
        return False
    return sniff_text(head) == "json" and b'"droidcheck.snapshot"' in head


def _is_bugreport(path: Path) -> bool:
    head = _head(path, 256)
    if head is None:
        return False
    if head.startswith(_ZIP_MAGIC):
        return path.suffix.lower() == ".zip"
    return sniff_text(head) == "dumpstate"


def _is_gzipped_input(path: Path) -> bool:
    """A ``.gz`` holding a snapshot or bug report text (only its first block is decompressed)."""
    import gzip
    import zlib

    try:
        with open_regular(path) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as fh:
            head = fh.read(4096)
    except (OSError, EOFError, zlib.error, InputError):
        return False
    kind = sniff_text(head)
    return kind == "dumpstate" or (kind == "json" and b'"droidcheck.snapshot"' in head)


def _is_bugreport_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return _is_gzipped_input(path)
    return suffix in (".zip", ".txt", "") and _is_bugreport(path)


def find_inputs(root: Path) -> list[Path]:
    """Snapshots and bug reports under ``root`` (recursively), sorted; ``root`` itself if it is a file."""
    if root.is_file():
        return [root]
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} is not a regular file or a folder (a pipe or device?): refused")
    found: list[Path] = []
    for path in sorted(_walk(root)):
        if path.suffix.lower() == ".json":
            if _is_snapshot_json(path):
                found.append(path)
        elif _is_bugreport_file(path):
            found.append(path)
    return found


def _walk(root: Path) -> Iterator[Path]:
    for path in root.iterdir():
        if path.is_dir():
            if path.name not in _SKIP_DIRS and not path.is_symlink():
                yield from _walk(path)
        elif path.is_file():
            yield path


def recheck(root: Path, rules: list[Any], rules_source: list[str] | None = None) -> RecheckRun:
    from droidcheck.check import check_snapshot

    run = RecheckRun(root)
    for path in find_inputs(root):
        item = Recheck(path)
        try:
            item.result = check_snapshot(load_input(path), rules, rules_source=rules_source)
        except InputError as exc:
            item.error, item.hint = exc.message, exc.hint
        run.items.append(item)
    return run


def label(item: Recheck, root: Path) -> str:
    try:
        return str(item.path.relative_to(root)) if root.is_dir() else item.path.name
    except ValueError:
        return str(item.path)


def device_of(item: Recheck) -> str:
    if item.result is None:
        return ""
    dev = item.result.get("device", {})
    return " ".join(str(x) for x in (dev.get("model"), dev.get("serial")) if x)


def first_cause(item: Recheck) -> str:
    if item.result is None:
        return item.error or ""
    causes = item.result["verdict"]["likely_causes"]
    return causes[0] if causes else ""


def summary_rows(run: RecheckRun) -> list[dict[str, str]]:
    return [{"file": label(i, run.root), "device": device_of(i),
             "verdict": i.result["verdict"]["status"] if i.result else "error",
             "first_cause": first_cause(i)} for i in run.items]


def write_results(run: RecheckRun, out_dir: Path, *, redact: bool = True) -> list[Path]:
    """One ``<file>.result.json`` per readable input (redacted unless ``redact`` is False)."""
    from droidcheck.report.redact import redact_result

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for item in run.items:
        if item.result is None:
            continue
        stem = re.sub(r"[^\w.-]+", "_", label(item, run.root)).strip("_") or "input"
        name, n = f"{stem}.result.json", 1
        while name in used:
            n += 1
            name = f"{stem}.{n}.result.json"
        used.add(name)
        doc = redact_result(item.result) if redact else item.result
        target = out_dir / name
        target.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
        written.append(target)
    return written
