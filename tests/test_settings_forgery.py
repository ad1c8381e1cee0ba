"""A setting's value can hold a line break (the device name, the Bluetooth name: text apps and owners
set), so ``settings list`` can print a line that looks like another setting. A key printed twice or out of
Android's sorted order has no value: its facts are unknown, never the forged value."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from droidcheck.check import check_snapshot
from droidcheck.parsers.settings import parse_settings_list
from droidcheck.rules.loader import load_rules
from droidcheck.sim.profile import find_profile
from droidcheck.sim.snapshot import snapshot_of

REAL = ["adb_enabled=1", "airplane_mode_on=0", "auto_time=1", "auto_time_zone=1", "data_roaming=0",
        "device_name=Kitchen phone", "device_provisioned=1", "low_power=0", "mobile_data=1", "wifi_on=1",
        "zen_mode=0"]


def _listing(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def test_a_real_listing_is_read_whole():
    table = parse_settings_list(_listing(REAL))
    assert table["airplane_mode_on"] == "0" and table["zen_mode"] == "0"
    assert not table.ambiguous


def test_android_sorts_whole_lines_and_hand_written_listings_sort_keys_both_are_fine():
    # Java sorts "mobile_data1=0" before "mobile_data=1" ('1' < '='); a listing sorted by key has it after
    for order in (["mobile_data1=0", "mobile_data=1"], ["mobile_data=1", "mobile_data1=0"]):
        table = parse_settings_list(_listing(["low_power=0", *order, "wifi_on=1"]))
        assert not table.ambiguous and table["mobile_data1"] == "0"


def test_a_device_name_forging_settings_gives_them_no_value():
    forged = REAL.copy()
    at = forged.index("device_name=Kitchen phone")
    forged[at:at + 1] = ["device_name=Kitchen phone", "airplane_mode_on=1", "zen_mode=2", "mobile_data2=0"]
    table = parse_settings_list(_listing(forged))
    for key in ("airplane_mode_on", "zen_mode", "mobile_data2"):
        assert key not in table and key in table.ambiguous
    assert table["adb_enabled"] == "1"  # lines outside the broken stretch keep their values


def test_the_check_of_such_a_phone_says_unknown_never_the_forged_values():
    profile = find_profile("pixel8-a14-healthy")
    snap = snapshot_of(profile)
    out = snap.outputs["settings_global"]
    lines = out.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line > "device_name" and not line.startswith("d"))
    out.stdout = _listing([*lines[:at], "device_name=x", "airplane_mode_on=1", "zen_mode=1", *lines[at:]])
    result = check_snapshot(snap, load_rules())
    facts = result["facts"]
    assert facts["radio.airplane_mode"]["status"] == "unknown"
    assert "printed twice or out of order" in facts["radio.airplane_mode"]["reason"]
    assert facts["notifications.dnd"]["status"] == "unknown"
    failing = {f["rule"] for f in result["findings"] if f["status"] == "fail"}
    assert "airplane-mode" not in failing
    assert result["verdict"]["status"] != "pass"  # what could not be trusted is not green


_keys = st.text(string.ascii_lowercase + "_", min_size=3, max_size=12)


@settings(max_examples=200, deadline=None)
@given(real=st.dictionaries(_keys, st.sampled_from(["0", "1", "null", "x"]), min_size=3, max_size=15),
       victim=st.integers(min_value=0), forged=st.dictionaries(_keys, st.sampled_from(["0", "1", "2"]),
                                                                min_size=1, max_size=4))
def test_lines_hidden_in_any_value_never_give_a_key_a_value_it_does_not_have(real, victim, forged):
    lines = sorted(f"{k}={v}" for k, v in real.items())
    i = victim % len(lines)
    lines[i] += "".join(f"\n{k}={v}" for k, v in forged.items())
    table = parse_settings_list(_listing(lines))
    host = lines[i].split("=", 1)[0]
    after = sorted(real)[sorted(real).index(host) + 1] if host != max(real) else None
    for key, value in table.items():
        if key in real:
            assert value == real[key], f"{key} took a forged value"
        else:  # invented: only possible in the sorted gap right after the line that hides it
            assert key in forged and host < key and (after is None or key < after), f"{key} was invented"

