"""Rules and findings as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from droidcheck.status import FindingStatus

STATUSES = tuple(s.value for s in FindingStatus)  # what a rule test may expect
SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_WEIGHT = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}

Condition = dict[str, Any]


@dataclass
class RuleTest:
    facts: dict[str, Any]  # fact name -> value, or the string "unknown"
    expect: str
    name: str = ""
    line: int = 0


@dataclass
class Rule:
    id: str
    title: str  # the problem, as the technician reads it when the rule fails ("Airplane mode is on")
    label: str  # the neutral name of the check, for lists of passed checks ("Airplane mode")
    area: str
    cause: list[str]
    severity: str
    explanation: str
    fix: list[str]
    fail_when: Condition | None = None
    warn_when: Condition | None = None
    applies_when: Condition | None = None
    manual: bool = False
    likelihood: int = 3  # 1 (rarely the reason) .. 5 (almost always the reason when it fires)
    explains: list[str] = field(default_factory=list)
    auto_fix: str | None = None
    threshold: str | None = None  # why a threshold is where it is
    tests: list[RuleTest] = field(default_factory=list)
    source: str = ""  # file
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class Finding:
    rule: Rule
    status: FindingStatus
    evidence: dict[str, Any] = field(default_factory=dict)  # fact name -> value (None if unknown)
    unknown_facts: dict[str, str] = field(default_factory=dict)  # fact name -> why unknown
    explained_by: str | None = None
    explains: list[str] = field(default_factory=list)

    @property
    def is_problem(self) -> bool:
        return self.status in (FindingStatus.FAIL, FindingStatus.WARN)
