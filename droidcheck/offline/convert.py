"""Turn bug report sections into the text the live probes print, so the parsers read both alike.

Each function names the AOSP printer it reads and the probe format it writes:

* ``settings_lists`` — SettingsProvider dump (``_id:… name:<k> … value:<v> …``) → ``settings list`` lines
  (``<k>=<v>``, SettingsService ``dumpListLocked``; ``null`` stays ``null``).
* ``PackageIndex`` — PackageManagerService.dump ``Packages:`` / ``Hidden system packages:`` blocks →
  ``pm list packages -s|-3`` (``package:<name>``; system = ``SYSTEM`` in ``flags=[…]``/``pkgFlags=[…]``),
  ``dumpsys package <pkg>`` and ``dumpsys package permission RECEIVE_SMS READ_SMS``.
* ``notification_for`` — NotificationManagerService per-package config → ``dumpsys notification p <pkg>``.
* ``appops_for`` — AppOpsService.dump (O/P ``<OP>: mode=<int>``, Q+ ``<OP> (<mode>):``, uid-level modes
  before the uid's first ``Package`` line) → ``cmd appops get <pkg>`` (``<OP>: <mode>``, ``Uid mode: …``,
  ``No operations.``).
* ``standby_buckets`` — AppIdleHistory ``package=<pkg> [u=<n>] … bucket=<n>`` → ``am get-standby-bucket``.
* ``uptime_seconds`` — toybox ``uptime`` (``HH:MM:SS up [N day(s), ][H:MM|M min], …``) → ``/proc/uptime``
  (to the minute: that is all toybox prints).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from droidcheck.parsers.notification import app_line
from droidcheck.parsers.package_dump import PACKAGE_HEADER, SECTION_HEADER, SMS_PERMISSIONS

_SETTING = re.compile(r"^_id:\S* name:(?P<name>\S+)(?: pkg:\S+)? value:(?P<value>.*?)"
                      r"(?: default:.*)?(?: tag:.*)?$")
_TABLE = re.compile(r"^(GLOBAL|SECURE|SYSTEM|CONFIG) SETTINGS \(user (\d+)\)")
_USER_INSTALLED = re.compile(r"^\s+User 0:.*\binstalled=(true|false)")
_UID = re.compile(r"^\s*Uid \S+:\s*$")
_PACKAGE = re.compile(r"^\s*Package (\S+):\s*$")
_OP_OLD = re.compile(r"^\s*([A-Z_]+): mode=(\w+)")
_OP_NEW = re.compile(r"^\s*([A-Z_]+) \((\w+)\):")
_BUCKET = re.compile(r"^\s*package=(?P<pkg>\S+)(?: u=(?P<user>\d+))? .*?\bbucket=(?P<bucket>-?\d+)")
_UPTIME = re.compile(r"\bup\s+(?:(?P<days>\d+)\s+days?,\s*)?(?:(?P<h>\d+):(?P<m>\d{2})|(?P<min>\d+)\s+min)")
_MODE_NAMES = {"0": "allow", "1": "ignore", "2": "deny", "3": "default", "4": "foreground"}
PERMISSIONS = SMS_PERMISSIONS


def settings_lists(text: str, user: int = 0) -> dict[str, str]:
    """``{"global": …, "secure": …}`` as ``settings list`` prints them, for ``user``."""
    tables: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        m = _TABLE.match(line)
        if m:
            current = tables.setdefault(m.group(1).lower(), []) if int(m.group(2)) == user else None
            continue
        s = _SETTING.match(line)
        if s and current is not None:
            current.append(f"{s.group('name')}={s.group('value')}")
    return {name: "".join(f"{ln}\n" for ln in sorted(lines)) for name, lines in tables.items()}


@dataclass
class _Block:
    section: str
    name: str
    lines: list[str] = field(default_factory=list)

    @property
    def system(self) -> bool:
        for line in self.lines:
            s = line.strip()
            if s.startswith(("flags=[", "pkgFlags=[")) and "SYSTEM" in s.partition("[")[2].replace("|", " ").split():
                return True
        return False

    @property
    def installed_for_owner(self) -> bool:
        for line in self.lines:
            m = _USER_INSTALLED.match(line)
            if m:
                return m.group(1) == "true"
        return True


class PackageIndex:
    """The package blocks of a (filtered) full ``dumpsys package``."""

    def __init__(self, text: str) -> None:
        self.blocks: list[_Block] = []
        section = ""
        current: _Block | None = None
        for line in text.splitlines():
            if SECTION_HEADER.match(line) and not line.startswith(" "):
                section, current = line.strip().rstrip(":"), None
                continue
            m = PACKAGE_HEADER.match(line)
            if m:
                current = _Block(section, m.group("name"), [line])
                self.blocks.append(current)
            elif current is not None:
                current.lines.append(line)

    @property
    def readable(self) -> bool:
        return any(b.section == "Packages" for b in self.blocks)

    def _running(self) -> list[_Block]:
        return [b for b in self.blocks if b.section == "Packages" and b.installed_for_owner]

    def package_list(self, system: bool) -> str:
        names = sorted({b.name for b in self._running() if b.system == system})
        return "".join(f"package:{n}\n" for n in names)

    def package_dump(self, package: str) -> str:
        running = [b for b in self.blocks if b.name == package and b.section == "Packages"]
        if not running:
            return f"Unable to find package: {package}\n"
        out = ["Packages:", *running[0].lines]
        hidden = [b for b in self.blocks if b.name == package and b.section == "Hidden system packages"]
        if hidden:
            out += ["", "Hidden system packages:", *hidden[0].lines]
        return "\n".join(out) + "\n"

    def permission_dump(self) -> str:
        """``dumpsys package permission RECEIVE_SMS READ_SMS``: packages requesting them, matching lines."""
        out = ["Permissions:", *[f"  Permission [{p}]" for p in PERMISSIONS], "", "Packages:"]
        for block in self._running():
            perms = [ln for ln in block.lines if ln.strip().startswith(tuple(f"{p}:" for p in PERMISSIONS))]
            if not perms:
                continue
            out.append(block.lines[0])
            for ln in block.lines[1:]:
                s = ln.strip()
                if s.startswith("User ") or s in ("install permissions:", "runtime permissions:") or ln in perms:
                    out.append(ln)
        return "\n".join(out) + "\n"


def notification_for(text: str, package: str) -> str:
    """The ``dumpsys notification p <pkg>`` view of the per-package config."""
    out: list[str] = []
    keep = False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("Current Notification Manager state"):
            out.append(f"Current Notification Manager state (filtered to {package}):")
            continue
        if s in ("PackagePreferences:", "Records:", "Restored without uid:"):
            out.append(line)
            keep = False
            continue
        m = app_line(line)
        if m and "NotificationChannel" not in line:
            keep = m.group(1) == package
        if keep:
            out.append(line)
    return "\n".join(out) + "\n"


def appops_for(text: str, package: str) -> str:
    """``cmd appops get <pkg>`` from ``dumpsys appops``."""
    uid_ops: list[tuple[str, str]] = []
    pkg_ops: list[tuple[str, str]] = []
    in_uid_header, in_pkg, found = False, False, False
    for line in text.splitlines():
        if _UID.match(line):
            if found:
                break
            uid_ops, in_uid_header, in_pkg = [], True, False
            continue
        m = _PACKAGE.match(line)
        if m:
            in_uid_header = False
            in_pkg = m.group(1) == package
            found = found or in_pkg
            continue
        op = _OP_NEW.match(line) or _OP_OLD.match(line)
        if op is None:
            continue
        entry = (op.group(1), _MODE_NAMES.get(op.group(2), op.group(2)))
        if in_uid_header:
            uid_ops.append(entry)
        elif in_pkg:
            pkg_ops.append(entry)
    if not found:
        return "No operations.\n"
    lines = [f"Uid mode: {op}: {mode}" for op, mode in uid_ops] + [f"{op}: {mode}" for op, mode in pkg_ops]
    return "\n".join(lines or ["No operations."]) + "\n"


def standby_buckets(text: str, user: int = 0) -> dict[str, int]:
    buckets: dict[str, int] = {}
    for line in text.splitlines():
        m = _BUCKET.match(line)
        if m and (m.group("user") is None or int(m.group("user")) == user):
            buckets.setdefault(m.group("pkg"), int(m.group("bucket")))
    return buckets


def uptime_seconds(text: str) -> int | None:
    m = _UPTIME.search(text)
    if m is None:
        return None
    days = int(m.group("days") or 0)
    if m.group("min") is not None:
        return days * 86400 + int(m.group("min")) * 60
    return days * 86400 + int(m.group("h")) * 3600 + int(m.group("m")) * 60
