"""Telephony facts: the SIM that receives SMS, its state, service, signal, roaming and operator.

Sources: ``dumpsys telephony.registry`` (per-slot ServiceState and SignalStrength, see
``droidcheck.parsers.telephony_registry``), ``dumpsys isub`` (default SMS subscription, slot map, U+ SIM
state, see ``droidcheck.parsers.isub``), ``getprop gsm.sim.state`` (comma-separated per slot, written by
``TelephonyManager.setSimStateForPhone``) and ``settings global multi_sim_sms``.

Decisions, documented here once:

* **The SMS SIM** is the slot of the default SMS subscription (isub ``defaultSmsSubId``, else settings
  ``multi_sim_sms``). If there is none, or it is not an active subscription, it is the first slot whose SIM
  is ready, and every fact that depends on it says so in its ``note``.
* **signal.service_state** follows the voice (CS) registration, ``mVoiceRegState``, as Android's own
  ``ServiceState.getState()`` does. When voice is not registered but data (PS) is — an LTE-only/VoLTE
  registration — the SIM *is* registered, so the value is ``in_service`` with a note (SMS then rides on
  IMS or SMS-over-SGs). ``EMERGENCY_ONLY`` or ``mIsEmergencyOnly=true`` while out of service give
  ``emergency_only``. ``UNKNOWN`` gives an unknown fact.
* **signal.level**: Q+ prints the level of each radio; the primary radio's (``primary=``) is used. O/P print
  no level: it is computed from RSRP with the AOSP default thresholds (−98/−108/−118/−128 dBm, the ones P
  prints) or from GSM ASU, and the note says it is approximate. All-INT_MAX readings are not a measurement.
* **signal.roaming**: O/P ``mVoiceRoamingType`` (``home`` = not roaming); Q+ the CS/WWAN
  NetworkRegistrationInfo ``registrationState=ROAMING`` (what the status bar shows; it already includes
  carrier roaming overrides) or, where CS is missing, PS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from droidcheck.facts.context import DeriveContext
from droidcheck.facts.model import Fact, cannot_show, known, unknown
from droidcheck.parsers.isub import IsubDump, valid_sub_id
from droidcheck.parsers.settings import ambiguity
from droidcheck.parsers.telephony_registry import (
    PhoneState,
    ServiceStateInfo,
    SignalInfo,
    TelephonyRegistry,
    parse_telephony_registry,
)

SIM_STATE_MAP: dict[str, str | None] = {
    "ABSENT": "absent", "READY": "ready", "LOADED": "ready", "PIN_REQUIRED": "pin_required",
    "PUK_REQUIRED": "puk_required", "NETWORK_LOCKED": "network_locked", "NOT_READY": "not_ready",
    "IMSI": "not_ready", "PRESENT": "not_ready", "PERM_DISABLED": "disabled", "CARD_IO_ERROR": "error",
    "CARD_RESTRICTED": "error", "UNKNOWN": None, "": None,
}
SERVICE_MAP = {"IN_SERVICE": "in_service", "OUT_OF_SERVICE": "out_of_service",
               "EMERGENCY_ONLY": "emergency_only", "POWER_OFF": "power_off"}
RAT_ALIASES = {"LTE_CA": "LTE", "LTE-CA": "LTE", "NR_SA": "NR", "NR_NSA": "NR", "HSPA+": "HSPAP",
               "WCDMA": "UMTS", "Unknown": None, "UNKNOWN": None, "": None, "null": None}
LTE_THRESHOLDS = (-128, -118, -108, -98)  # AOSP default config_lteDbmThresholds / CarrierConfig (P+)
RSSNR_THRESHOLDS = (-30, 10, 45, 130)  # O/P SignalStrength.getLteLevel RSSNR bands (0.1 dB)
WCDMA_THRESHOLDS = (-115, -105, -95, -85)  # CarrierConfig wcdma_rscp_thresholds_int_array default
_PHONE_NUMBER = re.compile(r"^\+?\d[\d ()-]{4,}\d$")


@dataclass
class SlotView:
    slot: int
    state: str | None = None  # droidcheck SIM state enum value, None = unknown
    raw_state: str | None = None
    phone: PhoneState | None = None


@dataclass
class Telephony:
    """Everything the telephony facts are derived from, parsed once."""

    registry: TelephonyRegistry | None
    registry_missing: str
    isub: IsubDump | None
    isub_missing: str
    slots: list[SlotView] = field(default_factory=list)
    state_source: str | None = None
    sms_slot: int | None = None
    sms_sub_id: int | None = None
    sms_note: str | None = None
    sms_reason: str | None = None


def derive(ctx: DeriveContext) -> list[Fact]:
    t = _read(ctx)
    facts = _signal_facts(ctx, t)
    facts += _sim_facts(ctx, t)
    return facts


# -- reading -------------------------------------------------------------------------------------------
def _read(ctx: DeriveContext) -> Telephony:
    reg_text = ctx.snapshot.text("telephony_registry")
    registry = parse_telephony_registry(reg_text) if reg_text is not None else None
    isub = ctx.isub
    t = Telephony(
        registry=registry if registry is not None and registry.recognised else None,
        registry_missing=(ctx.missing("telephony_registry") if registry is None
                          else "'dumpsys telephony.registry' printed a format droidcheck does not know"),
        isub=isub if isub is not None and isub.format != "unknown" else None,
        isub_missing=(ctx.missing("isub") if isub is None
                      else "'dumpsys isub' printed a format droidcheck does not know"),
    )
    t.slots = _slots(ctx, t)
    _choose_sms_slot(ctx, t)
    return t


def _slots(ctx: DeriveContext, t: Telephony) -> list[SlotView]:
    states: dict[int, str] = {}
    if t.isub is not None and t.isub.sim_states:
        states, t.state_source = dict(t.isub.sim_states), "dumpsys isub mSimState"
    else:
        prop = (ctx.props or {}).get("gsm.sim.state")
        if prop is not None and prop.strip():
            states = {i: v.strip() for i, v in enumerate(prop.split(","))}
            t.state_source = "getprop gsm.sim.state"
    count = max([len(states)] + [i + 1 for i in (t.registry.phones if t.registry else {})]
                + [i + 1 for i in (t.isub.slot_to_sub if t.isub else {}) if i < 8])
    views = []
    for i in range(count):
        raw = states.get(i)
        view = SlotView(slot=i, raw_state=raw, state=SIM_STATE_MAP.get(raw.upper()) if raw else None)
        view.phone = t.registry.phones.get(i) if t.registry else None
        views.append(view)
    return views


def _default_sms_sub(ctx: DeriveContext, t: Telephony) -> tuple[int | None, str]:
    if t.isub is not None and t.isub.default_sms_sub_id is not None:
        return t.isub.default_sms_sub_id, "dumpsys isub defaultSmsSubId"
    settings = ctx.settings_global or {}
    value = "" if ambiguity(settings, "multi_sim_sms") else settings.get("multi_sim_sms", "").strip()
    if re.fullmatch(r"-?\d+", value):
        return int(value), "settings global multi_sim_sms"
    return None, ""


def _choose_sms_slot(ctx: DeriveContext, t: Telephony) -> None:
    sub_id, source = _default_sms_sub(ctx, t)
    if valid_sub_id(sub_id) and sub_id is not None:
        slot = _slot_of_sub(ctx, t, sub_id)
        if slot is not None:
            t.sms_slot, t.sms_sub_id = slot, sub_id
            return
        why = f"the default SMS subscription ({source} = {sub_id}) is not an active SIM"
    elif sub_id is not None:
        why = f"no default SMS SIM is set ({source} = {sub_id}: ask every time or none)"
    else:
        why = "the default SMS SIM could not be read (" + t.isub_missing + ")"
    ready = [s for s in t.slots if s.state == "ready"]
    if len(ready) == 1 or (ready and len(t.slots) == 1):
        t.sms_slot, t.sms_note = ready[0].slot, f"{why}; using the only ready SIM (slot {ready[0].slot})"
    elif ready:
        t.sms_slot = ready[0].slot
        t.sms_note = f"{why}; using the first ready SIM (slot {ready[0].slot})"
    else:
        t.sms_reason = f"{why}, and no SIM is ready"
    if t.sms_slot is not None and t.isub is not None:
        t.sms_sub_id = t.isub.slot_to_sub.get(t.sms_slot)


def _slot_of_sub(ctx: DeriveContext, t: Telephony, sub_id: int) -> int | None:
    if t.isub is not None:
        return t.isub.slot_of_sub(sub_id)
    if t.registry is not None and t.registry.default_sub_id == sub_id:
        return t.registry.default_phone_id
    return None


def _sms_view(t: Telephony) -> SlotView | None:
    if t.sms_slot is None:
        return None
    return next((s for s in t.slots if s.slot == t.sms_slot), SlotView(slot=t.sms_slot))


def _merge_notes(*notes: str | None) -> str | None:
    parts = [n for n in notes if n]
    return "; ".join(parts) if parts else None


# -- per-slot values -----------------------------------------------------------------------------------
def service_state(ss: ServiceStateInfo | None) -> tuple[str | None, str | None, str | None]:
    """(value, note, reason-if-unknown) for one slot's service state."""
    if ss is None or ss.format == "unknown" or ss.voice_reg is None:
        return None, None, "mServiceState is missing or in an unknown format"
    voice, data = ss.voice_reg, ss.data_reg
    if voice == "IN_SERVICE":
        return "in_service", None, None
    if voice == "POWER_OFF":
        return "power_off", None, None
    if voice == "EMERGENCY_ONLY" or (voice == "OUT_OF_SERVICE" and ss.emergency_only):
        return "emergency_only", None, None
    if voice == "OUT_OF_SERVICE" and data == "IN_SERVICE":
        return ("in_service", "voice (CS) is not registered, data (PS) is: SMS depends on IMS or "
                "SMS over SGs", None)
    if voice == "OUT_OF_SERVICE":
        return "out_of_service", None, None
    return None, None, f"mVoiceRegState is {voice}"


def network_type(ss: ServiceStateInfo | None) -> str | None:
    if ss is None:
        return None
    candidates: list[str | None] = []
    for domain in ("PS", "CS"):
        nri = ss.nri(domain)
        if nri is not None and nri.registered:
            candidates.append(nri.rat)
    candidates += [ss.data_rat, ss.voice_rat]
    for rat in candidates:
        if rat is None or rat.upper() == "IWLAN":
            continue
        name = RAT_ALIASES.get(rat, rat)
        if name:
            return name
    return None


def slot_network_type(ctx: DeriveContext, view: SlotView) -> tuple[str | None, str | None]:
    """(radio technology, note): from mServiceState, else from getprop ``gsm.network.type`` (one value per
    slot, comma-separated, as ``TelephonyManager.getNetworkTypeName`` names it: ``LTE``, ``HSPA+``…)."""
    ss = view.phone.service_state if view.phone else None
    rat = network_type(ss)
    if rat:
        return rat, None
    if ss is not None and ss.format != "unknown" and "IN_SERVICE" not in (ss.voice_reg, ss.data_reg):
        return None, None  # not registered: a technology left in the property would be stale
    prop = (ctx.props or {}).get("gsm.network.type", "")
    parts = prop.split(",") if prop else []
    if view.slot < len(parts):
        value = parts[view.slot].strip()
        name = RAT_ALIASES.get(value, value)
        if name and name.upper() not in ("UNKNOWN", "IWLAN"):
            return name, "from getprop gsm.network.type"
    return None, None


def roaming(ss: ServiceStateInfo | None) -> tuple[bool | None, str | None]:
    if ss is None or ss.format == "unknown":
        return None, None
    if ss.format in ("o", "p", "legacy"):
        types = [r for r in (ss.voice_roaming_type, ss.data_roaming_type) if r]
        if not types:
            return None, None
        return any(r.lower() != "home" for r in types), None
    for domain in ("CS", "PS"):
        nri = ss.nri(domain)
        if nri is not None and nri.registered:
            return nri.registration_state == "ROAMING", None
    return False, "not registered to a network"


def signal_level(sig: SignalInfo | None) -> tuple[int | None, str | None, str | None]:
    """(level, note, reason-if-unknown)."""
    if sig is None or sig.format == "unknown":
        return None, None, "mSignalStrength is missing or in an unknown format"
    if sig.format == "keyed":
        if sig.level is None:
            return None, None, "no radio has a valid reading (values are 2147483647: no measurement)"
        return sig.level, None, None
    if sig.primary == "LTE" and sig.lte_rsrp is not None:
        thresholds = tuple(sig.lte_rsrp_thresholds or LTE_THRESHOLDS)
        level = _bucket(sig.lte_rsrp, thresholds)
        if sig.lte_rssnr is not None and not sig.rsrp_only:  # O/P getLteLevel: min of RSRP and RSSNR bars
            level = min(level, _bucket(sig.lte_rssnr, RSSNR_THRESHOLDS))
        note = "approximate: computed from RSRP/RSSNR with AOSP default thresholds (8/9 print no level)"
        return level, note, None
    if sig.primary == "WCDMA" and sig.wcdma_rscp is not None:
        return _bucket(sig.wcdma_rscp, WCDMA_THRESHOLDS), "approximate: computed from RSCP", None
    if sig.primary == "GSM" and sig.gsm_asu is not None:
        return _gsm_level(sig.gsm_asu), "approximate: computed from GSM ASU", None
    return None, None, "no radio has a valid reading"


def _bucket(dbm: int, thresholds: tuple[int, ...]) -> int:
    if len(thresholds) != 4:
        thresholds = LTE_THRESHOLDS
    return sum(1 for t in thresholds if dbm >= t)


def _gsm_level(asu: int) -> int:
    """AOSP CellSignalStrengthGsm level from ASU (O/P getGsmLevel)."""
    if asu <= 2 or asu == 99:
        return 0
    return 4 if asu >= 12 else 3 if asu >= 8 else 2 if asu >= 5 else 1


def operator_name(ctx: DeriveContext, view: SlotView) -> tuple[str | None, str | None]:
    ss = view.phone.service_state if view.phone else None
    if ss is not None and (ss.operator_long or ss.operator_short):
        return ss.operator_long or ss.operator_short, None
    prop = (ctx.props or {}).get("gsm.operator.alpha", "")
    parts = prop.split(",") if prop else []
    if view.slot < len(parts) and parts[view.slot].strip():
        return parts[view.slot].strip(), "from getprop gsm.operator.alpha"
    return None, None


# -- facts ---------------------------------------------------------------------------------------------
def _signal_facts(ctx: DeriveContext, t: Telephony) -> list[Fact]:
    names = ("signal.service_state", "signal.level", "signal.dbm", "signal.network_type",
             "signal.roaming", "signal.operator")
    view = _sms_view(t)
    if view is None:
        # No SIM ready (every slot's state read): there is no signal to show. Otherwise it was not read.
        make = cannot_show if t.sms_reason and t.slots and all(s.state for s in t.slots) else unknown
        return [make(n, t.sms_reason or "the SMS SIM is not known") for n in names]
    if t.registry is None:
        reason = t.registry_missing
        facts = [unknown(n, reason) for n in names[:3]]
        rat, rnote = slot_network_type(ctx, view)
        facts.append(known("signal.network_type", rat, rnote) if rat else unknown("signal.network_type", reason))
        facts += [unknown(n, reason) for n in names[4:-1]]
        op, note = operator_name(ctx, view)
        facts.append(known("signal.operator", op, note) if op else unknown("signal.operator", reason))
        return facts
    if view.phone is None:
        reason = f"telephony.registry has no 'Phone Id={view.slot}' (slot {view.slot} modem not active)"
        return [unknown(n, reason) for n in names]
    return _slot_signal_facts(ctx, view, t.sms_note)


def _slot_signal_facts(ctx: DeriveContext, view: SlotView, sms_note: str | None) -> list[Fact]:
    phone = view.phone
    assert phone is not None
    ss, sig = phone.service_state, phone.signal
    facts: list[Fact] = []
    state, note, reason = service_state(ss)
    facts.append(known("signal.service_state", state, _merge_notes(note, sms_note)) if state
                 else unknown("signal.service_state", reason or "unknown"))
    level, lnote, lreason = signal_level(sig)
    facts.append(known("signal.level", level, _merge_notes(lnote, sms_note)) if level is not None
                 else unknown("signal.level", lreason or "unknown"))
    dbm = sig.dbm if sig is not None else None
    facts.append(known("signal.dbm", dbm, sms_note) if dbm is not None
                 else unknown("signal.dbm", "no valid reading in mSignalStrength (missing or 2147483647)"))
    rat, rnote = slot_network_type(ctx, view)
    facts.append(known("signal.network_type", rat, _merge_notes(rnote, sms_note)) if rat
                 else unknown("signal.network_type", "no registered radio technology in mServiceState "
                                                     "or getprop gsm.network.type"))
    roam, rnote = roaming(ss)
    facts.append(known("signal.roaming", roam, _merge_notes(rnote, sms_note)) if roam is not None
                 else unknown("signal.roaming", "roaming state not in a known format"))
    op, onote = operator_name(ctx, view)
    facts.append(known("signal.operator", op, _merge_notes(onote, sms_note)) if op
                 else unknown("signal.operator", "no operator name (not registered)"))
    return facts


def _slot_dict(ctx: DeriveContext, view: SlotView) -> dict[str, Any]:
    phone = view.phone
    ss = phone.service_state if phone else None
    level, _, _ = signal_level(phone.signal if phone else None)
    return {
        "slot": view.slot,
        "state": view.state,
        "operator": operator_name(ctx, view)[0],
        "service_state": service_state(ss)[0],
        "network_type": slot_network_type(ctx, view)[0],
        "level": level,
        "roaming": roaming(ss)[0],
    }


def _sim_facts(ctx: DeriveContext, t: Telephony) -> list[Fact]:
    return [_sim_state_fact(t), *_slot_facts(ctx, t), _sms_slot_fact(t), _phone_number_fact(t)]


def _sim_state_fact(t: Telephony) -> Fact:
    if t.state_source is None:
        return unknown("sim.state", "SIM state not readable: getprop gsm.sim.state is empty and "
                       "dumpsys isub has no mSimState")
    view = _sms_view(t)
    note = t.sms_note
    if view is None:  # no SMS SIM: report the most telling slot (first one that is not empty)
        view = next((s for s in t.slots if s.state not in (None, "absent")), t.slots[0] if t.slots else None)
        note = f"{t.sms_reason}; state of slot {view.slot}" if view else None
    if view is None or view.state is None:
        raw = view.raw_state if view else None
        return unknown("sim.state", f"SIM state {raw!r} is not one droidcheck knows" if raw
                       else "no SIM state for the SMS slot")
    return known("sim.state", view.state, _merge_notes(note, f"from {t.state_source}"))


def _slot_facts(ctx: DeriveContext, t: Telephony) -> list[Fact]:
    if not t.slots:
        return [unknown("sim.slots", "no SIM slot information (" + t.registry_missing + ")"),
                unknown("sim.count", "no SIM slot information")]
    slots = [_slot_dict(ctx, s) for s in t.slots]
    if t.state_source is None:
        count = unknown("sim.count", "SIM state not readable")
    else:
        count = known("sim.count", sum(1 for s in t.slots if s.state == "ready"))
    return [known("sim.slots", slots), count]


def _sms_slot_fact(t: Telephony) -> Fact:
    if t.sms_slot is None:
        return unknown("sim.sms_slot", t.sms_reason or "the SMS SIM is not known")
    return known("sim.sms_slot", t.sms_slot, t.sms_note)


def _phone_number_fact(t: Telephony) -> Fact:
    name = "sim.phone_number"
    if t.isub is None:
        return unknown(name, t.isub_missing)
    if t.sms_sub_id is None:
        return unknown(name, t.sms_reason or "the SMS subscription is not known")
    rec = t.isub.record(t.sms_sub_id)
    if rec is None or rec.number is None:
        return unknown(name, "dumpsys isub lists no number for the SMS subscription")
    number = rec.number.strip()
    if number in ("", "null"):
        return cannot_show(name, "the SIM does not store its own number (MSISDN); ask the customer")
    if _PHONE_NUMBER.match(number):
        return known(name, number, "as stored on the SIM; may be outdated after a number port")
    return cannot_show(name, "Android hides the number in dumpsys isub on user builds; ask the customer")
