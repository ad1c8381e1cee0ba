"""The parsers of ``droidcheck watch``'s sources (see ``droidcheck.watch.sources`` for the commands).

Text in, small facts out; they never raise. They keep only times, package names, importances, the sender
address and the Do Not Disturb mode: nothing that could hold a message body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from droidcheck.parsers.zen import zen_mode, zen_value

RADIO_TAGS = ("GsmInboundSmsHandler", "CdmaInboundSmsHandler", "ImsSmsDispatcher")
SMS_DELIVER = "android.provider.Telephony.SMS_DELIVER"


def parse_zen_mode(text: str, maker: str | None) -> int | None:
    """``settings get global zen_mode`` → 0–3, or 4 on Xiaomi/Redmi/POCO (MIUI's Silent mode); None for
    anything else (``parsers.zen``)."""
    value = zen_value(text)
    return value if zen_mode(value, maker) is not None else None


@dataclass(frozen=True)
class RadioEvent:
    time: float
    tag: str
    target: str | None  # the SMS app InboundSmsHandler delivers to, when the line says


_EPOCH_LINE = re.compile(r"^\s*(\d{9,11}\.\d{3})\s+\d+\s+\d+\s+[VDIWEF]\s+([\w.$-]+)\s*:\s?(.*)$")
_DELIVERING = re.compile(r"Delivering SMS to:\s+([A-Za-z0-9_.]+)")


def parse_radio(text: str) -> list[RadioEvent]:
    """``logcat -v epoch`` lines of the radio tags. Only time, tag and target package are kept."""
    events = []
    for line in text.splitlines():
        m = _EPOCH_LINE.match(line)
        if m is None or not m.group(2).endswith(RADIO_TAGS):
            continue
        target = _DELIVERING.search(m.group(3))
        events.append(RadioEvent(float(m.group(1)), m.group(2), target.group(1) if target else None))
    return events


def parse_log_times(text: str, needle: str) -> list[float]:
    """Times of ``logcat -v epoch`` lines containing ``needle`` (the text itself is dropped)."""
    return [float(m.group(1)) for line in text.splitlines()
            if needle in line and (m := _EPOCH_LINE.match(line)) is not None]


@dataclass(frozen=True)
class BroadcastEvent:
    time: float  # enqueue time, epoch seconds
    action: str
    package: str | None


_ACT = re.compile(r"^\s*#\d+: act=(\S+)(?:.*?\bcmp=([A-Za-z0-9_.]+)/)?")
_ENQ = re.compile(r"^\s*enq=(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,3})?)")


def parse_broadcasts(text: str, utc_offset_s: int) -> list[BroadcastEvent]:
    """Summary history pairs ("#N: act=…" then "enq=…", phone local time) → SMS_DELIVER events."""
    tz = timezone(timedelta(seconds=utc_offset_s))
    events = []
    pending: tuple[str, str | None] | None = None
    for line in text.splitlines():
        if (m := _ACT.match(line)) is not None:
            pending = (m.group(1), m.group(2))
        elif (e := _ENQ.match(line)) is not None and pending is not None:
            stamp = e.group(1)
            fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in stamp else "%Y-%m-%d %H:%M:%S"
            try:
                when = datetime.strptime(stamp, fmt).replace(tzinfo=tz).timestamp()
            except ValueError:
                pending = None
                continue
            if pending[0] == SMS_DELIVER:
                events.append(BroadcastEvent(when, pending[0], pending[1]))
            pending = None
    return events


@dataclass(frozen=True)
class InboxRow:
    address: str
    date: float  # epoch seconds


_ROW = re.compile(r"^Row: \d+ address=(.*?), date=(\d+)\s*$")


def parse_inbox(text: str) -> list[InboxRow]:
    """``content query`` rows with exactly the columns address and date; any other line is ignored."""
    rows = []
    for line in text.splitlines():
        m = _ROW.match(line)
        if m is not None:
            rows.append(InboxRow(m.group(1).strip(), int(m.group(2)) / 1000.0))
    return rows


@dataclass(frozen=True)
class NotificationSeen:
    ident: str  # identity hash + package: new object on every post
    package: str
    importance: int | None


_RECORD = re.compile(r"NotificationRecord\((0x[0-9a-fA-F]+): pkg=([A-Za-z0-9_.]+)(?:.*?\bimportance=(-?\d+))?")


def parse_notifications(text: str) -> list[NotificationSeen]:
    """``NotificationRecord(0xHASH: pkg=… importance=N …`` lines → (hash, package, importance)."""
    out = []
    for line in text.splitlines():
        m = _RECORD.search(line)
        if m is not None:
            imp = int(m.group(3)) if m.group(3) is not None else None
            out.append(NotificationSeen(f"{m.group(1)}/{m.group(2)}", m.group(2), imp))
    return out


def source_error(text: str) -> str | None:
    """A short reason when a section is an error message rather than data."""
    low = text.lower()
    for needle in ("permission denial", "securityexception", "not found", "can't find service",
                   "unsupported", "error while accessing provider", "[error]"):
        if needle in low:
            return needle
    return None
