"""``dumpsys notification p <pkg>``: app-level importance and channels of one app.

Three printers, all reached through NotificationManagerService's dump with a package DumpFilter:

* O (``services/core/java/com/android/server/notification/RankingHelper.java`` ``dumpRecords``): header
  ``Records:``, then ``  AppSettings: <pkg> (<uid>)`` followed by `` importance=<NAME>`` only when the app
  importance differs from UNSPECIFIED (a blocked app: ``importance=NONE``), optional `` priority=``,
  `` visibility=``, and `` showBadge=<b>``; each channel on its own line via ``NotificationChannel.toString``.
  (N-era RankingHelper printed the package without the ``AppSettings:`` label; we accept both.)
* P–S (``PreferencesHelper.java`` ``dumpPackagePreferencesLocked``): header ``PackagePreferences:``, same
  ``AppSettings:`` line (Q/R add ``defaultAppLocked=``, ``oemLocked=``…), channels via
  ``NotificationChannel.dump(pw, "    ", redact)``.
* T+ (PreferencesHelper with PermissionHelper): `` importance=<DEFAULT|NONE> userSet=<b>`` comes from the
  POST_NOTIFICATIONS grant (DEFAULT when granted, NONE when not); apps with a permission record but no
  local preferences are printed after the loop with only that line.

Channel lines: ``NotificationChannel{mId='<id>', mName=<name, redacted>, mDescription=…, mImportance=<n>,
… mDeleted=<b> …}``. Both importance maps: app ``NONE MIN LOW DEFAULT HIGH MAX UNSPECIFIED`` and channel
``0..5`` (``-1000`` unspecified). OEM builds add tokens to the AppSettings line and their own lines between
records; we read keys by regex and ignore the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_APP_RE = re.compile(r"^\s*(?:AppSettings:\s+)?([A-Za-z][\w.]*)\s+\((\d+|UNKNOWN_UID)\)(.*)$")
#: A labelled app line without its ``(uid)``, as reported from a Xiaomi HyperOS build: read it (the
#: importance on it may say NONE) rather than let the record vanish and the app look allowed.
_APP_NO_UID_RE = re.compile(r"^\s*AppSettings:\s+([A-Za-z][\w.]*)()(?=\s|$)(.*)$")
_HEADERS = ("Records:", "PackagePreferences:")
_CHANNEL_ID_RE = re.compile(r"mId='([^']*)'")
_CHANNEL_IMP_RE = re.compile(r"[,{]\s*mImportance=(-?\d+)")
_CHANNEL_DELETED_RE = re.compile(r"[,{]\s*mDeleted=(true|false)")

#: NotificationListenerService.Ranking.importanceToString names → importance int.
IMPORTANCE_NAMES = {"UNSPECIFIED": -1000, "NONE": 0, "MIN": 1, "LOW": 2, "DEFAULT": 3, "HIGH": 4, "MAX": 5}


@dataclass
class Channel:
    id: str
    importance: int | None
    deleted: bool = False


@dataclass
class AppNotificationRecord:
    package: str
    uid: int | None
    importance: str | None = None  # None: not printed (default, not blocked)
    user_set: bool | None = None
    channels: list[Channel] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.importance == "NONE"


@dataclass
class NotificationDump:
    """``records`` holds every record for the package (one per user/uid); ``has_config`` tells that the
    per-package section was printed, so an absent record means "default settings"."""

    records: list[AppNotificationRecord] = field(default_factory=list)
    has_config: bool = False

    def for_user(self, user: int = 0) -> AppNotificationRecord | None:
        """The user's record; failing that, one printed without a uid (it cannot be told apart, and a
        block on it must not be missed)."""
        for rec in self.records:
            if rec.uid is not None and rec.uid // 100000 == user:
                return rec
        return next((rec for rec in self.records if rec.uid is None), None)


def app_line(raw: str) -> re.Match[str] | None:
    """A record's app line (group 1 the package, group 2 the uid or ""): ``AppSettings: PKG (UID) …``,
    N's bare ``PKG (UID) …``, or a labelled line without its uid."""
    return _APP_RE.match(raw) or _APP_NO_UID_RE.match(raw)


def _parse_channel(line: str) -> Channel | None:
    mid = _CHANNEL_ID_RE.search(line)
    if not mid:
        return None
    imp = _CHANNEL_IMP_RE.search(line)
    deleted = _CHANNEL_DELETED_RE.search(line)
    return Channel(id=mid.group(1), importance=int(imp.group(1)) if imp else None,
                   deleted=bool(deleted and deleted.group(1) == "true"))


def _parse_app_line(m: re.Match[str]) -> AppNotificationRecord:
    rest = m.group(3)
    imp = re.search(r"\bimportance=([A-Z_]+)", rest)
    user_set = re.search(r"\buserSet=(true|false)", rest)
    return AppNotificationRecord(
        package=m.group(1),
        uid=int(m.group(2)) if m.group(2).isdigit() else None,
        importance=imp.group(1) if imp else None,
        user_set=(user_set.group(1) == "true") if user_set else None,
    )


def parse_notification_dump(text: str | None, package: str) -> NotificationDump | None:
    """Records of ``package``; None when the text has no per-package section (unknown format/empty)."""
    if not text:
        return None
    dump = NotificationDump()
    in_config = False
    current: AppNotificationRecord | None = None
    for raw in text.replace("\r", "").split("\n"):
        stripped = raw.strip()
        if stripped in _HEADERS:
            dump.has_config, in_config, current = True, True, None
            continue
        if stripped == "Restored without uid:":
            in_config, current = False, None
            continue
        if not in_config:
            continue
        if "NotificationChannel{" in stripped:
            channel = _parse_channel(stripped)
            if current is not None and channel is not None:
                current.channels.append(channel)
            continue
        m = app_line(raw)
        if m and (stripped.startswith("AppSettings:") or raw.startswith("  ")):
            rec = _parse_app_line(m)
            current = rec if rec.package == package else None
            if current is not None:
                dump.records.append(current)
    return dump if dump.has_config else None
