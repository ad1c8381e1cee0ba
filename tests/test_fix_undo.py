"""``fix --undo`` and the audit log as hostile input (issue 12 §2, §3), end to end: the CLI in a subprocess,
the real adb server, a simulated phone whose shell log shows every command line droidcheck sent."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

DND = "pixel4a-a10-storage-full-dnd"  # Android 10: dnd_off is a shell command, undone with set_dnd
NOTIF = "pixel9-a15-notifications-off"  # Android 15: grant/revoke POST_NOTIFICATIONS
MESSAGES = "com.google.android.apps.messaging"
POST = "android.permission.POST_NOTIFICATIONS"
#: What undoing dnd_off may send to the phone: the registry's reads, and its one restore command.
DND_READS = {"getprop ro.build.version.sdk", "settings get global zen_mode"}
DND_RESTORE = "cmd notification set_dnd on"
#: fix.apply.run frames each command like the batch: BEGIN marker, the command, END marker with ``$?``.
_WRAPPED = re.compile(r"echo '@@DC@@ [0-9a-f]+''[0-9a-f]+ BEGIN fix'; (.*) 2>&1; "
                      r'echo "@@DC@@ [0-9a-f]+""[0-9a-f]+ END fix \$\?"', re.S)


def _file_size_limit(limit: int) -> Callable[[], None]:
    """For the child: files it writes cannot grow past ``limit`` bytes (a write beyond fails with EFBIG)."""
    def apply() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def fix_cli(adb_server: Any, serial: str, *args: str, stdin: str | None = None,
            max_file_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "fix", "--adb", adb_server.address,
                           "-s", serial, *args], capture_output=True, text=True, timeout=60, env=env,
                          input=stdin if stdin is not None else "",
                          preexec_fn=_file_size_limit(max_file_bytes) if max_file_bytes else None)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


def sent(sim_phone: Any, serial: str, since: int = 0) -> list[str]:
    """The command lines droidcheck sent to the phone since ``since``, without its exit-status wrapper."""
    out = []
    for line in sim_phone.phone(serial).shell_log[since:]:
        m = _WRAPPED.fullmatch(line)
        out.append(m.group(1) if m else line)
    return out


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text().splitlines()]


def v1_dnd(serial: str, **over: Any) -> dict:
    """A dnd_off record exactly as droidcheck wrote it before log format 2 (no header, undo as text)."""
    rec = {"format": "droidcheck.fix", "version": 1, "time": "2026-10-01T08:00:00.000Z", "serial": serial,
           "mode": "fix", "fix": "dnd_off", "kind": "auto",
           "summary": "Turn Do Not Disturb off so message alerts sound and pop up.",
           "findings": [{"rule": "do-not-disturb", "status": "fail"}], "commands": ["cmd notification set_dnd off"],
           "reads": {"zen_mode": "settings get global zen_mode"},
           "outputs": [{"command": "cmd notification set_dnd off", "rc": 0, "output": ""}],
           "before": {"zen_mode": "2"}, "after": {"zen_mode": "0"}, "applied": True, "why": "done",
           "reversible": True, "undo": ["cmd notification set_dnd on"], "instruction": None, "note": None}
    rec.update(over)
    return rec


def fixed_dnd_phone(sim_phone: Any) -> str:
    """A phone whose Do Not Disturb a fix turned off (it was 'on', zen_mode 2, before)."""
    return sim_phone(DND, zen_mode=0)


# -- §2: undo never runs what the file says ------------------------------------------------------------

INJECTED = {
    "semicolon": ["cmd notification set_dnd on; reboot"],
    "command substitution": ["cmd notification set_dnd $(reboot)"],
    "backticks": ["cmd notification set_dnd `reboot`"],
    "newline": ["cmd notification set_dnd on\nreboot"],
    "another setting": ["settings put global airplane_mode_on 1"],
}


@pytest.mark.parametrize("how", sorted(INJECTED))
def test_undo_refuses_injected_commands_in_an_old_log(adb_server, sim_phone, tmp_path, how):
    serial = fixed_dnd_phone(sim_phone)
    log = write_jsonl(tmp_path / "fix.jsonl", [v1_dnd(serial, undo=INJECTED[how])])
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "nothing was changed" in proc.stderr and "fix.jsonl:1 (dnd_off)" in proc.stderr
    assert set(sent(sim_phone, serial)) <= DND_READS
    assert sim_phone.phone(serial).profile.zen_mode == 0
    assert not (tmp_path / "u.jsonl").exists()


def test_undo_never_runs_a_reads_entry(adb_server, sim_phone, tmp_path):
    """The old undo ran the log's read commands after restoring; only the registry's reads may run."""
    serial = fixed_dnd_phone(sim_phone)
    log = write_jsonl(tmp_path / "fix.jsonl", [v1_dnd(serial, reads={"zen_mode": "settings get global zen_mode; "
                                                                     "cmd connectivity airplane-mode enable"})])
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(sent(sim_phone, serial)) <= DND_READS | {DND_RESTORE}
    assert DND_RESTORE in sent(sim_phone, serial)
    profile = sim_phone.phone(serial).profile
    assert profile.zen_mode == 2 and not profile.airplane_mode


def test_an_unedited_old_log_is_still_undone(adb_server, sim_phone, tmp_path):
    serial = fixed_dnd_phone(sim_phone)
    log = write_jsonl(tmp_path / "fix.jsonl", [v1_dnd(serial)])
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sim_phone.phone(serial).profile.zen_mode == 2
    assert "Do Not Disturb back to 'on'" in proc.stdout


def _fixed_log(adb_server, sim_phone, tmp_path, profile: str, *args: str) -> tuple[str, Path]:
    serial = sim_phone(profile)
    log = tmp_path / "fix.jsonl"
    proc = fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", str(log), *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return serial, log


def _tamper(log: Path, **changes: Any) -> Path:
    """Change fields of every change record (intent and result alike, as a careful forger would)."""
    recs = lines(log)
    for r in recs[1:]:
        r.update(changes)
    return write_jsonl(log, recs)


TAMPERED = {
    "command in a value": ({"restore": {"zen_mode": "2; reboot"}}, "zen_mode=\"2; reboot\""),
    "value out of range": ({"restore": {"zen_mode": 7}}, "zen_mode=7"),
    "boolean for an integer": ({"restore": {"zen_mode": True}}, "zen_mode=true"),
    "value the fix does not change": ({"restore": {"airplane_mode_on": 1}}, "airplane_mode_on"),
    "values not a mapping": ({"restore": ["cmd connectivity airplane-mode enable"]}, "not a mapping"),
    "unknown fix": ({"fix": "format_phone"}, "unknown fix \"format_phone\""),
    "another phone": ({"serial": "R58M00000"}, "another phone"),
    "a package for a setting": ({"package": "com.android.settings"}, "names a package"),
}


@pytest.mark.parametrize("how", sorted(TAMPERED))
def test_undo_refuses_a_tampered_log(adb_server, sim_phone, tmp_path, how):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    profile = sim_phone.phone(serial).profile
    assert profile.zen_mode == 0
    changes, named = TAMPERED[how]
    _tamper(log, **changes)
    since = len(sim_phone.phone(serial).shell_log)
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert named in proc.stderr and "nothing was changed" in proc.stderr
    assert set(sent(sim_phone, serial, since)) <= DND_READS
    assert profile.zen_mode == 0


def test_undo_ignores_command_text_in_a_new_log(adb_server, sim_phone, tmp_path):
    """A version 2 log whose documented undo commands were edited is refused, and never run."""
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    _tamper(log, undo=["cmd connectivity airplane-mode enable"], reads={"zen_mode": "reboot"})
    since = len(sim_phone.phone(serial).shell_log)
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 2 and "undo commands" in proc.stderr, proc.stdout + proc.stderr
    assert set(sent(sim_phone, serial, since)) <= DND_READS


def test_undo_runs_exactly_the_registry_commands(adb_server, sim_phone, tmp_path):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    since = len(sim_phone.phone(serial).shell_log)
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sent(sim_phone, serial, since) == ["getprop ro.build.version.sdk", "settings get global zen_mode",
                                              DND_RESTORE, "settings get global zen_mode"]


@pytest.mark.parametrize("package, named", [
    ("com.example.notthere", "com.example.notthere is not installed on this phone"),
    ("com.x;reboot", "is not an Android package name"),
    ("com.x\nreboot", "is not an Android package name"),
    ("notapackage", "is not an Android package name"),
    (42, "is not an Android package name"),
])
def test_undo_refuses_a_package_that_is_not_installed_or_not_a_name(adb_server, sim_phone, tmp_path, package, named):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, NOTIF, "--only", "grant_sms_notifications")
    _tamper(log, package=package, undo=[f"pm revoke {package} {POST}"])  # consistent, as a forger would
    since = len(sim_phone.phone(serial).shell_log)
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert named in proc.stderr
    assert not [c for c in sent(sim_phone, serial, since) if "revoke" in c or "reboot" in c]
    assert sim_phone.phone(serial).profile.app(MESSAGES).notifications.granted is True


def test_old_log_with_a_package_not_installed(adb_server, sim_phone, tmp_path):
    """The old undo revoked a permission of whatever package a log named."""
    serial = sim_phone(NOTIF)
    other = "com.example.notthere"
    rec = v1_dnd(serial, fix="grant_sms_notifications", summary=f"Allow the messaging app to show notifications. "
                 f"({other})", before={"post_notifications": f"{POST}: granted=false"},
                 undo=[f"pm revoke {other} {POST}"], commands=[f"pm grant {other} {POST}"])
    log = write_jsonl(tmp_path / "fix.jsonl", [rec])
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 2 and "is not installed on this phone" in proc.stderr, proc.stdout + proc.stderr
    assert not [c for c in sent(sim_phone, serial) if "revoke" in c]


def test_undo_restores_a_package_fix_and_says_so(adb_server, sim_phone, tmp_path):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, NOTIF, "--only", "grant_sms_notifications")
    app = sim_phone.phone(serial).profile.app(MESSAGES)
    assert app.notifications.granted is True
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"notifications of {MESSAGES} blocked again" in proc.stdout
    assert app.notifications.granted is False


def test_undo_asks_first(adb_server, sim_phone, tmp_path):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    profile = sim_phone.phone(serial).profile
    no = fix_cli(adb_server, serial, "--undo", str(log), "--log", str(tmp_path / "u1.jsonl"), stdin="n\n")
    assert no.returncode == 1 and "Do Not Disturb back to 'on'" in no.stdout and "Nothing was changed" in no.stdout
    assert profile.zen_mode == 0 and not (tmp_path / "u1.jsonl").exists()
    yes = fix_cli(adb_server, serial, "--undo", str(log), "--log", str(tmp_path / "u2.jsonl"), stdin="y\n")
    assert yes.returncode == 0, yes.stdout + yes.stderr
    assert profile.zen_mode == 2


def test_undo_refuses_an_undo_log_and_a_fifo(adb_server, sim_phone, tmp_path):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    assert fix_cli(adb_server, serial, "--undo", str(log), "-y", "--log", str(tmp_path / "u.jsonl")).returncode == 0
    again = fix_cli(adb_server, serial, "--undo", str(tmp_path / "u.jsonl"), "-y", "--log", str(tmp_path / "v.jsonl"))
    assert again.returncode == 2 and "not of 'droidcheck fix'" in again.stderr
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        fifo = fix_cli(adb_server, serial, "--undo", str(tmp_path / "pipe"), "-y")
        assert fifo.returncode == 2 and "not a regular file" in fifo.stderr


# -- §3: the record is written before the change -----------------------------------------------------

#: "nodir": the log cannot be created; "full": it is created, its header fits, the intent record does not.
UNWRITABLE = {"nodir": None, "full": 300}


def _unwritable(tmp_path: Path, how: str) -> tuple[str, int | None]:
    if UNWRITABLE[how] is not None and sys.platform == "win32":
        pytest.skip("file size limits are POSIX")
    return str(tmp_path / ("nodir/x.jsonl" if how == "nodir" else "x.jsonl")), UNWRITABLE[how]


@pytest.mark.parametrize("how", sorted(UNWRITABLE))
def test_fix_changes_nothing_when_the_log_cannot_be_written(adb_server, sim_phone, tmp_path, how):
    serial = sim_phone(DND)
    log, limit = _unwritable(tmp_path, how)
    proc = fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", log, max_file_bytes=limit)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot write the audit log" in proc.stderr
    if limit:  # the header was written, the intent record was not (or only in part): nothing changed
        assert json.loads(Path(log).read_text().splitlines()[0])["record"] == "header"
    assert sim_phone.phone(serial).profile.zen_mode == 2
    assert "cmd notification set_dnd off" not in sent(sim_phone, serial)


def test_fix_refuses_to_append_to_an_existing_log(adb_server, sim_phone, tmp_path):
    serial = sim_phone(DND)
    log = tmp_path / "fix.jsonl"
    log.write_text("something\n")
    proc = fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", str(log))
    assert proc.returncode == 2 and "already exists" in proc.stderr
    assert sim_phone.phone(serial).profile.zen_mode == 2


@pytest.mark.parametrize("how", sorted(UNWRITABLE))
def test_undo_changes_nothing_when_its_log_cannot_be_written(adb_server, sim_phone, tmp_path, how):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    since = len(sim_phone.phone(serial).shell_log)
    out, limit = _unwritable(tmp_path, how)
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", out, max_file_bytes=limit)
    assert proc.returncode == 2 and "cannot write the audit log" in proc.stderr, proc.stdout + proc.stderr
    assert DND_RESTORE not in sent(sim_phone, serial, since)
    assert sim_phone.phone(serial).profile.zen_mode == 0


def test_the_log_has_a_header_and_the_intent_comes_before_the_change(adb_server, sim_phone, tmp_path):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    header, intent, result = lines(log)
    assert (header["format"], header["version"], header["record"], header["mode"], header["serial"]) == (
        "droidcheck.fix", 2, "header", "fix", serial)
    assert (intent["record"], intent["n"], intent["fix"], intent["restore"]) == ("intent", 1, "dnd_off",
                                                                                  {"zen_mode": 2})
    assert intent["time"] <= result["time"] and result["record"] == "result" and result["applied"]


def test_an_interrupted_fix_run_is_still_undone(adb_server, sim_phone, tmp_path):
    """A run stopped after writing its intent (the change may or may not have happened) can be undone."""
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    write_jsonl(log, lines(log)[:2])  # header and intent: the result never got written
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the fix run stopped during this change" in proc.stdout
    assert sim_phone.phone(serial).profile.zen_mode == 2
    undo = lines(tmp_path / "u.jsonl")
    assert [r["record"] for r in undo] == ["header", "intent", "result"] and undo[0]["mode"] == "undo"


def test_a_result_without_its_intent_is_refused(adb_server, sim_phone, tmp_path):
    serial, log = _fixed_log(adb_server, sim_phone, tmp_path, DND)
    recs = lines(log)
    write_jsonl(log, [recs[0], recs[2]])
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "u.jsonl"))
    assert proc.returncode == 2 and "without the intent record" in proc.stderr
    assert sim_phone.phone(serial).profile.zen_mode == 0


def test_phone_text_in_the_log_is_redacted(adb_server, sim_phone, tmp_path):
    said = "Done. Call +44 7700 900123 if it fails; your code is 482913\n"
    serial = sim_phone(DND, raw={"cmd notification set_dnd off": said})
    log = tmp_path / "fix.jsonl"
    proc = fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", str(log))
    assert "applied: dnd_off" in proc.stdout, proc.stdout + proc.stderr  # (the raw answer changes nothing)
    text = log.read_text()
    assert "Done. Call" in text and "7700 900123" not in text and "482913" not in text


# -- the registry's own rules, without a phone -----------------------------------------------------------

@pytest.mark.parametrize("name, ok", [
    ("com.google.android.apps.messaging", True), ("a.b", True), ("in.amazon.mShop_2.x", True),
    ("com", False), ("com.", False), (".com.x", False), ("com..x", False), ("com.1x", False), ("1com.x", False),
    ("com.x\n", False), ("com.x;reboot", False), ("com.x reboot", False), ("com.$(reboot)", False),
    ("com.é.x", False), ("a." + "b" * 300, False), (None, False), (42, False),
])
def test_package_grammar(name, ok):
    from droidcheck.fix.actions import safe_package

    assert safe_package(name) == (name if ok else None)


def test_recorded_values_must_be_in_their_domain():
    from droidcheck.fix.actions import REGISTRY
    from droidcheck.fix.undo import check_values

    spec = REGISTRY["amazon_background_allow"].restore
    assert spec is not None
    assert check_values(spec, {"appops_mode": "ignore", "standby_bucket": 45}) is None
    assert check_values(spec, {}) is None
    for bad in ({"appops_mode": "allow; reboot"}, {"standby_bucket": 11}, {"standby_bucket": "45"},
                {"standby_bucket": 45.0}, {"standby_bucket": True}, {"appops_mode": None}, {"other": 1}, [], "x"):
        assert check_values(spec, bad) is not None, bad
