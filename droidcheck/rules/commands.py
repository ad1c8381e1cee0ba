"""``droidcheck rules list|validate|test|explain|causes``: the CLI commands. Light at import time (the CLI
imports this module on start-up); everything heavy is imported inside the commands."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from droidcheck.cli_options import OnlyRulesOpt, RulesOpt
from droidcheck.status import ExitCode

DirectoriesArg = Annotated[list[Path] | None, typer.Argument(help="Rule files or directories.")]


def _load_rules(rules: list[Path] | None, only_rules: list[Path] | None) -> Any:
    from droidcheck.inspection import load_rules

    return load_rules(rules, only_rules)


def rules_list(rules: RulesOpt = None, only_rules: OnlyRulesOpt = None) -> None:
    """List the rules in use."""
    from droidcheck.report.safe_text import safe
    from droidcheck.report.tables import print_identifier_table

    rows = [list(map(safe, (r.id, r.area, "manual" if r.manual else r.severity, r.title, ", ".join(r.cause))))
            for r in sorted(_load_rules(rules, only_rules), key=lambda r: (r.area, r.id))]  # user files
    print_identifier_table(("id", "area", "severity", "title", "article section"), rows)


def rules_validate(directory: DirectoriesArg = None) -> None:
    """Validate rule files: schema, facts, operators, value types, duplicate ids."""
    rule_set = _load_rules(None, directory) if directory else _load_rules(None, None)
    print(f"{len(rule_set)} rules OK")


def rules_test(directory: DirectoriesArg = None) -> None:
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


def rules_causes() -> None:
    """List the article sections rules cite."""
    from droidcheck.rules.causes import ARTICLE_SECTIONS

    for key, title in ARTICLE_SECTIONS.items():
        print(f"{key:28} {title}")


def register(app: typer.Typer, guard: Callable[..., Any]) -> None:
    """Add the ``rules`` group and its commands to the CLI, each wrapped in the CLI's error guard."""
    rules_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                            help="List, validate, test and explain rules.")
    for name, command in (("list", rules_list), ("validate", rules_validate), ("test", rules_test),
                          ("explain", rules_explain), ("causes", rules_causes)):
        rules_app.command(name)(guard(command))
    app.add_typer(rules_app, name="rules")
