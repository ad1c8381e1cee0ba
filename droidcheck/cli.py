"""Command line. Everything heavy is imported inside the commands so that ``--help`` stays instant.

Error policy: library code raises ``DroidcheckError`` (message + hint); ``_guard`` prints it and exits 2.
A user never sees a traceback unless they pass ``--debug``.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from droidcheck.cli_params import install as _plain_params
from droidcheck.status import ExitCode

if TYPE_CHECKING:
    from droidcheck.result import CheckResult

_plain_params()  # str/Path options without pydantic (~100 ms of start-up); see droidcheck/cli_params.py
# Plain (click) help: rich's help renderer alone costs ~80 ms of start-up, and --help must feel instant.
app = typer.Typer(
    name="droidcheck", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Find out over ADB why SMS one-time passwords (e.g. Amazon's) do not arrive on an Android phone.",
)
rules_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="List, validate, test and explain rules.")
app.add_typer(rules_app, name="rules")

_DEBUG = False

AdbOpt = Annotated[str | None, typer.Option("--adb", help="ADB server HOST:PORT (default: "
                                            "$ANDROID_ADB_SERVER_HOST/PORT, else localhost:5037).")]
SerialOpt = Annotated[str | None, typer.Option("-s", "--serial", help="Device serial (default: "
                                               "$ANDROID_SERIAL, else the only device).")]
RulesOpt = Annotated[list[Path] | None, typer.Option("--rules", help="Extra rule directory (same id overrides).")]
OnlyRulesOpt = Annotated[list[Path] | None, typer.Option("--only-rules", help="Use only these rule directories.")]


def _err(message: str, hint: str | None = None, details: list[str] | None = None) -> None:
    from rich.console import Console
    from rich.text import Text

    from droidcheck.report.safe_text import safe

    console = Console(stderr=True)
    console.print(Text("error: ", style="bold red") + safe(message, multiline=True))  # may quote phone text
    for line in details or ():
        print(f"  {line}", file=sys.stderr)
    if hint:
        console.print(Text("hint: ", style="bold cyan") + safe(hint, multiline=True))


def _guard(fn):
    """Turn every expected failure into a clear message and an exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from droidcheck.errors import DroidcheckError

        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # click prints usage errors itself, with exit code 2
        except DroidcheckError as exc:
            _err(exc.message, exc.hint, exc.details)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            _pipe_closed()
        except KeyboardInterrupt:
            _err("interrupted")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except Exception as exc:
            if _DEBUG:
                raise
            _err(f"internal error: {type(exc).__name__}: {exc}",
                 "This is a droidcheck bug. Run again with --debug and report the output.")
            raise typer.Exit(ExitCode.INTERNAL) from None

    return wrapper


#: Exit code when the reader of our output went away (``droidcheck facts | head``): 1, as the Python
#: documentation does it and as click and rich (which handle the pipe in some commands) already exit.
EXIT_PIPE_CLOSED = 1


def _pipe_closed() -> None:
    """The reader closed the pipe: stop quietly, as the Python documentation prescribes (point stdout at
    devnull so the flush at exit does not fail again), with no error message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout has no file descriptor (embedded use): nothing left to flush
        pass
    raise typer.Exit(EXIT_PIPE_CLOSED)


def _print_version(value: bool) -> None:
    """``--version``: eager, so it answers before click asks for a command."""
    if value:
        from droidcheck import __version__

        print(f"droidcheck {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")] = False,
          version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                                callback=_print_version)] = False) -> None:
    global _DEBUG
    _DEBUG = debug


# -- devices ---------------------------------------------------------------------------------------

@app.command()
@_guard
def devices(adb: AdbOpt = None,
            connect: Annotated[str | None, typer.Option("--connect", help="Connect to a phone over Wi-Fi "
                                                        "debugging first (HOST:PORT).")] = None,
            json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List attached phones with their state, and what to do about any that are not ready."""
    from droidcheck.adb.connection import connect_tcp, list_devices, resolve_address
    from droidcheck.adb.inventory import describe_devices

    address = resolve_address(adb)
    if connect:
        from droidcheck.report.safe_text import clean

        print(clean(connect_tcp(address, connect)))
    entries = describe_devices(address, list_devices(address))
    if json_out:
        import json

        print(json.dumps([{"serial": e.serial, "state": e.state, "model": e.model,
                           "android": e.android_release, "transport": e.transport, "hint": e.hint}
                          for e in entries], indent=2))
        return
    from droidcheck.report.devices import render_devices

    render_devices(entries, str(address))


# -- snapshot / check ------------------------------------------------------------------------------

def _terminal_progress():
    """Progress lines on stderr when it is a terminal (the read's own messages, as before), else None."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console

    from droidcheck.inspection import READ
    from droidcheck.report.safe_text import safe

    console = Console(stderr=True)

    def show(event) -> None:
        if event.stage == READ:
            console.print(safe(f"… {event.message}", "dim"))

    return show


def _read(adb: str | None, serial: str | None):
    """Read the chosen phone through the library entry point, with progress on a terminal."""
    from droidcheck.inspection import connect, read

    progress = _terminal_progress()
    return read(connect(adb, serial, progress=progress), progress=progress)


@app.command()
@_guard
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


def _load_rules(rules: list[Path] | None, only_rules: list[Path] | None):
    from droidcheck.inspection import load_rules

    return load_rules(rules, only_rules)


def load_input(path: Path):
    """A snapshot from a file: a droidcheck snapshot, a bug report zip or its text (told apart by content)."""
    from droidcheck.offline import load_input as load_any

    return load_any(path)


def _emit(text: str, output: Path | None) -> None:
    if output:
        from droidcheck.outfile import write_atomic

        write_atomic(output, text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _terminal_text(result: CheckResult) -> str:
    """The terminal report as plain text (no colour or escape codes), for ``check -o FILE``."""
    import io

    from rich.console import Console

    from droidcheck.report.terminal import render

    buf = io.StringIO()
    render(result, Console(file=buf, width=100, color_system=None, force_terminal=False, highlight=False,
                           emoji=False, legacy_windows=False))
    return buf.getvalue()


@app.command()
@_guard
def check(adb: AdbOpt = None, serial: SerialOpt = None,
          from_file: Annotated[Path | None, typer.Option("--from", help="Check a saved snapshot instead of "
                                                         "a phone.")] = None,
          fmt: Annotated[str, typer.Option("--format", "-f", help="terminal, json or junit.")] = "terminal",
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
    if fmt not in ("terminal", "json", "junit"):
        raise typer.BadParameter("choose terminal, json or junit", param_hint="--format")
    if report is not None:
        _report_kind(report)
    _check_destinations(output, report)
    from droidcheck.check import exit_code
    from droidcheck.inspection import check as check_read

    rule_set = _load_rules(rules, only_rules)
    snap = load_input(from_file) if from_file else _read(adb, serial)
    result = check_read(snap, rule_set, expect_number=expect_number)
    shown = result if no_redact else _redacted(result, snap)
    if fmt == "json":
        import json

        _emit(json.dumps(shown, indent=2, ensure_ascii=False), output)
    elif fmt == "junit":
        from droidcheck.report.junit import to_junit

        _emit(to_junit([shown]), output)
    elif output is not None:
        _emit(_terminal_text(shown), output)
    else:
        from droidcheck.report.terminal import render

        render(shown)
    if report is not None:
        _write_report(shown, report, no_redact=no_redact, shop=shop, technician=technician, ticket=ticket,
                      keep=(from_file,) if keep_result else None)
    raise typer.Exit(exit_code(result))


def _check_destinations(*paths: Path | None) -> None:
    """Every file to be written can be written: checked before a phone is read, not after."""
    from droidcheck.outfile import check_writable_file

    for path in paths:
        if path is not None:
            check_writable_file(path)


def _redacted(result: CheckResult, snap: Any = None) -> CheckResult:
    """``result`` redacted; ``snap``, the snapshot it came from, tells the phone's country for numbers
    written the national way."""
    from droidcheck.report.redact import phone_regions, redact_result

    return redact_result(result, phone_regions(snap))


# -- printable reports ---------------------------------------------------------------------------------

ShopOpt = Annotated[str | None, typer.Option("--shop", help="Shop name on the report (default: from "
                                             "droidcheck.toml in the user config folder).")]
TechnicianOpt = Annotated[str | None, typer.Option("--technician", help="Technician name on the report.")]
TicketOpt = Annotated[str | None, typer.Option("--ticket", help="Repair ticket number on the report.")]
KeepResultOpt = Annotated[bool, typer.Option("--keep-result/--no-keep-result", help="Save the result the "
                                             "report's SHA-256 is of beside it (report.pdf → report.json).")]


def _report_kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind == "htm":
        kind = "html"
    if kind not in ("html", "pdf"):
        from droidcheck.errors import InputError

        raise InputError(f"cannot tell the report format from {path.name!r}", "Name the file FILE.html or FILE.pdf.")
    return kind


def _write_report(result: CheckResult, path: Path, *, no_redact: bool, shop: str | None,
                  technician: str | None, ticket: str | None, keep: tuple[Path | None, ...] | None = None,
                  same_as: Path | None = None) -> None:
    """Render ``result`` (already redacted unless ``no_redact``) as HTML or PDF, by the file's extension.

    ``keep`` (the command's input files, never overwritten): also save ``result`` beside the report, in the
    canonical form its printed SHA-256 is of. ``same_as``: a file already holding that result (then it is
    named instead of saved again)."""
    from droidcheck.report.shop import load_shop

    info = load_shop().merged(shop=shop, technician=technician, ticket=ticket)
    if _report_kind(path) == "html":
        from droidcheck.report.html import to_html

        data = to_html(result, info, mask=not no_redact).encode("utf-8")
    else:
        from droidcheck.report.pdf import to_pdf

        data = to_pdf(result, info, mask=not no_redact, paper=info.paper or "A4")
    from droidcheck.outfile import write_atomic

    write_atomic(path, data, "the report")
    print(f"wrote {path}", file=sys.stderr)
    if keep is None:
        return
    from droidcheck.report.verify import beside, save_canonical

    if same_as is not None:
        kept = same_as
    else:
        kept = beside(path, keep)
        save_canonical(result, kept)
        print(f"wrote {kept}: the result this report was made from", file=sys.stderr)
    print(f"  check a printout with: droidcheck verify {kept} DIGEST", file=sys.stderr)


@app.command("report")
@_guard
def report_cmd(result_file: Annotated[Path, typer.Argument(help="A result saved with 'check --format json'.")],
               output: Annotated[Path, typer.Option("-o", "--output", help="FILE.html or FILE.pdf.")],
               no_redact: Annotated[bool, typer.Option("--no-redact", help="Do not hide phone numbers, "
                                                       "IMEI/ICCID, codes or the serial.")] = False,
               shop: ShopOpt = None, technician: TechnicianOpt = None, ticket: TicketOpt = None,
               watch: Annotated[Path | None, typer.Option("--watch", help="Add a code delivery test saved "
                                                          "with 'watch --format json -o FILE'.")] = None,
               keep_result: KeepResultOpt = True) -> None:
    """Render a saved JSON result as a printable report (HTML or PDF, by the file's extension).

    A result saved by 'fix -o' lists the changes made; '--watch' adds where a requested code got to."""
    from droidcheck.check import RESULT_FORMAT
    from droidcheck.result import saved_result, saved_watch

    _report_kind(output)
    _check_destinations(output)
    hint = "Save one with 'droidcheck check --format json -o FILE'."
    result = saved_result(_load_json(result_file, RESULT_FORMAT, hint), result_file, hint)
    if watch is not None:
        hint = "Save one with 'droidcheck watch --format json -o FILE'."
        result["watch"] = saved_watch(_load_json(watch, "droidcheck.watch", hint), watch, hint)
    # Redacting an already redacted result changes nothing, so the digest still matches the saved file.
    shown = result if no_redact else _redacted(result)
    from droidcheck.report.shop import result_digest

    unchanged = watch is None and result_digest(shown) == result_digest(result)  # result: the file, as read
    _write_report(shown, output, no_redact=no_redact, shop=shop, technician=technician, ticket=ticket,
                  keep=(result_file, watch) if keep_result else None, same_as=result_file if unchanged else None)


@app.command()
@_guard
def verify(result_file: Annotated[Path, typer.Argument(help="The JSON result a report was made from (saved "
                                                        "beside it: report.pdf → report.json).")],
           digest: Annotated[str | None, typer.Argument(help="The SHA-256 printed on the report.")] = None) -> None:
    """Check a printed report against its saved result: print the result's SHA-256 (of its canonical form,
    which is what reports print) and whether it matches DIGEST.

    Exit codes: 0 it matches (or no DIGEST given), 1 it does not, 2 the file is not a droidcheck result."""
    from droidcheck.report.verify import verify_file

    verdict = verify_file(result_file, digest)
    print(f"SHA-256 of {result_file}: {verdict.digest}")
    if verdict.matches is None:
        return
    if verdict.matches:
        print("matches the printed digest: the report was made from this result")
        return
    print(f"does NOT match the printed digest ({verdict.expected}): the report was made from another result, "
          "or this file was changed")
    raise typer.Exit(ExitCode.FAILED)


def _load_json(path: Path, fmt: str, hint: str) -> dict[str, Any]:
    """A droidcheck JSON document of format ``fmt``, or a clear InputError."""
    from droidcheck.errors import InputError
    from droidcheck.untrusted import load_json

    try:
        data = load_json(path)  # bounded: a regular file, its size and its nesting
    except InputError as exc:
        raise InputError(exc.message, exc.hint or hint) from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise InputError(f"{path} is not a {fmt} document (no 'format: {fmt}')", hint)
    return data


# -- facts / plan ------------------------------------------------------------------------------------

@app.command()
@_guard
def facts(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every fact droidcheck reads, with its type, unit and the commands that feed it."""
    from droidcheck.facts.registry import FACTS

    if json_out:
        import json

        print(json.dumps([{"name": f.name, "type": f.type, "unit": f.unit, "values": list(f.values) or None,
                           "description": f.description, "probes": list(f.probes), "contract": f.contract,
                           "private": f.private} for f in FACTS], indent=2))
        return
    from droidcheck.report.tables import print_identifier_table

    rows = [(f.name + (" *" if f.contract else ""), f"enum: {' | '.join(f.values)}" if f.values else f.type,
             f.unit or "", f.description, " ".join(f.probes)) for f in FACTS]
    print_identifier_table(("fact", "type", "unit", "description", "read from"), rows)
    print("* part of the public JSON contract")


@app.command()
@_guard
def plan(markdown: Annotated[bool, typer.Option("--markdown", help="Print as a Markdown table.")] = False) -> None:
    """Show every command droidcheck runs on a phone (all read-only)."""
    from droidcheck.collect.plan import PROBES, plan_markdown

    if markdown:
        print(plan_markdown())
        return
    for p in PROBES:
        scope = "  (per app)" if p.per_package else ""
        print(f"{p.id:22} {p.command}{scope}\n{'':22} {p.purpose}")


# -- rules ---------------------------------------------------------------------------------------------

@rules_app.command("list")
@_guard
def rules_list(rules: RulesOpt = None, only_rules: OnlyRulesOpt = None) -> None:
    """List the rules in use."""
    from droidcheck.report.safe_text import safe
    from droidcheck.report.tables import print_identifier_table

    rows = [list(map(safe, (r.id, r.area, "manual" if r.manual else r.severity, r.title, ", ".join(r.cause))))
            for r in sorted(_load_rules(rules, only_rules), key=lambda r: (r.area, r.id))]  # user files
    print_identifier_table(("id", "area", "severity", "title", "article section"), rows)


@rules_app.command("validate")
@_guard
def rules_validate(directory: Annotated[list[Path] | None, typer.Argument(help="Rule files or "
                                                                          "directories.")] = None) -> None:
    """Validate rule files: schema, facts, operators, value types, duplicate ids."""
    rule_set = _load_rules(None, directory) if directory else _load_rules(None, None)
    print(f"{len(rule_set)} rules OK")


@rules_app.command("test")
@_guard
def rules_test(directory: Annotated[list[Path] | None, typer.Argument(help="Rule files or "
                                                                      "directories.")] = None) -> None:
    """Run the test cases written beside each rule."""
    from droidcheck.rules.testing import run_rule_tests

    rule_set = _load_rules(None, directory) if directory else _load_rules(None, None)
    results = run_rule_tests(rule_set)
    failed = [r for r in results if not r.passed]
    for r in failed:
        print(f"FAIL {r.rule.source}:{r.case.line} {r.rule.id}: {r.label}: expected {r.case.expect}, got {r.got}")
        if r.case.name:  # a named case hides its facts in the label: show what the rule was given
            given = ", ".join(f"{k}={v!r}" for k, v in r.case.facts.items()) or "no facts (all unknown)"
            print(f"     given: {given}")
    untested = [r.id for r in rule_set if not r.tests]
    if untested:
        print(f"rules without test cases: {', '.join(untested)}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(ExitCode.FAILED)


@rules_app.command("explain")
@_guard
def rules_explain(rule_id: str, rules: RulesOpt = None, only_rules: OnlyRulesOpt = None) -> None:
    """Show one rule in full: what it checks, why, and how to fix it."""
    import yaml

    from droidcheck.errors import InputError
    from droidcheck.rules.causes import ARTICLE_SECTIONS

    rule = next((r for r in _load_rules(rules, only_rules) if r.id == rule_id), None)
    if rule is None:
        raise InputError(f"no rule with id {rule_id!r}", "See 'droidcheck rules list'.")
    print(f"{rule.id}: {rule.title}  ({rule.where})")
    print(f"area: {rule.area}   severity: {'manual checklist item' if rule.manual else rule.severity}")
    for c in rule.cause:
        print(f"article: {c} – {ARTICLE_SECTIONS[c]}")
    for key in ("applies_when", "fail_when", "warn_when"):
        cond = getattr(rule, key)
        if cond:
            print(f"{key}: {yaml.safe_dump(cond, default_flow_style=True, sort_keys=False).strip()}")
    if rule.threshold:
        print(f"threshold: {rule.threshold}")
    if rule.explains:
        print(f"explains: {', '.join(rule.explains)}")
    print(f"\n{rule.explanation}\n\nFix:")
    for i, step in enumerate(rule.fix, 1):
        print(f"  {i}. {step}")


@rules_app.command("causes")
@_guard
def rules_causes() -> None:
    """List the article sections rules cite."""
    from droidcheck.rules.causes import ARTICLE_SECTIONS

    for key, title in ARTICLE_SECTIONS.items():
        print(f"{key:28} {title}")


# -- fleet / history / diff ------------------------------------------------------------------------

DbOpt = Annotated[Path | None, typer.Option("--db", help="History database (default: the per-user data dir's "
                                            "droidcheck/history.sqlite).")]


@app.command()
@_guard
def fleet(inventory: Annotated[Path | None, typer.Option("--inventory", help="Lab inventory YAML: servers, "
                                                         "include/exclude patterns, groups, labels.")] = None,
          adb: Annotated[list[str] | None, typer.Option("--adb", help="ADB server HOST:PORT (repeatable).")] = None,
          out: Annotated[Path | None, typer.Option("--out", help="Run directory (default: "
                                                   "./droidcheck-runs/<UTC timestamp>).")] = None,
          jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Devices read at once, overall.")] = 16,
          per_server: Annotated[int, typer.Option("--per-server", min=1, help="Devices read at once per "
                                                  "ADB server.")] = 8,
          deadline: Annotated[float, typer.Option("--deadline", min=0.5, help="Seconds allowed per device.")] = 60.0,
          workers: Annotated[int | None, typer.Option("--workers", min=0, help="Processes that evaluate what was "
                                                      "read (default: one per core up to 4 for 24+ phones; "
                                                      "0: none).")] = None,
          resume: Annotated[Path | None, typer.Option("--resume", help="Finish an interrupted run: check only "
                                                      "devices with no result yet.")] = None,
          retry_failed: Annotated[Path | None, typer.Option("--retry-failed", help="Check again the devices of a "
                                                            "run that were incomplete or not ready.")] = None,
          db: DbOpt = None,
          no_history: Annotated[bool, typer.Option("--no-history", help="Do not record this run.")] = False,
          fmt: Annotated[str, typer.Option("--format", "-f", help="terminal, json or junit.")] = "terminal",
          no_redact: Annotated[bool, typer.Option("--no-redact", help="Keep phone numbers, IMEI/ICCID and codes "
                                                  "in the files written.")] = False) -> None:
    """Check every phone on one or more ADB servers at once; results survive interruption.

    Exit codes: 0 all passed, 1 a phone failed, 3 a phone was incomplete or not ready (wins over 1, as in
    'check'), 2 usage error or no ADB server reachable.
    """
    if fmt not in ("terminal", "json", "junit"):
        raise typer.BadParameter("choose terminal, json or junit", param_hint="--format")
    from droidcheck.errors import InputError
    from droidcheck.fleet.api import DEFAULT_RUNS_DIR, FleetRequest, run_fleet
    from droidcheck.fleet.inventory import load_inventory
    from droidcheck.fleet.progress import make_progress
    from droidcheck.fleet.runner import FleetOptions
    from droidcheck.outfile import check_writable_folder

    check_writable_folder(resume or retry_failed or out or DEFAULT_RUNS_DIR, "the run")
    req = FleetRequest(servers=list(adb or []), inventory=load_inventory(inventory) if inventory else None,
                       out=out, resume=resume, retry_failed=retry_failed, db=db, record_history=not no_history,
                       options=FleetOptions(jobs=jobs, per_server=per_server, deadline_s=deadline, workers=workers,
                                            redact=not no_redact))
    outcome = run_fleet(req, make_progress(fmt == "terminal"))
    if fmt in ("json", "junit"):
        from droidcheck.fleet.summary import summary_file_lines
        from droidcheck.report.safe_text import clean

        if fmt == "json":
            import json

            print(json.dumps(outcome.summary, indent=2, ensure_ascii=False))
        else:
            sys.stdout.write((outcome.run_dir / "junit.xml").read_text(encoding="utf-8"))
        print(clean(f"results in {outcome.run_dir}:"), *map(clean, summary_file_lines(outcome.run_dir)),
              sep="\n", file=sys.stderr)  # stdout holds the document alone
    else:
        from droidcheck.fleet.summary import render_summary

        render_summary(outcome.summary, outcome.run_dir)
    if outcome.history_error is not None:
        err = outcome.history_error
        raise InputError(f"the history was not recorded (the run itself is complete, exit code "
                         f"{outcome.exit_code}, in {outcome.run_dir}): {err.message}", err.hint)
    raise typer.Exit(outcome.exit_code)


@app.command()
@_guard
def history(db: DbOpt = None, limit: Annotated[int, typer.Option("--limit", help="Runs to show.")] = 20,
            json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List recorded fleet runs, newest first."""
    from droidcheck.fleet.history import default_db, list_runs

    runs = list_runs(db or default_db(), limit)
    if json_out:
        import json

        print(json.dumps(runs, indent=2))
        return
    from droidcheck.report.safe_text import safe
    from droidcheck.report.tables import print_identifier_table

    if not runs:
        print("no fleet runs recorded yet")
        return
    # the database is a file anyone could have edited: its text is shown, never interpreted
    rows = [[safe(r[k] if r[k] is not None else "") for k in (
        "id", "started", "finished", "total", "passed", "failed", "incomplete", "not_ready", "exit_code")]
        for r in runs]
    print_identifier_table(("run", "started", "finished", "devices", "passed", "failed", "incomplete",
                            "not ready", "exit"), rows)


@app.command()
@_guard
def diff(run_a: Annotated[str | None, typer.Argument(help="Older run id (or prefix).")] = None,
         run_b: Annotated[str | None, typer.Argument(help="Newer run id (or prefix).")] = None,
         db: DbOpt = None, json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Compare two fleet runs (default: the last two): devices newly failing, fixed, appeared, vanished."""
    from droidcheck.fleet.history import default_db, diff_runs
    from droidcheck.report.safe_text import clean

    d = diff_runs(db or default_db(), run_a, run_b)
    if json_out:
        import json

        print(json.dumps(d, indent=2))
        return
    print(clean(f"{d['run_a']} → {d['run_b']}"))
    for title, key in (("newly failing", "newly_failing"), ("fixed", "fixed"), ("changed", "changed"),
                       ("appeared", "appeared"), ("vanished", "vanished")):
        items = d[key]
        print(f"{title}: {len(items)}")
        for item in items:
            extra = item.get("causes") or item.get("causes_after") or item.get("causes_before") or []
            state = f"{item['before']} → {item['after']}" if "before" in item else item["status"]
            print(clean(f"  {item['key']}  {state}{'  ' + ', '.join(map(str, extra)) if extra else ''}"))


# -- simulator / demo ------------------------------------------------------------------------------

SIM_HELP = """Run simulated phones that speak the ADB device protocol, to try droidcheck or rehearse a case.

The phones are connected to the ADB server (--adb, else $ANDROID_ADB_SERVER_HOST/PORT, else localhost:5037;
a local server that is not running is started, as other commands do), so 'droidcheck check -s SERIAL'
reads them at once. --no-connect only listens: connect them yourself with 'adb connect 127.0.0.1:PORT'.

\b
Built-in profiles (--list shows them all with what each rehearses):
  pixel8-a14-healthy            everything in order
  galaxy-a52-a13-airplane       airplane mode on
  pixel8-a14-unauthorized       the 'Allow USB debugging?' prompt was never accepted
  pixel8-a14-incoming-code      a code arrives 5 s after 'droidcheck watch' starts (once a run)

\b
A profile is a YAML file (copy a built-in one: --list names the folder). Faults, under 'faults:':
  unauthorized: true            the phone never accepts this computer (adb: unauthorized)
  offline: true                 the connection never finishes its handshake (adb: offline)
  disconnect_after: N           the cable is pulled after N commands (phone lost mid-read)
  stall_after: N                after N commands the phone stops answering
  hang_on: [COMMAND, ...]       commands starting with these never finish
  garbage_on: [COMMAND, ...]    commands starting with these print noise
  latency_ms: N                 added to every round trip (phone_costs: true, or --phone-costs: each
                                command takes as long as on a real phone)
  missing_commands: [timeout]   a build without these commands
An incoming SMS for 'droidcheck watch', under 'sms_script:':
  sender: AMAZON                who sends it
  delay_s: 5                    seconds after watch starts reading
  lost_at: network              where it stops: network | sms_app | notification (null: shown)
  importance: 4                 of the notification shown (4 high, 3 default, 2 low: silent)
"""


@app.command(help=SIM_HELP)
@_guard
def sim(profiles: Annotated[list[str] | None, typer.Argument(help="Built-in profile names or YAML files.")] = None,
        port: Annotated[int, typer.Option("--port", help="First TCP port; the others follow it. 0 (the default) "
                                                         "picks free ports (the listing shows them).")] = 0,
        adb: AdbOpt = None,
        no_connect: Annotated[bool, typer.Option("--no-connect", help="Only listen; do not connect the phones "
                                                                      "to an ADB server.")] = False,
        list_profiles: Annotated[bool, typer.Option("--list", help="List the built-in profiles and exit.")] = False,
        phone_costs: Annotated[bool, typer.Option("--phone-costs", help="Make each command take as long as on "
                                                  "a real phone (dumpsys ~0.15 s, pm ~0.2 s…; the profile's "
                                                  "'costs' can change them).")] = False,
        ) -> None:
    from droidcheck.errors import InputError
    from droidcheck.sim.host import serve
    from droidcheck.sim.profile import builtin_profile_dir, builtin_profiles, find_profile

    if list_profiles:
        for profile in builtin_profiles(readable_only=False):
            print(f"{profile.name:38} {profile.description}")
        print(f"(YAML files in {builtin_profile_dir()})")
        return
    if not profiles:
        raise InputError("name at least one profile", "'droidcheck sim --list' shows the built-in ones.")
    loaded = [find_profile(p) for p in profiles]
    for profile in loaded:
        profile.phone_costs = profile.phone_costs or phone_costs
    server = None
    if not no_connect:
        from droidcheck.adb.connection import ensure_server, resolve_address, server_answers

        address = resolve_address(adb)
        running = server_answers(address)
        ensure_server(address)
        server = str(address)
        print(f"Connecting the phones to the ADB server at {server}"
              + ("" if running else " (started it; 'adb kill-server' stops it)") + ".", file=sys.stderr, flush=True)
    serve(loaded, port or None, server)  # a port taken or reserved is a SimHostError: exit 2


@app.command()
@_guard
def demo(profiles: Annotated[list[str] | None, typer.Argument(help="Profiles to show (default: a few "
                                                              "typical phones).")] = None) -> None:
    """Check simulated phones through the real adb server: see droidcheck work with no phone attached."""
    from droidcheck.demo import run_demo
    from droidcheck.sim.profile import ProfileError

    try:
        code = run_demo(profiles or None)
    except ProfileError as exc:  # a name the user typed: their mistake, said as for 'sim'
        from droidcheck.errors import InputError

        raise InputError(str(exc), "Leave the names out for a few typical phones, or give a profile YAML "
                         "file.") from None
    raise typer.Exit(code)


def _register_command_modules() -> None:
    """Commands that live beside their feature (each module is light: heavy imports stay inside commands)."""
    from droidcheck.fix import commands as fix_commands
    from droidcheck.offline import commands as offline_commands
    from droidcheck.serve import commands as serve_commands
    from droidcheck.watch import commands as watch_commands

    for module in (offline_commands, fix_commands, watch_commands, serve_commands):
        module.register(app, guard=_guard)


_register_command_modules()


def _safe_text_streams() -> None:
    """Never die on a character the output cannot encode. Redirected output (a file, a pipe; on Windows
    it gets the ANSI code page, cp1252 and the like) becomes UTF-8, which keeps every character of a JSON
    document; a terminal that is not UTF-8 keeps its encoding and shows '?' for what it cannot draw."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding == "utf8" or not hasattr(stream, "reconfigure"):
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8")
        except (OSError, ValueError):
            pass


def _notice(message: str) -> None:
    """Library notices (droidcheck/notices.py) go to stderr, so they never mix with JSON on stdout."""
    from droidcheck.report.safe_text import clean

    print(f"note: {clean(message)}", file=sys.stderr)


def main() -> None:
    _safe_text_streams()
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")  # for the adb and simulator processes we start
    from droidcheck.notices import set_sink

    set_sink(_notice)
    try:
        app()
    except BrokenPipeError:  # a command outside the guard (plan, rules causes) or the final flush
        try:
            _pipe_closed()
        except typer.Exit as done:
            sys.exit(done.exit_code)


if __name__ == "__main__":
    main()
