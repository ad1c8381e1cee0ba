"""The main job as a library call: snapshot → facts → findings → a result document.

The result document is the one thing every reporter reads (terminal, JSON, JUnit, HTML, PDF); its shape is
the public JSON schema (``RESULT_FORMAT`` / ``RESULT_VERSION``, documented in the README).
"""

from __future__ import annotations

import time
from typing import Any

from droidcheck import __version__
from droidcheck.facts.extract import extract_facts, screen, unrecognised_problems
from droidcheck.facts.model import Fact, Facts, cannot_show, known
from droidcheck.result import CheckResult, FindingEntry, MissingEntry
from droidcheck.rules.engine import Evaluation, evaluate, verdict_status
from droidcheck.rules.model import Finding, Rule
from droidcheck.snapshot import Snapshot
from droidcheck.status import ExitCode, FactStatus

RESULT_FORMAT = "droidcheck.result"
RESULT_VERSION = 1


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def apply_expected_number(facts: Facts, expected: str | None) -> None:
    """Compare the SMS SIM's number with the one the technician expects (last 9 digits, so that
    +44 7700 900123 and 07700 900123 match)."""
    name = "sim.number_matches_expected"
    facts["sim.expected_number_given"] = known("sim.expected_number_given", bool(expected))
    if not expected:
        facts[name] = cannot_show(name, "no expected number given (use --expect-number)")
        return
    own = facts.get("sim.phone_number")
    if own is None or (not own.known and not own.inherent):  # the number's source was not read
        why = own.reason if own is not None and own.reason else "the phone's own number was not read"
        facts[name] = Fact(name=name, status=FactStatus.UNKNOWN, reason=why, unread=True)
        return
    if not own.known or not own.value:
        facts[name] = cannot_show(name, "this phone does not reveal its own number; check it by hand")
        return
    a, b = _digits(str(own.value)), _digits(expected)
    facts[name] = known(name, bool(a) and bool(b) and a[-9:] == b[-9:])


def finding_to_dict(f: Finding) -> FindingEntry:
    d: FindingEntry = {
        "rule": f.rule.id, "status": f.status, "severity": f.rule.severity, "area": f.rule.area,
        "title": f.rule.title, "label": f.rule.label, "cause": list(f.rule.cause), "explanation": f.rule.explanation,
        "evidence": dict(f.evidence), "fix": list(f.rule.fix),
    }
    if f.unknown_facts:
        d["unknown_facts"] = dict(f.unknown_facts)
    if f.explained_by:
        d["explained_by"] = f.explained_by
    if f.explains:
        d["explains"] = list(f.explains)
    if f.rule.auto_fix:
        d["auto_fix"] = f.rule.auto_fix
    if f.rule.threshold:
        d["threshold"] = f.rule.threshold
    return d


def missing_to_dict(f: Finding) -> MissingEntry:
    """An important rule that could not be evaluated, and why each fact it needs is unknown."""
    return {"rule": f.rule.id, "title": f.rule.title, "severity": f.rule.severity,
            "unknown_facts": dict(f.unknown_facts)}


def build_result(snapshot: Snapshot, facts: Facts, evaluation: Evaluation, *, evaluate_s: float,
                 rules_source: list[str] | None = None) -> CheckResult:
    """The result document. ``snapshot`` is the screened one (``droidcheck.facts.extract.screen``): its
    ``unrecognised`` outputs are listed as problems."""
    from droidcheck.report.redact import phone_regions

    meta = snapshot.meta
    # Noise instead of a command's output, or an important rule left unknown for want of data, makes the
    # result incomplete even when every command ran to the end.
    noise = [p for p in unrecognised_problems(snapshot) if p not in meta.problems]
    problems = list(meta.problems) + noise
    if evaluation.missing and meta.complete and not noise:
        problems.append("not read: " + ", ".join(f.rule.id for f in evaluation.missing))
    complete = meta.complete and not noise and not evaluation.missing

    def fact_value(name: str) -> Any:
        fact = facts.get(name)
        return fact.value if fact is not None and fact.known else None

    return {
        "format": RESULT_FORMAT,
        "version": RESULT_VERSION,
        "droidcheck_version": __version__,
        "device": {
            "serial": meta.serial,
            "model": fact_value("device.model") or meta.model,
            "maker": fact_value("device.maker") or meta.maker,
            "android_release": fact_value("android.release"),
            "sdk": fact_value("android.sdk"),
            "security_patch": fact_value("android.security_patch"),
            "transport": meta.transport,
            "adb_server": meta.adb_server,
            # The SIMs' (else the network's, the locale's) countries: redaction reads national phone
            # numbers with them wherever the result goes (recheck, fix -o, serve, fleet), not just here.
            "countries": ",".join(phone_regions(snapshot)),
        },
        "captured_at": meta.captured_at,
        "source": meta.source,
        "complete": complete,
        "problems": problems,
        "facts": {name: fact.to_dict() for name, fact in facts.items()},
        "findings": [finding_to_dict(f) for f in evaluation.findings],
        "verdict": {
            "status": verdict_status(evaluation, complete),
            "likely_causes": [f.rule.id for f in evaluation.likely_causes],
            "missing": [missing_to_dict(f) for f in evaluation.missing],
        },
        "timing": {
            "read_s": meta.duration_s,
            "round_trips": meta.round_trips,
            "evaluate_s": round(evaluate_s, 4),
        },
        "rules": rules_source or [],
    }


def check_snapshot(snapshot: Snapshot, rules: list[Rule], *, expect_number: str | None = None,
                   rules_source: list[str] | None = None) -> CheckResult:
    t0 = time.perf_counter()
    snapshot = screen(snapshot)  # outputs not in their command's format are 'unrecognised' from here on
    facts = extract_facts(snapshot, screened=True)
    apply_expected_number(facts, expect_number)
    evaluation = evaluate(rules, facts)
    return build_result(snapshot, facts, evaluation, evaluate_s=time.perf_counter() - t0,
                        rules_source=rules_source)


def exit_code(result: CheckResult) -> ExitCode:
    """The exit code of a check, decided in one place: 0 nothing failed, 1 something failed, 3 the read was
    incomplete or important rules could not be evaluated (causes may be missing)."""
    if not result.get("complete", True) or result["verdict"]["status"] == "incomplete":
        return ExitCode.INCOMPLETE
    return ExitCode.FAILED if result["verdict"]["status"] == "fail" else ExitCode.OK
