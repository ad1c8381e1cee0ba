"""``droidcheck fix``: the CLI command. Light at import time (the CLI imports this module on start-up);
everything heavy is imported inside the command."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from droidcheck.cli_options import AdbOpt, OnlyRulesOpt, RulesOpt, SerialOpt

if TYPE_CHECKING:
    from droidcheck.result import CheckResult


def _checker(phone: Any, rules: list[Any]) -> Callable[[], "CheckResult"]:
    """Read and check ``phone`` again each time it is called (before the fixes, and to prove them)."""
    from droidcheck.inspection import check, read

    def check_again() -> "CheckResult":
        return check(read(phone), rules)

    return check_again


def _say(line: str) -> None:
    """One line of the fix or undo dialogue. It quotes values read off the phone (setting values, command
    output), so it is cleaned: phone text never reaches the terminal as escape codes or extra lines."""
    from droidcheck.report.safe_text import clean

    print(clean(line))


def _log_for(log: Path | None, serial: str, prefix: str, mode: str) -> Any:
    """The audit log of this run: ``--log`` as given, else a new file in the per-user fix-log folder."""
    from droidcheck.fix.audit import AuditLog, default_log_path

    if log is not None:
        return AuditLog(log, mode=mode, serial=serial)
    return AuditLog(default_log_path(serial, prefix=prefix), mode=mode, serial=serial, make_folder=True)


def _preflight_log(log: Path | None) -> None:
    """Refuse an audit log that could not be written before the phone is even read (exit 2)."""
    from droidcheck.fix.audit import AuditLog, default_log_dir
    from droidcheck.outfile import check_writable_folder

    if log is not None:
        AuditLog(log).preflight()
    else:
        check_writable_folder(default_log_dir(), "the audit log")


def _log_outcome(audit: Any) -> None:
    if audit.started:
        _say(f"audit log: {audit.path}")
    else:
        _say("Nothing was changed on the phone, so no audit log was written.")


def fix(adb: AdbOpt = None, serial: SerialOpt = None, rules: RulesOpt = None, only_rules: OnlyRulesOpt = None,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply every fix without asking (labs).")] = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show the fixes; change nothing.")] = False,
        only: Annotated[list[str] | None, typer.Option("--only", help="Apply only this fix (repeatable, or "
                                                       "comma-separated).")] = None,
        log: Annotated[Path | None, typer.Option("--log", help="Audit log file (JSON Lines; default: a new "
                                                 "droidcheck-fix-<serial>-<UTC time>.jsonl in the user data "
                                                 "folder's droidcheck/fix-logs; none when nothing "
                                                 "changed).")] = None,
        undo: Annotated[Path | None, typer.Option("--undo", help="Restore the values a previous fix log "
                                                  "recorded (asks first unless --yes).")] = None,
        output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the re-check result "
                                                    "(JSON, with 'changes') here.")] = None,
        settle: Annotated[float | None, typer.Option("--settle", min=0, help="Seconds to wait before the "
                                                     "re-check (default: what the fixes need).")] = None) -> None:
    """Apply safe fixes for the findings, with consent; re-check to prove they worked; undo with --undo.

    Exit codes: 0 every fix applied made its findings pass, 1 a fix failed or did not help,
    2 usage or connection error.
    """
    if undo is not None and (dry_run or only):
        raise typer.BadParameter("--undo cannot be combined with --dry-run or --only", param_hint="--undo")
    if undo is not None:
        _undo(undo, adb, serial, log, yes)
        return
    if output is not None:
        from droidcheck.outfile import check_writable_file

        check_writable_file(output, "the re-check result")
    if not dry_run:
        _preflight_log(log)
    from droidcheck.inspection import connect, load_rules

    rule_set = load_rules(rules, only_rules)
    phone = connect(adb, serial)
    device, chosen = phone.device, phone.serial
    check = _checker(phone, rule_set)
    result = check()
    audit = None if dry_run else _log_for(log, chosen, "droidcheck-fix", "fix")
    from droidcheck.fix.session import run_fix

    try:
        run = run_fix(result, device, chosen, recheck=check, log=audit, say=_say,
                      confirm=(lambda _q: True) if yes else (lambda q: typer.confirm(q, default=False)),
                      only=only, dry_run=dry_run, settle_s=settle,
                      wait_for_customer=None if yes or not sys.stdin.isatty() else _wait_for_customer)
    finally:
        if audit is not None:
            audit.close()
    if audit is not None and run.planned:
        _log_outcome(audit)
    if output is not None and run.result_after is not None:
        _write_json(run.result_after, output)
    raise typer.Exit(run.exit_code)


def _wait_for_customer() -> None:
    typer.prompt("Settings screens were opened on the phone. Press Enter when the customer has finished",
                 default="", show_default=False)


def _write_json(result: "CheckResult", path: Path) -> None:
    import json

    from droidcheck.outfile import write_atomic
    from droidcheck.report.redact import redact_result

    write_atomic(path, json.dumps(redact_result(result), indent=2, ensure_ascii=False), "the re-check result")
    print(f"wrote {path}", file=sys.stderr)


def _undo(path: Path, adb: str | None, serial: str | None, log: Path | None, yes: bool) -> None:
    from droidcheck.errors import InputError
    from droidcheck.fix.audit import read_log
    from droidcheck.fix.undo import log_serial, run_undo_file, show

    _preflight_log(log)
    records = read_log(path)
    logged = log_serial(records)
    if serial and logged and serial != logged:
        raise InputError(f"{path} records changes to {show(logged)}, not {serial}")
    from droidcheck.inspection import connect

    phone = connect(adb, serial or logged)
    device, chosen = phone.device, phone.serial
    audit = _log_for(log, chosen, "droidcheck-undo", "undo")
    try:
        code = run_undo_file(records, device, chosen, audit=audit, say=_say,
                             confirm=(lambda _q: True) if yes else (lambda q: typer.confirm(q, default=False)))
    finally:
        audit.close()
    _log_outcome(audit)
    raise typer.Exit(code)


def register(app: typer.Typer, guard: Callable[..., Any]) -> None:
    app.command("fix")(guard(fix))
