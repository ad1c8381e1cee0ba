"""Where fix and undo logs go: the per-user data folder by default (path printed), never the current
folder, and no log at all when nothing changed. A log that cannot be written still changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
AIRPLANE = "galaxy-a52-a13-airplane"


def fix_cli(adb_server, serial: str, *args: str, data: Path, cwd: Path, stdin: str | None = None):
    env = {**os.environ, "COLUMNS": "200", "XDG_DATA_HOME": str(data)}
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "fix", "--adb", adb_server.address, "-s", serial,
                           "--settle", "0", *args], capture_output=True, text=True, timeout=90, env=env, cwd=cwd,
                          input=stdin)
    assert "Traceback" not in proc.stdout + proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc


def _dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    data, cwd = tmp_path / "data", tmp_path / "work"
    cwd.mkdir()
    return data, cwd, data / "droidcheck" / "fix-logs"


def test_every_fix_declined_writes_no_log(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel9-a15-notifications-off")
    data, cwd, logs = _dirs(tmp_path)
    proc = fix_cli(adb_server, serial, data=data, cwd=cwd, stdin="n\nn\n")
    assert proc.stdout.count("Apply '") == 2, proc.stdout
    assert "no audit log was written" in proc.stdout
    assert not list(cwd.iterdir()) and not (logs.exists() and list(logs.iterdir()))


def test_the_log_goes_to_the_user_data_folder_and_its_path_is_printed(adb_server, sim_phone, tmp_path):
    serial = sim_phone(AIRPLANE)
    data, cwd, logs = _dirs(tmp_path)
    proc = fix_cli(adb_server, serial, "--yes", data=data, cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not list(cwd.iterdir()), "nothing in the current folder"
    [log] = list(logs.iterdir())
    assert f"audit log: {log}" in proc.stdout
    assert [json.loads(line)["record"] for line in log.read_text().splitlines()] == ["header", "intent", "result"]

    # undoing it writes its undo log beside it; undoing again (nothing left to put back) writes none
    undo = fix_cli(adb_server, serial, "--undo", str(log), "--yes", data=data, cwd=cwd)
    assert undo.returncode == 0, undo.stdout + undo.stderr
    undo_logs = [p for p in logs.iterdir() if p.name.startswith("droidcheck-undo-")]
    assert len(undo_logs) == 1 and f"audit log: {undo_logs[0]}" in undo.stdout
    declined = fix_cli(adb_server, serial, "--undo", str(log), data=data, cwd=cwd, stdin="n\n")
    assert "no audit log was written" in declined.stdout
    assert len(list(logs.iterdir())) == 2 and not list(cwd.iterdir())


def test_a_declined_fix_before_an_applied_one_is_still_logged_in_order(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel9-a15-notifications-off")
    data, cwd, logs = _dirs(tmp_path)
    proc = fix_cli(adb_server, serial, data=data, cwd=cwd, stdin="n\ny\n\n")
    assert proc.returncode in (0, 1), proc.stderr
    [log] = list(logs.iterdir())
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["record"], r.get("applied")) for r in lines] == [("header", None), ("result", False),
                                                                ("intent", None), ("result", True)]
    assert lines[0]["time"] <= lines[1]["time"] <= lines[2]["time"]


@pytest.mark.parametrize("where", ["data-folder-is-a-file", "log-exists"])
def test_a_log_that_cannot_be_written_changes_nothing(adb_server, sim_phone, tmp_path, where):
    serial = sim_phone(AIRPLANE)
    phone = sim_phone.phone(serial)
    data, cwd, _logs = _dirs(tmp_path)
    args: list[str] = ["--yes"]
    if where == "data-folder-is-a-file":
        data.write_text("not a folder", encoding="utf-8")
    else:
        existing = tmp_path / "old.jsonl"
        existing.write_text('{"format": "droidcheck.fix"}\n', encoding="utf-8")
        args += ["--log", str(existing)]
    before = phone.commands_run
    proc = fix_cli(adb_server, serial, *args, data=data, cwd=cwd)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "audit log" in proc.stderr
    assert phone.commands_run == before, "refused before the phone was even read"
    assert phone.profile.airplane_mode is True


def test_phone_text_in_the_fix_dialogue_is_cleaned(capsys):
    from droidcheck.fix.commands import _say

    _say("failed on the phone: \x1b]0;owned\x07\x1b[2J\x1b[31mred\rback\nforged line")
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert out.count("\n") == 1, "one say() is one line"
