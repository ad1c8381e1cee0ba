"""Run a watch: poll the phone (one batched ``adb shell`` per poll) until the notification shows, a
block is seen, the grace after delivery runs out, the timeout passes or the user presses Ctrl-C.

The I/O is one callable, ``shell(script) -> str``, so the loop is testable without a phone; the CLI gives
it an adbutils device. A poll that fails is counted and retried; three failures in a row end the watch
(the phone is gone) with what was seen so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from droidcheck.collect.batch import Framing
from droidcheck.parsers import watch_sources as parse
from droidcheck.result import CheckResult
from droidcheck.watch import sources as src
from droidcheck.watch.timeline import Timeline
from droidcheck.watch.verdict import Verdict, decide, qualify

Shell = Callable[[str], str]
OnEvent = Callable[[str, Timeline], None]

WATCH_FORMAT = "droidcheck.watch"
WATCH_VERSION = 1
#: After the SMS app got the message, how long to wait for its notification before concluding.
NOTIFICATION_GRACE_S = 15.0
MAX_FAILED_POLLS = 3


@dataclass
class WatchOutcome:
    timeline: Timeline
    verdict: Verdict
    ended_by: str  # notification | blocked | grace | timeout | interrupted | device_lost
    duration_s: float
    device: dict[str, Any] = field(default_factory=dict)
    check: CheckResult | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see ``droidcheck.watch`` for its shape); holds no body, code or full number."""
        check = None
        if self.check is not None:
            check = {"verdict": self.check.get("verdict", {}).get("status"),
                     "likely_causes": list(self.check.get("verdict", {}).get("likely_causes", [])),
                     "complete": self.check.get("complete")}
        tl = self.timeline.to_dict()
        return {"format": WATCH_FORMAT, "version": WATCH_VERSION, "device": dict(self.device),
                "started_at": tl.pop("started_at"), "ended_by": self.ended_by,
                "duration_s": round(self.duration_s, 1), **tl, "verdict": self.verdict.to_dict(),
                "check": check, "problems": list(self.problems)}


def _int(text: str) -> int | None:
    text = text.strip().splitlines()[0].strip() if text.strip() else ""
    return int(text) if text.lstrip("-").isdigit() else None


def _utc_offset(text: str) -> int:
    """``date +%z`` (``+0100``) → seconds east of UTC; 0 when unreadable."""
    t = text.strip()
    if len(t) == 5 and t[0] in "+-" and t[1:].isdigit():
        secs = int(t[1:3]) * 3600 + int(t[3:]) * 60
        return secs if t[0] == "+" else -secs
    return 0


@dataclass
class PhoneInfo:
    sdk: int | None
    utc_offset_s: int
    clock_offset_s: float  # phone clock minus host clock
    sms_app: str | None
    release: str | None = None
    maker: str | None = None  # ro.product.manufacturer: what zen_mode 4 means depends on it


_PHONE_INFO = (("sdk", "getprop ro.build.version.sdk"), ("release", "getprop ro.build.version.release"),
               ("tz", "date +%z"), ("sms", "settings get secure sms_default_application"), ("clock", "date +%s"),
               ("maker", "getprop ro.product.manufacturer"))


def probe_phone(shell: Shell, sms_app: str | None = None) -> PhoneInfo:
    """API level, time zone, clock offset and (unless given) the default SMS app, in one round trip."""
    framing = Framing()
    script = "; ".join(line for sid, cmd in _PHONE_INFO for line in framing.wrap(sid, cmd))
    sent = time.time()
    sections = src.split_sections(shell(script), framing, [sid for sid, _ in _PHONE_INFO]).text
    host = (sent + time.time()) / 2
    phone_now = _int(sections.get("clock", ""))
    app = sms_app or (sections.get("sms", "").strip() or None)
    if app in ("null", ""):
        app = None
    return PhoneInfo(sdk=_int(sections.get("sdk", "")), utc_offset_s=_utc_offset(sections.get("tz", "")),
                     clock_offset_s=(phone_now - host + 0.5) if phone_now is not None else 0.0, sms_app=app,
                     release=sections.get("release", "").strip() or None,
                     maker=sections.get("maker", "").strip() or None)


def _apply(tl: Timeline, sections: dict[str, str], info: PhoneInfo, now: float) -> list[str]:
    """Feed one poll's sections into the timeline; returns the stage ids newly reached."""
    new: list[str] = []
    if "dnd" in sections:  # first: the notification seen in this same poll takes this poll's mode
        tl.set_dnd(parse.parse_zen_mode(sections["dnd"], info.maker))
    for sid, text in sections.items():
        if sid in ("clock", "end", "dnd"):
            continue
        err = parse.source_error(text)
        if err:
            tl.mark_unreadable(sid, err)
            continue
        tl.clear_unreadable(sid)
        if sid == "radio":
            new += tl.add_radio(parse.parse_radio(text))
        elif sid == "broadcasts":
            new += tl.add_broadcasts(parse.parse_broadcasts(text, info.utc_offset_s))
        elif sid == "inbox":
            new += tl.add_inbox(parse.parse_inbox(text))
        elif sid == "notifications":
            new += tl.add_notifications(parse.parse_notifications(text), now)
        elif sid == "blocked":
            new += tl.add_blocked(parse.parse_log_times(text, "Suppressing notification"))
    return new


def run_watch(shell: Shell, *, timeout_s: float = 180.0, interval_s: float = 1.0,
              sms_app: str | None = None, check_result: CheckResult | None = None,
              device: dict[str, Any] | None = None, on_event: OnEvent | None = None,
              grace_s: float = NOTIFICATION_GRACE_S, sleep: Callable[[float], None] = time.sleep) -> WatchOutcome:
    """Watch one SMS arrive. ``on_event("start"|"poll"|<stage id>|"blocked", timeline)`` drives a display."""
    say = on_event or (lambda _e, _t: None)
    info = probe_phone(shell, sms_app)
    t0 = time.monotonic()
    start = time.time() + info.clock_offset_s
    tl = Timeline.begin(start, info.sdk, info.sms_app)
    ids = [s.id for s in src.SOURCES if src.observable(s.id, info.sdk) is None]
    problems: list[str] = []
    say("start", tl)
    ended_by, failed, delivered_at = "timeout", 0, None
    try:
        while True:
            framing = Framing()  # a fresh nonce for every poll
            try:
                text = shell(src.build_script(ids, start - 2.0, framing))
                failed = 0
            except Exception as exc:  # adbutils raises several types; the watch must survive a bad poll
                failed += 1
                problems.append(f"poll {tl.polls + 1} failed: {type(exc).__name__}: {exc}")
                if failed >= MAX_FAILED_POLLS:
                    ended_by = "device_lost"
                    break
                text = ""
            if text:
                split = src.split_sections(text, framing, ["clock", *ids])
                sections = split.text
                for sid, why in split.unread.items():
                    if sid != "clock" and sid != "dnd":
                        tl.mark_unreadable(sid, why)
                problems += [p for p in split.problems if p not in problems]
                if tl.polls == 0 and "notifications" in sections:
                    tl.set_baseline(parse.parse_notifications(sections["notifications"]))
                now = time.time() + info.clock_offset_s
                for stage in _apply(tl, sections, info, now):
                    say(stage, tl)
                tl.polls += 1
                say("poll", tl)
            if tl.reached("notification"):
                ended_by = "notification"
                break
            if tl.blocked_at is not None:
                ended_by = "blocked"
                break
            if delivered_at is None and (tl.reached("delivered") or tl.reached("stored")):
                delivered_at = time.monotonic()
            elapsed = time.monotonic() - t0
            if delivered_at is not None and time.monotonic() - delivered_at >= grace_s:
                ended_by = "grace"
                break
            if elapsed >= timeout_s:
                break
            sleep(min(interval_s, max(timeout_s - elapsed, 0.05)))
    except KeyboardInterrupt:
        ended_by = "interrupted"
    tl.finish()
    verdict = decide(tl, check_result)
    duration = time.monotonic() - t0
    qualify(verdict, ended_by, duration)
    dev = {k: v for k, v in (device or {}).items() if v is not None}
    dev.setdefault("android_release", info.release)
    dev.setdefault("sdk", info.sdk)
    return WatchOutcome(tl, verdict, ended_by, duration, dev, check_result, problems)
