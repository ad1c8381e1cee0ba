"""Simulated traces of an incoming SMS, for ``droidcheck watch``: a profile's ``sms_script`` played out.

Each stage leaves the trace the real phone leaves, in the profile's Android version's format:

* radio: ``logcat -b radio`` lines from ``InboundSmsHandler`` (tag ``GsmInboundSmsHandler``; the
  "Delivering SMS to: PKG CLS" line is ``InboundSmsHandler.dispatchSmsDeliveryIntent``);
* SMS app: an ``android.provider.Telephony.SMS_DELIVER`` entry (then ``SMS_RECEIVED``) in
  ``dumpsys activity broadcasts history``'s "Historical broadcasts summary [QUEUE]" (``BroadcastQueue``
  up to Android 13, ``BroadcastHistory.dumpLocked`` from 14, whose modern queue is named "modern");
* inbox: a row of ``content query --uri content://sms/inbox`` (honouring ``--projection``: a query
  without one gets the body, as the real provider would give it — droidcheck must never ask for it);
* notification: a ``NotificationRecord(0x…: pkg=… importance=N key=…)`` line in ``dumpsys notification``'s
  "Notification List", or, when lost there, on Android ≤ 9 the ``NotificationService`` line "Suppressing
  notification from package by user request." in the main log (later versions log it only in debug builds).

The Messages app's own main-log line carries the body on purpose (some apps do log it): droidcheck's
on-device tag filter must keep it off the wire.

``dumpsys notification`` is registered here again, wrapping the renderer of ``droidcheck.sim.render.apps``
(this module loads after it) to add the posted records to its "Notification List".
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from droidcheck.sim.commands import Output, command
from droidcheck.sim.profile import Profile, SmsScript
from droidcheck.sim.render import apps as _apps
from droidcheck.sim.render.system import phone_time, phone_zone

SMS_DELIVER = "android.provider.Telephony.SMS_DELIVER"
SMS_RECEIVED = "android.provider.Telephony.SMS_RECEIVED"
_ORDER = ("radio", "deliver", "inbox", "notification")
_REACHED = {"network": 0, "sms_app": 1, "notification": 3, None: 4}
_PHONE_PID, _SYSTEM_PID = 1873, 1211




def _script(profile: Profile) -> SmsScript | None:
    """The script, with its clock started at the first watch poll."""
    script = profile.sms_script
    if script is not None and script.started_at is None:
        script.started_at = phone_time(profile)
    return script


def stage_times(profile: Profile, *, start: bool = True) -> dict[str, float]:
    """Phone-clock times of the stages this script reaches *so far* (stage → epoch seconds).

    Only the watch's own sources (radio log, broadcasts, inbox) start the clock (``start``): ``dumpsys
    notification`` is also read by ``check`` and ``fix``, and must not make the message arrive early."""
    script = _script(profile) if start else profile.sms_script
    if script is None or script.started_at is None:
        return {}
    arrival = script.started_at + script.delay_s
    reached = _ORDER[: _REACHED.get(script.lost_at, 4)]
    now = phone_time(profile)
    times = {stage: arrival + i * script.stage_gap_s for i, stage in enumerate(reached)}
    return {stage: t for stage, t in times.items() if t <= now}


def _sms_component(profile: Profile) -> tuple[str, str]:
    pkg = profile.default_sms_app or "com.google.android.apps.messaging"
    return pkg, f"{pkg}.receiver.SmsDeliverReceiver"


# -- logcat ----------------------------------------------------------------------------------------

def _log_lines(profile: Profile, buffer: str) -> list[tuple[float, int, str, str, str]]:
    """(time, pid, level, tag, message) of the lines this script put in one log buffer."""
    times = stage_times(profile)
    script = profile.sms_script
    pkg, cls = _sms_component(profile)
    lines: list[tuple[float, int, str, str, str]] = []
    if buffer == "radio" and "radio" in times:
        t = times["radio"]
        lines.append((t, _PHONE_PID, "D", "GsmInboundSmsHandler", "IdleState.processMessage: 1"))
        lines.append((t, _PHONE_PID, "D", "RILJ", "[UNSL]< UNSOL_RESPONSE_NEW_SMS [PHONE0]"))
        if "deliver" in times:
            lines.append((t + 0.01, _PHONE_PID, "D", "GsmInboundSmsHandler", f"Delivering SMS to: {pkg} {cls}"))
    if buffer == "main" and script is not None:
        if "inbox" in times:
            lines.append((times["inbox"], 5120, "I", "BugleDataModel",
                          f"ReceiveSmsMessageAction: from {script.sender}: {script.body}"))
        if script.lost_at == "notification" and "inbox" in times and profile.sdk <= 28:
            lines.append((times["inbox"] + 0.05, _SYSTEM_PID, "E", "NotificationService",
                          "Suppressing notification from package by user request."))
    return sorted(lines)


def _tag_filter(specs: list[str]) -> dict[str, str] | None:
    """``-s TAG:LEVEL…`` → {tag: minimum level}; None = no filter."""
    if not specs:
        return None
    out: dict[str, str] = {}
    for spec in specs:
        tag, _, level = spec.partition(":")
        out[tag] = (level or "V")[0].upper()
    return out


_LEVELS = "VDIWEF"


@command("logcat")
def logcat(profile: Profile, argv: list[str]) -> Output:
    """``logcat [-b BUF]… [-d] [-v epoch] [-T TIME] [-s] [TAG:LEVEL…]`` over this script's lines."""
    buffers: list[str] = []
    since: float | None = None
    epoch = False
    silent = False
    specs: list[str] = []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-b" and i + 1 < len(args):
            buffers += args[i + 1].split(",")
            i += 1
        elif a == "-v" and i + 1 < len(args):
            epoch = epoch or args[i + 1] == "epoch"
            i += 1
        elif a in ("-T", "-t") and i + 1 < len(args):
            try:
                since = float(args[i + 1])
            except ValueError:
                return Output(stderr=f"logcat: unsupported time format '{args[i + 1]}'\n", rc=1)
            i += 1
        elif a == "-s":
            silent = True
        elif a == "-d":
            pass
        elif not a.startswith("-"):
            specs.append(a)
        i += 1
    wanted = _tag_filter(specs) if (silent or specs) else None
    out: list[str] = []
    for buf in buffers or ["main", "system", "crash"]:
        picked = []
        for t, pid, level, tag, msg in _log_lines(profile, buf):
            if since is not None and t < since:
                continue
            if wanted is not None and (tag not in wanted or _LEVELS.index(level) < _LEVELS.index(wanted[tag])):
                continue
            if epoch:
                stamp = f"{t:>17.3f}"
            else:
                local = datetime.fromtimestamp(t, tz=UTC).astimezone(phone_zone(profile))
                stamp = local.strftime("%m-%d %H:%M:%S.%f")[:-3]
            picked.append(f"{stamp} {pid:>5} {pid + 17:>5} {level} {tag}: {msg}")
        if picked:
            out.append(f"--------- beginning of {buf}")
            out += picked
    return Output(stdout="".join(f"{ln}\n" for ln in out))


# -- dumpsys activity broadcasts ---------------------------------------------------------------------

def _stamp(profile: Profile, t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).astimezone(phone_zone(profile)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@command("dumpsys", "activity", "broadcasts")
def dumpsys_activity_broadcasts(profile: Profile, argv: list[str]) -> Output:
    times = stage_times(profile)
    now = phone_time(profile)
    pkg, cls = _sms_component(profile)
    short_cls = cls[len(pkg):] if cls.startswith(pkg) else cls
    entries: list[tuple[float, str]] = [
        (now - 31.0, "act=android.intent.action.TIME_TICK flg=0x50200014 (has extras)"),
        (now - 95.0, "act=android.intent.action.BATTERY_CHANGED flg=0x60000010 (has extras)"),
    ]
    if "deliver" in times:
        t = times["deliver"]
        entries.append((t, f"act={SMS_DELIVER} flg=0x19000010 cmp={pkg}/{short_cls} (has extras)"))
        entries.append((t + 0.06, f"act={SMS_RECEIVED} flg=0x19000010 (has extras)"))
    entries.sort(reverse=True)
    queue = "modern" if profile.sdk >= 34 else "foreground"
    out = ["ACTIVITY MANAGER BROADCAST STATE (dumpsys activity broadcasts)", "",
           f"  Historical broadcasts summary [{queue}]:"]
    for n, (t, intent) in enumerate(entries):
        out += [f"  #{n}: {intent}", "    +3ms dispatch +41ms finish",
                f"    enq={_stamp(profile, t)} disp={_stamp(profile, t + 0.003)} fin={_stamp(profile, t + 0.044)}",
                "    extras: Bundle[mParcelledData.dataSize=612]"]
    if profile.sdk < 34:
        out += ["", "  Historical broadcasts summary [background]:",
                "  #0: act=android.intent.action.PACKAGE_ADDED dat=package:com.example flg=0x4000010 (has extras)",
                "    0 dispatch +12ms finish",
                f"    enq={_stamp(profile, now - 600)} disp={_stamp(profile, now - 600)} "
                f"fin={_stamp(profile, now - 600)}"]
    return Output(stdout="\n".join(out) + "\n")


# -- content query (SMS provider) --------------------------------------------------------------------

def _opt(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv and argv.index(name) + 1 < len(argv) else None


@command("content", "query")
def content_query(profile: Profile, argv: list[str]) -> Output:
    uri = _opt(argv, "--uri")
    if uri is None:
        return Output(stderr="[ERROR] Content provider URI not specified\n", rc=1)
    if not uri.startswith("content://sms"):
        return Output(stderr=f"Error while accessing provider:{uri.split('/')[2]}\n", rc=1)
    script = profile.sms_script
    times = stage_times(profile)
    rows: list[dict[str, str]] = []
    if script is not None and "inbox" in times and uri.rstrip("/") in ("content://sms/inbox", "content://sms"):
        rows.append({"_id": "412", "thread_id": "37", "address": script.sender,
                     "date": str(int(times["inbox"] * 1000)), "date_sent": str(int(times["radio"] * 1000)),
                     "read": "0", "type": "1", "body": script.body})
    where = _opt(argv, "--where")
    if where and where.replace(" ", "").startswith("date>"):
        floor = int(where.replace(" ", "")[5:])
        rows = [r for r in rows if int(r["date"]) > floor]
    projection = _opt(argv, "--projection")
    columns = projection.split(":") if projection else list(rows[0]) if rows else []
    if not rows:
        return Output(stdout="No result found.\n")
    return Output(stdout="".join(f"Row: {n} " + ", ".join(f"{c}={r.get(c, 'NULL')}" for c in columns) + "\n"
                                 for n, r in enumerate(rows)))


# -- dumpsys notification: posted records ------------------------------------------------------------

def _records(profile: Profile) -> list[str]:
    times = stage_times(profile, start=False)
    script = profile.sms_script
    if script is None or "notification" not in times:
        return []
    pkg, _ = _sms_component(profile)
    uid = 10000 + zlib.crc32(pkg.encode()) % 900
    ident = zlib.crc32(f"{script.started_at}".encode()) & 0x7FFFFFFF
    key = f"0|{pkg}|0|null|{uid}"
    head = (f"    NotificationRecord(0x{ident:08x}: pkg={pkg} user=UserHandle{{0}} id=0 tag=null "
            f"importance={script.importance} key={key}: Notification(channel=incoming_messages "
            "shortcut=null contentView=null vibrate=null sound=null defaults=0x0 flags=0x10 color=0xff1a73e8 "
            "category=msg groupKey=sms vis=PRIVATE))")
    return [head, f"      uid={uid} userId=0", f"      opPkg={pkg}", "      extras={",
            "          android.title=String (6 chars)", f"          android.text=String ({len(script.body)} chars)",
            "      }"]


@command("dumpsys", "notification")
def dumpsys_notification(profile: Profile, argv: list[str]) -> Output:
    base = _apps.dumpsys_notification(profile, argv)
    records = _records(profile)
    if not records or "  Notification List:" not in base.stdout:
        return base
    head, tail = base.stdout.split("  Notification List:\n", 1)
    return Output(stdout=head + "  Notification List:\n" + "\n".join(records) + "\n" + tail,
                  stderr=base.stderr, rc=base.rc)
