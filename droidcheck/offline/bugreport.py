"""Build a Snapshot from a bug report's dumpstate text (see ``droidcheck.offline.dumpstate`` for the layout).

Each probe of ``droidcheck.collect.plan`` is filled from the section that holds the same state. A probe
whose record names one service dump (``Probe.bugreport``) is filled from it with no code here: the filter
and cap on the record keep only the lines its parser reads (``droidcheck.offline.sections``). Those are
``dumpsys_role`` (``role``, Android 10+), ``telephony_registry``, ``isub``, ``connectivity`` (the lines the
live grep keeps), ``netpolicy`` (``Restrict background:``), ``diskstats``, and the bug-report-only ``ntp``
and ``clock_now`` (*). ``role_sms`` is not in a bug report (the ``dumpsys role`` dump says the same). The
others are built from several sections here:

=====================  =====================================================================
probe                  bug report source
=====================  =====================================================================
getprop                ``------ SYSTEM PROPERTIES (getprop) ------``
uptime                 ``------ UPTIME (uptime) ------`` (toybox; to the minute)
settings_global/secure ``DUMP OF SERVICE settings`` (user 0 tables)
packages_*             ``DUMP OF SERVICE package`` ``Packages:`` (``SYSTEM`` flag)
sms_permissions        the same blocks, SMS permission lines
package:<pkg>          the package's blocks
notification:<pkg>     ``DUMP OF SERVICE notification`` per-package config
appops:<pkg>           ``DUMP OF SERVICE appops``
standby:<pkg>          ``DUMP OF SERVICE usagestats`` (Android 9+)
date                   not taken: see below
=====================  =====================================================================

(*) bug report only: ``ntp`` (``DUMP OF SERVICE network_time_update_service``, last-NTP-fix lines) and
``clock_now`` (``DUMP OF SERVICE alarm``, its one ``nowRTC=… nowELAPSED=…`` line) are not run on a phone;
see ``droidcheck.collect.plan.BUGREPORT_ONLY``.

**Clock.** The report's capture time is the dumpstate header (``== dumpstate: …``), printed by the phone
from its own clock in its own zone (``persist.sys.timezone``); ``meta.captured_at`` is that instant in UTC.
Comparing the phone's clock with itself gives 0 by construction, so the ``date`` probe is recorded as
unavailable. The outside reference a report does hold is the last NTP fix (network time at an
elapsedRealtime) in ``dumpsys network_time_update_service``; with ``dumpsys alarm``'s wall clock and
elapsedRealtime read at one instant (``nowRTC=`` / ``nowELAPSED=``) it gives the clock's error against
network time. These two are kept as the bug-report-only probes ``ntp`` and ``clock_now`` (``OFFLINE_PROBES``;
the live collector never runs them) and ``droidcheck.facts.derive.system`` turns them into
``time.drift_seconds``; Android 8–10 print only the fix's age, not the network time, so there the fact
stays unknown with ``CLOCK_REASON``. Ages (security patch, Amazon app update) are counted from the phone's
clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from droidcheck import __version__
from droidcheck.collect.plan import BUGREPORT_ONLY, PROBES_BY_ID, Probe, bugreport_probes
from droidcheck.offline import convert
from droidcheck.offline.dumpstate import DumpstateText, read_dumpstate
from droidcheck.parsers.getprop import parse_getprop
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta
from droidcheck.status import OutputStatus

CLOCK_REASON = ("a bug report shows clock drift only against a network time fix, and this one holds none "
                "usable; compare by hand")
#: Probes only a bug report fills (the live collector measures the clock offset itself).
OFFLINE_PROBES: dict[str, Probe] = {p.id: p for p in BUGREPORT_ONLY}


class _Builder:
    def __init__(self, doc: DumpstateText, source_name: str) -> None:
        self.doc = doc
        self.snap = Snapshot(SnapshotMeta(source="bugreport", droidcheck_version=__version__))
        self.source_name = source_name
        self.props: dict[str, str] = {}

    # -- helpers ------------------------------------------------------------------------------------
    @staticmethod
    def spec(probe: str) -> Probe:
        return PROBES_BY_ID.get(probe) or OFFLINE_PROBES[probe]

    def add(self, probe: str, stdout: str, package: str | None = None) -> None:
        spec = self.spec(probe)
        pid = spec.probe_id(package)
        self.snap.add(CommandOutput(pid, spec.render(package), stdout=stdout, exit_code=0))

    def absent(self, probe: str, why: str, package: str | None = None) -> None:
        spec = self.spec(probe)
        self.snap.add(CommandOutput(spec.probe_id(package), spec.render(package), status=OutputStatus.UNAVAILABLE,
                                    error=why))

    def service(self, name: str) -> str | None:
        col = self.doc.service(name)
        return col.text() if col is not None else None

    @staticmethod
    def no_section(name: str) -> str:
        return f"the bug report has no 'DUMP OF SERVICE {name}' section"

    # -- phase 1 ------------------------------------------------------------------------------------
    def build(self) -> Snapshot:
        self._getprop_and_time()
        self._uptime()
        self._settings()
        for probe in bugreport_probes():
            self._from_record(probe)
        index = self._packages()
        self._per_package(index)
        self._meta()
        return self.snap

    def _getprop_and_time(self) -> None:
        col = self.doc.commands.get("SYSTEM PROPERTIES")
        if col is None or not col.lines:
            self.absent("getprop", "the bug report has no 'SYSTEM PROPERTIES (getprop)' section")
        else:
            text = col.text()
            self.add("getprop", text)
            self.props = parse_getprop(text)
        self.absent("date", CLOCK_REASON)
        when = self._capture_time()
        if when is not None:
            self.snap.meta.captured_at = when.astimezone(UTC).isoformat(timespec="seconds").replace(
                "+00:00", "Z")

    def _capture_time(self) -> datetime | None:
        raw = self.doc.header_time
        if raw is None:
            self.snap.meta.problems.append("the bug report has no '== dumpstate:' time")
            return None
        try:
            naive = datetime.strptime(raw, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            self.snap.meta.problems.append(f"the dumpstate time {raw!r} is not a date")
            return None
        zone_name = self.props.get("persist.sys.timezone", "").strip()
        try:
            zone = ZoneInfo(zone_name) if zone_name else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is None:
            self.snap.meta.problems.append("the phone's time zone is unknown: the capture time is read as UTC")
            return naive.replace(tzinfo=UTC)
        return naive.replace(tzinfo=zone)

    def _uptime(self) -> None:
        col = self.doc.commands.get("UPTIME")
        seconds = convert.uptime_seconds(col.text()) if col is not None else None
        if seconds is None:
            self.absent("uptime", "the bug report has no readable 'UPTIME (uptime)' section")
        else:
            self.add("uptime", f"{seconds}.00 0.00\n")

    def _settings(self) -> None:
        text = self.service("settings")
        tables = convert.settings_lists(text) if text is not None else {}
        for probe, table in (("settings_global", "global"), ("settings_secure", "secure")):
            if tables.get(table):
                self.add(probe, tables[table])
            else:
                self.absent(probe, self.no_section("settings") if text is None
                            else f"dumpsys settings has no {table.upper()} SETTINGS (user 0) table")

    def _from_record(self, probe: Probe) -> None:
        """A probe whose record (``Probe.bugreport``) names its service dump: the lines its filter kept
        (``droidcheck.offline.sections``), or why there are none."""
        source = probe.bugreport
        assert source is not None
        if not source.service:
            self.absent(probe.id, source.absent)
            return
        text = self.service(source.service)
        if text is None:
            self.absent(probe.id, self.no_section(source.service))
        elif source.none_kept and not text.strip():
            self.absent(probe.id, source.none_kept)
        else:
            self.add(probe.id, text)

    def _packages(self) -> convert.PackageIndex | None:
        text = self.service("package")
        index = convert.PackageIndex(text) if text is not None else None
        if index is None or not index.readable:
            why = self.no_section("package") if text is None else "dumpsys package has no 'Packages:' section"
            for probe in ("packages_system", "packages_third_party", "sms_permissions"):
                self.absent(probe, why)
            return None
        self.add("packages_system", index.package_list(system=True))
        self.add("packages_third_party", index.package_list(system=False))
        self.add("sms_permissions", index.permission_dump())
        return index

    # -- phase 2 ------------------------------------------------------------------------------------
    def _per_package(self, index: convert.PackageIndex | None) -> None:
        from droidcheck.collect.packages import packages_to_inspect

        notif = self.service("notification")
        appops = self.service("appops")
        usage = self.service("usagestats")
        buckets = convert.standby_buckets(usage) if usage is not None else {}
        sdk_raw = self.props.get("ro.build.version.sdk", "")
        sdk = int(sdk_raw) if sdk_raw.isdigit() else None
        for pkg in packages_to_inspect(self.snap):
            if index is None:
                self.absent("package", self.no_section("package"), pkg)
            else:
                self.add("package", index.package_dump(pkg), pkg)
            if notif is None:
                self.absent("notification", self.no_section("notification"), pkg)
            else:
                self.add("notification", convert.notification_for(notif, pkg), pkg)
            if appops is None:
                self.absent("appops", self.no_section("appops"), pkg)
            else:
                self.add("appops", convert.appops_for(appops, pkg), pkg)
            if sdk is not None and sdk < 28:
                continue  # no standby buckets before Android 9; the fact says so
            if pkg in buckets:
                self.add("standby", f"{buckets[pkg]}\n", pkg)
            else:
                self.absent("standby", self.no_section("usagestats") if usage is None
                            else f"dumpsys usagestats lists no standby bucket for {pkg}", pkg)

    def _meta(self) -> None:
        meta, doc = self.snap.meta, self.doc
        meta.serial = self.props.get("ro.serialno", "") or self.props.get("ro.boot.serialno", "")
        meta.model = self.props.get("ro.product.model", "")
        meta.maker = self.props.get("ro.product.manufacturer", "")
        if doc.overlong:
            meta.problems.append(f"{doc.overlong} line(s) too long to read whole were cut")
        cut = doc.truncated_sections()
        if cut:
            meta.problems.append("sections too large, read only in part: " + ", ".join(cut))
        if not doc.finished:
            meta.problems.append("the bug report ends before '== dumpstate: done': it may be cut short")
            meta.complete = False


def snapshot_from_lines(lines: Iterable[str], source_name: str = "") -> Snapshot | None:
    """A Snapshot from dumpstate text lines; None when the text is not a dumpstate report."""
    doc = read_dumpstate(lines)
    if not doc.recognised:
        return None
    return _Builder(doc, source_name).build()
