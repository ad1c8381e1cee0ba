"""Simulated ``dumpsys telephony.registry`` and ``dumpsys isub``, in the format of the profile's Android.

Formats follow the AOSP sources the parsers cite (TelephonyRegistry.dump, ServiceState/SignalStrength/
NetworkRegistrationInfo/CellSignalStrength*.toString, SubscriptionController.dump O–T,
SubscriptionManagerService.dump U+). Eras: O (26–27), P (28), Q (29), R (30), S/T (31–33), U (34), V (35+).
A Samsung profile gets the OEM fields Samsung builds print (ServiceState ``VoiceRegType=``…, SignalStrength
``Invalid`` RATs + ``SignalBarInfo{…},rat=``, TelephonyRegistry ``mCallStateLists=``).

Private values (ICCID, number) are printed the way a user build prints them: ICCID cut after 9 digits and
hashed, number hashed (``Rlog.pii``), so tests can prove they never reach a fact.
"""

from __future__ import annotations

import base64
import hashlib

from droidcheck.parsers.android import INT_MAX
from droidcheck.sim.commands import Output, command
from droidcheck.sim.profile import Profile, SimSlot

_REG_CODE = {"IN_SERVICE": 0, "OUT_OF_SERVICE": 1, "EMERGENCY_ONLY": 2, "POWER_OFF": 3}
# ServiceState.rilRadioTechnologyToString codes and TelephonyManager.getNetworkTypeName names
_RIL_RAT = {"GSM": (16, "GSM"), "EDGE": (2, "EDGE"), "UMTS": (3, "UMTS"), "HSPA": (11, "HSPA"),
            "HSPAP": (15, "HSPAP"), "LTE": (14, "LTE"), "NR": (20, "NR_SA"), "UNKNOWN": (0, "Unknown")}
_RAT_FAMILY = {"GSM": "GSM", "EDGE": "GSM", "UMTS": "WCDMA", "HSPA": "WCDMA", "HSPAP": "WCDMA",
               "LTE": "LTE", "NR": "NR"}
_LTE_LEVEL_DBM = {4: -85, 3: -100, 2: -112, 1: -122, 0: -135}


def era(sdk: int) -> str:
    if sdk <= 27:
        return "O"
    return {28: "P", 29: "Q", 30: "R", 31: "S", 32: "S", 33: "T", 34: "U"}.get(sdk, "V")


def _samsung(profile: Profile) -> bool:
    return profile.maker.strip().lower() == "samsung"


def _pii(value: str) -> str:
    """Rlog.pii on a user build: ``[`` + URL-safe base64 SHA-1 + ``]``."""
    digest = hashlib.sha1(value.encode()).digest()  # mirrors Android's own hash, not security
    return "[" + base64.urlsafe_b64encode(digest).decode().rstrip("=") + "]"


def _printable_iccid(iccid: str) -> str:
    return iccid[:9] + _pii(iccid[9:]) if len(iccid) > 9 else iccid


def _registered(profile: Profile, sim: SimSlot) -> bool:
    return sim.state == "READY" and not profile.airplane_mode and sim.service_state == "IN_SERVICE"


def _voice_state(profile: Profile, sim: SimSlot) -> str:
    if profile.airplane_mode:
        return "POWER_OFF"
    if sim.state != "READY":
        return "EMERGENCY_ONLY" if sim.state != "ABSENT" else "OUT_OF_SERVICE"
    return sim.service_state


def _rat(sim: SimSlot, registered: bool) -> str:
    return sim.network_type.upper() if registered and sim.network_type.upper() in _RIL_RAT else "UNKNOWN"


# -- ServiceState --------------------------------------------------------------------------------------
def _service_state(profile: Profile, sim: SimSlot) -> str:
    e, samsung = era(profile.sdk), _samsung(profile)
    reg = _registered(profile, sim)
    voice = _voice_state(profile, sim)
    data = voice if voice != "EMERGENCY_ONLY" else "OUT_OF_SERVICE"
    code, name = _RIL_RAT[_rat(sim, reg)]
    op_long = sim.operator if reg else "null"
    op_short = sim.operator.split()[0] if reg else "null"
    roam = "roaming" if reg and sim.roaming else "home"
    parts = [f"{{mVoiceRegState={_REG_CODE[voice]}({voice})", f"mDataRegState={_REG_CODE[data]}({data})"]
    if e != "O":
        parts += ["mChannelNumber=" + ("1300" if reg else "-1"), "duplexMode()=" + ("1" if reg else "0"),
                  "mCellBandwidths=" + ("[20000]" if reg else "[]")]
    if e in ("O", "P"):
        parts += [f"mVoiceRoamingType={roam}", f"mDataRoamingType={roam}",
                  f"mVoiceOperatorAlphaLong={op_long}", f"mVoiceOperatorAlphaShort={op_short}",
                  f"mDataOperatorAlphaLong={op_long}", f"mDataOperatorAlphaShort={op_short}"]
    elif e == "Q":
        parts += [f"mVoiceOperatorAlphaLong={op_long}", f"mVoiceOperatorAlphaShort={op_short}",
                  f"mDataOperatorAlphaLong={op_long}", f"mDataOperatorAlphaShort={op_short}"]
    else:
        parts += [f"mOperatorAlphaLong={op_long}", f"mOperatorAlphaShort={op_short}"]
    prefix = "m" if e in ("O", "P") else "get"
    parts += ["isManualNetworkSelection=false(automatic)",
              f"{prefix}RilVoiceRadioTechnology={code}({name})",
              f"{prefix}RilDataRadioTechnology={code}({name})",
              "mCssIndicator=unsupported", "mNetworkId=-1", "mSystemId=-1", "mCdmaRoamingIndicator=-1",
              "mCdmaDefaultRoamingIndicator=-1"]
    if samsung and e not in ("O", "P"):
        parts += ["VoiceRegType=0", "Snap=0", "PsOnly=false", "FemtocellInd=0", "SprDisplayRoam=false",
                  "OptRadioTech=0", "MsimSubmode=0", f"IsVoiceCallAvailable={'true' if reg else 'false'}"]
    emergency = "true" if voice == "EMERGENCY_ONLY" else "false"
    parts.append(f"mIsEmergencyOnly={emergency}")
    if e in ("O", "P"):
        parts += ["mIsDataRoamingFromRegistration=" + ("true" if reg and sim.roaming else "false"),
                  "mIsUsingCarrierAggregation=false", "mLteEarfcnRsrpBoost=0"]
    else:
        boost = "mArfcnRsrpBoost=0" if e not in ("Q", "R") else "mLteEarfcnRsrpBoost=0"
        parts += ["isUsingCarrierAggregation=false", boost,
                  "mNetworkRegistrationInfos=" + _nris(profile, sim, reg, voice),
                  "mNrFrequencyRange=0", f"mOperatorAlphaLongRaw={op_long}",
                  f"mOperatorAlphaShortRaw={op_short}"]
        if e not in ("Q", "R"):
            parts.append("mIsDataRoamingFromRegistration=" + ("true" if reg and sim.roaming else "false"))
        parts.append("mIsIwlanPreferred=false")
    return ", ".join(parts) + "}"


def _nri(profile: Profile, sim: SimSlot, domain: str, reg: bool, voice: str) -> str:
    e = era(profile.sdk)
    state = ("ROAMING" if sim.roaming else "HOME") if reg else (
        "NOT_REG_OR_SEARCHING" if voice != "POWER_OFF" else "UNKNOWN")
    roaming_type = "INTERNATIONAL" if reg and sim.roaming else "NOT_ROAMING"
    rat = _RIL_RAT[_rat(sim, reg)][1].replace("NR_SA", "NR").replace("Unknown", "UNKNOWN")
    services = ("VOICE,SMS,VIDEO" if domain == "CS" else "DATA") if reg else ""
    emergency = "true" if voice == "EMERGENCY_ONLY" else "false"
    mcc, mnc = sim.mcc_mnc[:3], sim.mcc_mnc[3:]
    cell = (f"CellIdentityLte:{{ mCi=**** mPci=**** mTac=**** mEarfcn=1300 mBands=[3] mBandwidth=20000 "
            f"mMcc={mcc} mMnc={mnc} mAlphaLong={sim.operator} mAlphaShort={sim.operator.split()[0]} "
            f"mAdditionalPlmns={{}} mCsgInfo=null}}") if reg and rat == "LTE" else "null"
    text = (f"NetworkRegistrationInfo{{ domain={domain} transportType=WWAN registrationState={state}")
    if e in ("U", "V"):
        text += f" networkRegistrationState={state}"
    text += (f" roamingType={roaming_type} accessNetworkTechnology={rat} rejectCause=0"
             f" emergencyEnabled={emergency} availableServices=[{services}] cellIdentity={cell}")
    if domain == "CS":
        text += (" voiceSpecificInfo=VoiceSpecificRegistrationInfo { mCssSupported=false mRoamingIndicator=0"
                 " mSystemIsInPrl=0 mDefaultRoamingIndicator=0} dataSpecificInfo=null")
    else:
        text += (" voiceSpecificInfo=null dataSpecificInfo=DataSpecificRegistrationInfo :{ maxDataCalls = 16"
                 " isDcNrRestricted = false isNrAvailable = false isEnDcAvailable = false"
                 " mLteAttachResultType = 0 mLteAttachExtraInfo = 0 LteVopsSupportInfo :  mVopsSupport = 2"
                 " mEmcBearerSupport = 3 }")
    text += " nrState=****" if e not in ("Q",) else " nrState=NONE"
    if e not in ("Q", "R"):
        text += f" rRplmn={sim.mcc_mnc if reg else ''} isUsingCarrierAggregation=false"
    if e == "V":
        text += " isNonTerrestrialNetwork=TERRESTRIAL"
    return text + "}"


def _nris(profile: Profile, sim: SimSlot, reg: bool, voice: str) -> str:
    entries = [_nri(profile, sim, "CS", reg, voice), _nri(profile, sim, "PS", reg, voice)]
    unreg = "NOT_REG_OR_SEARCHING"
    entries.append(f"NetworkRegistrationInfo{{ domain=PS transportType=WLAN registrationState={unreg}"
                   + (f" networkRegistrationState={unreg}" if era(profile.sdk) in ("U", "V") else "")
                   + " roamingType=NOT_ROAMING accessNetworkTechnology=IWLAN rejectCause=0"
                   " emergencyEnabled=false availableServices=[] cellIdentity=null voiceSpecificInfo=null"
                   " dataSpecificInfo=null nrState=**** }")
    return "[" + ", ".join(entries) + "]"


# -- SignalStrength ------------------------------------------------------------------------------------
def _dbm(sim: SimSlot) -> int:
    return sim.dbm if -140 <= sim.dbm <= -44 else _LTE_LEVEL_DBM.get(sim.signal_level, -100)


def _signal(profile: Profile, sim: SimSlot) -> str:
    reg = _registered(profile, sim)
    family = _RAT_FAMILY.get(sim.network_type.upper()) if reg else None
    if era(profile.sdk) in ("O", "P"):
        return _positional_signal(profile, sim, family)
    return _keyed_signal(profile, sim, family)


def _positional_signal(profile: Profile, sim: SimSlot, family: str | None) -> str:
    dbm = _dbm(sim)
    gsm_asu = max(0, min(31, (dbm + 113) // 2)) if family in ("GSM", "WCDMA") else 99
    # O/P derive bars from min(RSRP bars, RSSNR bars): pick an RSSNR that caps them at the profile's level
    snr_for_level = {4: 150, 3: 80, 2: 25, 1: -10, 0: -100}.get(sim.signal_level, 150)
    lte = family in ("LTE", "NR")
    rsrp, rssi, rsrq, snr = (dbm, 28, -9, snr_for_level) if lte else (INT_MAX, 99, INT_MAX, INT_MAX)
    nums = [gsm_asu, 0 if gsm_asu != 99 else INT_MAX, -120, -160, -120, -1, -1, rssi, rsrp, rsrq, snr,
            INT_MAX, 0, INT_MAX]
    if era(profile.sdk) == "O":
        return "SignalStrength: " + " ".join(map(str, nums)) + " gsm|lte"
    wcdma = (gsm_asu, dbm + 120, dbm) if family == "WCDMA" else (99, 255, INT_MAX)
    nums += list(wcdma)
    if _samsung(profile):
        nums.append(INT_MAX)  # Samsung P prints mWcdmaEcio too
    return ("SignalStrength: " + " ".join(map(str, nums)) + " gsm|lte use_rsrp_and_rssnr_for_lte_level rscp"
            " [-128, -118, -108, -98] [-115, -105, -95, -85]")


def _rat_string(profile: Profile, rat: str, sim: SimSlot, active: bool) -> str:
    e, samsung = era(profile.sdk), _samsung(profile)
    if samsung and not active:
        return "Invalid"
    dbm = _dbm(sim) if active else INT_MAX
    lvl = sim.signal_level if active else 0
    x = INT_MAX
    if rat == "LTE":
        rssi, rsrq, snr = (-61, -9, 150) if active else (x, x, x)
        if e in ("Q", "R"):
            return (f"CellSignalStrengthLte: rssi={rssi} rsrp={dbm} rsrq={rsrq} rssnr={snr} cqi={x} ta={x}"
                    f" level={lvl}")
        return (f"CellSignalStrengthLte: rssi={rssi} rsrp={dbm} rsrq={rsrq} rssnr={snr} cqiTableIndex={x}"
                f" cqi={x} ta={x} level={lvl} parametersUseForLevel=1")
    if rat == "NR":
        rsrq, sinr = (-11, 18) if active else (x, x)
        text = f"CellSignalStrengthNr:{{ csiRsrp = {x} csiRsrq = {x}"
        text += f" csiSinr = {x}" if e in ("Q", "R") else f" csiCqiTableIndex = {x} csiCqiReport = []"
        text += f" ssRsrp = {dbm} ssRsrq = {rsrq} ssSinr = {sinr} level = {lvl}"
        if e not in ("Q", "R"):
            text += " parametersUseForLevel = 1"
        if e in ("U", "V"):
            text += f" timingAdvance = {x}"
        return text + " }"
    if rat == "WCDMA":
        ss = dbm - 10 if active else x
        return f"CellSignalStrengthWcdma: ss={ss} ber={x} rscp={dbm} ecno={x} level={lvl}"
    if rat == "GSM":
        return f"CellSignalStrengthGsm: rssi={dbm} ber={x} mTa={x} mLevel={lvl}"
    if rat == "TDSCDMA":
        return f"CellSignalStrengthTdscdma: rssi={x} ber={x} rscp={x} level=0"
    return (f"CellSignalStrengthCdma: cdmaDbm={x} cdmaEcio={x} evdoDbm={x} evdoEcio={x} evdoSnr={x}"
            " level=0")


def _keyed_signal(profile: Profile, sim: SimSlot, family: str | None) -> str:
    rats = (("mCdma", "CDMA"), ("mGsm", "GSM"), ("mWcdma", "WCDMA"), ("mTdscdma", "TDSCDMA"),
            ("mLte", "LTE"), ("mNr", "NR"))
    body = ",".join(f"{key}={_rat_string(profile, rat, sim, rat == family)}" for key, rat in rats)
    primary = {"GSM": "Gsm", "WCDMA": "Wcdma", "LTE": "Lte", "NR": "Nr"}.get(family or "", "Lte")
    if _samsung(profile):
        has_bar = family is not None and sim.signal_level > 0
        bar = f" {(family or '').lower()}Level={sim.signal_level}" if has_bar else " no level"
        rat_code = _RIL_RAT.get(sim.network_type.upper(), (0, ""))[0] if family else 0
        body += f",SignalBarInfo{{{bar} }},rat={rat_code}"
    return "SignalStrength:{" + body + f",primary=CellSignalStrength{primary}}}"


# -- telephony.registry --------------------------------------------------------------------------------
def _phone_block(profile: Profile, sim: SimSlot, index: int) -> list[str]:
    e, samsung = era(profile.sdk), _samsung(profile)
    reg = _registered(profile, sim)
    ind = "  " if e in ("O", "P", "Q") else "    "
    lines = [f"{ind[:2]}Phone Id={index}", f"{ind}mCallState=0"]
    if e not in ("O", "P", "Q"):
        lines += [f"{ind}mRingingCallState=0", f"{ind}mForegroundCallState=0", f"{ind}mBackgroundCallState=0",
                  f"{ind}mPreciseCallState=Ringing call state: 0, Foreground call state: 0, Background call"
                  " state: 0, Disconnect cause: -1, Precise disconnect cause: -1",
                  f"{ind}mCallDisconnectCause=-1"]
    lines.append(f"{ind}mCallIncomingNumber=")
    if samsung and e not in ("O", "P", "Q"):
        lines.append(f"{ind}mCallStateLists=[]")
    lines += [f"{ind}mServiceState={_service_state(profile, sim)}",
              f"{ind}mVoiceActivationState= 0", f"{ind}mDataActivationState= 0",
              f"{ind}mUserMobileDataState= {'true' if profile.mobile_data else 'false'}",
              f"{ind}mSignalStrength={_signal(profile, sim)}",
              f"{ind}mMessageWaiting=false", f"{ind}mCallForwarding=false", f"{ind}mDataActivity=0",
              f"{ind}mDataConnectionState={2 if reg and profile.mobile_data else 0}"]
    if e == "O":
        lines.append(f"{ind}mCellLocation=Bundle[mParcelledData.dataSize=96]")
    else:
        lines.append(f"{ind}mCellIdentity=" + ("CellIdentityLte:{ mCi=**** mPci=**** mTac=**** }" if reg
                                               else "null"))
    if e in ("U", "V"):
        lines += [f"{ind}mCarrierNetworkChangeState=false",
                  f"{ind}mTelephonyDisplayInfo=TelephonyDisplayInfo {{network=" +
                  (_RIL_RAT[_rat(sim, reg)][1].replace("Unknown", "UNKNOWN").replace("NR_SA", "NR")) +
                  ", overrideNetwork=NONE, isRoaming=" + ("true" if reg and sim.roaming else "false") +
                  ", isNtn=false, isSatelliteConstrainedData=false}",
                  f"{ind}mIsDataEnabled={'true' if profile.mobile_data else 'false'}",
                  f"{ind}mDataEnabledReason=0"]
    return lines


def render_telephony_registry(profile: Profile) -> str:
    e = era(profile.sdk)
    lines = ["last known state:"]
    for index, sim in enumerate(profile.sims):
        lines += _phone_block(profile, sim, index)
    ind = "  "
    if e in ("Q", "R", "S", "T", "U", "V"):
        lines += [f"{ind}mPhoneCapability=null", f"{ind}mRadioPowerState={0 if profile.airplane_mode else 1}",
                  f"{ind}mEmergencyNumberList={{}}"]
    sms = profile.sms_sim
    if e not in ("O", "P", "Q") and sms is not None:
        lines += [f"{ind}mDefaultPhoneId={profile.sims.index(sms)}", f"{ind}mDefaultSubId={sms.sub_id}"]
    lines += ["local logs:", "  11-25 09:14:02.113 - notifyServiceStateForSubscriber: subId=1 phoneId=0",
              "listen logs:", "registrations: count=2",
              "  {callingPackage=com.android.systemui binder=android.os.BinderProxy@5c1e2a1 callback="
              "com.android.internal.telephony.IPhoneStateListener$Stub$Proxy@9f0e7b6 subId=1 phoneId=0}"]
    return "\n".join(lines) + "\n"


# -- isub ----------------------------------------------------------------------------------------------
def _sub_record(profile: Profile, sim: SimSlot, slot: int) -> str:
    e = era(profile.sdk)
    iccid = _printable_iccid(sim.iccid)
    number = _pii(sim.phone_number) if sim.phone_number else ""
    mcc, mnc = sim.mcc_mnc[:3], sim.mcc_mnc[3:]
    if e in ("U", "V"):
        return (f"[SubscriptionInfoInternal: id={sim.sub_id} iccId={iccid} simSlotIndex={slot} portIndex=0"
                f" isEmbedded=0 isRemovableEmbedded=0 carrierId=1517 displayName={sim.operator}"
                f" carrierName={sim.operator} isOpportunistic=0 groupUuid= groupOwner="
                " displayNameSource=CARRIER"
                f" iconTint=-16746133 number={number} dataRoaming=0 mcc={mcc} mnc={mnc} ehplmns= hplmns="
                f" cardString={iccid} cardId=0 nativeAccessRules= carrierConfigAccessRules= countryIso=gb"
                " profileClass=-1 type=0 areUiccApplicationsEnabled=1 usageSetting=0]")
    if e in ("O", "P"):
        return (f"{{id={sim.sub_id}, iccId={iccid} simSlotIndex={slot} displayName={sim.operator}"
                f" carrierName={sim.operator} nameSource=0 iconTint=-16746133 mNumber={number} dataRoaming=0"
                f" iconBitmap=android.graphics.Bitmap@3f2a1c4 mcc {mcc} mnc {mnc} isEmbedded false"
                " accessRules null}")
    return (f"{{id={sim.sub_id} iccId={iccid} simSlotIndex={slot} carrierId=1517 displayName={sim.operator}"
            f" carrierName={sim.operator} nameSource=0 iconTint=-16746133 number={number} dataRoaming=0"
            f" iconBitmap=android.graphics.Bitmap@3f2a1c4 mcc={mcc} mnc={mnc} countryIso=gb isEmbedded=false"
            f" nativeAccessRules=null cardString={iccid} cardId=0 isOpportunistic=false groupUUID=null"
            " isGroupDisabled=false profileClass=-1 subscriptionType=0 groupOwner=null"
            " carrierConfigAccessRules=null areUiccApplicationsEnabled=true}")


def _present(sim: SimSlot) -> bool:
    return sim.state not in ("ABSENT", "NOT_READY", "UNKNOWN")


def _default_sms_sub(profile: Profile) -> int:
    if profile.sms_sub_id is not None:
        return profile.sms_sub_id
    sms = profile.sms_sim
    return sms.sub_id if sms is not None and sms.state == "READY" else -1


def render_isub(profile: Profile) -> str:
    e = era(profile.sdk)
    active = [(i, s) for i, s in enumerate(profile.sims) if _present(s)]
    sms = _default_sms_sub(profile)
    data = sms if sms > 0 else (active[0][1].sub_id if active else -1)
    if e in ("U", "V"):
        return _render_smsvc(profile, active, sms, data)
    slot_key = "sSlotIdxToSubId" if e == "O" else "sSlotIndexToSubId"
    lines = ["SubscriptionController:", f" defaultSubId={data if data > 0 else INT_MAX - 4}",
             f" defaultDataSubId={data}", f" defaultVoiceSubId={data}", f" defaultSmsSubId={sms}",
             " defaultDataPhoneId=0", " defaultVoicePhoneId=0",
             f" defaultSmsPhoneId={next((i for i, s in active if s.sub_id == sms), INT_MAX)}"]
    if e in ("O", "P"):
        lines += [f" {slot_key}[{i}]: subId={s.sub_id}" for i, s in active]
    else:  # Q–T keep a list per slot and print the map entry itself
        lines += [f" {slot_key}[{i}]: subIds={i}=[{s.sub_id}]" for i, s in active]
    lines += ["++++++++++++++++++++++++++++++++"]
    if active:
        lines += [" ActiveSubInfoList:"] + ["  " + _sub_record(profile, s, i) for i, s in active]
    else:
        lines += [" ActiveSubInfoList: is null"]
    lines += ["++++++++++++++++++++++++++++++++", " AllSubInfoList:"]
    lines += ["  " + _sub_record(profile, s, i) for i, s in active]
    lines += ["++++++++++++++++++++++++++++++++",
              "0: 11-25 09:13:58 pid=2203 tid=2203 [SubscriptionController] init by Context",
              f"1: 11-25 09:14:01 pid=2203 tid=2231 [setDefaultSmsSubId] subId={sms}"]
    return "\n".join(lines) + "\n"


def _render_smsvc(profile: Profile, active: list[tuple[int, SimSlot]], sms: int, data: int) -> str:
    lines = ["SubscriptionManagerService:", f"Active modem count={len(profile.sims)}",
             "Logical SIM slot sub id mapping:"]
    lines += [f"  Logical SIM slot {i}: subId={s.sub_id}" for i, s in active]
    lines += ["ICCID:"]
    lines += [f"  slot {i}: " + (_printable_iccid(s.iccid) if _present(s) else "null")
              for i, s in enumerate(profile.sims)]
    lines += ["", f"defaultSubId={data}", f"defaultVoiceSubId={data}", f"defaultDataSubId={data}",
              f"activeDataSubId={data if profile.mobile_data else -1}", f"defaultSmsSubId={sms}",
              "areAllSubscriptionsLoaded=true", "mUserIdToAvailableSubs={}", ""]
    lines += [f"mSimState[{i}]={'LOADED' if s.state == 'READY' else s.state}"
              for i, s in enumerate(profile.sims)]
    lines += ["", "Active subscriptions:"]
    lines += ["  " + _sub_record(profile, s, i) for i, s in active]
    lines += ["", "All subscriptions:"]
    lines += ["  " + _sub_record(profile, s, i) for i, s in active]
    lines += ["", "Embedded subscriptions: []", "Opportunistic subscriptions: []",
              "getAvailableSubscriptionInfoList: [" + ", ".join(str(s.sub_id) for _, s in active) + "]",
              "getSelectableSubscriptionInfoList: [" + ", ".join(str(s.sub_id) for _, s in active) + "]",
              "Euicc enabled=true", "", "Local log:",
              "  11-25 09:14:01.530 - updateSubscription: subId="
              + (str(active[0][1].sub_id) if active else "-1")]
    return "\n".join(lines) + "\n"


def telephony_props(profile: Profile) -> dict[str, str]:
    """The telephony system properties (``gsm.*``) the getprop renderer should print for this profile."""
    sims = profile.sims
    reg = [_registered(profile, s) for s in sims]
    return {
        "gsm.sim.state": ",".join(("LOADED" if s.state == "READY" and profile.sdk >= 29 else s.state)
                                  for s in sims),
        "gsm.operator.alpha": ",".join(s.operator if r else "" for s, r in zip(sims, reg, strict=True)),
        "gsm.operator.numeric": ",".join(s.mcc_mnc if r else "" for s, r in zip(sims, reg, strict=True)),
        "gsm.sim.operator.alpha": ",".join(s.operator if _present(s) else "" for s in sims),
        "gsm.network.type": ",".join(_RIL_RAT[_rat(s, r)][1] for s, r in zip(sims, reg, strict=True)),
    }


@command("dumpsys", "telephony.registry")
def dumpsys_telephony_registry(profile: Profile, argv: list[str]) -> Output:
    return Output(stdout=render_telephony_registry(profile))


@command("dumpsys", "isub")
def dumpsys_isub(profile: Profile, argv: list[str]) -> Output:
    return Output(stdout=render_isub(profile))
