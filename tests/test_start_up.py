"""Start-up: what a ``droidcheck`` process imports, and the plain option converter that keeps pydantic out.

typer converts option values with pydantic; ``droidcheck.cli_params`` converts droidcheck's plain options
(text, paths, flags) itself. These tests hold it to typer's own results and keep the heavy imports out of
the commands a technician runs most: ``--help``, and ``check`` once the rules are in the compiled rule
cache (issue 16: a whole check of a phone in <= 0.3 s). They look at what the process imported, not at
how long it took, so a busy machine cannot fail them.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer import _coercion
from typer._click import Context
from typer._click.exceptions import BadParameter

from droidcheck.cli import app, app_for
from droidcheck.cli_params import _choices, _plain_kind
from droidcheck.sim.profile import find_profile
from droidcheck.sim.snapshot import snapshot_of


def _params():
    """Every parameter of every droidcheck command, with its command."""
    stack = [typer.main.get_command(app)]
    while stack:
        cmd = stack.pop()
        stack.extend(getattr(cmd, "commands", {}).values())
        for param in cmd.params:
            if hasattr(param, "type_descriptor"):
                yield cmd, param


def _coerce(runtime, value, param, ctx):
    try:
        return ("ok", runtime.coerce(value, param=param, ctx=ctx))
    except BadParameter as exc:
        return ("error", exc.format_message())


def test_plain_options_convert_exactly_as_typer_does(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.json").write_text("{}")
    (tmp_path / "dir").mkdir()
    samples = ["a", "", " spaced ", "ünïcode", "-", "file.json", "dir", "missing/x", "~/x", str(tmp_path)]
    checked = set()
    for cmd, param in _params():
        descriptor = param.type_descriptor
        if _plain_kind(descriptor.annotation) is None:
            continue
        fast = param.get_runtime_param()
        assert type(fast).__name__ == "PlainRuntimeParam", (cmd.name, param.name)
        typer_own = _coercion.build_runtime_param(descriptor)
        ctx = Context(cmd)
        values = [True, False] if descriptor.annotation is bool else \
            [(s, "x") for s in samples] if param.multiple else samples
        for value in [None, *values]:
            assert _coerce(fast, value, param, ctx) == _coerce(typer_own, value, param, ctx), \
                (cmd.name, param.name, value)
        checked.add(str(descriptor.annotation))
    assert {"<class 'str'>", "<class 'pathlib.Path'>", "list[pathlib.Path]", "<class 'bool'>"} <= checked


def test_choice_options_convert_exactly_as_typer_does() -> None:
    """``--format`` (an enum): the same member, or the same usage error, as typer's pydantic converter."""
    checked = set()
    for cmd, param in _params():
        descriptor = param.type_descriptor
        if _choices(descriptor) is None:
            continue
        fast = param.get_runtime_param()
        assert type(fast).__name__ == "ChoiceRuntimeParam", (cmd.name, param.name)
        typer_own = _coercion.build_runtime_param(descriptor)
        ctx = Context(cmd)
        values = [None, "terminal", "json", "junit", "JSON", "xml", "", "\x1b[31mred", *descriptor.choices]
        for value in values:
            got = _coerce(fast, value, param, ctx)
            assert got == _coerce(typer_own, value, param, ctx), (cmd.name, param.name, value)
            assert got[0] == "error" or got[1] is None or got[1] in descriptor.choices
        checked.add(cmd.name)
    assert {"check", "fleet", "watch", "recheck"} <= checked


def test_other_options_keep_typers_converter() -> None:
    kinds = {param.name: type(param.get_runtime_param()).__name__ for _cmd, param in _params()
             if _plain_kind(param.type_descriptor.annotation) is None and _choices(param.type_descriptor) is None}
    assert kinds and not {"PlainRuntimeParam", "ChoiceRuntimeParam"} & set(kinds.values())


def _imports_of(*args: str, env: dict[str, str] | None = None) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "droidcheck.cli", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200", **(env or {})})
    names = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return names, proc


#: Packages neither ``--help`` nor a check with cached rules needs, each costing milliseconds to tens of
#: milliseconds of every start: the rule files' parser and schema (only on a rule-cache miss), HTTP and
#: adbutils (droidcheck reads a phone through its own ADB client), typer's pydantic converters, the web
#: server, PDF and images, and rich (not needed for ``--help`` or JSON output).
HEAVY = frozenset({"yaml", "_yaml", "jsonschema", "jsonschema_specifications", "referencing", "pydantic",
                   "pydantic_core", "requests", "urllib3", "adbutils", "PIL", "starlette", "uvicorn", "jinja2",
                   "fpdf", "uharfbuzz", "rich"})


def _heavy(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in HEAVY}


PACKAGE_DIR = Path(__file__).resolve().parents[1] / "droidcheck"


def _cli_layer(name: str) -> bool:
    """Modules ``--help`` may import: the CLI's own and the small ones it shares (exit codes, errors,
    notices), each feature's command module and the packages holding them, which must stay light
    (``droidcheck.offline`` once pulled in its loader, the dump reader and the parsers)."""
    parts = name.split(".")
    if len(parts) == 2 and (PACKAGE_DIR / parts[1]).is_dir():
        return True
    return bool(re.fullmatch(r"droidcheck(\.\w+\.(cli_)?commands|\.\w+_commands|\.cli\w*|\.status|\.errors"
                             r"|\.notices)?", name))


def test_help_imports_only_the_command_layer() -> None:
    names, proc = _imports_of("--help")
    assert proc.returncode == 0 and "check" in proc.stdout
    assert not _heavy(names)
    assert not {n for n in names if n.startswith("droidcheck") and not _cli_layer(n)}
    # the standard library's heavier modules wait for a command that uses them
    assert not names & {"socket", "json", "logging", "tempfile", "hashlib", "zoneinfo", "asyncio", "sqlite3"}


def _healthy_snapshot(tmp_path: Path) -> Path:
    saved = tmp_path / "snap.json"
    saved.write_text(snapshot_of(find_profile("pixel8-a14-healthy")).to_json(), encoding="utf-8")
    return saved


def test_a_check_with_cached_rules_parses_no_rule_file(tmp_path: Path) -> None:
    args = ("check", "--from", str(_healthy_snapshot(tmp_path)), "--format", "json")
    _imports_of(*args)  # fills the compiled rule cache, if this test run has not yet
    names, proc = _imports_of(*args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"verdict"' in proc.stdout
    assert not _heavy(names)
    # without the cache the same check reads the rule files, and the test sees what it forbids
    names, proc = _imports_of(*args, env={"DROIDCHECK_NO_RULE_CACHE": "1"})
    assert proc.returncode == 0 and {"yaml", "jsonschema"} <= names


@pytest.mark.e2e
def test_checking_a_phone_with_cached_rules_imports_nothing_heavy(adb_server, sim_phone) -> None:
    serial = sim_phone("pixel8-a14-healthy")
    args = ("check", "--adb", adb_server.address, "-s", serial, "--format", "json")
    _imports_of(*args)
    names, proc = _imports_of(*args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["verdict"]["status"] == "pass"
    assert not _heavy(names)
    assert "droidcheck.offline.loader" not in names  # saved snapshots and bug reports: only for --from


def _names(typer_app: typer.Typer) -> list[str]:
    return [c.name for c in typer_app.registered_commands] + [g.name for g in typer_app.registered_groups]


def test_a_command_runs_as_it_does_in_the_whole_app() -> None:
    """``main`` builds only the command it runs: every command's help and usage errors stay the same."""
    from typer.testing import CliRunner

    runner = CliRunner()
    names = _names(app)
    assert len(names) > 10 and "check" in names and "rules" in names
    cases = [[name, *extra] for name in names for extra in (["--help"], ["--no-such-option"])]
    cases += [["--debug", "check", "--help"], ["rules", "list", "--help"], ["rules", "nosuch"],
              ["check", "--format", "xml"]]
    for args in cases:
        one = app_for(args)
        assert one is not app and _names(one) == [args[1] if args[0] == "--debug" else args[0]]
        got, want = runner.invoke(one, args), runner.invoke(app, args)
        assert (got.exit_code, got.output) == (want.exit_code, want.output), args
    assert _names(app) == names  # the whole app is untouched


def test_command_options_are_evaluated_once_at_import() -> None:
    """typer evaluates a command's annotations four times each time it builds the command; as strings
    (``from __future__ import annotations``) each of those is an ``eval`` that compiles the text again:
    ~20 ms of every ``droidcheck --help``, which builds all of them."""
    stack = [app]
    seen = 0
    while stack:
        group = stack.pop()
        stack.extend(g.typer_instance for g in group.registered_groups if g.typer_instance)
        for info in [*group.registered_commands, group.registered_callback]:
            if info is None or info.callback is None:
                continue
            hints = inspect.get_annotations(inspect.unwrap(info.callback))
            assert not [name for name, hint in hints.items() if isinstance(hint, str)], info.callback
            seen += 1
    assert seen > len(app.registered_commands)


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["--debug"], ["chek"], ["--bogus", "check"],
                                  ["--debug", "--help", "check"], ["--", "check"]])
def test_anything_but_a_command_gets_the_whole_app(args) -> None:
    """Group help, the version, a mistyped command (click suggests the right one) and group options are
    click's own answers, from the whole app."""
    assert app_for(args) is app


def test_the_process_ends_without_a_last_collection_over_every_object() -> None:
    """``main`` freezes what is left before the interpreter exits (its final collections took ~40 ms), and
    the output is still all there."""
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0))\n"
            "sys.argv = ['droidcheck', '--help']\n"
            "from droidcheck.cli import main\n"
            "main()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Commands" in proc.stdout and proc.stdout.rstrip().endswith("frozen: True")


def test_check_from_a_snapshot_imports_no_pydantic(tmp_path: Path) -> None:
    saved = _healthy_snapshot(tmp_path)
    names, proc = _imports_of("check", "--from", str(saved), "--format", "json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"verdict"' in proc.stdout
    assert not {n for n in names if n.split(".")[0] in ("pydantic", "pydantic_core")}


def test_help_imports_no_pydantic_and_no_adbutils() -> None:
    names, proc = _imports_of("--help")
    assert proc.returncode == 0
    assert not {n for n in names if n.split(".")[0] in ("pydantic", "adbutils", "requests", "jsonschema")}


@pytest.mark.parametrize("args", [["history", "--limit", "many"], ["check", "--from", "no/such/file.json"]])
def test_bad_option_values_are_still_usage_errors(args) -> None:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
