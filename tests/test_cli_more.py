"""More of the command line: Wi-Fi connect, the simulator command, facts, rule explain, expected number."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixture_files import fixture
from sim_listing import read_listing

from droidcheck.adb.server import free_port
from droidcheck.facts.registry import FACTS
from droidcheck.sim.profile import find_profile


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200"})
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


def test_help_lists_the_commands():
    proc = run_cli("--help")
    for command in ("devices", "check", "snapshot", "facts", "plan", "rules", "sim", "demo"):
        assert command in proc.stdout


def test_facts_json_lists_the_contract():
    facts = {f["name"]: f for f in json.loads(run_cli("facts", "--json").stdout)}
    assert {f.name for f in FACTS} == set(facts)
    for name in ("android.sdk", "sms.default_app", "time.drift_seconds", "signal.service_state", "sim.sms_slot"):
        assert facts[name]["contract"] is True
    assert facts["signal.service_state"]["values"] == ["in_service", "out_of_service", "emergency_only", "power_off"]


def test_rules_explain_shows_condition_threshold_and_fix():
    proc = run_cli("rules", "explain", "clock-drift")
    assert proc.returncode == 0
    assert "faq.code-expires" in proc.stdout and "fail_when" in proc.stdout and "threshold:" in proc.stdout
    assert run_cli("rules", "explain", "no-such-rule").returncode == 2


def test_plan_markdown_is_the_readme_table():
    table = run_cli("plan", "--markdown").stdout.strip()
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert table in readme, "README's command table is out of date: paste `droidcheck plan --markdown`"


@pytest.mark.e2e
def test_devices_connect_over_wifi(adb_server, sim_host):
    phone = sim_host.add(find_profile("pixel3-a9-amazon-restricted"))
    try:
        proc = run_cli("devices", "--adb", adb_server.address, "--connect", phone.serial)
        assert proc.returncode == 0, proc.stderr
        assert "connected to" in proc.stdout and "Pixel 3" in proc.stdout and "wifi/tcp" in proc.stdout
    finally:
        adb_server.client.disconnect(phone.serial)
        sim_host.remove(phone)


@pytest.mark.e2e
def test_devices_connect_to_nothing_is_a_clear_error(adb_server):
    proc = run_cli("devices", "--adb", adb_server.address, "--connect", f"127.0.0.1:{free_port()}")
    assert proc.returncode == 2
    assert "could not connect" in proc.stderr and "Wireless debugging" in proc.stderr


@pytest.mark.e2e
def test_sim_command_serves_phones_until_stopped(adb_server):
    proc = subprocess.Popen([sys.executable, "-m", "droidcheck.cli", "sim", "pixel8-a14-healthy",
                             "motog6-a8-clock-off", "--port", "0", "--adb", adb_server.address],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        listing = read_listing(proc, timeout=60)
        serials = re.findall(r"→ (127\.0\.0\.1:\d+)", "".join(listing))
        assert len(serials) == 2, listing
        deadline = time.monotonic() + 20  # 'connected to' can come just before the handshake ends
        while True:
            states = {i.serial: i.state for i in adb_server.client.list(extended=True)}
            if all(states.get(s) == "device" for s in serials) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert all(states.get(s) == "device" for s in serials), states
        check = run_cli("check", "--adb", adb_server.address, "-s", serials[1], "--format", "json")
        assert json.loads(check.stdout)["verdict"]["likely_causes"][0] == "clock-drift"
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    states = {i.serial: i.state for i in adb_server.client.list(extended=True)}
    assert not set(serials) & set(states), "the simulator should disconnect its phones when it stops"


@pytest.mark.e2e
@pytest.mark.parametrize(("number", "status"), [("07700 900123", "pass"), ("+44 7700 900999", "fail")])
def test_expect_number_where_the_phone_reveals_it(adb_server, sim_phone, number, status):
    from droidcheck.sim.profile import SimSlot

    isub = fixture("isub/s_12_userdebug_ask_every_time.txt")
    serial = sim_phone("pixel8-a14-healthy", raw={"dumpsys isub": isub}, sims=[SimSlot(sub_id=5)])
    proc = run_cli("check", "--adb", adb_server.address, "-s", serial, "--format", "json", "--expect-number",
                   number)
    findings = {f["rule"]: f for f in json.loads(proc.stdout)["findings"]}
    assert findings["number-mismatch"]["status"] == status
    assert number.replace(" ", "")[-6:] not in proc.stdout  # the number itself stays redacted


@pytest.mark.e2e
def test_expect_number_on_a_phone_that_hides_it_is_unknown(adb_server, sim_phone):
    serial = sim_phone("pixel8-a14-healthy")
    proc = run_cli("check", "--adb", adb_server.address, "-s", serial, "--format", "json", "--expect-number",
                   "+447700900123")
    findings = {f["rule"]: f for f in json.loads(proc.stdout)["findings"]}
    assert findings["number-mismatch"]["status"] == "unknown"
    assert "check it by hand" in findings["number-mismatch"]["unknown_facts"]["sim.number_matches_expected"]


@pytest.mark.parametrize(("command", "choices"), [("check", "'terminal', 'json', 'junit'"),
                                                  ("fleet", "'terminal', 'json', 'junit'"),
                                                  ("watch", "'terminal', 'json'"), ("recheck", "'terminal', 'json'")])
def test_usage_errors_are_usage_errors(command, choices):
    """--format is a choice: a value outside it is a usage error that names the choices, before any work."""
    args = [command, "--format", "xml"] + (["."] if command == "recheck" else [])
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "Invalid value for '--format'" in proc.stderr and f"is not one of {choices}." in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_output_to_a_non_utf8_file_or_pipe_never_crashes(tmp_path, encoding):
    """Windows gives redirected output its ANSI code page, which has no '✗' or '→'."""
    from droidcheck.sim.snapshot import snapshot_of

    snap = tmp_path / "snap.json"
    snap.write_text(snapshot_of(find_profile("motog6-a8-clock-off")).to_json(), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "120"}
    for fmt in ("terminal", "json"):
        proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "check", "--from", str(snap), "--format", fmt],
                              capture_output=True, env=env, timeout=60)
        assert proc.returncode == 1, proc.stderr.decode("utf-8", "replace")
        out = proc.stdout.decode("utf-8")  # redirected output is UTF-8 whatever the code page
        if fmt == "json":
            assert json.loads(out)["verdict"]["likely_causes"][0] == "clock-drift"
        else:
            assert "clock" in out.lower()
