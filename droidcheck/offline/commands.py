"""``droidcheck recheck``: the CLI command. Light at import time (the CLI imports this module on start-up);
everything heavy is imported inside the command."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from droidcheck.cli_options import OnlyRulesOpt, RulesOpt, TerminalOrJson, TerminalOrJsonOpt


def recheck(directory: Annotated[Path, typer.Argument(help="Folder (searched recursively) or file: droidcheck "
                                                      "snapshots, bug report zips or text, fleet run folders.")],
            rules: RulesOpt = None, only_rules: OnlyRulesOpt = None,
            fmt: TerminalOrJsonOpt = TerminalOrJson.TERMINAL,
            output: Annotated[Path | None, typer.Option("-o", "--output", help="Write one result JSON per "
                                                        "input into this folder.")] = None,
            no_redact: Annotated[bool, typer.Option("--no-redact", help="Keep phone numbers, IMEI/ICCID and "
                                                    "codes in the written results.")] = False) -> None:
    """Re-check saved snapshots and bug reports with the current (or given) rules; no phone needed.

    Prints one line per file: device, verdict and the most likely cause. Writes nothing unless -o is given.
    Exit codes: 0 nothing failed, 1 a check failed (or a file could not be read), 2 no inputs found.
    """
    from droidcheck.errors import InputError
    from droidcheck.offline.recheck import recheck as run_recheck
    from droidcheck.offline.recheck import summary_rows, write_results
    from droidcheck.rules.loader import load_rules

    if not directory.exists():
        raise InputError(f"{directory} does not exist")
    if output is not None:
        from droidcheck.outfile import check_writable_folder

        check_writable_folder(output, "the results")
    rule_set = load_rules(extra_dirs=rules, only_dirs=only_rules)
    run = run_recheck(directory, rule_set)
    if not run.items:
        raise InputError(f"no snapshots or bug reports found in {directory}",
                         "droidcheck looks for snapshot JSON (droidcheck snapshot -o FILE, fleet runs' "
                         "devices/*/snapshot.json) and bug reports (adb bugreport FILE.zip).")
    rows = summary_rows(run)
    if fmt == TerminalOrJson.JSON:
        import json

        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        _print_table(rows, run.items)
    if output is not None:
        try:
            written = write_results(run, output, redact=not no_redact)
        except OSError as exc:
            raise InputError(f"cannot write the results into {output}: {exc.strerror or exc}",
                             "Give -o a folder you can write to.") from None
        print(f"wrote {len(written)} result(s) to {output}")
    raise typer.Exit(run.exit_code)


def _print_table(rows: list[dict[str, str]], items: list[Any]) -> None:
    from droidcheck.report.redact import redact_text
    from droidcheck.report.safe_text import safe
    from droidcheck.report.tables import print_identifier_table

    style = {"fail": "bold red", "warn": "yellow", "pass": "green", "error": "magenta"}
    cells = []
    for row, item in zip(rows, items, strict=True):  # file names, models and errors are shown, never interpreted
        cause = row["first_cause"] + (f" ({item.hint})" if item.error and item.hint else "")
        cells.append([safe(row["file"]), safe(redact_text(row["device"])),
                      safe(row["verdict"], style.get(row["verdict"], "")), safe(cause)])
    print_identifier_table(("file", "device", "verdict", "first cause"), cells, title="Re-check")


def register(app: typer.Typer, guard: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    app.command("recheck")(guard(recheck))
