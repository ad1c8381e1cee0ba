"""The check result document's shape, for the type checker.

``droidcheck.check.build_result`` makes it, the reporters (``droidcheck.report``) read it, and
``--format json`` writes it as is. These are ``TypedDict``s: at run time the result stays a plain ``dict``
(nothing is converted, the JSON is unchanged); mypy checks that the code writing and reading it agrees on
its keys. A result read back from a file (``droidcheck report``, fleet history) is whatever the file holds,
so code reading one still guards with ``.get``.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class DeviceInfo(TypedDict):
    serial: str
    model: str
    maker: str
    android_release: str | None
    sdk: int | None
    security_patch: str | None
    transport: str
    adb_server: str


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

