"""The check result document's shape, for the type checker.

``droidcheck.check.build_result`` makes it, the reporters (``droidcheck.report``) read it, and
``--format json`` writes it as is. These are ``TypedDict``s: at run time the result stays a plain ``dict``
(nothing is converted, the JSON is unchanged); mypy checks that the code writing and reading it agrees on
its keys. A result read back from a file (``droidcheck report``, fleet history) is whatever the file holds,
so code reading one still guards with ``.get``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

from droidcheck.errors import InputError


class DeviceInfo(TypedDict):
    serial: str
    model: str
    maker: str
    android_release: str | None
    sdk: int | None
    security_patch: str | None
    transport: str
    adb_server: str
    countries: NotRequired[str]  # ISO 3166 codes, comma-separated (``droidcheck.report.redact.phone_regions``)


class FactEntry(TypedDict):
    """``droidcheck.facts.model.Fact.to_dict``: a value, or ``None`` with the reason it is unknown."""

    value: Any
    status: str  # FactStatus
    reason: NotRequired[str]
    note: NotRequired[str]
    not_read: NotRequired[bool]


class FindingEntry(TypedDict):
    """One rule's conclusion on this phone (``droidcheck.check.finding_to_dict``)."""

    rule: str
    status: str  # FindingStatus
    severity: str
    area: str
    title: str
    label: str
    cause: list[str]
    explanation: str
    evidence: dict[str, Any]  # fact name -> value (None if unknown)
    fix: list[str]
    unknown_facts: NotRequired[dict[str, str]]  # fact name -> why unknown
    explained_by: NotRequired[str]
    explains: NotRequired[list[str]]
    auto_fix: NotRequired[str]
    threshold: NotRequired[str]


class MissingEntry(TypedDict):
    """An important rule that could not be evaluated, and why each fact it needs is unknown."""

    rule: str
    title: str
    severity: str
    unknown_facts: dict[str, str]


class Verdict(TypedDict):
    status: str  # pass / warn / fail / incomplete (``droidcheck.rules.engine.verdict_status``)
    likely_causes: list[str]  # rule ids
    missing: list[MissingEntry]


class Timing(TypedDict):
    read_s: float
    round_trips: int
    evaluate_s: float


class CheckResult(TypedDict):
    """The whole result of checking one phone (its JSON is ``format: droidcheck.result``)."""

    format: str
    version: int
    droidcheck_version: str
    device: DeviceInfo
    captured_at: str
    source: str
    complete: bool
    problems: list[str]
    facts: dict[str, FactEntry]
    findings: list[FindingEntry]
    verdict: Verdict
    timing: Timing
    rules: list[str]  # where the rules came from (built-in, files given with --rules)
    changes: NotRequired[list[dict[str, Any]]]  # fix mode: the change log's result records
    watch: NotRequired[dict[str, Any]]  # a watch result attached with ``report --watch``
    redacted: NotRequired[bool]  # set by ``droidcheck.report.redact.redact_result``


# -- a result read back from a file --------------------------------------------------------------------------
#
# ``droidcheck report`` renders a result (and a watch result) saved earlier: user-supplied files, so hostile
# input. Only their ``format`` marker is checked on loading; the reporters read the keys they need with
# fallbacks for absent ones, but each key that is present must hold the kind of JSON value it holds in
# a document droidcheck wrote, or rendering fails half way. ``shape_problem`` says which key does not.

class Each:
    """A JSON object whose every value has ``shape`` (facts by name, evidence by fact name)."""

    def __init__(self, shape: Any) -> None:
        self.shape = shape


_TEXT = (str,)
_SCALAR = (str, int, float, bool, type(None))
_FINDING = {"rule": _TEXT, "status": _TEXT, "severity": _TEXT, "area": _TEXT, "title": _TEXT, "label": _TEXT,
            "cause": [_TEXT], "explanation": _TEXT, "evidence": dict, "fix": [_TEXT],
            "unknown_facts": Each(_SCALAR), "explained_by": _TEXT, "explains": [_TEXT], "auto_fix": _TEXT,
            "threshold": _TEXT}
_MISSING = {"rule": _TEXT, "title": _TEXT, "severity": _TEXT, "unknown_facts": Each(_SCALAR)}
_CHANGE = {"summary": _SCALAR, "fix": _SCALAR, "before": Each(_SCALAR), "after": Each(_SCALAR),
           "applied": _SCALAR, "why": _SCALAR, "time": _SCALAR}
WATCH_SHAPE = {"verdict": {"summary": _SCALAR, "notes": [_SCALAR]}, "sender": _SCALAR,
               "stages": [{"status": _SCALAR, "after_s": _SCALAR, "label": _SCALAR, "id": _SCALAR}]}
RESULT_SHAPE = {
    "format": _TEXT, "droidcheck_version": _SCALAR, "captured_at": _SCALAR, "source": _SCALAR,
    "device": Each(_SCALAR), "complete": _SCALAR, "problems": [_SCALAR], "facts": Each({"status": _SCALAR}),
    "findings": [_FINDING], "verdict": {"status": _SCALAR, "likely_causes": [_SCALAR], "missing": [_MISSING]},
    "timing": Each(_SCALAR), "rules": [_SCALAR], "changes": [_CHANGE], "watch": WATCH_SHAPE, "redacted": _SCALAR,
}


def shape_problem(value: Any, shape: Any, where: str = "") -> str | None:
    """Where ``value`` (parsed JSON) is not of ``shape``, or None. A shape is a tuple of allowed types, the
    type ``dict``/``list`` (any content), ``[item shape]``, ``{key: shape}`` (absent keys and others allowed)
    or ``Each(shape)``."""
    if isinstance(shape, tuple):
        return None if isinstance(value, shape) else f"{where or 'the document'} is not {_kind(shape)}"
    if shape is dict or shape is list:
        return None if isinstance(value, shape) else f"{where or 'the document'} is not {_kind(shape)}"
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where or 'the document'} is not a list"
        return next((p for i, v in enumerate(value) if (p := shape_problem(v, shape[0], f"{where}[{i}]"))), None)
    if not isinstance(value, dict):
        return f"{where or 'the document'} is not an object"
    if isinstance(shape, Each):
        items = ((k, v, shape.shape) for k, v in value.items())
    else:
        items = ((k, value[k], s) for k, s in shape.items() if k in value)
    return next((p for k, v, s in items if (p := shape_problem(v, s, f"{where}.{str(k)[:40]}" if where else str(k)))),
                None)


def _kind(shape: Any) -> str:
    if shape is dict:
        return "an object"
    if shape is list:
        return "a list"
    return "text" if shape == _TEXT else "a plain value (text, number, true/false or null)"


def saved_result(data: dict[str, Any], path: Path, hint: str) -> CheckResult:
    """A result read from ``path`` (its ``format`` already checked), once each key it has is of the kind
    droidcheck writes there; else ``InputError``."""
    problem = shape_problem(data, RESULT_SHAPE)
    if problem:
        raise InputError(f"{path} is not a droidcheck result as droidcheck writes it: {problem}", hint)
    return cast(CheckResult, data)


def saved_watch(data: dict[str, Any], path: Path, hint: str) -> dict[str, Any]:
    """A watch result read from ``path``, checked like :func:`saved_result`."""
    problem = shape_problem(data, WATCH_SHAPE)
    if problem:
        raise InputError(f"{path} is not a watch result as droidcheck writes it: {problem}", hint)
    return data
