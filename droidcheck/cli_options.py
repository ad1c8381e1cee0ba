"""The command-line options several commands share, declared once (name, flags and help).

Every command module imports its shared options from here, so ``--adb`` or ``--rules`` means and says
the same in every command. Light at import time: only typer and the standard library.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    """``--format`` of the commands that print a check result (``check``, ``fleet``)."""

    TERMINAL = "terminal"
    JSON = "json"
    JUNIT = "junit"


class TerminalOrJson(StrEnum):
    """``--format`` of the commands that have no JUnit form (``watch``, ``recheck``)."""

    TERMINAL = "terminal"
    JSON = "json"


AdbOpt = Annotated[str | None, typer.Option("--adb", help="ADB server HOST:PORT (default: "
                                            "$ANDROID_ADB_SERVER_HOST/PORT, else localhost:5037).")]
SerialOpt = Annotated[str | None, typer.Option("-s", "--serial", help="Device serial (default: "
                                               "$ANDROID_SERIAL, else the only device).")]
RulesOpt = Annotated[list[Path] | None, typer.Option("--rules", help="Extra rule directory (same id overrides).")]
OnlyRulesOpt = Annotated[list[Path] | None, typer.Option("--only-rules", help="Use only these rule directories.")]
DbOpt = Annotated[Path | None, typer.Option("--db", help="History database (default: the per-user data dir's "
                                            "droidcheck/history.sqlite).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="terminal, json or junit.")]
TerminalOrJsonOpt = Annotated[TerminalOrJson, typer.Option("--format", "-f", help="terminal or json.")]
AdbServersOpt = Annotated[list[str] | None, typer.Option("--adb", help="ADB server HOST:PORT (repeatable).")]
