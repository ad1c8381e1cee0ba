"""``droidcheck fix`` end to end: real adb server, simulated phones, the CLI in a subprocess."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from droidcheck.fix.actions import REGISTRY, Context
from droidcheck.fix.plan import plan_fixes

pytestmark = pytest.mark.e2e

POST = "android.permission.POST_NOTIFICATIONS"
MESSAGES = "com.google.android.apps.messaging"
AMAZON = "com.amazon.mShop.android.shopping"

#: built-in broken profile -> the findings its auto-fixes must turn to pass
FIXABLE = {
    "galaxy-a52-a13-airplane": ["airplane-mode-on"],
    "motog6-a8-clock-off": ["clock-drift", "auto-time-off", "auto-time-zone-off"],
    "pixel9-a15-notifications-off": ["sms-app-notifications-blocked", "amazon-notifications-blocked"],
    "pixel3-a9-amazon-restricted": ["amazon-background-restricted"],
    "pixel4a-a10-storage-full-dnd": ["do-not-disturb"],
}


def fix_cli(adb_server, serial: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "fix", "--adb", adb_server.address,
                           "-s", serial, *args], capture_output=True, text=True, timeout=60, env=env)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


def statuses(result_file: Path) -> dict[str, str]:
    return {f["rule"]: f["status"] for f in json.loads(result_file.read_text())["findings"]}


def log_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def log_records(path: Path) -> list[dict]:
    """The result records of a fix or undo log (one per fix; the header and intents left out)."""
    return [r for r in log_lines(path) if r.get("record") == "result"]


@pytest.mark.parametrize("name", sorted(FIXABLE))
def test_fix_yes_makes_findings_pass(adb_server, sim_phone, tmp_path, name):
    serial = sim_phone(name)
    log, out = tmp_path / "fix.jsonl", tmp_path / "after.json"
    proc = fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", str(log), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = statuses(out)
    for rule in FIXABLE[name]:
        assert after[rule] == "pass", (rule, proc.stdout)
    records = log_records(log)
    assert records and all(r["applied"] and r["serial"] == serial and r["time"].endswith("Z") for r in records)
    changes = json.loads(out.read_text())["changes"]
    assert [c["fix"] for c in changes] == [r["fix"] for r in records]


def test_dry_run_changes_nothing(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel9-a15-notifications-off")
    profile = sim_phone.phone(serial).profile
    before = dataclasses.asdict(profile)
    proc = fix_cli(adb_server, serial, "--dry-run", "--log", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 0
    assert f"pm grant {MESSAGES} {POST}" in proc.stdout and "Dry run" in proc.stdout
    assert dataclasses.asdict(profile) == before
    assert not (tmp_path / "x.jsonl").exists()


def test_undo_restores_previous_values(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel4a-a10-storage-full-dnd")
    profile = sim_phone.phone(serial).profile
    log = tmp_path / "fix.jsonl"
    assert fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", str(log)).returncode == 0
    assert profile.zen_mode == 0
    proc = fix_cli(adb_server, serial, "--undo", str(log), "--yes", "--log", str(tmp_path / "undo.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert profile.zen_mode == 2
    undo = log_records(tmp_path / "undo.jsonl")
    assert undo[0]["mode"] == "undo" and undo[0]["commands"] == ["cmd notification set_dnd on"]


def test_undo_several_fixes_in_reverse(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel3-a9-amazon-restricted")
    app = sim_phone.phone(serial).profile.app(AMAZON)
    log = tmp_path / "fix.jsonl"
    assert fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", str(log)).returncode == 0
    assert (app.background, app.standby_bucket) == ("allow", 10)
    assert fix_cli(adb_server, serial, "--undo", str(log), "-y", "--log", str(tmp_path / "u.jsonl")).returncode == 0
    assert (app.background, app.standby_bucket) == ("ignore", 45)


def test_failing_fix_is_reported_and_the_rest_still_run(adb_server, sim_phone, tmp_path):
    refusal = ("Exception occurred while executing 'grant':\njava.lang.SecurityException: grantRuntimePermission: "
               "Neither user 2000 nor current process has android.permission.GRANT_RUNTIME_PERMISSIONS.\n")
    serial = sim_phone("pixel9-a15-notifications-off", raw={f"pm grant {MESSAGES} {POST}": refusal})
    profile = sim_phone.phone(serial).profile
    log, out = tmp_path / "fix.jsonl", tmp_path / "after.json"
    proc = fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", str(log), "-o", str(out))
    assert proc.returncode == 1
    assert "NOT applied: grant_sms_notifications" in proc.stdout
    by_fix = {r["fix"]: r for r in log_records(log)}
    assert not by_fix["grant_sms_notifications"]["applied"]
    assert "SecurityException" in by_fix["grant_sms_notifications"]["why"]
    assert by_fix["grant_amazon_notifications"]["applied"]
    assert profile.app(AMAZON).notifications.granted is True
    assert profile.app(MESSAGES).notifications.granted is False
    after = statuses(out)
    assert after["amazon-notifications-blocked"] == "pass" and after["sms-app-notifications-blocked"] == "fail"


def test_post_notifications_is_gated_to_android_13(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel9-a15-notifications-off", sdk=31, release="12")
    profile = sim_phone.phone(serial).profile
    before = dataclasses.asdict(profile)
    proc = fix_cli(adb_server, serial, "--yes", "--settle", "0", "--log", str(tmp_path / "f.jsonl"))
    assert "pm grant" not in proc.stdout
    assert "POST_NOTIFICATIONS exists only from Android 13 (API 33)" in proc.stdout
    assert "android.settings.APP_NOTIFICATION_SETTINGS" in proc.stdout
    assert vars(profile).get("_sim_screen") == "android.settings.APP_NOTIFICATION_SETTINGS"
    assert proc.returncode == 1  # the screen is open, but the customer has not switched it on yet
    before_apps = before["apps"]
    assert dataclasses.asdict(profile)["apps"] == before_apps


def test_only_and_unknown_fix_name(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel9-a15-notifications-off")
    profile = sim_phone.phone(serial).profile
    proc = fix_cli(adb_server, serial, "--yes", "--settle", "0", "--only", "grant_amazon_notifications",
                   "--log", str(tmp_path / "f.jsonl"))
    assert proc.returncode == 0, proc.stdout
    assert profile.app(MESSAGES).notifications.granted is False
    assert profile.app(AMAZON).notifications.granted is True
    bad = fix_cli(adb_server, serial, "--only", "make_it_work")
    assert bad.returncode == 2 and "no fix named make_it_work" in bad.stderr


def test_version_gates_in_the_registry():
    old, new = Context(sdk=28, sms_app=MESSAGES, amazon_app=AMAZON), Context(sdk=34, sms_app=MESSAGES,
                                                                               amazon_app=AMAZON)
    assert REGISTRY["airplane_mode_off"].plan(old).kind == "guided"
    assert REGISTRY["airplane_mode_off"].plan(new).commands == ["cmd connectivity airplane-mode disable"]
    assert REGISTRY["dnd_off"].plan(old).kind == "guided"
    assert REGISTRY["amazon_background_allow"].plan(Context(sdk=26, amazon_app=AMAZON)).commands == [
        f"cmd appops set {AMAZON} RUN_IN_BACKGROUND allow"]
    assert REGISTRY["grant_sms_notifications"].plan(Context(sdk=34, sms_app="x; reboot")).kind == "refused"


def test_plan_deduplicates_shared_fixes():
    result = {"device": {"sdk": 26}, "facts": {}, "findings": [
        {"rule": "clock-drift", "status": "fail", "auto_fix": "auto_time_on"},
        {"rule": "auto-time-off", "status": "fail", "auto_fix": "auto_time_on"},
        {"rule": "auto-time-zone-off", "status": "pass", "auto_fix": "auto_time_on"},
        {"rule": "x", "status": "warn", "auto_fix": "not_in_this_build"}]}
    planned, missing = plan_fixes(result)
    assert [p.step.action for p in planned] == ["auto_time_on"]
    assert planned[0].rules == ["clock-drift", "auto-time-off"] and missing == ["not_in_this_build"]


def test_consent_is_asked_per_fix(adb_server, sim_phone, tmp_path):
    """Declining the first fix and accepting the second applies only the second."""
    serial = sim_phone("pixel9-a15-notifications-off")
    profile = sim_phone.phone(serial).profile
    log = tmp_path / "consent.jsonl"
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "fix", "--adb", adb_server.address, "-s", serial,
                           "--settle", "0", "--log", str(log)], input="n\ny\n\n", capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.count("Apply '") == 2, proc.stdout
    messages = next(a for a in profile.apps if a.package == MESSAGES)
    amazon = next(a for a in profile.apps if a.package == AMAZON)
    assert messages.notifications.granted is False  # declined: untouched
    assert amazon.notifications.granted is True  # accepted
    records = log_records(log)
    assert [(r["fix"], r["applied"]) for r in records] == [("grant_sms_notifications", False),
                                                            ("grant_amazon_notifications", True)]
