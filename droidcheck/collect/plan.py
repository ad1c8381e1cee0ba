"""The command plan: every command droidcheck runs on a phone, in one place.

Technicians and lab admins must be able to see exactly what runs on a customer's phone, so this table is
also rendered into the README (``droidcheck plan --markdown``). Every command is read-only: nothing here
changes a setting, and no command reads message bodies.

Two kinds of text are never kept, whatever the source (phone, bug report, saved file): what notifications say
(the notification probe's ``grep`` keeps only the per-app settings lines its parser reads, so titles, texts
and tickers never leave the phone), and settings that name the owner or identify the phone
(``PRIVATE_SETTINGS``). ``drop_private`` applies both on the host when an output is stored.

Phase 1 probes read the whole phone; phase 2 probes are per package (the default SMS app and the Amazon
Shopping apps, which phase 1 discovers). Both run in one ``adb shell`` round trip
(:mod:`droidcheck.collect.parallel`: the phone chooses the packages from the phase-1 outputs as they
finish); the sequential reader runs them in two.

A probe also says where a bug report holds the same text (``Probe.bugreport``): the bug-report importer
(``droidcheck.offline``) and the simulator's bug report (``droidcheck.sim.bugreport``) follow from it, so a
probe whose state a service dump holds is declared once, here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from droidcheck.parsers.package_dump import SMS_PERMISSIONS

#: Package names of the Amazon Shopping app: the global build and the India build (Amazon Mobile LLC).
AMAZON_PACKAGES: tuple[str, ...] = (
    "com.amazon.mShop.android.shopping",
    "in.amazon.mShop.android.shopping",
)


#: The lines of ``dumpsys notification p <pkg>`` that ``parsers.notification`` reads: the section headers,
#: the per-app settings line (``AppSettings: <pkg> (<uid>) …``, N's bare ``  <pkg> (<uid>) …``) and
#: channel lines (and channel groups). A POSIX ERE without braces (the command is a format string), run by
#: the phone's grep and again by ``drop_private``. Everything else, above all the Notification List
#: (``tickerText=``, ``android.title=``, ``android.text=``, ``android.bigText=``, ``android.messages=`` …),
#: stays on the phone.
NOTIFICATION_LINES = (r"^ *(Records:|PackagePreferences:|Restored without uid:|AppSettings: |NotificationChannel)"
                      r"|^  [A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+ \(([0-9]+|UNKNOWN_UID)\)")
_NOTIFICATION_LINE = re.compile(NOTIFICATION_LINES)
#: The lines of ``dumpsys connectivity`` that ``parsers.connectivity`` reads (grep on the phone, the same
#: filter on a bug report's dump).
CONNECTIVITY_LINES = "Active default network|NetworkAgentInfo"

#: Settings that name the owner or identify the phone, which no check reads: the lock-screen owner text
#: ("Anna Smith, 07700 900123"), the phone's and its Bluetooth's names ("Anna's Galaxy"), the Bluetooth
#: address and the per-app-signing Android ID. Keys ending in ``owner_info`` are dropped too (OEM copies).
PRIVATE_SETTINGS = frozenset({"lock_screen_owner_info", "device_name", "bluetooth_name", "bluetooth_address",
                              "android_id"})


def _private_setting(line: str) -> bool:
    key = line.partition("=")[0].strip()
    return key in PRIVATE_SETTINGS or key.endswith("owner_info")


def drop_private(probe: str, text: str) -> str:
    """``text`` as droidcheck may keep it: without notification text (``notification:*``) or private
    settings (``settings_*``). The one place this happens: ``Snapshot.add`` calls it for every output,
    read live, imported from a bug report or loaded from a file."""
    if probe.startswith("settings_"):
        lines = text.splitlines(keepends=True)
        kept = [ln for ln in lines if not _private_setting(ln)]
        return text if len(kept) == len(lines) else "".join(kept)
    if probe.startswith("notification:"):
        lines = text.splitlines(keepends=True)
        kept = [ln for ln in lines if _NOTIFICATION_LINE.search(ln.rstrip("\r\n"))]
        return text if len(kept) == len(lines) else "".join(kept)
    return text


#: Bytes in a mebibyte, for the bug-report caps.
MB = 1 << 20


@dataclass(frozen=True)
class FromBugreport:
    """Where a bug report holds a probe's text: the ``DUMP OF SERVICE <service>`` section, the lines of it
    droidcheck keeps (``keep``: a regular expression searched in each line; None keeps the whole dump) and
    at most ``cap`` bytes of them. ``since_sdk``: the first API level whose bug report has the service.

    ``none_kept``: why the probe is unavailable when the dump has no line to keep (empty: no line is the
    probe's answer, as grep finding none is). ``absent`` instead says why a bug report cannot hold the
    probe's text at all (no ``service``)."""

    service: str = ""
    cap: int = MB
    keep: str | None = None
    since_sdk: int = 0
    none_kept: str = ""
    absent: str = ""


@dataclass(frozen=True)
class Probe:
    """One read-only shell command and what it feeds.

    ``command`` is the text run on the phone; for per-package probes it contains ``{package}``.
    ``timeout_s`` is enforced on the phone with toybox ``timeout`` and again on the host. ``bugreport``
    says where a bug report holds the same text when that is one service dump (None: the importer builds
    it from several sections, or from a command section; see ``droidcheck.offline.bugreport``).
    """

    id: str
    command: str
    purpose: str
    timeout_s: float = 10.0
    phase: int = 1
    per_package: bool = False
    bugreport: FromBugreport | None = None

    def probe_id(self, package: str | None = None) -> str:
        return f"{self.id}:{package}" if self.per_package and package else self.id

    def render(self, package: str | None = None) -> str:
        return self.command.format(package=package) if self.per_package else self.command


PROBES: tuple[Probe, ...] = (
    # Phase 1: the whole phone.
    Probe("date", "date +%s", "device clock (seconds since the epoch), for clock drift", 3),
    Probe("uptime", "cat /proc/uptime", "time since the last restart", 3),
    Probe("getprop", "getprop", "Android version, patch level, maker, model, SIM state, time zone, the SIM's "
          "country (to find phone numbers written the national way, and hide them)", 5),
    Probe("settings_global", "settings list global",
          "airplane mode, automatic time, Do Not Disturb, mobile data, battery saver, SMS SIM", 5),
    Probe("settings_secure", "settings list secure",
          "default SMS app (before Android 10), notification listeners, accessibility services", 5),
    Probe("role_sms", "cmd role get-role-holders android.app.role.SMS",
          "default SMS app (Android 12 and later)", 5,
          bugreport=FromBugreport(absent="not in a bug report (the 'dumpsys role' section holds the same)")),
    Probe("dumpsys_role", "dumpsys role",
          "default SMS app (Android 10 and 11; read only where `cmd role` cannot answer)", 5,
          bugreport=FromBugreport("role", MB, since_sdk=29)),
    Probe("telephony_registry", "dumpsys telephony.registry",
          "service state, signal strength, roaming and operator for each SIM slot", 8,
          bugreport=FromBugreport("telephony.registry", 4 * MB)),
    Probe("isub", "dumpsys isub", "which SIM is used for SMS on dual-SIM phones, SIM state", 8,
          bugreport=FromBugreport("isub", 2 * MB)),
    Probe("connectivity", f"dumpsys connectivity | grep -E '{CONNECTIVITY_LINES}'",
          "whether the active network has working internet (validated)", 8,
          bugreport=FromBugreport("connectivity", 2 * MB, CONNECTIVITY_LINES)),
    # NetworkPolicyManagerService.dump prints the same state as ``Restrict background: <bool>``.
    Probe("netpolicy", "cmd netpolicy get restrict-background", "data saver", 5,
          bugreport=FromBugreport("netpolicy", 64 * 1024, "Restrict background")),
    Probe("diskstats", "dumpsys diskstats", "free space on the data partition", 8,
          bugreport=FromBugreport("diskstats", 256 * 1024)),
    Probe("battery", "dumpsys battery", "battery charge (a phone about to run flat saves power, then shuts down)",
          5, bugreport=FromBugreport("battery", 64 * 1024)),
    Probe("packages_system", "pm list packages -s", "apps that came with the phone (stock apps)", 8),
    Probe("packages_third_party", "pm list packages -3", "apps the user installed", 8),
    Probe("sms_permissions", f"dumpsys package permission {' '.join(SMS_PERMISSIONS)}",
          "apps that hold permission to receive or read SMS", 10),
    # Phase 2: per package (default SMS app, Amazon Shopping), chosen from the phase-1 outputs.
    Probe("package", "dumpsys package {package}",
          "app version, last update, notification permission, enabled/stopped state", 10, 2, True),
    Probe("notification", f"dumpsys notification p {{package}} | grep -E '{NOTIFICATION_LINES}'",
          "whether the app's notifications are blocked, and its channels (only those lines: what "
          "notifications say is not read)", 10, 2, True),
    Probe("appops", "cmd appops get {package}", "background restriction of the app", 5, 2, True),
    Probe("standby", "am get-standby-bucket {package}", "app standby bucket (Android 9 and later)", 5, 2,
          True),
)

PROBES_BY_ID: dict[str, Probe] = {p.id: p for p in PROBES}

#: Probes only a bug report fills (the live collector measures the clock offset itself): see
#: ``droidcheck.offline.bugreport``. Never run on a phone, so not in the plan's table.
BUGREPORT_ONLY: tuple[Probe, ...] = (
    Probe("ntp", "dumpsys network_time_update_service",
          "the last network time (NTP) fix, for clock drift (bug reports only)",
          bugreport=FromBugreport("network_time_update_service", 4096,
                                  r"^\s*(LastNtpFetchTime:|NTP cache (?:age|certainty|result):|NTP result age:|"
                                  r"mTimeResult)")),
    Probe("clock_now", "dumpsys alarm | grep nowRTC=",
          "the phone's wall clock and elapsed-realtime clock read together, for clock drift (bug reports only)",
          bugreport=FromBugreport("alarm", 512, r"^\s*nowRTC=-?\d+=.*\snowELAPSED=\S+\s*$",
                                  none_kept="dumpsys alarm has no 'nowRTC=… nowELAPSED=…' line")),
)


def bugreport_probes() -> list[Probe]:
    """The probes whose record says where a bug report holds them (phase 1 and bug-report-only), in plan
    order: a service dump, or why a bug report cannot hold them."""
    return [p for p in (*PROBES, *BUGREPORT_ONLY) if p.bugreport is not None]


def bugreport_services() -> list[Probe]:
    """The probes a bug report holds as one service dump, in plan order."""
    return [p for p in bugreport_probes() if p.bugreport is not None and p.bugreport.service]


def phase_probes(phase: int) -> list[Probe]:
    return [p for p in PROBES if p.phase == phase]


def plan_markdown() -> str:
    """The plan as a Markdown table, for the README."""
    rows = ["| probe | command run on the phone | what it is for |", "| --- | --- | --- |"]
    for p in PROBES:
        cmd = p.command.replace("|", "\\|")
        scope = " (for each app checked)" if p.per_package else ""
        rows.append(f"| `{p.id}` | `{cmd}` | {p.purpose}{scope} |")
    return "\n".join(rows)
