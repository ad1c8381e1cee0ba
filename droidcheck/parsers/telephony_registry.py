"""`dumpsys telephony.registry`: per-slot service state and signal strength.

Printed by ``TelephonyRegistry.dump`` (frameworks/base services/core/java/com/android/server/
TelephonyRegistry.java): ``last known state:`` then, for each logical modem (``Phone Id=<slot>``), indented
``key=value`` lines, then global lines (``mDefaultPhoneId=``, ``mDefaultSubId=`` on R+), then ``local logs:``,
``listen logs:`` and ``registrations:`` (not read: they hold package names and history).

Two values are object dumps whose format changed between releases:

* ``mServiceState=`` — ``ServiceState.toString`` (telephony/java/android/telephony/ServiceState.java):
  O ``{mVoiceRegState=0(IN_SERVICE), mDataRegState=…, mVoiceRoamingType=home, …, mVoiceOperatorAlphaLong=…,
  mRilVoiceRadioTechnology=14(LTE), …}``; P adds ``mChannelNumber``/``duplexMode()``/``mCellBandwidths``;
  Q+ drops the roaming types, prints ``getRilVoiceRadioTechnology=`` and ``mNetworkRegistrationInfos=[…]``
  (NetworkRegistrationInfo.toString); R+ ``mOperatorAlphaLong=``. Samsung adds ``VoiceRegType=``, ``Snap=``,
  ``PsOnly=``… Pre-O (N) printed a positional string: ``<voiceReg> <dataReg> voice <roaming> data <roaming>
  <voiceOpLong> <voiceOpShort> <voiceNumeric> <dataOpLong> <dataOpShort> <dataNumeric> [(manual)]
  <voiceRat> <dataRat> CSS [not ]supported <networkId> <systemId> RoamInd=… DefRoamInd=… EmergOnly=…``
  (7.1 appends ``IsDataRoamingFromRegistration=``, ``IsUsingCarrierAggregation=``); the operator names are
  not read (they may hold spaces, so their fields cannot be told apart).
* ``mSignalStrength=`` — ``SignalStrength.toString``: O/P positional ``SignalStrength: <gsmSS> <gsmBER>
  <cdmaDbm> <cdmaEcio> <evdoDbm> <evdoEcio> <evdoSnr> <lteSS> <lteRsrp> <lteRsrq> <lteRssnr> <lteCqi> …
  gsm|lte|cdma`` (no level); Q+ ``SignalStrength:{mCdma=…,mGsm=…,mWcdma=…,mTdscdma=…,mLte=…,mNr=…,primary=
  CellSignalStrengthLte}`` with per-RAT ``level=``/``mLevel=`` (GSM)/``level = `` (NR). Samsung prints
  ``Invalid`` for unused RATs and appends ``SignalBarInfo{ lteLevel=3 },rat=14``.

The parser never raises; what it cannot read stays ``None`` and ``problems`` says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from droidcheck.parsers.android import INT_MAX

REG_STATES = ("IN_SERVICE", "OUT_OF_SERVICE", "EMERGENCY_ONLY", "POWER_OFF")

_PHONE_ID = re.compile(r"^\s*Phone Id=(\d+)\s*$")
_STOP = re.compile(r"^\s*(local logs:|listen logs:|registrations: count=)")
_GLOBAL_INT = re.compile(r"^\s*(mDefaultPhoneId|mDefaultSubId|mActiveDataSubId)=(-?\d+)\s*$")

# -- ServiceState --------------------------------------------------------------------------------------
_REG = {
    "voice": re.compile(r"mVoiceRegState=(-?\d+)\((\w+)\)"),
    "data": re.compile(r"mDataRegState=(-?\d+)\((\w+)\)"),
}
_RAT = {
    "voice": re.compile(r"(?:mRilVoiceRadioTechnology|getRilVoiceRadioTechnology)=(-?\d+)\(([^)]*)\)"),
    "data": re.compile(r"(?:mRilDataRadioTechnology|getRilDataRadioTechnology)=(-?\d+)\(([^)]*)\)"),
}
_KEY_END = r"(?=, [\w()]+=|\}\s*$)"
_OPERATOR_KEYS = ("mOperatorAlphaLong", "mVoiceOperatorAlphaLong", "mDataOperatorAlphaLong",
                  "mOperatorAlphaShort", "mVoiceOperatorAlphaShort", "mDataOperatorAlphaShort")
_ROAM_TYPE = {
    "voice": re.compile(r"mVoiceRoamingType=(.*?)" + _KEY_END),
    "data": re.compile(r"mDataRoamingType=(.*?)" + _KEY_END),
}
_EMERGENCY_ONLY = re.compile(r"mIsEmergencyOnly=(true|false)")
#: N ``getRoamingLogString``: the roaming words (two of them contain a space).
_LEGACY_ROAM = r"(home|roaming|Domestic Roaming|International Roaming|UNKNOWN)"
_LEGACY_SS = re.compile(r"^\s*(-?\d+) (-?\d+) voice " + _LEGACY_ROAM + " data " + _LEGACY_ROAM + r"(?: |$)")
#: N: ``… <dataNumeric> [(manual)] <voiceRat> <dataRat> CSS [not ]supported …``. The operator names before
#: may hold spaces; ``rilRadioTechnologyToString`` names never do, so the two words before "CSS" are the
#: voice and data radio technologies.
_LEGACY_RATS = re.compile(r" ([A-Za-z0-9][\w.+-]*) ([A-Za-z0-9][\w.+-]*) CSS (?:not )?supported(?: |$)")
_LEGACY_EMERGENCY = re.compile(r" EmergOnly=(true|false)\b")
_LEGACY_REG = {0: "IN_SERVICE", 1: "OUT_OF_SERVICE", 2: "EMERGENCY_ONLY", 3: "POWER_OFF"}

# -- NetworkRegistrationInfo (Q+) ----------------------------------------------------------------------
_NRI_FIELDS = {
    "domain": re.compile(r"\bdomain=(\w+)"),
    "transport": re.compile(r"\btransportType=(\w+)"),
    "registration_state": re.compile(r"\bregistrationState=(\w+)"),
    "roaming_type": re.compile(r"\broamingType=(\w+)"),
    "rat": re.compile(r"\baccessNetworkTechnology=([\w-]+)"),
    "emergency_enabled": re.compile(r"\bemergencyEnabled=(true|false)"),
}
_NRI_SERVICES = re.compile(r"\bavailableServices=\[([^\]]*)\]")

# -- SignalStrength ------------------------------------------------------------------------------------
_RAT_SEGMENT = re.compile(r"\b(mCdma|mGsm|mWcdma|mTdscdma|mLte|mNr)=")
_PRIMARY = re.compile(r"primary=CellSignalStrength(\w+)")
_LEVEL = re.compile(r"\b(?:mLevel|level)\s*=\s*(-?\d+)")
_SAMSUNG_RAT = re.compile(r",rat=(\d+)")
_RAT_NAMES = {"mCdma": "CDMA", "mGsm": "GSM", "mWcdma": "WCDMA", "mTdscdma": "TDSCDMA", "mLte": "LTE",
              "mNr": "NR"}
_PRIMARY_NAMES = {"Cdma": "CDMA", "Gsm": "GSM", "Wcdma": "WCDMA", "Tdscdma": "TDSCDMA", "Lte": "LTE",
                  "Nr": "NR"}
# Value that carries the dBm reading for each RAT (CellSignalStrength*.toString, Q+).
_DBM_KEYS: dict[str, tuple[str, ...]] = {
    "LTE": ("rsrp",), "NR": ("ssRsrp", "csiRsrp"), "WCDMA": ("rscp", "ss"), "TDSCDMA": ("rscp", "rssi"),
    "GSM": ("rssi",), "CDMA": ("cdmaDbm", "evdoDbm"),
}


@dataclass
class NetworkRegInfo:
    """One ``NetworkRegistrationInfo{…}`` entry of a Q+ ServiceState."""

    domain: str | None = None  # CS | PS | CS_PS
    transport: str | None = None  # WWAN | WLAN
    registration_state: str | None = None  # HOME | ROAMING | NOT_REG_OR_SEARCHING | DENIED | UNKNOWN …
    roaming_type: str | None = None  # NOT_ROAMING | DOMESTIC | INTERNATIONAL | UNKNOWN
    rat: str | None = None  # LTE | NR | UMTS | IWLAN | UNKNOWN …
    emergency_enabled: bool | None = None
    services: list[str] = field(default_factory=list)

    @property
    def registered(self) -> bool:
        return self.registration_state in ("HOME", "ROAMING")


@dataclass
class ServiceStateInfo:
    format: str = "unknown"  # o | p | q | r_plus | legacy | unknown
    voice_reg: str | None = None  # IN_SERVICE | OUT_OF_SERVICE | EMERGENCY_ONLY | POWER_OFF | UNKNOWN
    data_reg: str | None = None
    operator_long: str | None = None
    operator_short: str | None = None
    voice_roaming_type: str | None = None  # O/P: home | roaming | Domestic Roaming | International Roaming
    data_roaming_type: str | None = None
    voice_rat: str | None = None
    data_rat: str | None = None
    emergency_only: bool | None = None
    nris: list[NetworkRegInfo] = field(default_factory=list)

    def nri(self, domain: str, transport: str = "WWAN") -> NetworkRegInfo | None:
        for info in self.nris:
            if info.transport == transport and info.domain in (domain, "CS_PS"):
                return info
        return None


@dataclass
class RatSignal:
    rat: str
    valid: bool
    level: int | None = None
    dbm: int | None = None


@dataclass
class SignalInfo:
    format: str = "unknown"  # positional | keyed | unknown
    rats: list[RatSignal] = field(default_factory=list)
    primary: str | None = None  # RAT named by primary= (Q+) or deduced (O/P)
    level: int | None = None  # Q+: the primary RAT's level as Android printed it; O/P: None
    dbm: int | None = None
    # O/P only: raw values the level must be computed from
    lte_rsrp: int | None = None
    lte_rssnr: int | None = None  # 0.1 dB units
    rsrp_only: bool = False  # P: ``use_only_rsrp_for_lte_level``
    gsm_asu: int | None = None
    wcdma_rscp: int | None = None
    cdma_dbm: int | None = None
    lte_rsrp_thresholds: list[int] | None = None  # P prints the thresholds it used
    vendor_rat: int | None = None  # Samsung ``rat=``


@dataclass
class PhoneState:
    phone_id: int
    service_state: ServiceStateInfo | None = None
    signal: SignalInfo | None = None
    raw_service_state: str = ""
    raw_signal: str = ""


@dataclass
class TelephonyRegistry:
    phones: dict[int, PhoneState] = field(default_factory=dict)
    default_phone_id: int | None = None
    default_sub_id: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def recognised(self) -> bool:
        return bool(self.phones)


#: Placeholders some builds print instead of a value (Samsung logs and dumps show ``<MASKED>`` for the
#: operator name and network ids): not a value, so the fact falls back to another source or is unknown.
_PLACEHOLDER = re.compile(r"^<[A-Z_ ]+>$|^\*+$")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "null", "NULL") or _PLACEHOLDER.match(value) else value


def _valid_dbm(value: int | None, low: int = -150, high: int = -20) -> int | None:
    if value is None or value == INT_MAX or value == -INT_MAX:
        return None
    return value if low <= value <= high else None


def _to_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


# -- ServiceState --------------------------------------------------------------------------------------
def parse_service_state(text: str) -> ServiceStateInfo:
    """Parse one ``ServiceState.toString`` value (any era). Unknown formats give ``format='unknown'``."""
    text = text.strip()
    if text.startswith("{") and "mVoiceRegState=" in text:
        return _parse_keyed_service_state(text)
    legacy = _LEGACY_SS.match(text)
    if legacy:
        rats = _LEGACY_RATS.search(text, legacy.end() - 1)
        emergency = _LEGACY_EMERGENCY.search(text)
        return ServiceStateInfo(
            format="legacy",
            voice_reg=_LEGACY_REG.get(int(legacy.group(1)), "UNKNOWN"),
            data_reg=_LEGACY_REG.get(int(legacy.group(2)), "UNKNOWN"),
            voice_roaming_type=legacy.group(3), data_roaming_type=legacy.group(4),
            voice_rat=_clean(rats.group(1)) if rats else None, data_rat=_clean(rats.group(2)) if rats else None,
            emergency_only=(emergency.group(1) == "true") if emergency else None,
        )
    return ServiceStateInfo()


def _operator(text: str, key: str) -> str | None:
    m = re.search(r"(?<![\w])" + key + r"=(.*?)" + _KEY_END, text)
    return _clean(m.group(1)) if m else None


def _parse_keyed_service_state(text: str) -> ServiceStateInfo:
    info = ServiceStateInfo()
    for which, rx in _REG.items():
        m = rx.search(text)
        if m:
            setattr(info, f"{which}_reg", m.group(2) if m.group(2) in REG_STATES else "UNKNOWN")
    for which, rx in _RAT.items():
        m = rx.search(text)
        if m:
            setattr(info, f"{which}_rat", _clean(m.group(2)))
    for which, rx in _ROAM_TYPE.items():
        m = rx.search(text)
        if m:
            setattr(info, f"{which}_roaming_type", _clean(m.group(1)))
    values = {key: _operator(text, key) for key in _OPERATOR_KEYS}
    info.operator_long = values["mOperatorAlphaLong"] or values["mVoiceOperatorAlphaLong"] \
        or values["mDataOperatorAlphaLong"]
    info.operator_short = values["mOperatorAlphaShort"] or values["mVoiceOperatorAlphaShort"] \
        or values["mDataOperatorAlphaShort"]
    m = _EMERGENCY_ONLY.search(text)
    info.emergency_only = (m.group(1) == "true") if m else None
    info.nris = _parse_nris(text)
    info.format = _service_state_era(text)
    return info


def _service_state_era(text: str) -> str:
    if "mNetworkRegistrationInfos=" in text or "mNetworkRegistrationStates=" in text:
        return "r_plus" if "mOperatorAlphaLong=" in text else "q"
    return "p" if "mChannelNumber=" in text else "o"


def _parse_nris(text: str) -> list[NetworkRegInfo]:
    start = text.find("mNetworkRegistrationInfos=")
    if start < 0:
        start = text.find("mNetworkRegistrationStates=")
    if start < 0:
        return []
    out: list[NetworkRegInfo] = []
    for chunk in re.split(r"NetworkRegistration(?:Info|State)\{", text[start:])[1:]:
        info = NetworkRegInfo()
        for name, rx in _NRI_FIELDS.items():
            m = rx.search(chunk)
            if m and name == "emergency_enabled":
                info.emergency_enabled = m.group(1) == "true"
            elif m:
                setattr(info, name, m.group(1))
        services = _NRI_SERVICES.search(chunk)
        if services:
            info.services = [s.strip() for s in services.group(1).split(",") if s.strip()
                             and s.strip() != "null"]
        out.append(info)
    return out


# -- SignalStrength ------------------------------------------------------------------------------------
def parse_signal_strength(text: str) -> SignalInfo:
    """Parse one ``SignalStrength.toString`` value (O/P positional or Q+ keyed)."""
    text = text.strip()
    if text.startswith("SignalStrength:{") or text.startswith("SignalStrength: {"):
        return _parse_keyed_signal(text)
    if text.startswith("SignalStrength:"):
        return _parse_positional_signal(text)
    return SignalInfo()


def _segment_value(segment: str, key: str) -> int | None:
    m = re.search(r"(?<![\w])" + key + r"\s*=\s*(-?\d+)", segment)
    return _to_int(m.group(1)) if m else None


def _parse_keyed_signal(text: str) -> SignalInfo:
    info = SignalInfo(format="keyed")
    marks = list(_RAT_SEGMENT.finditer(text))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        segment = text[mark.end():end]
        info.rats.append(_rat_signal(_RAT_NAMES[mark.group(1)], segment))
    primary = _PRIMARY.search(text)
    info.primary = _PRIMARY_NAMES.get(primary.group(1)) if primary else None
    vendor = _SAMSUNG_RAT.search(text)
    info.vendor_rat = _to_int(vendor.group(1)) if vendor else None
    chosen = _choose_rat(info)
    if chosen is not None:
        info.level, info.dbm = chosen.level, chosen.dbm
    return info


def _rat_signal(rat: str, segment: str) -> RatSignal:
    if segment.lstrip().startswith(("Invalid", "null")):
        return RatSignal(rat, valid=False)
    cut = segment.find("SignalBarInfo{")  # Samsung: not part of the RAT
    if cut >= 0:
        segment = segment[:cut]
    level_match = _LEVEL.search(segment)
    level = _to_int(level_match.group(1)) if level_match else None
    dbm = None
    for key in _DBM_KEYS.get(rat, ()):
        dbm = _valid_dbm(_segment_value(segment, key))
        if dbm is not None:
            break
    valid = dbm is not None  # a RAT with no usable reading (all 2147483647) is not a measurement
    if level is not None and not 0 <= level <= 4:
        level = None
    return RatSignal(rat, valid=valid, level=level, dbm=dbm)


def _choose_rat(info: SignalInfo) -> RatSignal | None:
    """The RAT whose reading Android shows: ``primary=`` if valid, else the valid RAT with the best level."""
    by_name = {r.rat: r for r in info.rats}
    if info.primary and info.primary in by_name and by_name[info.primary].valid:
        return by_name[info.primary]
    valid = [r for r in info.rats if r.valid and r.level is not None]
    if not valid:
        return None
    best = max(valid, key=lambda r: r.level or 0)
    info.primary = best.rat
    return best


def _parse_positional_signal(text: str) -> SignalInfo:
    tokens = text.split()[1:]
    marker = next((i for i, t in enumerate(tokens) if t in ("gsm|lte", "cdma")), None)
    numbers = [_to_int(t) for t in tokens[:marker]] if marker is not None else []
    if marker is None or len(numbers) < 12 or any(n is None for n in numbers):
        return SignalInfo()
    nums = [n if n is not None else INT_MAX for n in numbers]
    info = SignalInfo(format="positional")
    info.gsm_asu = nums[0] if 0 <= nums[0] <= 31 else None
    info.cdma_dbm = _valid_dbm(nums[2])
    info.lte_rsrp = _valid_dbm(nums[8], -140, -44)
    info.lte_rssnr = nums[10] if -200 <= nums[10] <= 300 else None
    info.rsrp_only = "use_only_rsrp_for_lte_level" in tokens[marker:]
    if len(nums) >= 17:  # P: <tdscdmaRscp> <wcdmaSS> <wcdmaRscpAsu> <wcdmaRscp> [<wcdmaEcio> OEM]
        info.wcdma_rscp = _valid_dbm(nums[16], -120, -24)
    thresholds = re.search(r"\[(-?\d+(?:,\s*-?\d+){3})\]", text[text.find(tokens[marker]):])
    if thresholds:
        info.lte_rsrp_thresholds = [int(v) for v in thresholds.group(1).split(",")]
    if tokens[marker] == "cdma":
        info.primary, info.dbm = ("CDMA", info.cdma_dbm) if info.cdma_dbm is not None else (None, None)
    elif info.lte_rsrp is not None:
        info.primary, info.dbm = "LTE", info.lte_rsrp
    elif info.wcdma_rscp is not None:
        info.primary, info.dbm = "WCDMA", info.wcdma_rscp
    elif info.gsm_asu is not None:
        info.primary, info.dbm = "GSM", -113 + 2 * info.gsm_asu
    return info


# -- the whole dump ------------------------------------------------------------------------------------
def parse_telephony_registry(text: str) -> TelephonyRegistry:
    """Parse ``dumpsys telephony.registry``. Never raises; an unrecognised dump has no ``phones``."""
    result = TelephonyRegistry()
    if not isinstance(text, str):
        result.problems.append("no text")
        return result
    current: PhoneState | None = None
    for raw in text.replace("\r", "").split("\n"):
        if _STOP.match(raw):
            break
        m = _PHONE_ID.match(raw)
        if m:
            current = result.phones.setdefault(int(m.group(1)), PhoneState(int(m.group(1))))
            continue
        g = _GLOBAL_INT.match(raw)
        if g:
            _set_global(result, g.group(1), int(g.group(2)))
            continue
        if current is not None:
            _read_phone_line(current, raw.strip(), result.problems)
    if not result.phones:
        result.problems.append("no 'Phone Id=' section: not a telephony.registry dump this parser knows")
    return result


def _set_global(result: TelephonyRegistry, key: str, value: int) -> None:
    if key == "mDefaultPhoneId":
        result.default_phone_id = value
    elif key == "mDefaultSubId":
        result.default_sub_id = value


def _read_phone_line(phone: PhoneState, line: str, problems: list[str]) -> None:
    if line.startswith("mServiceState="):
        phone.raw_service_state = line[len("mServiceState="):]
        phone.service_state = parse_service_state(phone.raw_service_state)
        if phone.service_state.format == "unknown":
            problems.append(f"Phone Id={phone.phone_id}: unrecognised mServiceState format")
    elif line.startswith("mSignalStrength="):
        phone.raw_signal = line[len("mSignalStrength="):]
        phone.signal = parse_signal_strength(phone.raw_signal)
        if phone.signal.format == "unknown":
            problems.append(f"Phone Id={phone.phone_id}: unrecognised mSignalStrength format")
