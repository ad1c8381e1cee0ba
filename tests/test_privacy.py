"""Phone numbers, IMEI/ICCID and code-like numbers never leave droidcheck unless --no-redact is given.

The simulated phone here is a debuggable build whose `dumpsys isub` prints the SIM's number and ICCID in
clear, and whose operator name carries a one-time code: every output format is checked for all of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from droidcheck.report.redact import mask_serial, redact_text

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parent / "fixtures" / "isub" / "s_12_userdebug_ask_every_time.txt"
SECRETS = ("+447700900123", "7700900123", "8944110068512345678", "482913")


def _isub_text() -> str:
    return "".join(line for line in FIXTURE.read_text().splitlines(keepends=True) if not line.startswith("#"))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "250"})
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture
def leaky_phone(sim_phone):
    return sim_phone("pixel8-a14-healthy", raw={"dumpsys isub": _isub_text()},
                     sims=[_sim(operator="Your code is 482913")])


def _sim(**kw):
    from droidcheck.sim.profile import SimSlot

    return SimSlot(sub_id=5, **kw)


@pytest.mark.parametrize("fmt", ["terminal", "json", "junit"])
def test_no_secret_in_any_check_format(adb_server, leaky_phone, fmt):
    proc = run_cli("check", "--adb", adb_server.address, "-s", leaky_phone, "--format", fmt)
    out = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), out
    for secret in SECRETS:
        assert secret not in out, f"{secret} leaked in {fmt} output"


def test_no_redact_shows_them(adb_server, leaky_phone):
    """The test above can fail: the secrets really are in what the phone printed."""
    proc = run_cli("check", "--adb", adb_server.address, "-s", leaky_phone, "--format", "json", "--no-redact")
    result = json.loads(proc.stdout)
    assert result["facts"]["sim.phone_number"]["value"] == "+447700900123"
    assert "482913" in proc.stdout


def test_saved_snapshot_is_scrubbed(adb_server, leaky_phone, tmp_path):
    out = tmp_path / "snap.json"
    assert run_cli("snapshot", "--adb", adb_server.address, "-s", leaky_phone, "-o", str(out)).returncode == 0
    text = out.read_text()
    for secret in SECRETS:
        assert secret not in text
    assert json.loads(text)["meta"]["redacted"] is True
    # the owner's names for the phone and its per-device Android ID are not needed by any check
    assert "Sim Phone" not in text and "4f1c2a9be03d7e51" not in text
    assert "bluetooth_name=[redacted]" in text and "android_id=[redacted]" in text


@pytest.mark.parametrize(("probe", "text", "gone", "kept"), [
    ("settings_global", "airplane_mode_on=0\ndevice_name=Anna's Galaxy S21\n", "Anna", "airplane_mode_on=0"),
    ("settings_secure", "bluetooth_address=A4:50:46:12:34:56\nsms_default_application=com.x\n", "A4:50",
     "sms_default_application=com.x"),
    ("connectivity", '  NetworkAgentInfo{network{100}  ni{WIFI CONNECTED extra: "Anna Home 5G"}  nc{[ Transports: '
                     'WIFI Capabilities: INTERNET&VALIDATED SSID: "Anna Home 5G"]}}', "Anna", "ni{WIFI CONNECTED"),
])
def test_saved_outputs_drop_what_names_the_owner(probe, text, gone, kept):
    from droidcheck.report.redact import redact_output

    clean = redact_output(probe, text)
    assert gone not in clean and kept in clean and "[redacted]" in clean


@pytest.mark.parametrize(("text", "kept"), [
    ("number=+44 7700 900123 next", "next"),
    ("iccId=8944110068512345678", "iccId="),
    ("imei 356938035643809", "imei"),
    ("Amazon: 482913 is your verification code", "is your verification code"),
    ("OTP: 4829-13", "OTP: "),
])
def test_redact_text(text, kept):
    red = redact_text(text)
    assert "[redacted]" in red and kept in red
    assert not any(ch.isdigit() for ch in red.replace("[redacted]", "")), red


@pytest.mark.parametrize("text", ["Android 14 (API 34)", "2026-10-05", "-85 dBm", "versionCode=1241312010 minSdk=28",
                                  "uptime 190000 s", "127.0.0.1:5555"])
def test_ordinary_numbers_survive(text):
    assert redact_text(text) == text


def test_mask_serial():
    assert mask_serial("R58R12ABCDE") == "R5•••••••DE"
    assert mask_serial("127.0.0.1:5555") == "127.0.0.1:5555"
