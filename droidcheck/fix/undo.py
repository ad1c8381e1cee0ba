"""``droidcheck fix --undo LOG``: put back what a fix log recorded, with commands built only by the registry.

A log is a file the user hands droidcheck, so it is hostile input. From each record droidcheck takes only
the fix's id, the app it acted on and the typed values it recorded; every one is checked against the
registry (:class:`droidcheck.fix.actions.Restore`): the id must be a fix this droidcheck has, each value
one the setting can hold (exact type, listed value), the package must follow Android's package-name
grammar *and* be installed on the phone (read from the phone), and the record must be for this phone.
Command strings in the file (``undo``, ``reads``, ``commands``) are never run. Any record that does not
validate is named and the whole undo is refused before anything changes (exit 2): an edited file is not
trusted in part. What will be restored is shown in plain words and asked for unless ``--yes``; the undo
writes its own log (intent before each restore, result after), and cannot start unless that log can be
written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from droidcheck.errors import InputError
from droidcheck.fix.actions import REGISTRY, NotRestorable, Restore, safe_package, step_for
from droidcheck.fix.apply import read_values, run, run_undo
from droidcheck.fix.audit import AuditLog, LogFile
from droidcheck.status import ExitCode

Say = Callable[[str], None]
Confirm = Callable[[str], bool]
_SUMMARY_PACKAGE = re.compile(r"\(([^()]*)\)\s*$")


@dataclass
class Restoration:
    """One change of the log to put back, validated."""

    line: int
    n: int | None  # the change's number in a version 2 log
    action: str
    package: str | None
    values: dict[str, Any]
    interrupted: bool = False  # the fix run stopped between the intent and the result
    commands: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


@dataclass
class UndoPlan:
    todo: list[Restoration] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # changes that cannot be undone, said but not refused
    refused: list[str] = field(default_factory=list)  # records that do not validate: nothing runs


def show(value: Any) -> str:
    """A value from the file, safe to print (JSON escapes control characters) and short."""
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."


def log_serial(log: LogFile) -> str | None:
    """The phone a log is about: its header's serial (version 2) or the one serial of its records."""
    records = [log.header] if log.header is not None else [r for _, r in log.records]
    serials = {r.get("serial") for r in records}
    s = serials.pop() if len(serials) == 1 else None
    return s if isinstance(s, str) and s else None


def _domain_words(domain: frozenset[Any]) -> str:
    return ", ".join(str(v) for v in sorted(domain))


def check_values(spec: Restore, values: Any) -> str | None:
    """Why ``values`` are not values this fix records, or None when every one is in its setting's domain."""
    if not isinstance(values, dict):
        return f"its recorded values are {show(values)}, not a mapping"
    for key, value in values.items():
        domain = spec.fields.get(key)
        if domain is None:
            return f"it records {show(key)}, a value this fix does not change"
        kind = type(next(iter(domain)))
        if type(value) is not kind or value not in domain:
            return f"its value {key}={show(value)} is not one the setting can hold ({_domain_words(domain)})"
    return None


def _check_package(spec: Restore, package: Any) -> tuple[str | None, str | None]:
    """(the validated package, or why the record's package is refused)."""
    if not spec.package:
        return None, None if package is None else f"it names a package ({show(package)}) this fix has none of"
    pkg = safe_package(package)
    if pkg is None:
        return None, f"its package {show(package)} is not an Android package name"
    return pkg, None


def _common(rec: dict[str, Any], serial: str) -> str | None:
    """Why a record is not one of droidcheck's fix records for this phone (None when it is)."""
    action = rec.get("fix")
    if not isinstance(action, str) or action not in REGISTRY:
        return f"unknown fix {show(action)}"
    if rec.get("serial") != serial:
        return f"it is for another phone ({show(rec.get('serial'))}), not {serial}"
    if rec.get("mode", "fix") != "fix":
        return f"its mode is {show(rec.get('mode'))}, not a fix"
    if rec.get("kind") not in ("auto", "guided", "refused"):
        return f"its kind {show(rec.get('kind'))} is not auto, guided or refused"
    return None


def _name(log: LogFile, line: int, rec: dict[str, Any]) -> str:
    action = rec.get("fix")
    return f"{log.path.name}:{line} ({action if isinstance(action, str) and action in REGISTRY else show(action)})"


def _guided_note(action: str) -> str:
    return (f"cannot undo {action}: droidcheck only opened a settings screen; whatever the customer changed "
            "there must be changed back by hand")


def _plan_v2(log: LogFile, serial: str, sdk: int, plan: UndoPlan) -> None:
    header = log.header or {}
    if header.get("mode") != "fix":
        raise InputError(f"{log.path} is the log of a {show(header.get('mode'))} run, not of 'droidcheck fix'",
                         "Give the log the fix run wrote (an undo is not undone).")
    if header.get("serial") != serial:
        plan.refused.append(f"{log.path.name}: it records changes to another phone "
                            f"({show(header.get('serial'))}), not {serial}")
    changes: dict[int, dict[str, tuple[int, dict[str, Any]]]] = {}
    for line, rec in log.records:
        part, n = rec.get("record"), rec.get("n")
        if part not in ("intent", "result") or type(n) is not int:
            plan.refused.append(f"{_name(log, line, rec)}: not a record droidcheck writes "
                                f"(record={show(part)}, n={show(n)})")
        elif part in changes.setdefault(n, {}):
            plan.refused.append(f"{_name(log, line, rec)}: a second {part} record for change {n}")
        else:
            changes[n][part] = (line, rec)
    for n, parts in sorted(changes.items()):
        intent, result = parts.get("intent"), parts.get("result")
        line, rec = intent if intent is not None else parts["result"]  # a change has at least one record
        where = _name(log, line, rec)
        problem = _common(rec, serial)
        if problem is None and intent is not None and result is not None:
            differs = [k for k in ("fix", "kind", "package", "restore", "serial")
                       if intent[1].get(k) != result[1].get(k)]
            if differs:
                problem = f"its intent and result records disagree on {', '.join(differs)}"
        if problem is None and intent is None and (rec.get("applied") is not False or rec.get("outputs")):
            problem = "it records a change without the intent record written before it"
        if problem is not None:
            plan.refused.append(f"{where}: {problem}")
            continue
        if intent is None:
            continue  # declined or refused: nothing was changed
        added = len(plan.todo)
        _add(plan, where, line, n, rec, rec.get("package"), rec.get("restore"), result is None)
        if result is not None and len(plan.todo) > added and result[1].get("undo") != _expected(plan.todo[-1], sdk):
            plan.todo.pop()
            plan.refused.append(f"{where}: its undo commands are not the ones droidcheck builds for {rec['fix']} "
                                "from the values it recorded")


def _expected(r: Restoration, sdk: int) -> list[str]:
    """The undo commands the fix run computed (and logged) for ``r``'s values."""
    spec = REGISTRY[r.action].restore
    assert spec is not None
    try:
        return spec.commands(sdk, r.package, r.values)
    except NotRestorable:
        return []


def _add(plan: UndoPlan, where: str, line: int, n: int | None, rec: dict[str, Any], package: Any, values: Any,
         interrupted: bool) -> None:
    action = rec["fix"]
    spec = REGISTRY[action].restore
    if rec["kind"] == "guided":
        plan.notes.append(_guided_note(action))
        return
    if rec["kind"] != "auto" or spec is None:
        plan.refused.append(f"{where}: {action} is not a change droidcheck can undo")
        return
    pkg, problem = _check_package(spec, package)
    problem = problem or check_values(spec, values)
    if problem is not None:
        plan.refused.append(f"{where}: {problem}")
        return
    plan.todo.append(Restoration(line, n, action, pkg, dict(values), interrupted))


def _plan_v1(log: LogFile, serial: str, sdk: int, plan: UndoPlan) -> None:
    """Logs of droidcheck before format version 2: one record per fix, raw values read from the phone, and
    the undo commands as text. The values are taken through the registry's own capture, and the record is
    used only if the registry builds exactly the undo commands it recorded from them."""
    if all(r.get("mode") == "undo" for _, r in log.records):
        raise InputError(f"{log.path} is the log of an undo run, not of 'droidcheck fix'",
                         "Give the log the fix run wrote (an undo is not undone).")
    for line, rec in log.records:
        where = _name(log, line, rec)
        problem = _common(rec, serial)
        if problem is not None:
            plan.refused.append(f"{where}: {problem}")
            continue
        if not (rec.get("applied") or rec.get("undo")):
            continue  # declined, refused or failed before changing anything
        spec = REGISTRY[rec["fix"]].restore
        if rec["kind"] != "auto" or spec is None:
            _add(plan, where, line, None, rec, None, {}, False)
            continue
        before, recorded = rec.get("before"), rec.get("undo")
        if not isinstance(before, dict) or not all(isinstance(v, str) for v in before.values()):
            plan.refused.append(f"{where}: its values before the fix are not text read from the phone")
            continue
        if not isinstance(recorded, list) or not all(isinstance(c, str) for c in recorded):
            plan.refused.append(f"{where}: its undo commands are not a list of text")
            continue
        package = None
        if spec.package:
            m = _SUMMARY_PACKAGE.search(rec.get("summary") or "") if isinstance(rec.get("summary"), str) else None
            package = m.group(1) if m else rec.get("summary")
        pkg, problem = _check_package(spec, package)
        if problem is not None:
            plan.refused.append(f"{where}: {problem}")
            continue
        restoration = Restoration(line, None, rec["fix"], pkg, spec.capture(sdk, before), False)
        if recorded != _expected(restoration, sdk):
            plan.refused.append(f"{where}: its undo commands are not the ones droidcheck builds for {rec['fix']} "
                                "from the values it recorded")
            continue
        plan.todo.append(restoration)


def read_sdk(device: Any) -> int:
    """The phone's API level, read from the phone (the registry's commands depend on it)."""
    r = run(device, "getprop ro.build.version.sdk")
    text = r.output.strip()
    if r.rc != 0 or not text.isdigit() or len(text) > 3:
        raise InputError("could not read the phone's Android version; nothing was changed",
                         "Check the phone is connected and authorised, then try again.")
    return int(text)


def installed(device: Any, package: str) -> bool | None:
    """Whether ``package`` (already a valid package name) is installed; None when the phone did not say."""
    r = run(device, f"pm list packages {package}")
    if r.rc != 0:
        return None
    return f"package:{package}" in {ln.strip() for ln in r.output.splitlines()}


def plan_undo(log: LogFile, device: Any, serial: str, sdk: int) -> UndoPlan:
    """Validate every record of ``log`` for the phone ``serial``, and build each restore from the registry."""
    plan = UndoPlan()
    if log.torn_line is not None:
        plan.notes.append(f"{log.path.name}:{log.torn_line} was cut short (the run was stopped) and is skipped")
    if log.version >= 2:
        _plan_v2(log, serial, sdk, plan)
    else:
        _plan_v1(log, serial, sdk, plan)
    if plan.refused:
        return plan
    known: dict[str, bool | None] = {}
    for r in plan.todo:
        if r.package is not None:
            if r.package not in known:
                known[r.package] = installed(device, r.package)
            if known[r.package] is not True:
                state = "is not installed on" if known[r.package] is False else "could not be found on"
                plan.refused.append(f"{log.path.name}:{r.line} ({r.action}): {r.package} {state} this phone")
    if plan.refused:
        return plan
    ready = []
    for r in plan.todo:
        spec = REGISTRY[r.action].restore
        assert spec is not None
        try:
            r.commands = spec.commands(sdk, r.package, r.values)
        except NotRestorable as exc:
            plan.notes.append(f"cannot undo {r.action} on this phone: {exc}")
            continue
        if not r.commands:
            plan.notes.append(f"nothing to undo for {r.action}: before the fix it was already as the fix left it "
                              f"({_values(r.values)})")
            continue
        r.words = spec.words(r.package, r.values)
        ready.append(r)
    plan.todo = ready
    return plan


def _values(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "not recorded"


def run_undo_file(log: LogFile, device: Any, serial: str, *, audit: AuditLog, confirm: Confirm, say: Say) -> ExitCode:
    """Undo a fix log's changes (newest first). 0 all restored, 1 one failed or the user said no; raises
    :class:`InputError` (exit 2, nothing changed) for a log that does not validate or an unwritable log."""
    sdk = read_sdk(device)
    plan = plan_undo(log, device, serial, sdk)
    if plan.refused:
        raise InputError(f"{log.path} was not used, nothing was changed: droidcheck does not recognise "
                         f"{len(plan.refused)} record(s):\n  " + "\n  ".join(plan.refused),
                         "Undo only with a log droidcheck fix wrote, unedited, on the phone it was written for.")
    for note in plan.notes:
        say(note)
    if not plan.todo:
        say("The log records no change to undo.")
        return ExitCode.OK
    todo = list(reversed(plan.todo))
    say(f"Undo will put back on {serial}:")
    for r in todo:
        extra = "; the fix run stopped during this change" if r.interrupted else ""
        say(f"  - {'; '.join(r.words)} (undoes {r.action}{extra})")
        for c in r.commands:
            say(f"      $ adb shell {c}")
    if not confirm(f"Restore {'this' if len(todo) == 1 else f'these {len(todo)}'} on the phone?"):
        say("Nothing was changed.")
        return ExitCode.FAILED
    audit.preflight()  # the first intent creates the log; an unwritable one changes nothing (exit 2)
    failed = False
    for i, r in enumerate(todo, 1):
        reads = step_for(r.action, sdk, r.package).reads
        now = read_values(device, reads)
        base = {"n": i, "serial": serial, "mode": "undo", "fix": r.action, "kind": "auto",
                "summary": "undo " + r.action + ": " + "; ".join(r.words), "package": r.package,
                "restore": r.values, "commands": r.commands, "undoes": {"line": r.line, "n": r.n}}
        audit.write({"record": "intent", **base, "before": now})
        ok, results, why = run_undo(device, r.commands)
        audit.write({"record": "result", **base,
                     "outputs": [{"command": c.command, "rc": c.rc, "output": c.output} for c in results],
                     "before": now, "after": read_values(device, reads), "applied": ok, "why": why,
                     "reversible": False, "undo": []})
        say(f"{'undone' if ok else 'NOT undone'}: {r.action} – {why} ({'; '.join(r.words)})")
        failed |= not ok
    return ExitCode.FAILED if failed else ExitCode.OK
