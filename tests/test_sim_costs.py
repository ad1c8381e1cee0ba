"""Phone-side command costs in the simulator: off by default, charged per command when on.

A real phone spends most of a read running the commands (``dumpsys`` ~0.15 s each); the benchmarks need
the simulator to charge that time, the tests need it not to.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from droidcheck.sim.profile import DEFAULT_COSTS, Profile, ProfileError, profile_from_dict
from droidcheck.sim.shell import TIMEOUT_EXIT


def test_costs_are_off_by_default() -> None:
    assert Profile(name="p").command_cost(["dumpsys", "isub"]) == 0.0


def test_the_longest_matching_command_words_give_the_cost() -> None:
    p = Profile(name="p", phone_costs=True, costs={"dumpsys notification": 0.3})
    assert p.command_cost(["dumpsys", "notification", "--noredact"]) == 0.3
    assert p.command_cost(["dumpsys", "isub"]) == DEFAULT_COSTS["dumpsys isub"]
    assert p.command_cost(["dumpsys", "telephony.registry"]) == DEFAULT_COSTS["dumpsys"]
    assert p.command_cost(["pm", "list", "packages", "-3"]) == DEFAULT_COSTS["pm"]
    assert p.command_cost(["getprop"]) == DEFAULT_COSTS["getprop"]
    assert p.command_cost(["date", "+%s"]) == 0.0  # not listed: free
    assert p.command_cost(["dumpsysx"]) == 0.0  # words, not a string prefix


def test_defaults_follow_the_issue_figures() -> None:
    assert DEFAULT_COSTS["dumpsys"] == 0.150 and DEFAULT_COSTS["pm"] == 0.200
    assert all(DEFAULT_COSTS[k] == 0.060 for k in ("settings", "cmd", "am", "appops"))
    assert DEFAULT_COSTS["getprop"] == 0.015


@pytest.mark.parametrize("costs", [{"dumpsys": -1}, {"dumpsys": 61}, {"dumpsys": "slow"}, {"dumpsys": True},
                                   {"dumpsys": float("nan")}, {"  ": 0.1}, {3: 0.1}, ["dumpsys"]])
def test_bad_costs_in_a_profile_file_are_a_clear_error(costs) -> None:
    with pytest.raises(ProfileError, match="costs"):
        profile_from_dict({"name": "p", "phone_costs": True, "costs": costs})


def test_costs_from_a_profile_file() -> None:
    p = profile_from_dict({"name": "p", "phone_costs": True, "costs": {"dumpsys  package": 2}})
    assert p.command_cost(["dumpsys", "package", "x"]) == 2.0


# ------------------------------------------------------------------------ through the real adb server

def _timed(device, command: str) -> tuple[str, float]:
    start = time.monotonic()
    out = device.shell(command, timeout=30)
    return out, time.monotonic() - start


@pytest.mark.e2e
def test_each_command_is_charged_its_cost(adb_server, sim_phone) -> None:
    costs = {"getprop": 0.3}
    free = adb_server.client.device(sim_phone("pixel8-a14-healthy", costs=costs))
    costed = adb_server.client.device(sim_phone("pixel8-a14-healthy", costs=costs, phone_costs=True))
    out_free, t_free = _timed(free, "getprop ro.product.model; getprop ro.product.model")
    out_costed, t_costed = _timed(costed, "getprop ro.product.model; getprop ro.product.model")
    assert out_free == out_costed  # the cost changes the time, never the answer
    assert t_free < 0.3 and t_costed >= 0.6, (t_free, t_costed)


@pytest.mark.e2e
def test_a_device_timeout_cuts_a_costly_command_short(adb_server, sim_phone) -> None:
    device = adb_server.client.device(sim_phone(phone_costs=True, costs={"getprop": 30}))
    out, took = _timed(device, "timeout 0.3 getprop; echo rc=$?")
    assert out.strip() == f"rc={TIMEOUT_EXIT}" and took < 5


@pytest.mark.e2e
def test_the_cost_is_per_command_not_a_lock_on_the_phone(adb_server, sim_phone) -> None:
    """Two shells on one phone at once take the time of one: commands may overlap on the phone."""
    serial = sim_phone(phone_costs=True, costs={"getprop": 1.0})
    took: list[float] = []

    def one() -> None:
        took.append(_timed(adb_server.server.client().device(serial), "getprop")[1])

    start = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(took) == 2 and min(took) >= 1.0
    assert time.monotonic() - start < 1.8, "the second command waited for the first"


@pytest.mark.e2e
def test_sim_command_phone_costs_flag(adb_server) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "droidcheck.cli", "sim", "pixel8-a14-healthy", "--port", "0",
                             "--adb", adb_server.address, "--phone-costs"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert "phone costs on" in first, first
        serial = re.search(r"→ (127\.0\.0\.1:\d+)", first).group(1)
        adb_server.client.wait_for(serial, state="device", timeout=20)
        _out, took = _timed(adb_server.client.device(serial), "pm list packages -3; pm list packages -s")
        assert took >= 2 * DEFAULT_COSTS["pm"], took
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
