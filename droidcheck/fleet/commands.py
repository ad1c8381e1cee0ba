"""``droidcheck fleet``, ``history`` and ``diff``: the CLI commands. Light at import time (the CLI imports
this module on start-up); everything heavy is imported inside the commands."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from droidcheck.cli_options import AdbServersOpt, DbOpt, Format, FormatOpt, JsonOpt


def fleet(inventory: Annotated[Path | None, typer.Option("--inventory", help="Lab inventory YAML: servers, "
                                                         "include/exclude patterns, groups, labels.")] = None,
          adb: AdbServersOpt = None,
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
          fmt: FormatOpt = Format.TERMINAL,
          no_redact: Annotated[bool, typer.Option("--no-redact", help="Keep phone numbers, IMEI/ICCID and codes "
                                                  "in the files written.")] = False) -> None:
    """Check every phone on one or more ADB servers at once; results survive interruption.

    Exit codes: 0 all passed, 1 a phone failed, 3 a phone was incomplete or not ready (wins over 1, as in
    'check'), 2 usage error or no ADB server reachable.
    """
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
    outcome = run_fleet(req, make_progress(fmt == Format.TERMINAL))
    if fmt in (Format.JSON, Format.JUNIT):
        from droidcheck.fleet.summary import summary_file_lines
        from droidcheck.report.safe_text import clean

        if fmt == Format.JSON:
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


def history(db: DbOpt = None, limit: Annotated[int, typer.Option("--limit", help="Runs to show.")] = 20,
            json_out: JsonOpt = False) -> None:
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


def diff(run_a: Annotated[str | None, typer.Argument(help="Older run id (or prefix).")] = None,
         run_b: Annotated[str | None, typer.Argument(help="Newer run id (or prefix).")] = None,
         db: DbOpt = None, json_out: JsonOpt = False) -> None:
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


def register(app: typer.Typer, guard: Callable[..., Any]) -> None:
    """Add ``fleet``, ``history`` and ``diff`` to the CLI, wrapped in the CLI's error guard."""
    for name, command in (("fleet", fleet), ("history", history), ("diff", diff)):
        app.command(name)(guard(command))
