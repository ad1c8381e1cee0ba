"""Start-up: what a ``droidcheck`` process imports, and the plain option converter that keeps pydantic out.

typer converts option values with pydantic; ``droidcheck.cli_params`` converts droidcheck's plain options
(text, paths, flags) itself. These tests hold it to typer's own results and keep the heavy imports out of
the commands a technician runs most.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer import _coercion
from typer._click import Context
from typer._click.exceptions import BadParameter

from droidcheck.cli import app
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


def _imports_of(*args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "droidcheck.cli", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    names = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return names, proc


def test_check_from_a_snapshot_imports_no_pydantic(tmp_path: Path) -> None:
    saved = tmp_path / "snap.json"
    saved.write_text(snapshot_of(find_profile("pixel8-a14-healthy")).to_json(), encoding="utf-8")
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
