"""``droidcheck facts`` and ``droidcheck plan``: what droidcheck reads (facts) and runs on a phone (commands).
CLI-layer commands, kept out of ``facts/`` and ``collect/`` because they print through ``report``. Light at
import time (the CLI imports this module on start-up); everything heavy is imported inside the commands."""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from droidcheck.cli_options import JsonOpt


def facts(json_out: JsonOpt = False) -> None:
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
    """Add ``facts`` and ``plan`` to the CLI, wrapped in the CLI's error guard."""
    app.command("facts")(guard(facts))
    app.command("plan")(guard(plan))
