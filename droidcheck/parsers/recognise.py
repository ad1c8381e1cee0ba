"""Does a command's output look like that command's format at all?

A parser that finds nothing it knows in a text must not read that as "nothing there": noise, an OEM error
page or a truncated reply would otherwise become "no default SMS app", "airplane mode off" or "no apps
with SMS permission". Before any fact is derived, each output that ran to the end is checked here for a
positive sign of its command's format; an output that has none is treated as *not read* (``unknown`` with
"output of '…' not recognised"), never as an empty result.

Only what a command prints when it succeeds is judged: a non-zero exit status is left to the parsers,
which know the documented failures (``cmd role`` on Android 10/11 prints ``Unknown command`` and exits 255).
Probes without an entry here are judged by their own parsers (their facts say "format not known").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from droidcheck.parsers.appops import parse_appops
from droidcheck.parsers.connectivity import parse_connectivity
from droidcheck.parsers.diskstats import parse_diskstats
from droidcheck.parsers.notification import parse_notification_dump
from droidcheck.parsers.package_dump import package_absent, parse_package_dump
from droidcheck.parsers.role import is_package_name
from droidcheck.parsers.telephony_registry import _PHONE_ID

_SETTING_LINE = re.compile(r"^[A-Za-z0-9_.:/\-]+=")
_PACKAGE_LINE = re.compile(r"^package:\S+")
_PERMISSION_DUMP = re.compile(r"^(?:Packages|Permissions):|^\s*Package \[", re.M)
_GETPROP_LINE = re.compile(r"^\[[^\]\s]+\]: \[")


def _mostly(lines: list[str], pattern: re.Pattern[str]) -> bool:
    """At least one line matches, and at most one in ten does not (a value holding a newline)."""
    good = sum(1 for ln in lines if pattern.match(ln))
    return good > 0 and good * 10 >= len(lines) * 9


def _lines(text: str) -> list[str]:
    return [ln for ln in text.replace("\r", "").split("\n") if ln.strip()]


def settings_list(text: str, _arg: str = "") -> bool:
    """``settings list``: one ``name=value`` line per row (SettingsService ``dumpListLocked``). A table is
    never empty on a real phone; a value holding a newline adds a continuation line, so a few lines that are
    not ``name=value`` are tolerated (at most one in ten)."""
    return _mostly(_lines(text), _SETTING_LINE)


def getprop(text: str, _arg: str = "") -> bool:
    """``getprop``: one ``[name]: [value]`` line per property (a value may span lines)."""
    return _mostly(_lines(text), _GETPROP_LINE)


def one_number(text: str, _arg: str = "") -> bool:
    """``date +%s`` and ``cat /proc/uptime``: one line of numbers."""
    lines = _lines(text)
    return len(lines) == 1 and bool(re.fullmatch(r"\d+(?:\.\d+)?(?: \d+(?:\.\d+)?)?", lines[0].strip()))


def package_list(text: str, _arg: str = "") -> bool:
    """``pm list packages``: every line is ``package:<name>``; no line at all is a legitimate empty list."""
    return all(_PACKAGE_LINE.match(ln.strip()) for ln in _lines(text))


def role_holders(text: str, _arg: str = "") -> bool:
    """``cmd role get-role-holders`` (exit 0): one line of ``;``-joined package names, or an empty line
    when the role has no holder (RoleShellCommand prints ``holders`` joined with ``;`` and a newline)."""
    lines = _lines(text)
    if not lines:
        return True
    return len(lines) == 1 and all(is_package_name(h.strip()) for h in lines[0].split(";") if h.strip())


def permission_holders(text: str, _arg: str = "") -> bool:
    """``dumpsys package permission …``: the same sign ``parse_permission_holders`` requires."""
    return bool(_PERMISSION_DUMP.search(text))


def package_dump(text: str, package: str) -> bool:
    return parse_package_dump(text, package) is not None or package_absent(text, package)


def notification_dump(text: str, package: str) -> bool:
    return parse_notification_dump(text, package) is not None


def appops(text: str, _arg: str = "") -> bool:
    return parse_appops(text) is not None


def telephony_registry(text: str, _arg: str = "") -> bool:
    """At least one ``Phone Id=N`` section, as the parser needs (it reads each section's lines itself)."""
    return any(_PHONE_ID.match(ln) for ln in text.replace("\r", "").split("\n"))


def diskstats(text: str, _arg: str = "") -> bool:
    stats = parse_diskstats(text)
    return bool(stats.partitions or stats.errors)


def connectivity(text: str, _arg: str = "") -> bool:
    """The probe greps ``Active default network`` / ``NetworkAgentInfo`` lines: every line is one of them
    (no line at all: grep found none, which the deriver reports)."""
    dump = parse_connectivity(text)
    return not _lines(text) or dump.default_seen or bool(dump.networks)


#: Probe id (the part before ``:`` for per-package probes) → recogniser(text, package).
RECOGNISERS: dict[str, Callable[[str, str], bool]] = {
    "getprop": getprop,
    "date": one_number,
    "uptime": one_number,
    "settings_global": settings_list,
    "settings_secure": settings_list,
    "packages_system": package_list,
    "packages_third_party": package_list,
    "role_sms": role_holders,
    "sms_permissions": permission_holders,
    "package": package_dump,
    "notification": notification_dump,
    "appops": appops,
    "telephony_registry": telephony_registry,
    "diskstats": diskstats,
    "connectivity": connectivity,
}


def recognised(probe: str, text: str, exit_code: int | None) -> bool:
    """False only when ``probe``'s output ran successfully but shows no sign of its command's format."""
    if exit_code not in (0, None):
        return True
    kind, _, package = probe.partition(":")
    check = RECOGNISERS.get(kind)
    if check is None:
        return True
    try:
        return check(text, package)
    except Exception:  # a recogniser bug must not take the read down; the parsers still judge the text
        return True
