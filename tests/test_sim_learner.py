"""The simulator as a learner meets it: ``droidcheck sim`` connects its phones to the default server, and
the rehearsal profiles and every fault and SMS-script key are documented where a learner looks."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sim_listing import read_listing

from droidcheck.sim.profile import Faults, SmsScript, builtin_profiles, find_profile

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
#: What a profile writer sets; ``body``/``code`` exist for leak tests, the rest is the simulator's clock.
SCRIPT_KEYS = ("sender", "delay_s", "lost_at", "importance")


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200", **(env or {})})
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


@pytest.mark.e2e
def test_sim_without_adb_connects_to_the_default_server(adb_server):
    """No --adb and no --port: the phones join the server $ANDROID_ADB_SERVER_PORT names (here the test's
    private one), the unauthorized rehearsal phone shows as unauthorized, and check explains it."""
    env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb_server.port), "COLUMNS": "200"}
    env.pop("ANDROID_ADB_SERVER_HOST", None)
    proc = subprocess.Popen([sys.executable, "-m", "droidcheck.cli", "sim", "pixel8-a14-healthy",
                             "pixel8-a14-unauthorized"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        listing = "".join(read_listing(proc, timeout=60))
        healthy = find_profile("pixel8-a14-healthy").serial
        addrs = {line.split(" → ")[0]: line.split(" → ")[1].split()[0] for line in listing.splitlines()
                 if " → " in line}
        assert len(addrs) == 2, listing
        want = {addrs[healthy]: "device", addrs[find_profile("pixel8-a14-unauthorized").serial]: "unauthorized"}
        deadline = time.monotonic() + 20
        while True:
            states = {i.serial: i.state for i in adb_server.client.list(extended=True)}
            if all(states.get(a) == s for a, s in want.items()) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert {a: states.get(a) for a in want} == want
        unauth = next(a for a, s in want.items() if s == "unauthorized")
        check = run_cli("check", "-s", unauth, env={"ANDROID_ADB_SERVER_PORT": str(adb_server.port)})
        assert check.returncode == 2
        assert "unauthorized" in check.stderr.lower()
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"ADB server at 127.0.0.1:{adb_server.port}" in err  # says where the phones went


@pytest.mark.e2e
def test_incoming_code_profile_plays_its_sms_for_watch(adb_server, sim_phone):
    profile = find_profile("pixel8-a14-incoming-code")
    assert profile.sms_script is not None
    profile.sms_script.delay_s = 0.3  # the built-in waits 5 s for a learner; the test need not
    serial = sim_phone(profile)
    proc = run_cli("watch", "--adb", adb_server.address, "-s", serial, "--timeout", "15", "--interval", "0.3",
                   "--format", "json", "--no-check")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"]["stopped_at"] == "shown"


def test_rehearsal_profiles_are_listed_and_kept_out_of_the_verdict_set():
    proc = run_cli("sim", "--list")
    assert proc.returncode == 0
    assert "pixel8-a14-unauthorized" in proc.stdout and "pixel8-a14-incoming-code" in proc.stdout
    readable = {p.name for p in builtin_profiles()}
    assert "pixel8-a14-unauthorized" not in readable  # adb cannot read it: no verdict to hold it to
    assert "pixel8-a14-incoming-code" in readable
    assert find_profile("pixel8-a14-unauthorized").faults.unauthorized


@pytest.mark.parametrize("args", [("sim",), ("sim", "pixel8-a14-healthy", "--port", "5555", "--no-connect"),
                                  ("sim", "no-such-phone")])
def test_sim_mistakes_are_clear_errors(args):
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert "droidcheck bug" not in proc.stderr


def test_every_fault_and_script_key_is_documented():
    help_text = run_cli("sim", "--help").stdout
    keys = [f.name for f in dataclasses.fields(Faults)] + list(SCRIPT_KEYS)
    assert set(SCRIPT_KEYS) <= {f.name for f in dataclasses.fields(SmsScript)}
    for key in keys:
        assert f"{key}:" in help_text, f"sim --help does not document {key}"
        assert f"`{key}" in README, f"README does not document {key}"
    for name in ("pixel8-a14-unauthorized", "pixel8-a14-incoming-code"):
        assert name in help_text and name in README
