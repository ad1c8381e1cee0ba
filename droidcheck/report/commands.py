"""``droidcheck report`` and ``droidcheck verify``: the printable report of a saved result and its check,
and the helpers ``check --report`` shares with them. Light at import time (the CLI imports this module on
start-up); everything heavy is imported inside the commands."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from droidcheck.status import ExitCode

if TYPE_CHECKING:
    from droidcheck.result import CheckResult

ShopOpt = Annotated[str | None, typer.Option("--shop", help="Shop name on the report (default: from "
                                             "droidcheck.toml in the user config folder).")]
TechnicianOpt = Annotated[str | None, typer.Option("--technician", help="Technician name on the report.")]
TicketOpt = Annotated[str | None, typer.Option("--ticket", help="Repair ticket number on the report.")]
KeepResultOpt = Annotated[bool, typer.Option("--keep-result/--no-keep-result", help="Save the result the "
                                             "report's SHA-256 is of beside it (report.pdf → report.json).")]


def check_destinations(*paths: Path | None) -> None:
    """Every file to be written can be written: checked before a phone is read, not after."""
    for path in paths:
        if path is not None:
            from droidcheck.outfile import check_writable_file  # (with tempfile) only when there is a file

            check_writable_file(path)


def redacted(result: "CheckResult") -> "CheckResult":
    """``result`` redacted, national phone numbers read with the countries it names (``device.countries``)."""
    from droidcheck.report.redact import redact_result

    return redact_result(result)


def report_kind(path: Path) -> str:
    """``html`` or ``pdf``, from the report file's extension; anything else is the user's mistake."""
    kind = path.suffix.lower().lstrip(".")
    if kind == "htm":
        kind = "html"
    if kind not in ("html", "pdf"):
        from droidcheck.errors import InputError

        raise InputError(f"cannot tell the report format from {path.name!r}", "Name the file FILE.html or FILE.pdf.")
    return kind


def write_report(result: "CheckResult", path: Path, *, no_redact: bool, shop: str | None,
                 technician: str | None, ticket: str | None, keep: tuple[Path | None, ...] | None = None,
                 same_as: Path | None = None) -> None:
    """Render ``result`` (already redacted unless ``no_redact``) as HTML or PDF, by the file's extension.

    ``keep`` (the command's input files, never overwritten): also save ``result`` beside the report, in the
    canonical form its printed SHA-256 is of. ``same_as``: a file already holding that result (then it is
    named instead of saved again)."""
    from droidcheck.report.shop import load_shop

    info = load_shop().merged(shop=shop, technician=technician, ticket=ticket)
    if report_kind(path) == "html":
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


def report(result_file: Annotated[Path, typer.Argument(help="A result saved with 'check --format json'.")],
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

    report_kind(output)
    check_destinations(output)
    hint = "Save one with 'droidcheck check --format json -o FILE'."
    result = saved_result(_load_json(result_file, RESULT_FORMAT, hint), result_file, hint)
    if watch is not None:
        hint = "Save one with 'droidcheck watch --format json -o FILE'."
        result["watch"] = saved_watch(_load_json(watch, "droidcheck.watch", hint), watch, hint)
    # Redacting an already redacted result changes nothing, so the digest still matches the saved file.
    shown = result if no_redact else redacted(result)
    from droidcheck.report.shop import result_digest

    unchanged = watch is None and result_digest(shown) == result_digest(result)  # result: the file, as read
    write_report(shown, output, no_redact=no_redact, shop=shop, technician=technician, ticket=ticket,
                 keep=(result_file, watch) if keep_result else None, same_as=result_file if unchanged else None)


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


def register(app: typer.Typer, guard: Callable[..., Any]) -> None:
    """Add ``report`` and ``verify`` to the CLI, wrapped in the CLI's error guard."""
    app.command("report")(guard(report))
    app.command("verify")(guard(verify))
