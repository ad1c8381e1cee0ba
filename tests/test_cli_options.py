"""The options several commands share say the same thing everywhere (declared once, in cli_options)."""

from __future__ import annotations

from collections import defaultdict

import typer

from droidcheck.cli import app

SHARED = ("--adb", "--serial", "--rules", "--only-rules", "--db", "--json", "--format")


def _options():
    """(command path, option) for every option of every command."""
    stack = [("droidcheck", typer.main.get_command(app))]
    while stack:
        path, cmd = stack.pop()
        stack.extend((f"{path} {name}", sub) for name, sub in getattr(cmd, "commands", {}).items())
        for param in cmd.params:
            if param.param_type_name == "option":
                yield path, param


def test_each_shared_option_has_one_help_text():
    helps: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path, param in _options():
        name = next((o for o in param.opts if o in SHARED), None)
        if name is None:
            continue
        if path == "droidcheck serve" and name == "--adb":
            continue  # serve's repeatable --adb: its first server is the counter's (its own meaning)
        helps[(name, str(param.type_descriptor.annotation))][param.help].append(path)
    assert {"--adb", "--serial", "--rules", "--only-rules", "--db", "--json", "--format"} <= {k[0] for k in helps}
    for key, texts in helps.items():
        assert len(texts) == 1, (key, dict(texts))
    rules = [paths for (name, _), texts in helps.items() if name == "--rules" for paths in texts.values()]
    assert len(rules[0]) >= 7, rules  # check, fix, watch, recheck, serve, rules list, rules explain
