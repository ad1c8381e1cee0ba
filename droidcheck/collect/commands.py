"""``droidcheck plan``: the CLI command. Light at import time (the CLI imports this module on start-up);
everything heavy is imported inside the command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer


def plan(markdown: Annotated[bool, typer.Option("--markdown", help="Print as a Markdown table.")] = False) -> None:
    """Show every command droidcheck runs on a phone (all read-only)."""
    from droidcheck.collect.plan import PROBES, plan_markdown

    if markdown:
        print(plan_markdown())
        return
    for p in PROBES:
        scope = "  (per app)" if p.per_package else ""
        print(f"{p.id:22} {p.command}{scope}\n{'':22} {p.purpose}")


def register(app: typer.Typer, guard: Callable[..., Any]) -> None:
    """Add ``plan`` to the CLI, wrapped in the CLI's error guard."""
    app.command("plan")(guard(plan))
