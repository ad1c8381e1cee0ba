"""Network time (NTP) fix and the phone's clocks, as a bug report prints them.

Two dumps, both from ``frameworks/base``; the formats differ by Android version:

* ``dumpsys network_time_update_service`` — the last NTP fix, a (network time, elapsedRealtime) pair:

  - O/P ``services/core/java/com/android/server/NetworkTimeUpdateService.java`` ``dump``:
    ``LastNtpFetchTime: <TimeUtils.formatDuration>`` (P/Q: ``NTP cache age: <ms>``, ``NTP cache certainty:``)
    — when the fix was taken or how old it is, never the network time itself → no fix (None).
  - R (same file): ``NTP cache result: <TimeResult>`` / ``NTP result age: <ms>``, ``TimeResult.toString``
    (``core/java/android/util/NtpTrustedTime.java``) ``TimeResult{mTimeMillis=<long>,
    mElapsedRealtimeMillis=<long>, mCertaintyMillis=<long>}``; later builds print
    ``mTimeMillis=<Instant>, mElapsedRealtimeMillis=<Duration>`` and ``NtpTrustedTime.dump``'s
    ``mTimeResult=<TimeResult>``.
  - T+ ``services/core/java/com/android/server/timedetector/NetworkTimeUpdateService.java`` → ``NtpTrustedTime.dump``:
    ``mTimeResult=TimeResult{unixEpochTime=<Instant>, elapsedRealtime=<Duration>, mUncertaintyMillis=<n>,
    mNtpServerSocketAddress=<addr>}`` then ``mTimeResult.getAgeMillis()=<Duration>``; ``mTimeResult=null``
    when there is no fix.

* ``dumpsys alarm`` — ``AlarmManagerService.dumpImpl``, both clocks read at one instant:

  - O–R ``services/core/java/com/android/server/AlarmManagerService.java``:
    ``nowRTC=<ms>=<yyyy-MM-dd HH:mm:ss> nowELAPSED=<TimeUtils.formatDuration>`` (older: ``nowELAPSED=<ms>``).
  - S+ ``apex/jobscheduler/service/java/com/android/server/alarm/AlarmManagerService.java``:
    ``  nowRTC=<ms>=<yyyy-MM-dd HH:mm:ss.SSS> nowELAPSED=<ms>`` (IndentingPrintWriter, two spaces).

``Instant`` is ``java.time.Instant.toString`` (``2026-07-01T11:52:00.123Z``), ``Duration`` is
``java.time.Duration.toString`` (``PT34H17M36.789S``), ``TimeUtils.formatDuration`` is
``+1d10h17m36s789ms``. Every parser returns None for anything else; none raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

_TIME_RESULT = re.compile(r"TimeResult\{(?P<body>[^}]*)\}")
_FIELD = re.compile(r"(\w+)=([^,]*)")
_INSTANT = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?Z$")
_ISO_DURATION = re.compile(r"^(-)?PT(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+)(?:\.(\d{1,9}))?S)?$")
_FORMAT_DURATION = re.compile(r"^([+-])?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$")
_NOW = re.compile(r"^\s*nowRTC=(?P<rtc>-?\d+)=[^\n]*?\snowELAPSED=(?P<elapsed>\S+)\s*$", re.M)
_NO_FIX = re.compile(r"^\s*(?:mTimeResult|NTP cache result:?)\s*=?\s*null\s*$", re.M)
_OLD_FORMAT = re.compile(r"^\s*(?:LastNtpFetchTime|NTP cache age):", re.M)


@dataclass(frozen=True)
class NtpFix:
    """The last NTP result: network time (ms since the epoch) at elapsedRealtime ``elapsed_ms``."""

    unix_ms: int
    elapsed_ms: int


@dataclass(frozen=True)
class ClockNow:
    """The phone's wall clock (``System.currentTimeMillis``) and ``elapsedRealtime`` at one instant."""

    rtc_ms: int
    elapsed_ms: int


def parse_instant_ms(text: str) -> int | None:
    """``java.time.Instant.toString`` → ms since the epoch, or None."""
    m = _INSTANT.match(text.strip())
    if m is None:
        return None
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    frac = (m.group(7) or "").ljust(3, "0")[:3]
    try:
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    return int(when.timestamp()) * 1000 + int(frac)


def parse_iso_duration_ms(text: str) -> int | None:
    """``java.time.Duration.toString`` (``PT…H…M…S``; hours are not folded into days) → ms, or None."""
    m = _ISO_DURATION.match(text.strip())
    if m is None or text.strip() in ("PT", "-PT"):
        return None
    hours, minutes, seconds = (int(m.group(i) or 0) for i in (2, 3, 4))
    frac = int((m.group(5) or "").ljust(3, "0")[:3])
    if (m.group(4) or "").startswith("-"):
        frac = -frac
    total = (hours * 3600 + minutes * 60 + seconds) * 1000 + frac
    return -total if m.group(1) else total


def parse_format_duration_ms(text: str) -> int | None:
    """``android.util.TimeUtils.formatDuration`` (``+1d2h3m4s5ms``; ``0`` for zero) → ms, or None."""
    raw = text.strip()
    if raw == "0":
        return 0
    m = _FORMAT_DURATION.match(raw)
    if m is None or not any(m.group(i) for i in range(2, 7)):
        return None
    days, hours, minutes, seconds, millis = (int(m.group(i) or 0) for i in range(2, 7))
    total = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + millis
    return -total if m.group(1) == "-" else total


def _millis(raw: str, *, instant: bool) -> int | None:
    """A TimeResult field: a plain long (R) or an Instant/Duration (later builds)."""
    value = raw.strip()
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    return parse_instant_ms(value) if instant else parse_iso_duration_ms(value)


def parse_ntp_fix(text: str) -> NtpFix | None:
    """The last NTP fix from ``dumpsys network_time_update_service``, or None (no fix, an O–Q dump that
    prints only the fix's age, or anything unreadable)."""
    if not isinstance(text, str):
        return None
    for m in _TIME_RESULT.finditer(text):
        fields = {k: v for k, v in _FIELD.findall(m.group("body"))}
        time_raw = fields.get("unixEpochTime", fields.get("mTimeMillis"))
        elapsed_raw = fields.get("elapsedRealtime", fields.get("mElapsedRealtimeMillis"))
        if time_raw is None or elapsed_raw is None:
            continue
        unix_ms = _millis(time_raw, instant=True)
        elapsed_ms = _millis(elapsed_raw, instant=False)
        if unix_ms is not None and elapsed_ms is not None and unix_ms > 0 and elapsed_ms >= 0:
            return NtpFix(unix_ms, elapsed_ms)
    return None


def why_no_fix(text: str) -> str:
    """A plain reason why ``parse_ntp_fix`` found no fix in ``text``."""
    if _NO_FIX.search(text or ""):
        return "the phone had no network time fix when the report was taken"
    if _OLD_FORMAT.search(text or ""):
        return ("on this Android version dumpsys network_time_update_service prints only when (or how long "
                "ago) the last network time fix was taken, not the network time itself")
    return "dumpsys network_time_update_service shows no readable network time fix"


def parse_clock_now(text: str) -> ClockNow | None:
    """``nowRTC=…`` / ``nowELAPSED=…`` from ``dumpsys alarm``, or None."""
    if not isinstance(text, str):
        return None
    m = _NOW.search(text)
    if m is None:
        return None
    raw = m.group("elapsed")
    elapsed = int(raw) if raw.isdigit() else parse_format_duration_ms(raw)
    rtc = int(m.group("rtc"))
    if elapsed is None or elapsed < 0 or rtc <= 0:
        return None
    return ClockNow(rtc, elapsed)


def drift_seconds(fix: NtpFix, now: ClockNow) -> float:
    """Phone wall clock minus network time carried forward from the fix by elapsedRealtime."""
    network_now = fix.unix_ms + (now.elapsed_ms - fix.elapsed_ms)
    return (now.rtc_ms - network_now) / 1000.0


def fix_age_seconds(fix: NtpFix, now: ClockNow) -> float:
    """How long before the clock reading the fix was taken (elapsedRealtime, so sleep included)."""
    return (now.elapsed_ms - fix.elapsed_ms) / 1000.0
