"""One ``droidcheck fix`` run: check, plan, ask, record, apply, record, re-check, report (``--undo``: ``undo``).

Kept apart from the CLI so it can be driven by a library caller with its own ``confirm`` and ``say``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from droidcheck.fix.apply import Outcome, apply_step, read_values
from droidcheck.fix.audit import AuditLog, change_entry
from droidcheck.fix.plan import PlannedFix, plan_fixes
from droidcheck.result import CheckResult
from droidcheck.status import ExitCode

Say = Callable[[str], None]
Confirm = Callable[[str], bool]
#: ``recheck()`` reads the phone again and returns a fresh check result.
Recheck = Callable[[], CheckResult]


@dataclass
class FixRun:
    result_before: CheckResult
    planned: list[PlannedFix] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    result_after: CheckResult | None = None
    exit_code: ExitCode = ExitCode.OK


def describe(p: PlannedFix) -> list[str]:
    s = p.step
    rev = "reversible (fix --undo)" if s.reversible else ("nothing to undo" if s.kind == "guided" else
                                                          "not reversible")
    targets = ", ".join(f"{f['rule']} ({f['status']})" for f in p.findings)
    lines = [f"[{s.action}] {s.summary}", f"    for: {targets}"]
    if s.kind == "refused":
        lines.append(f"    cannot be done on this phone: {s.note}")
        return lines
    lines += [f"    $ adb shell {c}" for c in s.commands]
    lines.append(f"    {'opens a settings screen' if s.kind == 'guided' else 'changes the phone'}; {rev}")
    if s.instruction:
        lines.append(f"    customer: {s.instruction}")
    if s.note:
        lines.append(f"    note: {s.note}")
    return lines


def _intent(serial: str, n: int, p: PlannedFix, before: dict[str, str]) -> dict[str, Any]:
    """What is about to change, with the values ``fix --undo`` would put back: written before the change."""
    s = p.step
    return {"record": "intent", "n": n, "serial": serial, "mode": "fix", "fix": s.action, "kind": s.kind,
            "summary": s.summary, "package": s.package, "commands": list(s.commands), "before": before,
            "restore": s.recorded(before)}


def _record(serial: str, n: int, p: PlannedFix, outcome: Outcome | None, why: str) -> dict[str, Any]:
    s = p.step
    o = outcome or Outcome(False)
    return {"record": "result", "n": n, "serial": serial, "mode": "fix", "fix": s.action, "kind": s.kind,
            "summary": s.summary, "findings": p.findings, "package": s.package, "restore": s.recorded(o.before),
            "commands": list(s.commands), "reads": dict(s.reads),
            "outputs": [{"command": r.command, "rc": r.rc, "output": r.output} for r in o.results],
            "before": o.before, "after": o.after, "applied": o.applied, "why": why,
            "reversible": bool(o.undo), "undo": o.undo,
            "instruction": s.instruction, "note": s.note}


def status_of(result: CheckResult | None, rule: str) -> str:
    for f in result["findings"] if result is not None else []:
        if f["rule"] == rule:
            return str(f["status"])
    return "absent"


def run_fix(result: CheckResult, device: Any, serial: str, *, recheck: Recheck, log: AuditLog | None,
            confirm: Confirm, say: Say, only: list[str] | None = None, dry_run: bool = False,
            settle_s: float | None = None, wait_for_customer: Callable[[], None] | None = None) -> FixRun:
    planned, missing = plan_fixes(result, only)
    run = FixRun(result, planned)
    for name in missing:
        say(f"note: a rule names the fix '{name}', which this version of droidcheck does not have")
    if not planned:
        say("No automatic fixes apply to this phone's findings.")
        return run
    say(f"{len(planned)} fix(es) apply:")
    for p in planned:
        for line in describe(p):
            say(line)
    if dry_run:
        say("Dry run: nothing was changed on the phone.")
        return run

    if log is not None:
        log.preflight()  # a log that could not be written is refused now, before any question (exit 2)
    guided_opened = False
    for n, p in enumerate(planned, 1):
        if p.step.kind == "refused":
            rec = _record(serial, n, p, None, f"refused: {p.step.note}")
        elif not confirm(f"Apply '{p.step.action}'?"):
            rec = _record(serial, n, p, None, "declined")
        else:
            before = read_values(device, p.step.reads)
            if log is not None:  # the first intent creates the log: a failure here changes nothing (exit 2)
                log.write(_intent(serial, n, p, before))
            outcome = apply_step(device, p.step, before)
            rec = _record(serial, n, p, outcome, outcome.why)
            guided_opened |= outcome.applied and p.step.kind == "guided"
            say(f"{'applied' if outcome.applied else 'NOT applied'}: {p.step.action} – {outcome.why}")
            if outcome.applied and p.step.instruction:
                say(f"    customer: {p.step.instruction}")
        run.records.append(log.record(rec) if log else rec)

    if guided_opened and wait_for_customer is not None:
        wait_for_customer()
    acted = [p for p, r in zip(planned, run.records, strict=True) if r["applied"]]
    wait = settle_s if settle_s is not None else max((p.step.settle_s for p in acted), default=0.0)
    if wait > 0:
        time.sleep(wait)
    after = recheck()
    after["changes"] = [change_entry(r) for r in run.records]
    run.result_after = after
    run.exit_code = _exit_code(planned, run.records, after)
    _show_before_after(planned, result, after, say)
    return run


def _exit_code(planned: list[PlannedFix], records: list[dict[str, Any]], after: CheckResult) -> ExitCode:
    """OK when every fix that was not declined left its findings passing (or no longer applying)."""
    for p, rec in zip(planned, records, strict=True):
        if rec["why"] == "declined":
            continue
        if any(status_of(after, rule) not in ("pass", "skip", "absent") for rule in p.rules):
            return ExitCode.FAILED
        if not rec["applied"]:
            return ExitCode.FAILED
    return ExitCode.OK


def _show_before_after(planned: list[PlannedFix], before: CheckResult, after: CheckResult, say: Say) -> None:
    say("")
    say("Re-check:")
    targeted = [rule for p in planned for rule in p.rules]
    others = [f["rule"] for f in before.get("findings", [])
              if f["rule"] not in targeted and f["status"] != status_of(after, f["rule"])]
    for rule in targeted + others:
        b, a = status_of(before, rule), status_of(after, rule)
        mark = "fixed" if a == "pass" and b in ("fail", "warn") else ("still " + a if a == b else "now " + a)
        say(f"  {rule:34} {b:>7} -> {a:<7} {mark}{'' if rule in targeted else '  (side effect)'}")
    say(f"verdict: {before['verdict']['status']} -> {after['verdict']['status']}")
