"""Identifiers are never cut in the terminal: run ids (which ``diff`` takes), fact and rule names, serials,
file paths appear whole at 80 and 60 columns; the other columns fold instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from droidcheck.facts.registry import FACTS

WIDTHS = (80, 60)


def run_at(width: int, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=90, env={**os.environ, "COLUMNS": str(width), "TERM": "dumb"}, cwd=cwd)
    assert "Traceback" not in proc.stderr
    return proc


def _fits(text: str, width: int) -> None:
    assert all(len(line) <= width for line in text.splitlines()), "a line is wider than the terminal"


@pytest.mark.parametrize("width", WIDTHS)
def test_facts_shows_every_fact_name_whole(width):
    out = run_at(width, "facts").stdout
    _fits(out, width)
    missing = [f.name for f in FACTS if f.name not in out]
    assert not missing, f"cut at {width} columns: {missing}"


@pytest.mark.parametrize("width", WIDTHS)
def test_rules_list_shows_every_rule_id_whole(width):
    from droidcheck.rules.loader import load_rules

    out = run_at(width, "rules", "list").stdout
    _fits(out, width)
    assert not [r.id for r in load_rules() if r.id not in out]


def _summary(run_id: str) -> dict:
    return {"run_id": run_id, "started": "2026-12-02T03:00:00Z", "finished": "2026-12-02T03:01:00Z",
            "counts": {"total": 1, "passed": 1, "failed": 0, "incomplete": 0, "not ready": 0}, "exit_code": 0,
            "devices": [{"key": "127.0.0.1:5037/R58R12ABCDE", "server": "127.0.0.1:5037", "serial": "R58R12ABCDE",
                         "model": "SM-A525F", "status": "passed", "verdict": "pass", "likely_causes": []}]}


@pytest.mark.parametrize("width", WIDTHS)
def test_history_shows_run_ids_whole_and_diff_takes_them(tmp_path, width):
    from droidcheck.fleet.history import record_run

    db = tmp_path / "history.sqlite"
    ids = ["20261202T030000Z-1a2b", "20261202T040000Z-3c4d"]
    for run_id in ids:
        record_run(db, _summary(run_id), tmp_path)
    out = run_at(width, "history", "--db", str(db)).stdout
    _fits(out, width)
    for run_id in ids:
        assert run_id in out, f"run id cut at {width} columns:\n{out}"
    proc = run_at(width, "diff", ids[0], ids[1], "--db", str(db))
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("width", WIDTHS)
def test_recheck_shows_file_paths_whole(tmp_path, width):
    from droidcheck.sim.profile import find_profile
    from droidcheck.sim.snapshot import snapshot_of

    folder = tmp_path / "customers" / "2026-12-02"
    folder.mkdir(parents=True)
    names = ["shop-front-counter-galaxy-a52-airplane-mode.json", "p9.json"]
    for name, profile in zip(names, ("galaxy-a52-a13-airplane", "pixel9-a15-notifications-off"), strict=True):
        (folder / name).write_text(snapshot_of(find_profile(profile)).to_json(), encoding="utf-8")
    out = run_at(width, "recheck", str(tmp_path)).stdout
    for name in names:
        assert f"customers/2026-12-02/{name}" in out, f"path cut at {width} columns:\n{out}"


def test_checklist_continuation_lines_are_indented():
    from rich.console import Console

    from droidcheck.report.terminal import render

    finding = {"rule": "account-number-correct", "status": "manual", "severity": "info", "area": "account",
               "title": "The phone number on the account is this phone's, with the right country code and every "
                        "digit", "cause": [], "explanation": "",
               "fix": ["Open Your Account → Login & security on a computer and compare the mobile number with "
                       "the one on the SIM's contract, digit by digit, including the country code."],
               "evidence": {}}
    result = {"device": {"serial": "X", "model": "M", "maker": "m", "android_release": "14", "sdk": 34},
              "findings": [finding], "verdict": {"status": "pass", "likely_causes": [], "missing": []},
              "facts": {}, "complete": True, "problems": [], "timing": {"read_s": 0.1}}
    console = Console(width=60, record=True, color_system=None)
    render(result, console)
    text = console.export_text()
    block = text[text.index("Checklist"):].split("\n\n")[0].splitlines()[1:]
    assert block[0].startswith("  ☐ The phone number")
    assert len(block) >= 4, "the title and the step should each need more than one line at 60 columns"
    assert all(line.startswith("    ") and line[4] != " " for line in block[1:2]), block  # under the title
    assert all(line.startswith("      ") for line in block[2:]), block  # the step, and its continuations


def test_fix_steps_wrap_under_their_own_text():
    from rich.console import Console

    from droidcheck.report.terminal import render

    finding = {"rule": "airplane-mode-on", "status": "fail", "severity": "critical", "area": "network",
               "title": "Airplane mode is on", "cause": [], "explanation": "Radio off.",
               "fix": ["Swipe down from the top of the screen and tap the airplane icon to turn airplane mode off "
                       "then wait for the signal bars."], "evidence": {}}
    result = {"device": {"serial": "X", "model": "M", "maker": "m", "android_release": "14", "sdk": 34},
              "findings": [finding], "verdict": {"status": "fail", "likely_causes": ["airplane-mode-on"],
                                                 "missing": []},
              "facts": {}, "complete": True, "problems": [], "timing": {"read_s": 0.1}}
    console = Console(width=60, record=True, color_system=None)
    render(result, console)
    lines = console.export_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("   → 1. Swipe"))
    assert lines[first + 1].startswith("        ") and lines[first + 1][8] != " ", lines[first:first + 3]
