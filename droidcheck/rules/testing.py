"""Run the test cases written beside each rule (facts → expected status), like Semgrep's rule tests."""

from __future__ import annotations

from dataclasses import dataclass

from droidcheck.facts.model import Facts, known, unknown
from droidcheck.rules.engine import evaluate_rule
from droidcheck.rules.model import Rule, RuleTest


@dataclass
class CaseResult:
    rule: Rule
    case: RuleTest
    got: str

    @property
    def passed(self) -> bool:
        return self.got == self.case.expect

    @property
    def label(self) -> str:
        return self.case.name or ", ".join(f"{k}={v!r}" for k, v in self.case.facts.items()) or "(no facts)"


def facts_from_case(case: RuleTest) -> Facts:
    """A test's facts; a fact the case does not list, or lists as ``unknown``, is unknown."""
    facts: Facts = {}
    for name, value in case.facts.items():
        facts[name] = unknown(name, "unknown in this test") if value == "unknown" else known(name, value)
    return facts


def run_rule_tests(rules: list[Rule]) -> list[CaseResult]:
    return [CaseResult(rule, case, evaluate_rule(rule, facts_from_case(case)).status)
            for rule in rules for case in rule.tests]
