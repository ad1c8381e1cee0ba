"""End to end: real adb server + simulated phones + droidcheck, through the library and the CLI."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time

import adbutils
import pytest

from droidcheck.check import check_snapshot, exit_code
from droidcheck.collect.collector import read_device
from droidcheck.collect.plan import PROBES
from droidcheck.facts.extract import extract_facts
from droidcheck.facts.registry import FACTS
from droidcheck.rules.loader import load_rules
from droidcheck.sim.profile import builtin_profiles

pytestmark = pytest.mark.e2e

PROFILES = builtin_profiles()
RULES = load_rules()


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    return proc


def read(adb_server, serial: str, **kw):
    return read_device(adb_server.client.device(serial), serial=serial, adb_server=adb_server.address, **kw)


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_each_profile_gets_its_verdict(adb_server, sim_phone, profile):
    serial = sim_phone(profile)
    snap = read(adb_server, serial)
    assert snap.meta.complete, snap.meta.problems
    assert snap.meta.round_trips <= 3
    result = check_snapshot(snap, RULES)
    expect = profile.expect
    assert result["verdict"]["status"] == expect["verdict"], result["verdict"]
    causes = result["verdict"]["likely_causes"]
    if "first_cause" in expect:
        assert causes and causes[0] == expect["first_cause"], causes
    if "likely_causes" in expect:
        assert causes == expect["likely_causes"]
    by_rule = {f["rule"]: f for f in result["findings"]}
    for explained in expect.get("explained", []):
        assert by_rule[explained]["explained_by"] == expect["first_cause"]
        assert explained not in causes
    assert exit_code(result) == (1 if expect["verdict"] == "fail" else 0)


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_every_contract_fact_is_read_off_each_profile(adb_server, sim_phone, profile):
    facts = extract_facts(read(adb_server, sim_phone(profile)))
    unknown = {s.name: facts[s.name].reason for s in FACTS if s.contract and not facts[s.name].known
               and not _may_be_unknown(s.name, profile)}
    assert not unknown
    assert facts["android.sdk"].value == profile.sdk
    assert facts["radio.airplane_mode"].value is profile.airplane_mode
    assert abs(facts["time.drift_seconds"].value - profile.clock_offset_seconds) < 2.0
    assert facts["sms.default_app"].value == (profile.default_sms_app or "")


def _may_be_unknown(name: str, profile) -> bool:
    """Facts a phone legitimately cannot show: Amazon's notifications with no Amazon app; signal of a
    SIM that is not registered."""
    amazon = any(a.package.endswith("mShop.android.shopping") for a in profile.apps)
    if name == "notifications.amazon_allowed" and not amazon:
        return True
    if not any(s.state == "READY" for s in profile.sims):  # no SIM to receive texts: nothing to pick
        return name.startswith("signal.") or name == "sim.sms_slot"
    sms_sim = profile.sms_sim
    registered = sms_sim is not None and sms_sim.service_state == "IN_SERVICE" and not profile.airplane_mode
    return name in ("signal.level", "signal.dbm", "signal.roaming") and not registered


def test_latency_round_trips_and_clock(adb_server, sim_phone):
    serial = sim_phone("pixel8-a14-healthy", faults={"latency_ms": 50}, clock_offset_seconds=-120)
    t0 = time.monotonic()
    snap = read(adb_server, serial)
    assert snap.meta.round_trips == 1  # the per-app probes are chosen on the phone, in the same script
    assert time.monotonic() - t0 < 3.0
    assert abs(snap.meta.clock_offset_s + 120) < 1.6


def test_one_server_connection_per_round_trip(adb_server, sim_phone, monkeypatch):
    """A lab's server is across the network: every extra connection (adbutils asks the server's version
    before each transport) is one more network round trip per phone."""
    serial = sim_phone("pixel8-a14-healthy")
    client = adbutils.AdbClient(host="127.0.0.1", port=adb_server.server.port)
    opened = []
    make_connection = client.make_connection
    monkeypatch.setattr(client, "make_connection", lambda **kw: opened.append(kw) or make_connection(**kw))
    snap = read_device(client.device(serial), serial=serial)
    assert snap.meta.complete and len(opened) == snap.meta.round_trips == 1


def test_phone_lost_mid_read_keeps_what_was_read(adb_server, sim_phone):
    serial = sim_phone("pixel8-a14-healthy", faults={"disconnect_after": 16})
    snap = read(adb_server, serial)
    assert not snap.meta.complete
    # `date` runs alone first; the jobs the phone started first (the app choice's inputs) print first (a
    # dozen commands start before any frame is printed: 1.5 a core on a 9-core phone)
    assert snap.get("date") is not None and snap.get("role_sms") is not None
    lost = [o for o in snap.outputs.values() if o.status == "lost"]
    assert lost and len(lost) < len(PROBES)
    result = check_snapshot(snap, RULES)
    assert exit_code(result) == 3
    # Rules whose facts were lost are unknown, never pass.
    by_rule = {f["rule"]: f for f in result["findings"]}
    assert by_rule["weak-signal"]["status"] in ("unknown", "skip")
    assert by_rule["no-cellular-service"]["status"] == "unknown"


def test_hanging_command_hits_its_timeout(adb_server, sim_phone, monkeypatch):
    import droidcheck.collect.plan as plan

    short = tuple(plan.Probe(p.id, p.command, p.purpose, 1.0, p.phase, p.per_package) if p.id == "isub" else p
                  for p in plan.PROBES)
    monkeypatch.setattr(plan, "PROBES", short)
    serial = sim_phone("pixel8-a14-healthy", faults={"hang_on": ["dumpsys isub"]})
    t0 = time.monotonic()
    snap = read(adb_server, serial)
    assert time.monotonic() - t0 < 6
    assert snap.outputs["isub"].status == "timeout"
    assert snap.get("diskstats") is not None  # the rest of the batch still ran
    assert not snap.meta.complete


def test_phone_that_stalls_does_not_hang_the_read(adb_server, sim_phone):
    serial = sim_phone("pixel8-a14-healthy", faults={"stall_after": 4})
    t0 = time.monotonic()
    snap = read(adb_server, serial, deadline_s=4)
    assert time.monotonic() - t0 < 8
    assert not snap.meta.complete
    assert snap.get("date") is not None


def test_run_shell_returns_the_output_and_gives_up_on_a_silent_command(adb_server, sim_phone):
    """The one-connection ``adb shell`` that watch and fix use."""
    from droidcheck.adb.service import run_shell

    serial = sim_phone("pixel8-a14-healthy", faults={"hang_on": ["dumpsys notification"]})
    device = adb_server.client.device(serial)
    assert run_shell(device, "getprop ro.build.version.sdk; echo done $?", timeout=5) == "34\ndone 0\n"
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):  # droidcheck's WireTimeout, an OSError like every ADB failure here
        run_shell(device, "dumpsys notification", timeout=1)
    assert time.monotonic() - t0 < 5


# -- the command line ---------------------------------------------------------------------------------

def test_cli_check_json_and_exit_code(adb_server, sim_phone):
    serial = sim_phone("galaxy-a52-a13-airplane")
    proc = run_cli("check", "--adb", adb_server.address, "-s", serial, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout)
    assert result["verdict"]["likely_causes"][0] == "airplane-mode-on"
    assert result["facts"]["radio.airplane_mode"] == {"value": True, "status": "ok"}
    assert {"serial", "model", "maker", "android_release", "sdk"} <= set(result["device"])


def test_cli_terminal_report_shows_cause_evidence_and_fix(adb_server, sim_phone):
    serial = sim_phone("motog6-a8-clock-off")
    proc = run_cli("check", "--adb", adb_server.address, "-s", serial)
    assert proc.returncode == 1
    out = proc.stdout
    assert "Most likely causes" in out and "The phone's clock is wrong" in out
    assert "time.drift_seconds" in out and "Set time automatically" in out
    assert out.index("Most likely causes") < out.index("All checks by area") < out.index("Checklist")


def test_cli_snapshot_then_check_from_file(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel9-a15-notifications-off")
    snap_file = tmp_path / "snap.json"
    proc = run_cli("snapshot", "--adb", adb_server.address, "-s", serial, "-o", str(snap_file))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("check", "--from", str(snap_file), "--format", "junit")
    assert proc.returncode == 1
    assert "<failure" in proc.stdout and "sms-app-notifications-blocked" in proc.stdout


def test_cli_no_server_is_a_clear_error():
    proc = run_cli("check", "--adb", "127.0.0.1:1")
    assert proc.returncode == 2
    assert "no ADB server answers at 127.0.0.1:1" in proc.stderr


@pytest.mark.parametrize(("reply", "said"), [(b"HTTP/1.0 400 Bad request\r\n\r\n", "did not answer as an ADB server"),
                                             (None, "gave no ADB answer within 5 s")])
def test_cli_a_port_that_is_not_adb_is_named_as_such(reply, said):
    """A mistyped --adb port (a web server, a silent service) gets said so, not a bare timeout."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                held.append(conn)
                if reply is not None:
                    conn.recv(64)
                    conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    try:
        proc = run_cli("check", "--adb", f"127.0.0.1:{listener.getsockname()[1]}")
    finally:
        listener.close()
        for conn in held:
            conn.close()
    assert proc.returncode == 2
    assert said in proc.stderr and "an ADB server's port?" in proc.stderr


def test_cli_unauthorized_phone_gets_a_hint(adb_server, sim_phone):
    serial = sim_phone("pixel8-a14-healthy", faults={"unauthorized": True})
    proc = run_cli("check", "--adb", adb_server.address, "-s", serial)
    assert proc.returncode == 2
    assert "unauthorized" in proc.stderr and "Allow USB debugging" in proc.stderr
    proc = run_cli("devices", "--adb", adb_server.address)
    assert proc.returncode == 0
    assert serial in proc.stdout and "unauthorized" in proc.stdout and "Allow" in proc.stdout


def test_cli_devices_lists_states_and_models(adb_server, sim_phone):
    ready = sim_phone("redmi-note11-a12-third-party-sms")
    galaxy = sim_phone("galaxy-a52-a13-airplane")
    offline = sim_phone("pixel8-a14-healthy", faults={"offline": True})
    proc = run_cli("devices", "--adb", adb_server.address, "--json")
    rows = {r["serial"]: r for r in json.loads(proc.stdout)}
    assert rows[ready]["state"] == "device" and rows[ready]["android"] == "12"
    assert rows[ready]["model"] == "2201117TG"
    assert rows[galaxy]["model"] == "SM-A525F"  # as the phone names it; adb's own tag says SM_A525F
    assert rows[offline]["state"] == "offline" and "replug" in rows[offline]["hint"]


def test_cli_several_devices_need_a_serial(adb_server, sim_phone):
    a = sim_phone("pixel8-a14-healthy")
    sim_phone("pixel3-a9-amazon-restricted")
    proc = run_cli("check", "--adb", adb_server.address)
    assert proc.returncode == 2
    assert "devices are attached" in proc.stderr and a in proc.stderr and "-s SERIAL" in proc.stderr


def test_phone_without_toybox_timeout_is_read_without_it(adb_server, sim_phone):
    serial = sim_phone("galaxy-a52-a13-airplane", faults={"missing_commands": ["timeout"]})
    snap = read(adb_server, serial)
    assert snap.meta.complete, snap.meta.problems
    assert snap.meta.round_trips == 2  # one to find out, then the usual one
    assert "timeout" not in snap.outputs["getprop"].stdout
    result = check_snapshot(snap, RULES)
    assert result["verdict"]["likely_causes"][0] == "airplane-mode-on"
