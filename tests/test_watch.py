"""``droidcheck watch`` end to end: real adb server + simulated phones playing a scripted SMS arrival.

Each case is run on API 28 and API 34, whose traces differ (broadcast queue names; a suppressed
notification is logged on 28 and not on 34, where the block is inferred and reported as not observable).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from droidcheck.check import check_snapshot
from droidcheck.collect.collector import read_device
from droidcheck.rules.loader import load_rules
from droidcheck.sim.profile import App, AppNotifications, Profile, SmsScript
from droidcheck.watch.session import run_watch
from droidcheck.watch.timeline import mask_sender

SMS_APP = "com.google.android.apps.messaging"
RULES = load_rules()
BODY = "482913 is your Amazon OTP. Don't share it with anyone."
CODE = "482913"


def _profile(sdk: int, script: SmsScript | None, *, blocked: bool = False, **kw) -> Profile:
    app = App(package=SMS_APP, system=True, permissions=["RECEIVE_SMS", "READ_SMS"], target_sdk=sdk,
              notifications=AppNotifications(blocked=blocked, granted=not blocked if sdk >= 33 else True))
    return Profile(name=f"watch-{sdk}", sdk=sdk, apps=[app], sms_script=script, **kw)


def _watch(adb_server, serial: str, *, check: bool = True, timeout: float = 2.0):
    device = adb_server.client.device(serial)
    result = None
    if check:
        snap = read_device(device, serial=serial, adb_server=adb_server.address)
        result = check_snapshot(snap, RULES)

    def shell(script: str) -> str:
        return device.shell(script, timeout=10, rstrip=False)

    return run_watch(shell, timeout_s=timeout, interval_s=0.25, sms_app=SMS_APP, grace_s=1.0,
                     check_result=result)


def _stages(outcome) -> dict[str, str]:
    return {s["id"]: s["status"] for s in outcome.to_dict()["stages"]}


SDKS = [28, 34]


@pytest.mark.e2e
@pytest.mark.parametrize("sdk", SDKS)
def test_lost_on_the_network(adb_server, sim_phone, sdk):
    serial = sim_phone(_profile(sdk, SmsScript(delay_s=0.2, lost_at="network"), airplane_mode=True))
    out = _watch(adb_server, serial)
    assert out.verdict.stopped_at == "network"
    assert out.ended_by == "timeout"
    assert out.verdict.findings[0]["rule"] == "airplane-mode-on"
    assert {"account-number-correct", "resend-after-wait"} <= set(out.verdict.rules)
    assert _stages(out)["radio"] == "not_reached"


@pytest.mark.e2e
@pytest.mark.parametrize("sdk", SDKS)
def test_nothing_arrives_times_out(adb_server, sim_phone, sdk):
    serial = sim_phone(_profile(sdk, None))
    out = _watch(adb_server, serial, check=False, timeout=1.5)
    assert out.ended_by == "timeout" and out.verdict.stopped_at == "network"
    assert "no-cellular-service" in out.verdict.rules
    assert all(v == "not_reached" for k, v in _stages(out).items() if k in ("radio", "delivered", "stored"))


@pytest.mark.e2e
@pytest.mark.parametrize("sdk", SDKS)
def test_lost_before_the_sms_app(adb_server, sim_phone, sdk):
    serial = sim_phone(_profile(sdk, SmsScript(delay_s=0.2, lost_at="sms_app")))
    out = _watch(adb_server, serial, check=False)
    stages = _stages(out)
    assert stages["radio"] == "reached" and stages["delivered"] == "not_reached"
    assert out.verdict.stopped_at == "sms_app"
    assert out.verdict.rules[:2] == ["no-default-sms-app", "sms-app-disabled"]


@pytest.mark.e2e
@pytest.mark.parametrize("sdk", SDKS)
def test_lost_at_the_notification(adb_server, sim_phone, sdk):
    serial = sim_phone(_profile(sdk, SmsScript(delay_s=0.2, lost_at="notification"), blocked=True))
    out = _watch(adb_server, serial, timeout=10)  # ends on the block or the 1 s grace, long before
    doc = out.to_dict()
    stages = _stages(out)
    assert stages["radio"] == stages["delivered"] == stages["stored"] == "reached"
    assert out.verdict.stopped_at == "notification"
    assert out.verdict.findings[0] == {**out.verdict.findings[0], "rule": "sms-app-notifications-blocked",
                                       "status": "fail"}
    assert doc["sender"] == "AMAZON"
    if sdk == 28:  # NotificationManagerService logs the suppression
        assert out.ended_by == "blocked" and out.verdict.evidence == "observed"
        assert doc["notification_block_observable"] is True
    else:  # not logged on Android 10+: inferred, and said so
        assert out.ended_by == "grace" and out.verdict.evidence == "inferred"
        assert doc["notification_block_observable"] is False
        assert any("inferred" in n for n in out.verdict.notes)
        assert stages["blocked"] == "not_observable"


@pytest.mark.e2e
@pytest.mark.parametrize("sdk", SDKS)
def test_delivered_and_shown(adb_server, sim_phone, sdk):
    serial = sim_phone(_profile(sdk, SmsScript(delay_s=0.2)))
    out = _watch(adb_server, serial, check=False, timeout=15)  # ends when shown
    assert out.ended_by == "notification"
    assert out.verdict.stopped_at == "shown"
    stages = out.to_dict()["stages"]
    assert [s["status"] for s in stages[:5]] == ["reached"] * 5
    times = [s["after_s"] for s in stages[:5]]
    assert all(t is not None and t > -2.5 for t in times)
    assert stages[5]["status"] == ("not_reached" if sdk == 28 else "not_observable")


@pytest.mark.e2e
def test_silent_notification_points_at_channels(adb_server, sim_phone):
    serial = sim_phone(_profile(34, SmsScript(delay_s=0.2, importance=2)))
    out = _watch(adb_server, serial, check=False, timeout=15)  # ends when shown
    assert out.verdict.stopped_at == "silenced"
    assert out.verdict.rules[0] == "sms-app-channels-silenced"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "watch", *args], capture_output=True,
                          text=True, timeout=60, env=env)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


@pytest.mark.e2e
def test_body_and_code_never_leak(adb_server, sim_phone, tmp_path: Path):
    """Terminal, JSON and the written file hold neither the body nor the code; a number sender is masked."""
    script = SmsScript(sender="+447700900555", body=BODY, code=CODE, delay_s=0.2)
    serial = sim_phone(_profile(34, script))
    out_file = tmp_path / "watch.json"
    term = _cli("--adb", adb_server.address, "-s", serial, "--timeout", "15", "--interval", "0.3",
                "-o", str(out_file))
    assert term.returncode == 0, term.stderr
    assert "Resend OTP" in term.stdout and "Verdict" in term.stdout
    sim_phone.phone(serial).profile.sms_script.started_at = None  # play it again for the JSON run
    js = _cli("--adb", adb_server.address, "-s", serial, "--timeout", "15", "--interval", "0.3",
              "--format", "json", "--no-check")
    doc = json.loads(js.stdout)
    assert doc["format"] == "droidcheck.watch" and doc["verdict"]["stopped_at"] == "shown"
    assert doc["sender"] == "+••••••••••55"
    written = out_file.read_text(encoding="utf-8")
    for text in (term.stdout, term.stderr, js.stdout, js.stderr, written):
        assert CODE not in text and "Amazon OTP" not in text and "share it" not in text
        assert "7700900555" not in text and "900555" not in text


@pytest.mark.e2e
def test_not_observable_stage_is_reported(adb_server, sim_phone):
    serial = sim_phone(_profile(34, SmsScript(delay_s=0.2, lost_at="notification"), blocked=True))
    proc = _cli("--adb", adb_server.address, "-s", serial, "--timeout", "10", "--interval", "0.3",
                "--grace", "1", "--no-check")
    assert proc.returncode == 1
    assert "not observable on Android 14" in proc.stdout
    assert "debug builds from Android 10 on" in proc.stdout


# -- parsers on text in the AOSP formats --------------------------------------------------------------

def test_sender_masking():
    assert mask_sender("56789") == "56789"
    assert mask_sender("AMAZON") == "AMAZON" and mask_sender("AX-AMAZON") == "AX-AMAZON"
    assert mask_sender("+447700900123") == "+••••••••••23"


@pytest.mark.e2e
def test_a_check_before_the_watch_does_not_make_the_message_arrive_early(adb_server, sim_phone):
    """``check`` and ``fix`` read ``dumpsys notification`` too; only the watch's own reads start the script."""
    import time

    serial = sim_phone(_profile(34, SmsScript(delay_s=0.5)))
    read_device(adb_server.client.device(serial), serial=serial, adb_server=adb_server.address)
    time.sleep(1.5)  # with the clock started by the check, the message would already be in the inbox
    out = _watch(adb_server, serial, check=False, timeout=15)  # ends when shown
    assert out.verdict.stopped_at == "shown"
    stored = next(s for s in out.to_dict()["stages"] if s["id"] == "stored")
    assert stored["after_s"] >= 0.4, stored


def _early_message(baseline_package: str):
    from droidcheck.parsers.watch_sources import InboxRow, NotificationSeen
    from droidcheck.watch.timeline import Timeline
    from droidcheck.watch.verdict import decide

    tl = Timeline.begin(1_760_000_100.0, 34, SMS_APP)
    tl.set_baseline([NotificationSeen("0x1a", baseline_package, 4)])
    tl.add_notifications([NotificationSeen("0x1a", baseline_package, 4)], 1_760_000_100.0)
    reached = tl.add_inbox([InboxRow("AMAZON", 1_760_000_099.0)])  # stored a second before the watch began
    tl.finish()
    return reached, decide(tl, None)


def test_a_message_stored_just_before_the_watch_keeps_its_notification():
    reached, verdict = _early_message(SMS_APP)
    assert reached == ["stored", "notification"]
    assert verdict.stopped_at == "shown"


def test_an_other_apps_old_notification_is_not_taken_for_the_message():
    reached, verdict = _early_message("com.example.chat")
    assert reached == ["stored"]
    assert verdict.stopped_at == "notification"


@pytest.mark.e2e
@pytest.mark.parametrize(("zen", "stop"), [(1, "silenced"), (0, "shown")])
def test_do_not_disturb_at_arrival_makes_it_silent(adb_server, sim_phone, zen, stop):
    serial = sim_phone(_profile(34, SmsScript(delay_s=0.2), zen_mode=zen))
    out = _watch(adb_server, serial, check=False, timeout=15)
    doc = out.to_dict()
    assert out.ended_by == "notification" and out.verdict.stopped_at == stop
    if zen:
        assert doc["dnd_at_notification"] == "priority only"
        assert "Do Not Disturb" in out.verdict.notes[0] and out.verdict.rules[-1] == "do-not-disturb"
    else:
        assert doc["dnd_at_notification"] is None


@pytest.mark.e2e
def test_a_short_or_stopped_watch_says_how_long_it_watched_and_that_it_stopped_early(adb_server, sim_phone):
    serial = sim_phone(_profile(34, None))
    out = _watch(adb_server, serial, check=False, timeout=1.5)
    summary = out.verdict.summary
    assert summary.startswith("Nothing reached the phone in the 2 s watched"), summary
    assert "stopped early" in summary and "time limit" in summary and out.verdict.evidence == "inferred"

    device = adb_server.client.device(serial)
    calls = 0

    def shell(script: str) -> str:  # the technician presses Ctrl-C during the third poll
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt
        return device.shell(script, timeout=10, rstrip=False)

    out = run_watch(shell, timeout_s=60, interval_s=0.25, sms_app=SMS_APP, grace_s=1.0)
    assert out.ended_by == "interrupted"
    assert "stopped early (it was stopped (Ctrl-C))" not in out.verdict.summary
    assert "stopped early" in out.verdict.summary and "Ctrl-C" in out.verdict.summary
    assert f"in the {out.duration_s:.0f} s watched" in out.verdict.summary


def test_a_full_length_watch_that_saw_nothing_keeps_its_conclusion():
    from droidcheck.watch.verdict import Verdict, qualify

    v = Verdict("network", "Nothing reached the phone: lost before it.", "observed", [])
    qualify(v, "timeout", 180.0)
    assert v.summary.startswith("Nothing reached the phone in the 180 s watched: ") and v.evidence == "observed"
    assert "early" not in v.summary


@pytest.mark.e2e
@pytest.mark.parametrize(("maker", "stop", "mode"), [("Xiaomi", "silenced", "MIUI Silent mode"),
                                                      ("Google", "shown", None)])
def test_zen_mode_4_is_do_not_disturb_only_on_xiaomi(adb_server, sim_phone, maker, stop, mode):
    """zen_mode 4 is MIUI's Silent mode on Xiaomi/Redmi/POCO; on a Pixel it is no mode, as the check's
    notifications.dnd fact reads it (the watch called it MIUI Silent on any phone)."""
    serial = sim_phone(_profile(34, SmsScript(delay_s=0.2), zen_mode=4, maker=maker))
    out = _watch(adb_server, serial, check=False, timeout=15)
    assert out.ended_by == "notification" and out.verdict.stopped_at == stop
    assert out.to_dict()["dnd_at_notification"] == mode
