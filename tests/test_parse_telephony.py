"""Telephony parsers, fact derivation and simulator renderers.

Fixtures in tests/fixtures/telephony_registry and tests/fixtures/isub are listed in their SOURCES.md with the
AOSP source (file path and era) that prints their format; values are fictional (+44 7700 900xxx, ICCIDs 8944…).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fixture_files import fixture, fixture_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from droidcheck.facts.context import DeriveContext
from droidcheck.facts.derive import telephony
from droidcheck.facts.model import Fact
from droidcheck.facts.registry import FACTS_BY_NAME
from droidcheck.parsers.isub import parse_isub
from droidcheck.parsers.telephony_registry import (
    parse_service_state,
    parse_signal_strength,
    parse_telephony_registry,
)
from droidcheck.sim import commands
from droidcheck.sim.profile import Profile, SimSlot
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

TELEPHONY_FACTS = ["signal.service_state", "signal.level", "signal.dbm", "signal.network_type",
                   "signal.roaming", "signal.operator", "sim.state", "sim.slots", "sim.count", "sim.sms_slot",
                   "sim.phone_number"]


def snapshot(registry: str | None = None, isub: str | None = None, props: dict[str, str] | None = None,
             settings_global: dict[str, str] | None = None) -> Snapshot:
    snap = Snapshot(meta=SnapshotMeta(serial="TEST"))
    if registry is not None:
        snap.add(CommandOutput("telephony_registry", "dumpsys telephony.registry", registry, 0))
    if isub is not None:
        snap.add(CommandOutput("isub", "dumpsys isub", isub, 0))
    if props is not None:
        text = "".join(f"[{k}]: [{v}]\n" for k, v in props.items())
        snap.add(CommandOutput("getprop", "getprop", text, 0))
    if settings_global is not None:
        text = "".join(f"{k}={v}\n" for k, v in settings_global.items())
        snap.add(CommandOutput("settings_global", "settings list global", text, 0))
    return snap


def derive(snap: Snapshot) -> dict[str, Fact]:
    facts = telephony.derive(DeriveContext(snap))
    return {f.name: f for f in facts}


def value(facts: dict[str, Fact], name: str) -> object:
    fact = facts[name]
    assert fact.known, f"{name} unknown: {fact.reason}"
    return fact.value


# -- telephony.registry parser on real formats -----------------------------------------------------------
def test_o_positional_signal_and_keyed_service_state() -> None:
    reg = parse_telephony_registry(fixture("telephony_registry/o_8.1_aosp_lte.txt"))
    phone = reg.phones[0]
    assert phone.service_state is not None and phone.signal is not None
    assert phone.service_state.format == "o"
    assert phone.service_state.voice_reg == "IN_SERVICE"
    assert phone.service_state.operator_long == "EE"
    assert phone.service_state.voice_roaming_type == "home"
    assert phone.service_state.voice_rat == "LTE"
    assert phone.signal.format == "positional"
    assert phone.signal.level is None  # O prints no level
    assert (phone.signal.lte_rsrp, phone.signal.dbm, phone.signal.primary) == (-104, -104, "LTE")


def test_p_dual_sim_wcdma_and_thresholds() -> None:
    reg = parse_telephony_registry(fixture("telephony_registry/p_9_aosp_dual_slot0_absent.txt"))
    assert sorted(reg.phones) == [0, 1]
    slot0, slot1 = reg.phones[0], reg.phones[1]
    assert slot0.service_state and slot0.service_state.format == "p"
    assert slot0.service_state.voice_reg == "OUT_OF_SERVICE"
    assert slot0.service_state.operator_long is None  # "null"
    assert slot0.signal and slot0.signal.dbm is None  # all INT_MAX / 99: no measurement
    assert slot1.signal and slot1.signal.wcdma_rscp == -93 and slot1.signal.primary == "WCDMA"
    assert slot1.signal.lte_rsrp_thresholds == [-128, -118, -108, -98]
    assert slot1.service_state and slot1.service_state.operator_long == "O2 - UK"


def test_q_keyed_signal_level_from_primary() -> None:
    phone = parse_telephony_registry(fixture("telephony_registry/q_10_aosp_lte.txt")).phones[0]
    assert phone.service_state and phone.service_state.format == "q"
    assert phone.service_state.operator_long == "vodafone UK"
    cs = phone.service_state.nri("CS")
    assert cs is not None and cs.registration_state == "HOME" and "SMS" in cs.services
    assert phone.signal and phone.signal.format == "keyed"
    assert (phone.signal.primary, phone.signal.level, phone.signal.dbm) == ("LTE", 2, -109)


def test_t_nr_level_with_spaces_and_roaming_slot() -> None:
    reg = parse_telephony_registry(fixture("telephony_registry/t_13_aosp_dual_nr_roaming.txt"))
    assert (reg.default_phone_id, reg.default_sub_id) == (0, 2)
    nr = reg.phones[0].signal
    assert nr and (nr.primary, nr.level, nr.dbm) == ("NR", 3, -96)
    ss1 = reg.phones[1].service_state
    assert ss1 and ss1.format == "r_plus" and ss1.operator_long == "Orange F"
    cs = ss1.nri("CS")
    assert cs and cs.registration_state == "ROAMING" and cs.roaming_type == "INTERNATIONAL"


def test_v_samsung_invalid_rats_and_signal_bar() -> None:
    reg = parse_telephony_registry(fixture("telephony_registry/v_15_samsung_dual_slot1_sms.txt"))
    off, on = reg.phones[0], reg.phones[1]
    assert off.signal and off.signal.level is None and off.signal.dbm is None
    assert on.signal and (on.signal.level, on.signal.dbm, on.signal.vendor_rat) == (3, -99, 14)
    assert on.service_state and on.service_state.voice_reg == "IN_SERVICE"
    assert on.service_state.operator_long == "giffgaff"
    assert on.service_state.nri("CS") is not None


def test_samsung_masked_operator_name_is_no_name() -> None:
    """Samsung builds have been seen printing ``<MASKED>`` for the operator: the fact must fall back to
    getprop or stay unknown, never show the placeholder as the network's name."""
    text = fixture("telephony_registry/v_15_samsung_dual_slot1_sms.txt").replace(
        "mOperatorAlphaLong=giffgaff, mOperatorAlphaShort=giffgaff",
        "mOperatorAlphaLong=<MASKED>, mOperatorAlphaShort=<MASKED>")
    on = parse_telephony_registry(text).phones[1]
    assert on.service_state and on.service_state.voice_reg == "IN_SERVICE"
    assert on.service_state.operator_long is None and on.service_state.operator_short is None


def test_n_legacy_positional_service_state_read_without_guessing() -> None:
    phone = parse_telephony_registry(fixture("telephony_registry/n_7_legacy_positional.txt")).phones[0]
    assert phone.service_state and phone.service_state.format == "legacy"
    assert phone.service_state.voice_reg == "IN_SERVICE"
    assert phone.service_state.operator_long is None  # positional operator names are not trusted
    assert phone.signal and phone.signal.lte_rsrp == -91


def test_n_legacy_line_names_voice_and_data_technology() -> None:
    """N prints the radio technologies after the numeric network code: read them (the operator names
    before them may hold spaces and a '(manual)'); roaming words with a space are read too."""
    phones = parse_telephony_registry(fixture("telephony_registry/n_7.1_aosp_manual_hspap_roaming.txt")).phones
    roaming = phones[0].service_state
    assert roaming is not None and roaming.format == "legacy"
    assert (roaming.voice_rat, roaming.data_rat) == ("HSPAP", "HSPAP")
    assert roaming.voice_roaming_type == "International Roaming" and roaming.emergency_only is False
    off = phones[1].service_state
    assert off is not None and (off.voice_reg, off.voice_rat, off.emergency_only) == ("OUT_OF_SERVICE", "Unknown", True)
    real = parse_telephony_registry(fixture("telephony_registry/n_7_legacy_positional.txt")).phones[0].service_state
    assert real is not None and (real.voice_rat, real.data_rat) == ("LTE", "LTE")


def test_n_legacy_network_type_and_roaming_facts() -> None:
    registry = fixture("telephony_registry/n_7.1_aosp_manual_hspap_roaming.txt")
    facts = derive(snapshot(registry, props={"gsm.sim.state": "READY,ABSENT"}))
    assert value(facts, "signal.network_type") == "HSPAP"
    assert facts["signal.network_type"].note is None or "getprop" not in facts["signal.network_type"].note
    assert value(facts, "signal.roaming") is True


def test_network_type_falls_back_to_getprop() -> None:
    """A service state without a technology (or no telephony.registry at all): getprop gsm.network.type
    (one value per slot) names it, and says so; a slot that is not registered gets none."""
    n71 = fixture("telephony_registry/n_7.1_aosp_manual_hspap_roaming.txt")
    no_rat = n71.replace("HSPAP HSPAP CSS", "Unknown Unknown CSS")
    props = {"gsm.sim.state": "READY,ABSENT", "gsm.network.type": "HSPA+,Unknown"}
    fact = derive(snapshot(no_rat, props=props))["signal.network_type"]
    assert fact.known and fact.value == "HSPAP" and "gsm.network.type" in (fact.note or "")
    fact = derive(snapshot(None, props=props))["signal.network_type"]
    assert fact.known and fact.value == "HSPAP" and "gsm.network.type" in (fact.note or "")
    slot1 = {"gsm.sim.state": "ABSENT,READY", "gsm.network.type": "Unknown,LTE"}
    fact = derive(snapshot(n71, props=slot1))["signal.network_type"]
    assert not fact.known  # slot 1 is out of service: a technology in the property would be stale
    garbled = n71.replace("(manual) HSPAP HSPAP", "(manual)")
    assert parse_telephony_registry(garbled).phones[0].service_state.voice_rat is None  # never '(manual)'


def test_logs_and_registrations_are_not_read() -> None:
    text = (fixture("telephony_registry/o_8.1_aosp_lte.txt")
            + "  Phone Id=7\n  mServiceState={mVoiceRegState=3(POWER_OFF)}\n")
    assert sorted(parse_telephony_registry(text).phones) == [0]


# -- isub parser ------------------------------------------------------------------------------------------
def test_isub_o_subscription_controller() -> None:
    dump = parse_isub(fixture("isub/o_8.1_subscriptioncontroller.txt"))
    assert dump.format == "subscription_controller"
    assert (dump.default_sms_sub_id, dump.slot_to_sub) == (1, {0: 1})
    assert [(r.sub_id, r.slot, r.number) for r in dump.active] == [(1, 0, None)]


def test_isub_q_dual_sms_slot1() -> None:
    dump = parse_isub(fixture("isub/q_10_subscriptioncontroller_dual_sms_slot1.txt"))
    assert dump.default_sms_sub_id == 3 and dump.slot_of_sub(3) == 1
    assert dump.slot_to_sub == {0: 1, 1: 3}  # Q's map-entry shape, "subIds=1=[3]"
    assert [r.sub_id for r in dump.active] == [1, 3]  # AllSubInfoList (id=2, inactive) not taken
    assert dump.active[1].display_name == "giffgaff"


@pytest.mark.parametrize(("line", "expected"), [(" sSlotIndexToSubId[0]: subId=2", {0: 2}),  # P
                                                (" sSlotIndexToSubId[1]: subIds=1=[9]", {1: 9}),  # Q-T
                                                (" sSlotIndexToSubId[0]: subIds=0=[9, 12]", {0: 9})])
def test_isub_slot_map_shapes(line: str, expected: dict[int, int]) -> None:
    text = f"SubscriptionController:\n defaultSmsSubId=9\n{line}\n++++++++++++++++++++++++++++++++\n"
    assert parse_isub(text).slot_to_sub == expected


def test_isub_u_subscription_manager_service() -> None:
    dump = parse_isub(fixture("isub/u_14_smsvc_dual_slot0_absent.txt"))
    assert dump.format == "subscription_manager_service"
    assert dump.active_modem_count == 2
    assert dump.slot_to_sub == {1: 4} and dump.default_sms_sub_id == 4
    assert dump.sim_states == {0: "ABSENT", 1: "LOADED"}
    assert [(r.sub_id, r.slot) for r in dump.active] == [(4, 1)]


def test_isub_ask_every_time() -> None:
    dump = parse_isub(fixture("isub/s_12_userdebug_ask_every_time.txt"))
    assert dump.default_sms_sub_id == -1 and dump.slot_to_sub == {0: 5, 1: 6}


# -- another version's format: read right or say unknown ----------------------------------------------------
@pytest.mark.parametrize("name", ["o_8.1_aosp_lte.txt", "q_10_aosp_lte.txt",
                                  "v_15_samsung_dual_slot1_sms.txt"])
def test_isub_parser_on_registry_text_says_unknown(name: str) -> None:
    dump = parse_isub(fixture(f"telephony_registry/{name}"))
    assert dump.format == "unknown" and dump.default_sms_sub_id is None


@pytest.mark.parametrize("name", ["o_8.1_subscriptioncontroller.txt", "u_14_smsvc_dual_slot0_absent.txt"])
def test_registry_parser_on_isub_text_says_unknown(name: str) -> None:
    assert not parse_telephony_registry(fixture(f"isub/{name}")).recognised


def test_signal_parser_reads_each_era_or_says_unknown() -> None:
    o = "SignalStrength: 99 0 -120 -160 -120 -1 -1 24 -104 -11 62 2147483647 0 2147483647 gsm|lte"
    q = ("SignalStrength:{mCdma=Invalid,mGsm=CellSignalStrengthGsm: rssi=-87 ber=0 mTa=2 mLevel=3,"
         "mWcdma=Invalid,mTdscdma=Invalid,mLte=Invalid,mNr=Invalid,primary=CellSignalStrengthGsm}")
    assert parse_signal_strength(o).lte_rsrp == -104 and parse_signal_strength(o).level is None
    assert (parse_signal_strength(q).level, parse_signal_strength(q).dbm) == (3, -87)
    for junk in ("SignalStrength: 1 2 3 gsm|lte", "{mVoiceRegState=0(IN_SERVICE)}", "", "null"):
        assert parse_signal_strength(junk).format == "unknown"
    assert parse_service_state("SignalStrength: 99 0 gsm|lte").format == "unknown"


# -- derived facts ----------------------------------------------------------------------------------------
def test_derive_o_single_sim_level_is_approximate() -> None:
    facts = derive(snapshot(fixture("telephony_registry/o_8.1_aosp_lte.txt"),
                            fixture("isub/o_8.1_subscriptioncontroller.txt"),
                            {"ro.build.version.sdk": "27", "gsm.sim.state": "READY"}))
    assert value(facts, "signal.service_state") == "in_service"
    assert value(facts, "signal.level") == 2  # RSRP -104 → 3 bars, RSSNR 3.0 dB → 2 bars: min
    assert "approximate" in (facts["signal.level"].note or "")
    assert value(facts, "signal.dbm") == -104
    assert value(facts, "signal.network_type") == "LTE"
    assert value(facts, "signal.roaming") is False
    assert value(facts, "signal.operator") == "EE"
    assert value(facts, "sim.state") == "ready"
    assert value(facts, "sim.sms_slot") == 0
    assert value(facts, "sim.count") == 1
    assert not facts["sim.phone_number"].known


def test_derive_dual_sim_sms_on_slot1_slot0_absent_u() -> None:
    facts = derive(snapshot(fixture("telephony_registry/v_15_samsung_dual_slot1_sms.txt"),
                            fixture("isub/u_14_smsvc_dual_slot0_absent.txt"),
                            {"ro.build.version.sdk": "35", "gsm.sim.state": "ABSENT,LOADED"}))
    assert value(facts, "sim.sms_slot") == 1
    assert value(facts, "sim.state") == "ready"
    assert value(facts, "sim.count") == 1
    assert value(facts, "signal.service_state") == "in_service"
    assert (value(facts, "signal.level"), value(facts, "signal.dbm")) == (3, -99)
    assert value(facts, "signal.operator") == "giffgaff"
    slots = value(facts, "sim.slots")
    assert isinstance(slots, list)
    assert [(s["slot"], s["state"], s["service_state"]) for s in slots] == [
        (0, "absent", "out_of_service"), (1, "ready", "in_service")]
    assert "hides the number" in (facts["sim.phone_number"].reason or "")


def test_derive_p_dual_sms_slot_from_settings_when_isub_missing() -> None:
    facts = derive(snapshot(fixture("telephony_registry/p_9_aosp_dual_slot0_absent.txt"), None,
                            {"ro.build.version.sdk": "28", "gsm.sim.state": "ABSENT,READY"},
                            {"multi_sim_sms": "2"}))
    # multi_sim_sms names sub 2 but without isub the slot map is unknown: first ready SIM, with a note
    assert value(facts, "sim.sms_slot") == 1
    assert "first ready SIM" in (facts["sim.sms_slot"].note or "") or "only ready" in (
        facts["sim.sms_slot"].note or "")
    assert value(facts, "signal.network_type") == "HSPAP"
    assert value(facts, "signal.level") == 3  # RSCP -93 dBm
    assert value(facts, "signal.operator") == "O2 - UK"


def test_derive_roaming_and_isub_slot_map_t() -> None:
    isub = fixture("isub/q_10_subscriptioncontroller_dual_sms_slot1.txt")
    facts = derive(snapshot(fixture("telephony_registry/t_13_aosp_dual_nr_roaming.txt"), isub,
                            {"ro.build.version.sdk": "33", "gsm.sim.state": "LOADED,LOADED"}))
    assert value(facts, "sim.sms_slot") == 1
    assert value(facts, "signal.roaming") is True
    assert value(facts, "signal.level") == 1
    assert value(facts, "sim.count") == 2


def test_derive_ask_every_time_uses_first_ready_and_reads_clear_number() -> None:
    facts = derive(snapshot(None, fixture("isub/s_12_userdebug_ask_every_time.txt"),
                            {"gsm.sim.state": "READY,READY"}))
    assert value(facts, "sim.sms_slot") == 0
    assert "ask every time" in (facts["sim.sms_slot"].note or "")
    assert value(facts, "sim.phone_number") == "+447700900123"
    assert not facts["signal.level"].known


def test_derive_nothing_readable_is_unknown_not_wrong() -> None:
    facts = derive(snapshot())
    assert set(facts) == set(TELEPHONY_FACTS)
    assert all(not f.known for f in facts.values())


def test_derive_sim_states_map() -> None:
    for raw, expected in [("PIN_REQUIRED", "pin_required"), ("PUK_REQUIRED", "puk_required"),
                          ("NETWORK_LOCKED", "network_locked"), ("PERM_DISABLED", "disabled"),
                          ("CARD_IO_ERROR", "error"), ("NOT_READY", "not_ready"), ("ABSENT", "absent")]:
        facts = derive(snapshot(props={"gsm.sim.state": raw}))
        assert value(facts, "sim.state") == expected
        assert not facts["sim.sms_slot"].known


def test_no_iccid_or_hashed_number_in_fact_values() -> None:
    facts = derive(snapshot(fixture("telephony_registry/t_13_aosp_dual_nr_roaming.txt"),
                            fixture("isub/q_10_subscriptioncontroller_dual_sms_slot1.txt"),
                            {"gsm.sim.state": "LOADED,LOADED"}))
    blob = repr([f.to_dict() for f in facts.values()])
    assert "8944" not in blob and "Zr4Tq8" not in blob


def test_derive_produces_exactly_the_registered_facts() -> None:
    facts = derive(snapshot(fixture("telephony_registry/q_10_aosp_lte.txt")))
    assert sorted(facts) == sorted(TELEPHONY_FACTS)
    for name, fact in facts.items():
        spec = FACTS_BY_NAME[name]
        if fact.known and spec.type == "enum":
            assert fact.value in spec.values


# -- never raise ------------------------------------------------------------------------------------------
ALL_FIXTURES = fixture_paths("telephony_registry") + fixture_paths("isub")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parsers_never_raise_on_arbitrary_text(text: str) -> None:
    parse_telephony_registry(text)
    parse_isub(text)
    parse_service_state(text)
    parse_signal_strength(text)
    derive(snapshot(text, text, {"gsm.sim.state": text[:20]}, {"multi_sim_sms": text[:5]}))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_FIXTURES), st.integers(min_value=0, max_value=20000),
       st.text(max_size=40))
def test_parsers_never_raise_on_truncated_or_spliced_fixtures(path: Path, cut: int, noise: str) -> None:
    text = fixture(path)
    broken = text[:cut] + noise + text[cut + len(noise):]
    parse_telephony_registry(broken)
    parse_isub(broken)
    facts = derive(snapshot(broken, broken, {"gsm.sim.state": "READY,ABSENT"}))
    assert set(facts) == set(TELEPHONY_FACTS)


# -- round trip through the simulator -------------------------------------------------------------------------
@pytest.fixture
def sim_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load the renderers; tolerate sibling render modules that are not written yet."""
    importlib.import_module("droidcheck.sim.render.telephony")
    try:
        commands._load()
    except ImportError:
        monkeypatch.setattr(commands, "_loaded", True)


def _roundtrip(profile: Profile) -> dict[str, Fact]:
    from droidcheck.sim.render.telephony import telephony_props

    registry = commands.run_command(profile, ["dumpsys", "telephony.registry"]).stdout
    isub = commands.run_command(profile, ["dumpsys", "isub"]).stdout
    props = {"ro.build.version.sdk": str(profile.sdk), **telephony_props(profile)}
    settings_global = {"multi_sim_sms": str(profile.sms_sub_id if profile.sms_sub_id is not None else -1)}
    return derive(snapshot(registry, isub, props, settings_global))


PROFILES = [
    Profile(name="o-lte-rssnr-capped", sdk=27, sims=[SimSlot(dbm=-96, signal_level=3)]),
    Profile(name="p-umts", sdk=28, sims=[SimSlot(network_type="UMTS", dbm=-99, signal_level=2,
                                                 operator="O2 - UK", mcc_mnc="23410")]),
    Profile(name="q-lte-roaming", sdk=29, sims=[SimSlot(roaming=True, signal_level=3, dbm=-103)]),
    Profile(name="r-dual", sdk=30, sms_sub_id=7,
            sims=[SimSlot(slot=0, sub_id=2), SimSlot(slot=1, sub_id=7, operator="Three UK", dbm=-112,
                                                     signal_level=1, network_type="LTE")]),
    Profile(name="t-nr", sdk=33, sims=[SimSlot(network_type="NR", dbm=-90, signal_level=4)]),
    Profile(name="u-slot0-absent", sdk=34, sms_sub_id=4,
            sims=[SimSlot(slot=0, state="ABSENT", sub_id=1),
                  SimSlot(slot=1, sub_id=4, operator="giffgaff")]),
    Profile(name="v-samsung", sdk=35, maker="Samsung", model="SM-S921B",
            sims=[SimSlot(signal_level=2, dbm=-115), SimSlot(slot=1, sub_id=3, state="ABSENT")]),
    Profile(name="v-airplane", sdk=35, airplane_mode=True),
    Profile(name="s-pin", sdk=31, sims=[SimSlot(state="PIN_REQUIRED")]),
]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_roundtrip_rendered_text_gives_profile_state(profile: Profile, sim_commands: None) -> None:
    facts = _roundtrip(profile)
    sms = profile.sms_sim
    assert sms is not None
    slot = profile.sims.index(sms)
    expected_state = {"READY": "ready", "ABSENT": "absent", "PIN_REQUIRED": "pin_required"}[sms.state]
    assert value(facts, "sim.state") == expected_state
    assert value(facts, "sim.count") == sum(1 for s in profile.sims if s.state == "READY")
    if sms.state != "READY":
        assert not facts["sim.sms_slot"].known  # no ready SIM: no SMS SIM, so no signal facts for it
        assert not facts["signal.level"].known
        return
    assert value(facts, "sim.sms_slot") == slot
    if profile.airplane_mode:
        assert value(facts, "signal.service_state") == "power_off"
        return
    assert value(facts, "signal.service_state") == "in_service"
    assert value(facts, "signal.level") == sms.signal_level
    assert value(facts, "signal.dbm") == sms.dbm
    assert value(facts, "signal.roaming") is sms.roaming
    assert value(facts, "signal.operator") == sms.operator
    rat = value(facts, "signal.network_type")
    assert rat == sms.network_type or (sms.network_type == "UMTS" and rat == "UMTS")
    assert not facts["sim.phone_number"].known  # user build: hashed, never the profile's number
    blob = repr([f.to_dict() for f in facts.values()])
    assert sms.phone_number not in blob and sms.iccid not in blob


def test_samsung_render_has_oem_fields(sim_commands: None) -> None:
    profile = Profile(name="s", sdk=35, maker="samsung")
    text = commands.run_command(profile, ["dumpsys", "telephony.registry"]).stdout
    assert "VoiceRegType=" in text and "SignalBarInfo{" in text and "mCallStateLists=" in text
    assert "mCdma=Invalid" in text
    aosp = commands.run_command(Profile(name="g", sdk=35), ["dumpsys", "telephony.registry"]).stdout
    assert "VoiceRegType=" not in aosp and "mCdma=CellSignalStrengthCdma" in aosp


@pytest.mark.parametrize("sdk,marker", [(27, "sSlotIdxToSubId[0]"), (29, "sSlotIndexToSubId[0]"),
                                        (34, "Logical SIM slot 0: subId=1"), (35, "mSimState[0]=LOADED")])
def test_isub_render_era(sdk: int, marker: str, sim_commands: None) -> None:
    text = commands.run_command(Profile(name="e", sdk=sdk), ["dumpsys", "isub"]).stdout
    assert marker in text
