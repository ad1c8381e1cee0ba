"""`dumpsys isub`: default SMS subscription, slot → subscription map, SIM state (U+), subscriptions.

Two implementations print it:

* O–T ``SubscriptionController.dump`` (frameworks/opt/telephony src/java/com/android/internal/telephony/
  SubscriptionController.java): ``SubscriptionController:`` then lines with one leading space
  `` defaultSubId=``, `` defaultDataSubId=``, `` defaultVoiceSubId=``, `` defaultSmsSubId=``,
  `` defaultSmsPhoneId=``…, the slot map (`` sSlotIdxToSubId[0]: subId=1`` on O, `` sSlotIndexToSubId[0]:
  subId=1`` on P, `` sSlotIndexToSubId[0]: subIds=0=[1]`` from Q, where a slot holds a list; MTK builds
  ``mSimInfo[…]``/``sSimInfo[…]``), ``++++…`` separators, `` ActiveSubInfoList:``
  with one ``SubscriptionInfo.toString`` per line (``{id=1, iccId=894411006[…] simSlotIndex=0 …
  number=… / mNumber=…}``), `` AllSubInfoList:`` and a local log.
* U+ ``SubscriptionManagerService.dump`` (…/telephony/subscription/SubscriptionManagerService.java):
  ``SubscriptionManagerService:``, ``Active modem count=N``, ``  Logical SIM slot 0: subId=1``, ``ICCID:``,
  then unindented ``defaultSubId=``, ``defaultVoiceSubId=``, ``defaultDataSubId=``, ``activeDataSubId=``,
  ``defaultSmsSubId=``, ``mSimState[0]=READY`` and ``Active subscriptions:`` with one
  ``[SubscriptionInfoInternal: id=1 iccId=… simSlotIndex=0 … number=… …]`` per line.

The subscriber number is passed through ``Rlog.pii(IS_DEBUGGABLE, number)``: on user builds it is a hash in
brackets, on userdebug/eng builds the number itself. ICCIDs are kept out of the parsed result entirely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from droidcheck.parsers.android import INT_MAX

_HEADER = re.compile(r"^\s*(SubscriptionController|SubscriptionManagerService):\s*$")
_DEFAULT = re.compile(r"^\s*(defaultSubId|defaultDataSubId|defaultVoiceSubId|defaultSmsSubId|"
                      r"defaultSmsPhoneId|activeDataSubId)=(-?\d+)\s*$")
_SLOT_MAP = re.compile(r"^\s*(?:\w*[Ss]lot\w*|m?[sS]?SimInfo)\[(\d+)\]:\s*subId=(-?\d+)\s*$")
#: Q–T: the map holds a list per slot and prints the Map.Entry: `` sSlotIndexToSubId[0]: subIds=0=[9]``.
_SLOT_MAP_LIST = re.compile(r"^\s*\w*[Ss]lot\w*\[(\d+)\]:\s*subIds=\d+=\[\s*(-?\d+)[^\]]*\]\s*$")
_SMS_SLOT_U = re.compile(r"^\s*Logical SIM slot (\d+): subId=(-?\d+)\s*$")
_SIM_STATE = re.compile(r"^\s*mSimState\[(\d+)\]=(\w+)\s*$")
_MODEM_COUNT = re.compile(r"^\s*Active modem count=(\d+)\s*$")
_ACTIVE_START = re.compile(r"^\s*(ActiveSubInfoList:|Active subscriptions:)\s*$")
_SECTION_END = re.compile(r"^\s*(\+{8,}|AllSubInfoList:|All subscriptions:|Embedded subscriptions:|"
                          r"Local log:)")
_LOG_LINE = re.compile(r"^\s*\d+: \d\d-\d\d ")
_RECORD_ID = re.compile(r"(?:^|[\s{\[:,])id=(\d+)")
_RECORD_SLOT = re.compile(r"\bsimSlotIndex=(-?\d+)")
_RECORD_NUMBER = re.compile(r"\b(?:number|mNumber)=(\S*)")
_RECORD_NAME = re.compile(r"\bdisplayName=(.*?)\s+(?=carrierName=)")
_RECORD_CARRIER = re.compile(r"\bcarrierName=(.*?)\s+(?=[\w]+[= ])")


@dataclass
class SubscriptionRecord:
    sub_id: int
    slot: int | None = None
    display_name: str | None = None
    carrier_name: str | None = None
    number: str | None = None  # as printed: a number (debuggable builds), a hash "[…]", empty or None


@dataclass
class IsubDump:
    format: str = "unknown"  # subscription_controller (O–T) | subscription_manager_service (U+) | unknown
    default_sms_sub_id: int | None = None
    default_sms_phone_id: int | None = None
    default_data_sub_id: int | None = None
    default_voice_sub_id: int | None = None
    active_modem_count: int | None = None
    slot_to_sub: dict[int, int] = field(default_factory=dict)
    sim_states: dict[int, str] = field(default_factory=dict)  # U+ only: slot → TelephonyManager state name
    active: list[SubscriptionRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def slot_of_sub(self, sub_id: int) -> int | None:
        """Slot index of an active subscription, or None."""
        for slot, sid in self.slot_to_sub.items():
            if sid == sub_id:
                return slot
        for rec in self.active:
            if rec.sub_id == sub_id and rec.slot is not None and rec.slot >= 0:
                return rec.slot
        return None

    def record(self, sub_id: int) -> SubscriptionRecord | None:
        return next((r for r in self.active if r.sub_id == sub_id), None)


def valid_sub_id(value: int | None) -> bool:
    """Subscription ids are positive database ids; -1, 0 and INT_MAX-ish sentinels mean none."""
    return value is not None and 0 < value < INT_MAX - 16


def parse_isub(text: str) -> IsubDump:
    """Parse ``dumpsys isub``. Never raises; a text it does not know gives ``format='unknown'``."""
    dump = IsubDump()
    if not isinstance(text, str):
        dump.problems.append("no text")
        return dump
    in_active = False
    for line in text.replace("\r", "").split("\n"):
        if _LOG_LINE.match(line) or _SECTION_END.match(line):
            in_active = False  # logs are never read: they hold history, ids and sometimes numbers
        elif _ACTIVE_START.match(line):
            in_active = True
        elif _read_header(dump, line) or _read_default(dump, line) or _read_slot(dump, line):
            continue
        elif in_active and (record := _parse_record(line)) is not None:
            dump.active.append(record)
    if dump.format == "unknown":
        dump.problems.append("no 'SubscriptionController:' or 'SubscriptionManagerService:' header")
    return dump


def _read_header(dump: IsubDump, line: str) -> bool:
    m = _HEADER.match(line)
    if m:
        dump.format = ("subscription_controller" if m.group(1) == "SubscriptionController"
                       else "subscription_manager_service")
        return True
    m = _MODEM_COUNT.match(line)
    if m:
        dump.active_modem_count = int(m.group(1))
        return True
    return False


def _read_default(dump: IsubDump, line: str) -> bool:
    m = _DEFAULT.match(line)
    if not m:
        return False
    key, value = m.group(1), int(m.group(2))
    attr = {"defaultSmsSubId": "default_sms_sub_id", "defaultSmsPhoneId": "default_sms_phone_id",
            "defaultDataSubId": "default_data_sub_id", "defaultVoiceSubId": "default_voice_sub_id"}.get(key)
    if attr:
        setattr(dump, attr, value)
    return True


def _read_slot(dump: IsubDump, line: str) -> bool:
    m = _SMS_SLOT_U.match(line) or _SLOT_MAP.match(line) or _SLOT_MAP_LIST.match(line)
    if m:
        dump.slot_to_sub[int(m.group(1))] = int(m.group(2))
        return True
    m = _SIM_STATE.match(line)
    if m:
        dump.sim_states[int(m.group(1))] = m.group(2)
        return True
    return False


def _parse_record(line: str) -> SubscriptionRecord | None:
    m = _RECORD_ID.search(line)
    if not m:
        return None
    rec = SubscriptionRecord(sub_id=int(m.group(1)))
    slot = _RECORD_SLOT.search(line)
    rec.slot = int(slot.group(1)) if slot else None
    name = _RECORD_NAME.search(line)
    rec.display_name = name.group(1).strip() if name else None
    carrier = _RECORD_CARRIER.search(line)
    rec.carrier_name = carrier.group(1).strip() if carrier else None
    number = _RECORD_NUMBER.search(line)
    rec.number = number.group(1) if number else None
    return rec
