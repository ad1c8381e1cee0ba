"""``droidcheck watch``: registered by ``droidcheck.cli._register_command_modules``. Light at import time."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from droidcheck.cli_options import AdbOpt, OnlyRulesOpt, RulesOpt, SerialOpt, TerminalOrJson, TerminalOrJsonOpt
from droidcheck.status import ExitCode


def _exit_code(result: dict[str, Any]) -> ExitCode:
    """0 the notification was shown, 1 the message stopped somewhere, 3 nothing could be concluded."""
    stop = result["verdict"]["stopped_at"]
    return ExitCode.OK if stop == "shown" else ExitCode.INCOMPLETE if stop == "unknown" else ExitCode.FAILED


def watch(adb: AdbOpt = None, serial: SerialOpt = None,
          timeout: Annotated[float, typer.Option("--timeout", min=1.0, help="Seconds to wait for the code.")] = 180.0,
          interval: Annotated[float, typer.Option("--interval", min=0.2, help="Seconds between polls.")] = 1.0,
          grace: Annotated[float, typer.Option("--grace", min=0.0, help="Seconds to wait for the notification "
                                               "once the SMS app has the message.")] = 15.0,
          fmt: TerminalOrJsonOpt = TerminalOrJson.TERMINAL,
          output: Annotated[Path | None, typer.Option("-o", "--output", help="Also write the JSON result "
                                                      "here.")] = None,
          no_check: Annotated[bool, typer.Option("--no-check", help="Skip the settings check at the "
                                                 "start (verdicts then name rules without evidence).")] = False,
          rules: RulesOpt = None, only_rules: OnlyRulesOpt = None) -> None:
    """Follow a real OTP through the phone while the customer requests it, and say where it stopped.

    Exit codes: 0 the notification was shown, 1 the message stopped at a stage, 2 usage or connection
    error, 3 nothing could be concluded.
    """
    import json

    from rich.console import Console

    from droidcheck.outfile import check_writable_file, write_atomic

    if output is not None:  # before the customer waits for a code, not after
        check_writable_file(output, "the watch result")

    from droidcheck.adb.service import run_shell
    from droidcheck.inspection import check, connect, load_rules, read
    from droidcheck.report.redact import redact_value, result_regions
    from droidcheck.watch.render import LiveLog, render_outcome
    from droidcheck.watch.session import run_watch

    rule_set = None if no_check else load_rules(rules, only_rules)
    phone = connect(adb, serial)
    check_result = None
    sms_app = None
    if rule_set is not None:
        check_result = check(read(phone), rule_set)
        fact = check_result["facts"].get("sms.default_app")
        sms_app = (fact["value"] if fact else None) or None
    device = phone.device

    def shell(script: str) -> str:
        return run_shell(device, script, timeout=20)

    console = Console(stderr=fmt == TerminalOrJson.JSON)
    info: dict[str, Any] = {"serial": phone.serial, "model": phone.model or None}
    if check_result is not None:
        info.update({k: check_result["device"].get(k) for k in ("model", "android_release", "sdk")})
    outcome = run_watch(shell, timeout_s=timeout, interval_s=interval, sms_app=sms_app, grace_s=grace,
                        check_result=check_result, device=info, on_event=LiveLog(console))
    result = redact_value(outcome.to_dict(), result_regions(check_result) if check_result is not None else ())
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if fmt == TerminalOrJson.JSON:
        sys.stdout.write(text + "\n")
    else:
        render_outcome(result, console)
    if output is not None:
        write_atomic(output, text + "\n", "the watch result")
        print(f"wrote {output}", file=sys.stderr)
    raise typer.Exit(_exit_code(result))


def register(app: typer.Typer, guard) -> None:
    """Add ``watch`` to the CLI, wrapped in the CLI's error guard."""
    app.command("watch")(guard(watch))
