"""``droidcheck snapshot`` and ``droidcheck check``: read a phone (or a saved snapshot) and check it.
Light at import time (the CLI imports this module on start-up); everything heavy is imported inside the
commands."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from droidcheck.cli_options import AdbOpt, Format, FormatOpt, OnlyRulesOpt, RulesOpt, SerialOpt
from droidcheck.report.commands import (
    KeepResultOpt,
    ShopOpt,
    TechnicianOpt,
    TicketOpt,
    check_destinations,
    redacted,
    report_kind,
    write_report,
)
from droidcheck.status import ExitCode

if TYPE_CHECKING:
    from droidcheck.result import CheckResult


def _terminal_progress() -> Callable[[Any], None] | None:
    """Progress lines on stderr when it is a terminal (the read's own messages, as before), else None."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console

    from droidcheck.inspection import READ
    from droidcheck.report.safe_text import safe

    console = Console(stderr=True)

    def show(event: Any) -> None:
        if event.stage == READ:
            console.print(safe(f"… {event.message}", "dim"))

    return show


def _read(adb: str | None, serial: str | None) -> Any:
    """Read the chosen phone through the library entry point, with progress on a terminal."""
    from droidcheck.inspection import connect, read

    progress = _terminal_progress()
    return read(connect(adb, serial, progress=progress), progress=progress)


def snapshot(output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
             adb: AdbOpt = None, serial: SerialOpt = None,
             no_redact: Annotated[bool, typer.Option("--no-redact", help="Keep phone numbers, IMEI/ICCID and "
                                                     "code-like numbers in the saved outputs.")] = False) -> None:
    """Read a phone and save the raw command outputs (to check later, or to send to support)."""
    from droidcheck.outfile import check_writable_file, write_atomic

    check_writable_file(output, "the snapshot")
    snap = _read(adb, serial)
    if not no_redact:
        from droidcheck.report.redact import redact_snapshot

        snap = redact_snapshot(snap)
    write_atomic(output, snap.to_json(), "the snapshot")
    from droidcheck.report.safe_text import clean

    state = "complete" if snap.meta.complete else "INCOMPLETE: " + clean("; ".join(snap.meta.problems[:3]))
    print(f"wrote {output} ({len(snap.outputs)} outputs, {snap.meta.duration_s:.2f} s, "
          f"{snap.meta.round_trips} round trips, {state})")
    if not snap.meta.complete:
        raise typer.Exit(ExitCode.INCOMPLETE)


def _emit(text: str, output: Path | None) -> None:
    if output:
        from droidcheck.outfile import write_atomic

        write_atomic(output, text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _terminal_text(result: "CheckResult") -> str:
    """The terminal report as plain text (no colour or escape codes), for ``check -o FILE``."""
    import io

    from rich.console import Console

    from droidcheck.report.terminal import render

    buf = io.StringIO()
    render(result, Console(file=buf, width=100, color_system=None, force_terminal=False, highlight=False,
                           emoji=False, legacy_windows=False))
    return buf.getvalue()


def check(adb: AdbOpt = None, serial: SerialOpt = None,
          from_file: Annotated[Path | None, typer.Option("--from", help="Check a saved snapshot instead of "
                                                         "a phone.")] = None,
          fmt: FormatOpt = Format.TERMINAL,
          output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the result here instead of "
                                                      "printing it (terminal: as plain text).")] = None,
          rules: RulesOpt = None, only_rules: OnlyRulesOpt = None,
          expect_number: Annotated[str | None, typer.Option("--expect-number", help="The number on the "
                                                            "Amazon account, to compare where the phone "
                                                            "reveals its own.")] = None,
          no_redact: Annotated[bool, typer.Option("--no-redact", help="Show phone numbers, IMEI/ICCID and "
                                                  "codes in the output.")] = False,
          report: Annotated[Path | None, typer.Option("--report", help="Also write a printable report "
                                                      "(FILE.html or FILE.pdf).")] = None,
          shop: ShopOpt = None, technician: TechnicianOpt = None, ticket: TicketOpt = None,
          keep_result: KeepResultOpt = True) -> None:
    """Check a phone (or a saved snapshot) and show the most likely causes, with evidence and fixes.

    Exit codes: 0 nothing failed, 1 something failed, 2 usage or connection error,
    3 the read was incomplete (phone lost, commands failed or timed out), so causes may be missing.
    """
    if report is not None:
        report_kind(report)
    check_destinations(output, report)
    from droidcheck.check import exit_code
    from droidcheck.inspection import check as check_read
    from droidcheck.inspection import load_rules

    rule_set = load_rules(rules, only_rules)
    if from_file:
        from droidcheck.offline import load_input  # snapshots and bug reports: not needed to read a phone

        snap = load_input(from_file)
    else:
        snap = _read(adb, serial)
    result = check_read(snap, rule_set, expect_number=expect_number)
    shown = result if no_redact else redacted(result)
    if fmt == Format.JSON:
        import json

        _emit(json.dumps(shown, indent=2, ensure_ascii=False), output)
    elif fmt == Format.JUNIT:
        from droidcheck.report.junit import to_junit

        _emit(to_junit([shown]), output)
    elif output is not None:
        _emit(_terminal_text(shown), output)
    else:
        from droidcheck.report.terminal import render

        render(shown)
    if report is not None:
        write_report(shown, report, no_redact=no_redact, shop=shop, technician=technician, ticket=ticket,
                     keep=(from_file,) if keep_result else None)
    raise typer.Exit(exit_code(result))


def register(app: typer.Typer, guard: Callable[..., Any]) -> None:
    """Add ``snapshot`` and ``check`` to the CLI, wrapped in the CLI's error guard."""
    app.command("snapshot")(guard(snapshot))
    app.command("check")(guard(check))
