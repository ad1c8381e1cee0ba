"""System area: parsers (clock, netpolicy, diskstats, connectivity, getprop, settings), the system fact
deriver, and the simulator's system renderers. Fixtures under tests/fixtures/<source>/ name their AOSP
source and era in SOURCES.md."""

from __future__ import annotations

import importlib.util
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixture_files import fixture, fixture_paths
from hypothesis import given, settings
from hypothesis import strategies as st

from droidcheck.collect.plan import PROBES_BY_ID
from droidcheck.facts.context import DeriveContext
from droidcheck.facts.derive import system as system_facts
from droidcheck.facts.registry import FACTS, FACTS_BY_NAME
from droidcheck.parsers.clock import parse_epoch_seconds, parse_uptime
from droidcheck.parsers.connectivity import parse_connectivity
from droidcheck.parsers.diskstats import parse_diskstats
from droidcheck.parsers.getprop import parse_getprop
from droidcheck.parsers.netpolicy import parse_restrict_background
from droidcheck.parsers.settings import parse_settings_list
from droidcheck.sim import commands
from droidcheck.sim.profile import Profile, SimSlot
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

FIX = Path(__file__).parent / "fixtures"
#: The facts the system deriver owns, as the registry records them (test_probe_records holds it to that).
OWNED = {spec.name for spec in FACTS if spec.deriver == "system"}


def snapshot(outputs: dict[str, str], captured_at: str = "2026-10-12T09:00:00Z", **meta: object) -> Snapshot:
    snap = Snapshot(SnapshotMeta(captured_at=captured_at, **meta))  # type: ignore[arg-type]
    for probe, text in outputs.items():
        snap.add(CommandOutput(probe=probe, command=PROBES_BY_ID[probe].command, stdout=text, exit_code=0))
    return snap


def facts_of(snap: Snapshot) -> dict[str, object]:
    return {f.name: f for f in system_facts.derive(DeriveContext(snap))}


# -- clock --------------------------------------------------------------------------------------------
def test_clock_parsers() -> None:
    assert parse_epoch_seconds("1760259600\n") == 1760259600
    assert parse_epoch_seconds("Sun Oct 12 09:00:00 BST 2026\n") is None  # date without +%s: other format
    assert parse_epoch_seconds("date: bad format\n") is None
    assert parse_uptime("350812.45 2231790.12\n") == pytest.approx(350812.45)
    assert parse_uptime("12:01:02 up 4 days\n") is None  # `uptime` command output, not /proc/uptime


# -- netpolicy ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "expected"), [
    ("enabled.txt", True), ("disabled.txt", False),
    ("dumpsys_netpolicy_excerpt.txt", True),  # other format, same meaning
    ("missing_service.txt", None),
])
def test_netpolicy(name: str, expected: bool | None) -> None:
    assert parse_restrict_background(fixture(f"netpolicy/{name}")) is expected


# -- diskstats ----------------------------------------------------------------------------------------
def test_diskstats_o_and_u() -> None:
    o = parse_diskstats(fixture("diskstats/o26.txt"))
    assert o.partitions["Data"].free_kb == 9217468 and o.partitions["Data"].total_kb == 25587756
    u = parse_diskstats(fixture("diskstats/u34_nearly_full.txt"))  # extra "App Data Size" lines
    assert u.partitions["Data"].percent_free == 0 and u.partitions["Data"].free_bytes == 412672 * 1024
    assert set(u.partitions) == {"Data", "Cache", "System"}


def test_diskstats_data_error_is_unknown() -> None:
    stats = parse_diskstats(fixture("diskstats/p28_data_error.txt"))
    assert "Data" not in stats.partitions and "Invalid stat" in stats.errors["Data"]
    facts = facts_of(snapshot({"diskstats": fixture("diskstats/p28_data_error.txt")}))
    assert not facts["storage.data_free_bytes"].known
    assert "Invalid stat" in facts["storage.data_free_bytes"].reason


def test_diskstats_facts() -> None:
    facts = facts_of(snapshot({"diskstats": fixture("diskstats/u34_nearly_full.txt")}))
    assert facts["storage.data_free_bytes"].value == 412672 * 1024
    assert facts["storage.data_free_percent"].value == pytest.approx(0.4)  # more precise than the printed 0 %


def test_diskstats_other_format_is_unknown() -> None:  # df output is not diskstats
    df = "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/block/dm-5 110532548 1 412672 99% /data\n"
    facts = facts_of(snapshot({"diskstats": df}))
    assert not facts["storage.data_free_bytes"].known


# -- connectivity -------------------------------------------------------------------------------------
def test_connectivity_o_classic() -> None:
    dump = parse_connectivity(fixture("connectivity/o27_wifi_validated.txt"))
    assert dump.default_net_id == 100 and set(dump.networks) == {100, 101}
    assert dump.networks[100].transports == ("WIFI",) and dump.networks[100].validated
    assert dump.networks[101].state == "CONNECTED"
    f = facts_of(snapshot({"connectivity": fixture("connectivity/o27_wifi_validated.txt")}))
    assert f["network.wifi_connected"].value is True and f["network.validated"].value is True


def test_connectivity_q_cellular_not_validated() -> None:
    f = facts_of(snapshot({"connectivity": fixture("connectivity/q29_cellular_not_validated.txt")}))
    assert f["network.validated"].known and f["network.validated"].value is False
    assert f["network.wifi_connected"].value is False


def test_connectivity_r_short_form_with_vpn_default() -> None:
    dump = parse_connectivity(fixture("connectivity/r30_wifi_and_vpn.txt"))
    # the default request excludes VPNs, so the default is the Wi-Fi under it; the VPN is listed beside it
    assert dump.default_network is not None and dump.default_network.transports == ("WIFI",)
    assert dump.networks[112].transports == ("WIFI", "VPN")
    f = facts_of(snapshot({"connectivity": fixture("connectivity/r30_wifi_and_vpn.txt")}))
    assert f["network.validated"].value is True and f["network.wifi_connected"].value is True


def test_connectivity_u_module() -> None:
    dump = parse_connectivity(fixture("connectivity/u34_module_wifi_unvalidated_cell_validated.txt"))
    assert not dump.networks[119].validated and dump.networks[120].validated
    assert dump.networks[120].state == "CONNECTED"  # ni{MOBILE[NR_SA] CONNECTED}
    f = facts_of(snapshot({"connectivity": fixture(
        "connectivity/u34_module_wifi_unvalidated_cell_validated.txt")}))
    assert f["network.validated"].value is True  # the default is the validated cellular network


@pytest.mark.parametrize(("ni", "state"), [("ni{Bluetooth Tethering CONNECTED}", "CONNECTED"),
                                           ("ni{MOBILE[LTE] CONNECTING extra: ims}", "CONNECTING")])
def test_connectivity_short_network_info_with_a_two_word_type(ni: str, state: str) -> None:
    line = (f"  NetworkAgentInfo{{network{{104}}  handle{{446676598797}}  {ni}   Score{{20}}  everValidated "
            "lastValidated  lp{}  nc{[ Transports: BLUETOOTH Capabilities: INTERNET&VALIDATED]}}")
    assert parse_connectivity(f"Active default network: 104\n{line}\n").networks[104].state == state


def test_connectivity_no_default_network() -> None:
    f = facts_of(snapshot({"connectivity": fixture("connectivity/v35_airplane_no_network.txt")}))
    assert f["network.validated"].known and f["network.validated"].value is False
    assert f["network.wifi_connected"].value is False


@pytest.mark.parametrize("text", [
    "",  # grep matched nothing (service missing, or a format without these lines)
    "Can't find service: connectivity\n",
    "Active default network: 100\n",  # default named but not listed
    "Active default network: 100\n  NetworkAgentInfo{network{100} something new}\n",
])
def test_connectivity_unreadable_is_unknown(text: str) -> None:
    f = facts_of(snapshot({"connectivity": text}))
    assert not f["network.validated"].known


# -- getprop ------------------------------------------------------------------------------------------
def test_getprop_samsung() -> None:
    f = facts_of(snapshot({"getprop": fixture("getprop/samsung_s23_u14.txt")}))
    assert f["android.sdk"].value == 34 and f["android.release"].value == "14"
    assert f["android.security_patch"].value == "2024-08-01"
    assert f["android.security_patch_age_days"].value == (datetime(2026, 10, 12) - datetime(2024, 8, 1)).days
    assert f["device.maker"].value == "samsung" and f["device.model"].value == "SM-S911B"
    assert f["time.zone"].value == "Europe/London"



def test_serial_number_falls_back_to_the_bootloaders_and_is_unknown_when_unset() -> None:
    f = facts_of(snapshot({"getprop": "[ro.serialno]: []\n[ro.boot.serialno]: [ZY22ABCDEF]\n"}))
    assert f["device.serial_number"].value == "ZY22ABCDEF"
    f = facts_of(snapshot({"getprop": "[ro.product.model]: [X]\n"}))
    assert not f["device.serial_number"].known and "ro.serialno" in (f["device.serial_number"].reason or "")


def test_getprop_xiaomi_vendor_props_only() -> None:
    f = facts_of(snapshot({"getprop": fixture("getprop/xiaomi_redmi_t13_vendor_only.txt")}))
    assert f["device.maker"].value == "Xiaomi" and f["device.model"].value == "22101316I"
    assert "Redmi Note 12 Pro 5G" in (f["device.model"].note or "")


def test_getprop_odd_values_are_unknown() -> None:
    text = "[ro.build.version.sdk]: [Baklava]\n[ro.build.version.security_patch]: [2025-13-45]\n"
    f = facts_of(snapshot({"getprop": text}))
    assert not f["android.sdk"].known and not f["android.security_patch"].known
    assert not f["android.security_patch_age_days"].known and not f["time.zone"].known
    f = facts_of(snapshot({"getprop": "ro.build.version.sdk=34\n"}))  # build.prop format, not getprop
    assert not f["android.sdk"].known and not f["device.maker"].known


# -- settings -----------------------------------------------------------------------------------------
def test_settings_global_p() -> None:
    f = facts_of(snapshot({"settings_global": fixture("settings/global_p28.txt")}))
    assert f["notifications.dnd"].value is True and f["notifications.dnd_mode"].value == "alarms_only"
    assert f["time.auto_time"].value is True and f["time.auto_time_zone"].value is False
    assert f["power.battery_saver"].value is True and f["radio.airplane_mode"].value is False
    # dual SIM: mobile_data=0, mobile_data1=0, mobile_data2=1 — which one counts depends on the data SIM
    assert not f["network.mobile_data"].known and "disagree" in f["network.mobile_data"].reason


@pytest.mark.parametrize(("data_sub", "expected"), [(1, False), (2, True)])
def test_mobile_data_on_dual_sim_is_the_data_sims_own_setting(data_sub: int, expected: bool) -> None:
    isub = f"SubscriptionController:\n defaultDataSubId={data_sub}\n defaultSmsSubId=1\n"
    f = facts_of(snapshot({"settings_global": fixture("settings/global_p28.txt"), "isub": isub}))
    assert f["network.mobile_data"].value is expected
    assert f"mobile_data{data_sub}" in f["network.mobile_data"].note


def test_mobile_data_keys_that_agree_need_no_data_sim() -> None:
    f = facts_of(snapshot({"settings_global": "mobile_data=1\nmobile_data0=1\nmobile_data1=1\n"}))
    assert f["network.mobile_data"].value is True


@pytest.mark.parametrize(("maker", "dnd", "mode"), [("Xiaomi", True, "miui_silent"), ("Google", None, None)])
def test_miui_silent_mode_is_do_not_disturb_only_on_xiaomi(maker: str, dnd: bool | None, mode: str | None) -> None:
    f = facts_of(snapshot({"settings_global": "zen_mode=4\n",
                           "getprop": f"[ro.build.version.sdk]: [31]\n[ro.product.manufacturer]: [{maker}]\n"}))
    assert f["notifications.dnd"].value is dnd and f["notifications.dnd_mode"].value == mode
    assert f["notifications.dnd"].known is (dnd is not None)


def test_settings_absent_and_null() -> None:
    f = facts_of(snapshot({"settings_global": "adb_enabled=1\nauto_time=null\nmobile_data2=1\n"}))
    assert not f["time.auto_time"].known  # AOSP O-R reads absent as off, S+ detector as on: no guess
    assert not f["time.auto_time_zone"].known and not f["radio.airplane_mode"].known
    assert f["notifications.dnd_mode"].value == "off" and f["power.battery_saver"].value is False
    assert f["network.mobile_data"].value is True and "mobile_data2" in f["network.mobile_data"].note
    f = facts_of(snapshot({"settings_global": "zen_mode=7\nlow_power=maybe\n"}))
    assert not f["notifications.dnd"].known and not f["power.battery_saver"].known


def test_settings_secure_components() -> None:
    f = facts_of(snapshot({"settings_secure": fixture("settings/secure_t33.txt")}))
    assert f["security.notification_listeners"].value == [
        "com.google.android.apps.wearables.maestro.companion/"
        "com.google.android.libraries.wear.companion.notifications.NotificationListener",
        "com.example.smsforward/.Listener"]
    assert len(f["security.accessibility_services"].value) == 2
    f = facts_of(snapshot({"settings_secure": "enabled_notification_listeners=null\nfoo=1\n"}))
    assert f["security.notification_listeners"].value == []
    assert f["security.accessibility_services"].value == []
    f = facts_of(snapshot({"settings_secure": "enabled_accessibility_services=garbage words\n"}))
    assert not f["security.accessibility_services"].known


def test_settings_parser_ignores_noise() -> None:
    assert parse_settings_list("Invalid command\n  usage=x\nkey=a=b\n") == {"key": "a=b"}


# -- clock drift ----------------------------------------------------------------------------------------
def test_drift_prefers_live_measurement() -> None:
    snap = snapshot({"date": "1760259700\n"}, clock_offset_s=12.345, clock_offset_uncertainty_s=0.02)
    f = facts_of(snap)["time.drift_seconds"]
    assert f.value == pytest.approx(12.345) and "live" in f.note


def test_drift_from_date() -> None:
    captured = datetime(2026, 10, 12, 9, 0, 0, tzinfo=UTC)
    snap = snapshot({"date": f"{int(captured.timestamp()) - 300}\n"}, captured_at=captured.isoformat())
    f = facts_of(snap)["time.drift_seconds"]
    assert f.value == pytest.approx(-300) and "precise" in f.note
    assert not facts_of(snapshot({"date": "Sun Oct 12\n"}))["time.drift_seconds"].known
    assert not facts_of(snapshot({"date": "1760259700\n"}, captured_at=""))["time.drift_seconds"].known


def test_missing_probes_are_unknown_with_reason() -> None:
    facts = facts_of(Snapshot(SnapshotMeta()))
    assert set(facts) == OWNED
    assert all(not f.known and f.reason for f in facts.values())
    assert all(name in FACTS_BY_NAME for name in facts)


# -- never raise ------------------------------------------------------------------------------------------
_PARSERS = (parse_epoch_seconds, parse_uptime, parse_restrict_background, parse_diskstats, parse_connectivity,
            parse_getprop, parse_settings_list)
_ALL_FIXTURES = fixture_paths("connectivity", "diskstats", "getprop", "netpolicy", "settings")


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_parsers_never_raise_on_arbitrary_text(text: str) -> None:
    for parse in _PARSERS:
        parse(text)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_ALL_FIXTURES), st.integers(min_value=0, max_value=4000), st.text(max_size=30))
def test_parsers_and_deriver_never_raise_on_truncated_fixtures(path: Path, cut: int, junk: str) -> None:
    text = fixture(path)[:cut] + junk
    for parse in _PARSERS:
        parse(text)
    probes = ("getprop", "settings_global", "settings_secure", "connectivity", "netpolicy", "diskstats",
              "date", "uptime")
    derived = facts_of(snapshot({p: text for p in probes}))
    assert set(derived) == OWNED


# -- simulator round trip ---------------------------------------------------------------------------------
def _run(profile: Profile, command_line: str) -> str:
    """Run a probe's command on the simulated phone; ``a | grep -E 'x|y'`` is filtered here."""
    cmd, _, pipe = command_line.partition("|")
    out = commands.run_command(profile, shlex.split(cmd))
    if pipe:
        pattern = shlex.split(pipe)[-1]
        return "".join(line + "\n" for line in out.stdout.splitlines() if re.search(pattern, line))
    return out.stdout


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch):
    present = tuple(m for m in commands.RENDER_MODULES
                    if importlib.util.find_spec(f"droidcheck.sim.render.{m}") is not None)
    monkeypatch.setattr(commands, "RENDER_MODULES", present)
    return commands


_PROFILES = [
    Profile(name="o-xiaomi", maker="Xiaomi", brand="Redmi", model="Note 5", device="whyred", sdk=27,
            security_patch="2019-01-01", zen_mode=1, battery_saver=True, wifi_connected=False,
            sims=[SimSlot(), SimSlot(slot=1, sub_id=2, state="ABSENT")], clock_offset_seconds=-95.0,
            data_free_bytes=300 * 1024**2, data_total_bytes=32 * 1024**3),
    Profile(name="q-pixel", sdk=29, network_validated=False, data_saver=True, auto_time=False,
            notification_listeners=["com.example.smsforward/.Listener"]),
    Profile(name="r-samsung", maker="samsung", brand="samsung", model="SM-A525F", device="a52q", sdk=30,
            airplane_mode=True, wifi_connected=False, zen_mode=2, auto_time_zone=False),
    Profile(name="u-samsung", maker="samsung", brand="samsung", model="SM-S911B", device="dm1q", sdk=34,
            accessibility_services=["com.example.autoclicker/com.example.autoclicker.ClickService"],
            mobile_data=False, clock_offset_seconds=3600.0),
    Profile(name="v-pixel", sdk=35, zen_mode=3, timezone="Asia/Kolkata", wifi_connected=True,
            network_validated=True),
]


def _expected(p: Profile) -> dict[str, object]:
    has_network = p.wifi_connected or (p.mobile_data and not p.airplane_mode)
    return {
        "android.sdk": p.sdk, "android.release": p.release, "android.security_patch": p.security_patch,
        "device.maker": p.maker, "device.model": p.model, "device.uptime_seconds": p.uptime_seconds,
        "notifications.dnd": p.zen_mode != 0,
        "notifications.dnd_mode": ("off", "priority_only", "total_silence", "alarms_only")[p.zen_mode],
        "radio.airplane_mode": p.airplane_mode, "network.mobile_data": p.mobile_data,
        "network.wifi_connected": p.wifi_connected, "network.validated": p.network_validated and has_network,
        "network.data_saver": p.data_saver, "power.battery_saver": p.battery_saver,
        "time.auto_time": p.auto_time, "time.auto_time_zone": p.auto_time_zone, "time.zone": p.timezone,
        "security.notification_listeners": p.notification_listeners,
        "security.accessibility_services": p.accessibility_services,
    }


def _sim_snapshot(profile: Profile) -> Snapshot:
    snap = Snapshot(SnapshotMeta(captured_at=datetime.now(UTC).isoformat(), source="simulator"))
    for probe in ("date", "uptime", "getprop", "settings_global", "settings_secure", "connectivity",
                  "netpolicy", "diskstats"):
        cmd = PROBES_BY_ID[probe].command
        snap.add(CommandOutput(probe=probe, command=cmd, stdout=_run(profile, cmd), exit_code=0))
    return snap


@pytest.mark.parametrize("profile", _PROFILES, ids=lambda p: p.name)
def test_simulator_round_trip(sim, profile: Profile) -> None:
    facts = facts_of(_sim_snapshot(profile))
    for name, value in _expected(profile).items():
        assert facts[name].known, (name, facts[name].reason)
        assert facts[name].value == value, name
    assert facts["time.drift_seconds"].value == pytest.approx(profile.clock_offset_seconds, abs=2)
    assert facts["storage.data_free_bytes"].value == pytest.approx(profile.data_free_bytes, abs=4096)
    assert facts["storage.data_free_percent"].value == pytest.approx(
        100 * profile.data_free_bytes / profile.data_total_bytes, abs=0.1)


def test_simulator_mutations(sim) -> None:
    p = Profile(name="mut", sdk=33)
    sim.run_command(p, ["settings", "put", "global", "airplane_mode_on", "1"])
    sim.run_command(p, ["settings", "put", "global", "auto_time", "0"])
    sim.run_command(p, ["cmd", "notification", "set_dnd", "priority"])
    sim.run_command(p, ["settings", "put", "secure", "some_unknown_key", "hello world"])
    assert p.airplane_mode and not p.auto_time and p.zen_mode == 1
    assert sim.run_command(p, ["settings", "get", "secure", "some_unknown_key"]).stdout == "hello world\n"
    assert sim.run_command(p, ["settings", "get", "global", "nope"]).stdout == "null\n"
    sim.run_command(p, ["cmd", "connectivity", "airplane-mode", "disable"])
    sim.run_command(p, ["cmd", "notification", "set_dnd", "off"])
    assert not p.airplane_mode and p.zen_mode == 0
    assert "Active default network: 100" in _run(p, PROBES_BY_ID["connectivity"].command)
    old = Profile(name="q", sdk=29)
    out = sim.run_command(old, ["cmd", "connectivity", "airplane-mode", "enable"])
    assert out.rc != 0 and not old.airplane_mode  # no connectivity shell command before Android 11


def test_simulator_generic_commands(sim) -> None:
    p = Profile(name="g", sdk=34)
    out = sim.run_command(p, ["dumpsys", "no.such.service"])
    assert out.rc == 0 and out.stdout == "" and "Can't find service: no.such.service" in out.stderr
    out = sim.run_command(p, ["cmd", "nosuch"])
    assert out.rc == 20 and "Can't find service: nosuch" in out.stderr
    assert sim.run_command(p, ["getprop", "ro.build.version.sdk"]).stdout == "34\n"
    assert sim.run_command(p, ["getprop", "no.such.prop"]).stdout == "\n"
    assert sim.run_command(p, ["id"]).stdout.startswith("uid=2000(shell)")
    props = parse_getprop(sim.run_command(p, ["getprop"]).stdout)
    assert props["gsm.sim.state"] == "READY" and props["ro.serialno"] == p.serial
    dual = Profile(name="d", sims=[SimSlot(), SimSlot(slot=1, sub_id=2, operator="EE", state="ABSENT")])
    props = parse_getprop(sim.run_command(dual, ["getprop"]).stdout)
    assert props["gsm.sim.state"] == "READY,ABSENT" and props["gsm.sim.operator.alpha"] == "Vodafone,"
