"""The result a printout was made from: kept beside the report, and checked against the printed SHA-256.

Every report prints :func:`~droidcheck.report.shop.result_digest` of the exact result it was rendered from:
the SHA-256 of its canonical JSON (keys sorted, no spaces, UTF-8). The result is saved beside the report in
that canonical form, so ``sha256sum report.json`` prints the same value with no droidcheck at hand. A result
saved another way (``check --format json -o``, indented) has other bytes but the same content:
:func:`verify_file` reads it and digests its canonical form.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from droidcheck.errors import InputError
from droidcheck.report.shop import canonical_json, result_digest

RESULT_FORMAT = "droidcheck.result"
_HEX = re.compile(r"^[0-9a-f]{64}$")
_HINT = "Give the JSON result saved beside the report (report.pdf → report.json) or by 'check -f json -o'."


def beside(report: Path, inputs: tuple[Path | None, ...] = ()) -> Path:
    """Where the result of ``report`` is kept: ``report.pdf`` → ``report.json``, or ``report.result.json``
    when ``report.json`` is one of the command's own input files (never overwrite what was read)."""
    candidate = report.with_suffix(".json")
    taken = {_same(p) for p in inputs if p is not None}
    return report.with_suffix(".result.json") if _same(candidate) in taken else candidate


def _same(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def save_canonical(result: Mapping[str, Any], path: Path) -> str:
    """Write ``result`` in canonical form (atomically: a half-written file never carries the name) and
    return its digest."""
    data = canonical_json(result).encode("utf-8")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return result_digest(result)


@dataclass(frozen=True)
class Verdict:
    digest: str  # of the file's canonical form
    expected: str | None  # as given, normalised; None when only the digest was asked for

    @property
    def matches(self) -> bool | None:
        return None if self.expected is None else self.digest == self.expected


def normalise_digest(text: str) -> str:
    """A digest as printed or typed: case, spaces and colons do not matter; 64 hex digits do."""
    value = re.sub(r"[\s:]", "", text).lower()
    if not _HEX.match(value):
        raise InputError(f"{text!r} is not a SHA-256 digest", "Copy the 64 characters after 'Result SHA-256:'.")
    return value


def load_result(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", _HINT) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path} is not JSON: {exc}", _HINT) from None
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        raise InputError(f"{path} is not a droidcheck result (no 'format: {RESULT_FORMAT}')", _HINT)
    return data


def verify_file(path: Path, expected: str | None = None) -> Verdict:
    """The canonical digest of the result in ``path``, compared with ``expected`` when given."""
    wanted = normalise_digest(expected) if expected is not None else None
    return Verdict(result_digest(load_result(path)), wanted)
