"""Per-service line filters with byte caps, applied while a bug report streams by.

Only what the parsers read is kept. A probe whose text a bug report holds as one service dump declares
its service, filter and cap on its record (``droidcheck.collect.plan.Probe.bugreport``); the services below
feed several probes through ``droidcheck.offline.convert`` and are filtered here. Each filter names the
AOSP printer whose lines it keeps:

* ``settings`` — SettingsProvider ``dumpForUserLocked``: ``GLOBAL|SECURE|SYSTEM|CONFIG SETTINGS (user N)``
  headers and ``_id:<n> name:<key> [pkg:<pkg>] value:<value> [default:<v> defaultSystemSet:<b>] [tag:…]``.
* (plan) ``connectivity`` — the same lines the live probe's ``grep -E 'Active default network|NetworkAgentInfo'``
  keeps.
* (plan) ``netpolicy`` — NetworkPolicyManagerService.dump ``Restrict background: <bool>``.
* ``package`` — PackageManagerService.dump: top-level section titles, ``Package [<pkg>] (<hash>):`` headers
  and the fields ``droidcheck.parsers.package_dump`` reads; permission lines only for the SMS and
  notification permissions (a real dump lists hundreds per app).
* ``notification`` — only the per-package config (``PackagePreferences:``/``Records:`` … ``Restored without
  uid:``): the notification list itself can hold message text, so it is never kept.
* ``appops`` — AppOpsService.dump: ``Uid``/``Package`` headers and background-op lines.
* ``usagestats`` — AppIdleHistory.dumpUsers ``package=<pkg> [u=<user>] … bucket=<n>`` lines.
* (plan) ``network_time_update_service`` — NetworkTimeUpdateService.dump / NtpTrustedTime.dump: only the lines
  about the last NTP fix (``LastNtpFetchTime:``, ``NTP cache …:``, ``NTP result age:``, ``mTimeResult…``);
  never the ``Local logs:`` that follow.
* (plan) ``alarm`` — AlarmManagerService.dumpImpl: only the first ``nowRTC=<ms>=<date> nowELAPSED=<elapsed>`` line
  (the rest of the dump lists every app's alarms).
* (plan) others (``telephony.registry``, ``isub``, ``diskstats``, ``role``) — the whole dump, capped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from droidcheck.collect.plan import MB, bugreport_services
from droidcheck.parsers.package_dump import PACKAGE_HEADER, POST_NOTIFICATIONS, SECTION_HEADER, SMS_PERMISSIONS

_PKG_FIELD = re.compile(r"^\s+(versionCode=|versionName=|timeStamp=|firstInstallTime=|lastUpdateTime=|"
                        r"sharedUser=|flags=\[|pkgFlags=\[|User \d+:|install permissions:|"
                        r"runtime permissions:)")
_PERM_LINE = re.compile(r"^\s+(" + "|".join(map(re.escape, (*SMS_PERMISSIONS, POST_NOTIFICATIONS))) + r"): granted=")
_APPOPS_KEEP = re.compile(r"^\s*(Uid \S+:|Package \S+:|(?:RUN_IN_BACKGROUND|RUN_ANY_IN_BACKGROUND)\b)")
_BUCKET = re.compile(r"^\s*package=\S+ .*\bbucket=-?\d+")


class Collector:
    """Keeps lines up to ``cap`` bytes; after that only counts what was dropped."""

    def __init__(self, cap: int, keep: Callable[[str], bool] | None = None) -> None:
        self.cap = cap
        self.keep = keep
        self.size = 0
        self.truncated = False
        self.lines: list[str] = []

    def feed(self, line: str) -> None:
        if self.truncated or (self.keep is not None and not self.keep(line)):
            return
        size = len(line) + 1
        if self.size + size > self.cap:
            self.truncated = True
            return
        self.size += size
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")

    def would_keep(self, line: str) -> bool:
        """Whether ``line`` (here: the start of a line too long to read) is one this collector keeps."""
        return self.keep is None or self.keep(line)


class _NotificationConfig(Collector):
    """Lines from ``PackagePreferences:``/``Records:`` to ``Restored without uid:`` (inclusive)."""

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.inside = False

    def feed(self, line: str) -> None:
        stripped = line.strip()
        if stripped in ("PackagePreferences:", "Records:"):
            self.inside = True
        if self.inside or stripped.startswith("Current Notification Manager state"):
            super().feed(line)
        if stripped == "Restored without uid:":
            self.inside = False

    def would_keep(self, line: str) -> bool:
        return self.inside


def _package_keep(line: str) -> bool:
    if SECTION_HEADER.match(line) or PACKAGE_HEADER.match(line):
        return True
    return bool(_PKG_FIELD.match(line) or _PERM_LINE.match(line))


def _search(pattern: str | None) -> Callable[[str], bool] | None:
    if pattern is None:
        return None
    regex = re.compile(pattern)
    return lambda ln: regex.search(ln) is not None


#: Services that feed several probes (through ``droidcheck.offline.convert``).
_SHARED: dict[str, tuple[int, Callable[[str], bool] | None]] = {
    "settings": (8 * MB, lambda ln: ln.startswith("_id:") or "SETTINGS (user " in ln),
    "package": (24 * MB, _package_keep),
    "appops": (8 * MB, lambda ln: _APPOPS_KEEP.match(ln) is not None),
    "usagestats": (8 * MB, lambda ln: _BUCKET.match(ln) is not None),
}
_FILTERS: dict[str, tuple[int, Callable[[str], bool] | None]] = {
    **_SHARED,
    **{p.bugreport.service: (p.bugreport.cap, _search(p.bugreport.keep))
       for p in bugreport_services() if p.bugreport is not None},
}

#: The dumpsys services the importer reads.
SERVICES: tuple[str, ...] = (*_FILTERS, "notification")


def service_collector(name: str) -> Collector | None:
    """A fresh collector for service ``name``, or None when droidcheck does not read it."""
    if name == "notification":
        return _NotificationConfig(8 * MB)
    spec = _FILTERS.get(name)
    if spec is None:
        return None
    return Collector(spec[0], spec[1])
