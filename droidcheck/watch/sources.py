"""What ``droidcheck watch`` reads on the phone to follow one SMS, per Android version (the parsers are
``droidcheck.parsers.watch_sources``).

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
at arrival          0 off, 1 priority only, 2 total silence, 3 alarms only; 4 is
                    MIUI's Silent mode on Xiaomi/Redmi/POCO only, ``parsers.zen``);
                    the value of the poll that first saw the notification
==================  =============================================================  ==========================

Observed on the versions above in AOSP sources (see the report of the change); OEM builds may differ —
a source that errors is reported as "could not be read", never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from droidcheck.collect.batch import Framing, split_output
from droidcheck.parsers.watch_sources import RADIO_TAGS

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
