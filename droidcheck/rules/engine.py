"""Rules × facts → findings, and the verdict: the ranked list of most likely causes.

Status of one rule:
  * ``manual`` for checklist items (no device can answer them), unless ``applies_when`` is False;
  * ``skip`` when ``applies_when`` is False (e.g. the rule needs Android 13);
  * ``unknown`` when ``applies_when`` needs a fact that is unknown;
  * ``fail`` / ``warn`` when ``fail_when`` / ``warn_when`` is True on what is known;
  * ``unknown`` when a condition could not be decided (never ``pass`` on missing facts);
  * ``pass`` otherwise.

A failed or warned finding that another failed/warned finding ``explains`` is attached under it
(``explained_by``) and left out of the likely causes: no signal *because* airplane mode is on.

The verdict is ``fail`` if any rule failed; else ``incomplete`` if the read was incomplete or an important
rule could not be evaluated for want of data (see :func:`is_missing`); else ``warn`` or ``pass``. So a
phone that dropped mid-read, a snapshot with nothing in it or noise instead of a command's output is never
"no problem found".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from droidcheck.facts.model import Facts
from droidcheck.rules import conditions
from droidcheck.rules.model import SEVERITY_WEIGHT, Finding, Rule
from droidcheck.status import FindingStatus

_STATUS_ORDER = {FindingStatus.FAIL: 0, FindingStatus.WARN: 1, FindingStatus.UNKNOWN: 2, FindingStatus.MANUAL: 3,
                 FindingStatus.PASS: 4, FindingStatus.SKIP: 5}
#: Rules that cannot be left undecided: one of these unknown for want of data makes the verdict incomplete.
IMPORTANT_SEVERITIES = ("critical", "high")


def rule_facts(rule: Rule) -> list[str]:
    names: list[str] = []
    for cond in (rule.applies_when, rule.fail_when, rule.warn_when):
        for name in conditions.facts_used(cond):
            if name not in names:
                names.append(name)
    return names


def evaluate_rule(rule: Rule, facts: Facts) -> Finding:
    evidence = {}
    unknowns = {}
    for name in rule_facts(rule):
        fact = facts.get(name)
        if fact is not None and fact.known:
            evidence[name] = fact.value
        else:
            evidence[name] = None
            unknowns[name] = fact.reason if fact is not None and fact.reason else "not read"
    finding = Finding(rule=rule, status=FindingStatus.PASS, evidence=evidence, unknown_facts=unknowns)
    if rule.applies_when is not None:
        applies = conditions.evaluate(rule.applies_when, facts)
        if applies is False:
            finding.status = FindingStatus.SKIP
            return finding
        if applies is None and not rule.manual:
            finding.status = FindingStatus.UNKNOWN
            return finding
    if rule.manual:
        finding.status = FindingStatus.MANUAL
        return finding
    fail = conditions.evaluate(rule.fail_when, facts) if rule.fail_when else False
    if fail:
        finding.status = FindingStatus.FAIL
        return finding
    warn = conditions.evaluate(rule.warn_when, facts) if rule.warn_when else False
    if warn:
        finding.status = FindingStatus.WARN
    elif fail is None or warn is None:
        finding.status = FindingStatus.UNKNOWN
    return finding


def rank_key(f: Finding) -> tuple[int, int, int, str]:
    """Most likely first: severity, then failed before warned, then the rule's likelihood."""
    return (-SEVERITY_WEIGHT[f.rule.severity], _STATUS_ORDER[f.status], -f.rule.likelihood, f.rule.id)


def is_missing(finding: Finding, facts: Facts) -> bool:
    """An important rule (critical/high) that is ``unknown`` because a fact it needs was not read or not
    understood (flagged ``unread``: timed out, lost, failed, noise, a format no parser knows). A fact the
    phone cannot show (``droidcheck.facts.model.cannot_show``: no SIM ready, an Android version without the
    feature) is not ``unread`` and does not count: the README's "not incompleteness"."""
    if finding.status != FindingStatus.UNKNOWN or finding.rule.severity not in IMPORTANT_SEVERITIES:
        return False
    return any((fact := facts.get(name)) is None or fact.unread for name in finding.unknown_facts)


@dataclass
class Evaluation:
    findings: list[Finding]
    likely_causes: list[Finding]
    missing: list[Finding] = field(default_factory=list)  # important rules not evaluated for want of data

    @property
    def verdict(self) -> str:
        """Over the facts alone; :func:`verdict_status` adds the read's own completeness."""
        statuses = {f.status for f in self.findings}
        if FindingStatus.FAIL in statuses:
            return "fail"
        if self.missing:
            return "incomplete"
        if FindingStatus.WARN in statuses:
            return "warn"
        return "pass"


def verdict_status(evaluation: Evaluation, read_complete: bool) -> str:
    """``fail`` stays ``fail``; otherwise an incomplete read or a missing important rule is ``incomplete``."""
    verdict = evaluation.verdict
    if verdict in ("warn", "pass") and not read_complete:
        return "incomplete"
    return verdict


def evaluate(rules: list[Rule], facts: Facts) -> Evaluation:
    findings = [evaluate_rule(r, facts) for r in rules]
    by_id = {f.rule.id: f for f in findings}
    problems = sorted((f for f in findings if f.is_problem), key=rank_key)
    for f in problems:  # highest ranked first, so the strongest explanation claims a finding
        for target in f.rule.explains:
            other = by_id.get(target)
            if other is not None and other.is_problem and other.explained_by is None and other is not f:
                other.explained_by = f.rule.id
                f.explains.append(other.rule.id)
    likely = [f for f in problems if f.explained_by is None]
    missing = sorted((f for f in findings if is_missing(f, facts)), key=rank_key)
    findings.sort(key=lambda f: (f.rule.area, _STATUS_ORDER[f.status], rank_key(f)))
    return Evaluation(findings=findings, likely_causes=likely, missing=missing)
