"""What ``droidcheck watch`` reads on the phone to follow one SMS, per Android version, and the parsers.

Every source is readable by the adb shell user (uid 2000: groups ``log`` for logcat, permissions ``DUMP``
and ``READ_SMS`` in ``frameworks/base/packages/Shell/AndroidManifest.xml``). Each is filtered *on the phone*
so that text that could hold a message body never crosses the cable, and the parsers keep only times,
package names, importances and the sender address:

==================  =============================================================  ==========================
stage               source (AOSP printer)                                          kept
==================  =============================================================  ==========================
reached the phone   ``logcat -b radio -d -v epoch -T <t> -s GsmInboundSmsHandler``    time, tag, target package
                    (``InboundSmsHandler`` logs under its state machine's name;
                    ``dispatchSmsDeliveryIntent``: "Delivering SMS to: PKG CLS")
delivered to app    ``dumpsys activity broadcasts history`` → "Historical broadcasts   enq time, receiver package
                    summary [QUEUE]": "#N: act=…SMS_DELIVER … cmp=PKG/CLS" then
                    "enq=yyyy-MM-dd HH:mm:ss.SSS disp=… fin=…" (``BroadcastQueue``
                    ≤ 13, ``BroadcastHistory.dumpLocked`` 14+), phone local time
stored in inbox     ``content query --uri content://sms/inbox --projection             address (masked), date
                    address:date --where 'date>MS'`` ("Row: 0 address=…, date=…")
notification        ``dumpsys notification`` → "NotificationRecord(0xHASH: pkg=PKG …     hash, package, importance
posted              importance=N key=…" (``NotificationRecord.toString``; a new
                    record object, so a new hash, on every post or update)
notification        ``logcat -b main -d -v epoch -T <t> -s NotificationService:E``:     time only
blocked             "Suppressing notification from package by user request."
                    (``NotificationManagerService``) — Android 8–9 only: current
                    AOSP logs it only when ``DBG`` is on, so on 10+ a block cannot
                    be seen, only inferred from the app's notification settings
Do Not Disturb      ``settings get global zen_mode`` (``Settings.Global.ZEN_MODE``:    the mode number
at arrival          0 off, 1 priority only, 2 total silence, 3 alarms only; MIUI
                    adds 4, its Silent mode); the value of the poll that first saw
                    the notification
==================  =============================================================  ==========================

Observed on the versions above in AOSP sources (see the report of the change); OEM builds may differ —
a source that errors is reported as "could not be read", never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from droidcheck.collect.batch import Framing, split_output

RADIO_TAGS = ("GsmInboundSmsHandler", "CdmaInboundSmsHandler", "ImsSmsDispatcher")
SMS_DELIVER = "android.provider.Telephony.SMS_DELIVER"
#: First API level on which a suppressed notification is *not* logged (see the module docstring).
BLOCK_LOG_UNTIL_SDK = 28


@dataclass(frozen=True)
class Source:
    """One thing to read per poll: its id, the stage it shows, and its shell command."""

    id: str
    stage: str
    title: str


SOURCES = (
    Source("radio", "radio", "logcat -b radio (InboundSmsHandler)"),
    Source("broadcasts", "delivered", "dumpsys activity broadcasts history (SMS_DELIVER)"),
    Source("inbox", "stored", "content://sms/inbox (address, date only)"),
    Source("notifications", "notification", "dumpsys notification (NotificationRecord)"),
    Source("blocked", "blocked", "logcat -b main NotificationService"),
    Source("dnd", "notification", "settings get global zen_mode (Do Not Disturb)"),
)
#: ``Settings.Global.ZEN_MODE`` values (``ZEN_MODE_*`` in android.provider.Settings.Global).
ZEN_MODES = {0: "off", 1: "priority only", 2: "total silence", 3: "alarms only", 4: "MIUI Silent mode"}


def observable(source_id: str, sdk: int | None) -> str | None:
    """None if the source works on this API level, else why it cannot show its stage."""
    if sdk is not None and sdk < 26:
        return f"droidcheck watch supports Android 8 and later (this phone is API {sdk})"
    if source_id == "blocked" and (sdk is None or sdk > BLOCK_LOG_UNTIL_SDK):
        return ("Android logs a suppressed notification only in debug builds from Android 10 on"
                if sdk is not None else "Android version unknown")
    return None


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def command_for(source_id: str, since_epoch: float) -> str:
    """The shell command for one source, filtered on the phone (nothing that could hold a body)."""
    since_ms = int(since_epoch * 1000)
    since = f"{since_epoch:.3f}"
    if source_id == "radio":
        tags = " ".join(f"{t}:V" for t in RADIO_TAGS)
        return f"logcat -b radio -d -v epoch -T {since} -s {tags} | grep -E {_q('InboundSmsHandler|ImsSmsDispatcher')}"
    if source_id == "broadcasts":
        return f"dumpsys activity broadcasts history | grep -E {_q('^ *#[0-9]+: act=|^ *enq=')}"
    if source_id == "inbox":
        return (f"content query --uri content://sms/inbox --projection address:date "
                f"--where {_q(f'date>{since_ms}')}")
    if source_id == "notifications":
        return f"dumpsys notification | grep -F {_q('NotificationRecord(')}"
    if source_id == "blocked":
        return (f"logcat -b main -d -v epoch -T {since} -s NotificationService:E "
                f"| grep -F {_q('Suppressing notification')}")
    if source_id == "dnd":
        return "settings get global zen_mode"
    raise KeyError(source_id)


def parse_zen_mode(text: str) -> int | None:
    """``settings get global zen_mode`` → 0–3, or 4 (MIUI's Silent mode); None for anything else."""
    value = text.strip()
    return int(value) if value in ("0", "1", "2", "3", "4") else None


def build_script(source_ids: list[str], since_epoch: float, framing: Framing) -> str:
    """One batched ``adb shell`` for a poll: the phone's clock, then each source, framed by ``framing``
    (the collector's markers: a fresh nonce for each poll, so phone text cannot end a section)."""
    parts = framing.wrap("clock", "date +%s")
    for sid in source_ids:
        parts += framing.wrap(sid, f"{command_for(sid, since_epoch)} 2>&1")
    return "; ".join(parts)


@dataclass
class Sections:
    """A poll's reply cut apart: the text of each source whose frame came back whole, the sources whose
    frames did not (ill-formed or cut off), and what was wrong with the framing."""

    text: dict[str, str]
    unread: dict[str, str]
    problems: list[str]


def split_sections(reply: str, framing: Framing, ids: list[str]) -> Sections:
    """A poll's reply → per-source text. A source whose frame is ill-formed, over-long or missing has no
    text (it is in ``unread`` with the reason), never a guess."""
    split = split_output(reply, framing, ids)
    text: dict[str, str] = {}
    unread: dict[str, str] = {}
    for sid in ids:
        sec = split.sections.get(sid)
        if sec is not None and sec.usable:
            text[sid] = sec.stdout
        elif sec is None:
            unread[sid] = "no output came back"
        else:
            unread[sid] = sec.problem or ("its output was too long" if sec.truncated else "its output was cut off")
    return Sections(text, unread, split.problems)


# -- parsers (text in, small facts out; never raise) ----------------------------------------------------

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
