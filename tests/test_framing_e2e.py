"""End to end: phone text holding batch markers cannot forge another probe's output.

A hostile simulated phone (``tests/fixtures/profiles/hostile-forged-markers.yaml``) carries old-style
markers and markers with a guessed nonce in its device name and Bluetooth name, forging airplane mode on,
automatic time off, Do Not Disturb and a clock 800 million seconds slow. Read through the real adb server,
the verdict is the healthy phone's and the read is complete.
"""

from __future__ import annotations

import time

import pytest
from fixture_files import FIXTURES

from droidcheck.check import check_snapshot, exit_code
from droidcheck.collect.collector import read_device
from droidcheck.collect.plan import drop_private
from droidcheck.facts.extract import extract_facts
from droidcheck.rules.loader import load_rules
from droidcheck.sim.profile import find_profile

pytestmark = pytest.mark.e2e

HOSTILE = FIXTURES / "profiles" / "hostile-forged-markers.yaml"


def test_forged_markers_in_phone_names_change_nothing(adb_server, sim_phone) -> None:
    profile = find_profile(str(HOSTILE))
    serial = sim_phone(profile)
    snap = read_device(adb_server.client.device(serial), serial=serial)
    assert snap.meta.complete, snap.meta.problems  # nothing wrong with the framing
    # the forged text stays where the phone printed it: each section is exactly its command's output (less
    # the owner's settings lines, which are never kept)
    for probe, command in (("settings_global", "settings list global"), ("settings_secure", "settings list secure")):
        assert snap.outputs[probe].stdout == drop_private(probe, profile.raw[command])
    assert snap.outputs["date"].stdout.strip().isdigit() and snap.outputs["date"].stdout != "1000000000\n"
    # So no forged value is ever derived. (The names' continuation lines make a table that does not look
    # like `settings list` any more, so the parsers may call it unrecognised: unknown, never forged.)
    facts = extract_facts(snap)
    assert facts["radio.airplane_mode"].value in (False, None)
    assert facts["time.auto_time"].value in (True, None)
    assert facts["notifications.dnd_mode"].value in ("off", None)
    assert abs(facts["time.drift_seconds"].value) < 2.0
    result = check_snapshot(snap, load_rules())
    by_rule = {f["rule"]: f["status"] for f in result["findings"]}
    for rule in ("airplane-mode-on", "auto-time-off", "do-not-disturb", "clock-drift"):
        assert by_rule.get(rule) in ("pass", "unknown", "skip", None), (rule, by_rule.get(rule))
    assert result["verdict"]["status"] != "fail" and exit_code(result) != 1
    assert not set(result["verdict"]["likely_causes"]) - set(profile.expect["likely_causes"])


def test_a_30_mb_line_without_newline_ends_with_a_clear_result(adb_server, sim_phone) -> None:
    """``pending += chunk; pending.split(b"\\n")`` made this quadratic (10 s, 60-90 MB ended incomplete)."""
    profile = find_profile("pixel8-a14-healthy")
    profile.raw["cat /proc/uptime"] = "7" * (30 * 1024 * 1024)
    serial = sim_phone(profile)
    t0 = time.monotonic()
    snap = read_device(adb_server.client.device(serial), serial=serial)
    elapsed = time.monotonic() - t0
    up = snap.outputs["uptime"]
    assert up.status == "truncated" and up.exit_code == 0 and snap.get("uptime") is None
    assert len(up.stdout) <= 64 * 1024
    assert not snap.meta.complete
    assert any("'uptime' printed more than 8 MiB" in p for p in snap.meta.problems), snap.meta.problems
    assert all(o.ok for k, o in snap.outputs.items() if k != "uptime")
    assert elapsed < 20, elapsed
