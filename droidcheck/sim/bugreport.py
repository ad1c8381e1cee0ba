"""A realistic ``adb bugreport`` for a simulated phone: the dumpstate text and the zip around it.

Layout follows AOSP ``frameworks/native/cmds/dumpstate``:

* ``Dumpstate::PrintHeader`` (dumpstate.cpp): a ``== dumpstate: YYYY-MM-DD HH:MM:SS`` banner in the
  device's local time, then ``Build:``, ``Build fingerprint: '…'``, ``Bootloader:``, ``Radio:``,
  ``Network:``, ``Kernel:``, ``Command line:``, ``Bugreport format version:`` and ``Dumpstate info:``.
* ``RunDumpsysCritical`` before the main body (``------ DUMPSYS CRITICAL (/system/bin/dumpsys) ------``),
  then ``dumpstate()``: ``------ UPTIME (uptime) ------`` (toybox uptime), memory/CPU, logs,
  ``------ SYSTEM PROPERTIES (getprop) ------``, the ``== Android Framework Services`` banner and
  ``RunDumpsysNormal`` (``------ DUMPSYS (/system/bin/dumpsys) ------``), checkins, ``== dumpstate: done``.
* Each command section is ``------ TITLE (command) ------`` … ``------ 0.012s was the duration of
  'TITLE' ------`` (``RunCommandToFd`` in DumpstateUtil.cpp, ``DurationReporter``).
* Each service dump (``Dumpsys::writeDumpHeader`` / ``writeDumpFooter`` in cmds/dumpsys/dumpsys.cpp) is a
  79-dash line, ``DUMP OF SERVICE [CRITICAL |HIGH ]<name>:``, on R+ the ``Service host process PID:`` /
  ``Threads in use:`` / ``Client PIDs:`` lines, the dump, and ``--------- 0.012s was the duration of dumpsys
  <name>, ending at: YYYY-MM-DD HH:MM:SS`` (no ``ending at`` before Android 9).

Clock: the phone's wall clock is true (host) time + ``profile.clock_offset_seconds``; ``dumpsys
network_time_update_service`` holds an NTP fix taken at true time ``NTP_FIX_AGE`` before the dump (Android
8–10 print only its age, ``_ntp_dump``), and ``dumpsys alarm`` prints both clocks at the dump (``_alarm_dump``),
so a bug report of Android 11+ shows the offset; elapsedRealtime at the dump is ``profile.uptime_seconds``.

Service bodies come from the simulator's renderers (``droidcheck.sim.render``): every service a probe's
record names (``droidcheck.collect.plan.Probe.bugreport``) is the phone's own ``dumpsys <service>``; the
services that have no shell renderer (``settings``, ``package`` in full, ``appops``, ``netpolicy``,
``usagestats``) are printed here in their AOSP ``dump()`` formats, documented in
``droidcheck.offline.sections``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from droidcheck.collect.plan import bugreport_services
from droidcheck.sim.commands import run_command
from droidcheck.sim.profile import App, AppNotifications, Profile
from droidcheck.sim.render.system import phone_zone

BANNER = "=" * 56
SERVICE_RULE = "-" * 79
BUGREPORT_FORMAT_VERSION = "2.0"
#: How long before the dump the simulated phone took its last NTP fix.
NTP_FIX_AGE = timedelta(minutes=17)
_BASE_SYSTEM = ("android", "com.android.phone", "com.android.settings", "com.android.providers.telephony",
                "com.android.shell")




def device_time(profile: Profile, when: datetime | None = None) -> datetime:
    """The phone's own clock (host time + the profile's offset) in its time zone, as dumpstate prints it."""
    host = when or datetime.now(UTC)
    if host.tzinfo is None:
        host = host.replace(tzinfo=UTC)
    return (host + timedelta(seconds=profile.clock_offset_seconds)).astimezone(phone_zone(profile))


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _out(profile: Profile, *argv: str) -> str:
    return run_command(profile, list(argv)).stdout


# -- framing ------------------------------------------------------------------------------------------
def _command_section(title: str, command: str, body: str, seconds: float = 0.012) -> str:
    body = body if body.endswith("\n") or not body else body + "\n"
    return f"------ {title} ({command}) ------\n{body}------ {seconds:.3f}s was the duration of '{title}' ------\n"


def _service(profile: Profile, name: str, body: str, t: datetime, priority: str = "") -> str:
    head = f"{SERVICE_RULE}\nDUMP OF SERVICE {priority + ' ' if priority else ''}{name}:\n"
    if profile.sdk >= 30:  # TYPE_PID | TYPE_CLIENTS | TYPE_THREAD in RunDumpsysTextByPriority
        head += "Service host process PID: 1534\nThreads in use: 1/32\nClient PIDs: \n"
    body = body if body.endswith("\n") or not body else body + "\n"
    tail = f"--------- 0.018s was the duration of dumpsys {name}"
    tail += f", ending at: {_stamp(t)}\n" if profile.sdk >= 28 else "\n"
    return head + body + tail


def _header(profile: Profile, t: datetime) -> str:
    props = run_command(profile, ["getprop", "ro.build.fingerprint"]).stdout.strip()
    network = ",".join(s.operator for s in profile.sims if s.state == "READY" and not profile.airplane_mode)
    lines = [BANNER, f"== dumpstate: {_stamp(t)}", BANNER, "",
             f"Build: {profile.build_id} release-keys", f"Build fingerprint: '{props}'",
             "Bootloader: unknown", "Radio: g5300g-230927-231102-B-10987654", f"Network: {network}",
             "Kernel: Linux version 5.15.123-android14-11-g1a2b3c4d (build-user@build-host) #1 SMP PREEMPT",
             "Command line: console=ttynull androidboot.hardware=" + profile.device,
             f"Bugreport format version: {BUGREPORT_FORMAT_VERSION}",
             "Dumpstate info: id=1 pid=24113 dry_run=0 parallel_run=1 args=-SB -p extra_options=bugreportfull",
             ""]
    return "\n".join(lines) + "\n"


def toybox_uptime(profile: Profile, t: datetime) -> str:
    """toybox ``uptime`` (toys/other/uptime.c): ``HH:MM:SS up [N days, ][H:MM|M min], …``."""
    up = int(profile.uptime_seconds)
    days, rest = divmod(up, 86400)
    hours, minutes = rest // 3600, (rest % 3600) // 60
    text = f" {t.strftime('%H:%M:%S')} up "
    if days:
        text += f"{days} day{'s' if days != 1 else ''}, "
    text += f"{hours:2d}:{minutes:02d}, " if hours else f"{minutes} min, "
    return text + "0 users,  load average: 0.27, 0.35, 0.41\n"


# -- service bodies that have no shell renderer --------------------------------------------------------
def _settings_dump(profile: Profile) -> str:
    """SettingsProvider.dumpForUserLocked / dumpSettingsLocked."""
    from droidcheck.sim.render.system import settings_view

    out: list[str] = []
    counter = 1
    tables = (["CONFIG"] if profile.sdk >= 30 else []) + ["GLOBAL", "SECURE", "SYSTEM"]
    for table in tables:
        out.append(f"{table} SETTINGS (user 0)")
        if profile.sdk >= 33:
            out.append("version: 213")
        view = {} if table == "CONFIG" else settings_view(profile, table.lower())
        for key in sorted(view):
            value = view[key]
            out.append(f"_id:{counter} name:{key} pkg:android value:{value}"
                       + (f" default:{value} defaultSystemSet:true" if counter % 3 else ""))
            counter += 1
        out.append("")
    return "\n".join(out) + "\n"


def _apps(profile: Profile) -> list[App]:
    from droidcheck.sim.render.apps import installed_apps

    base = [App(package=p, system=True, version_name="14", version_code=34, target_sdk=profile.sdk)
            for p in _BASE_SYSTEM if profile.app(p) is None]
    return base + installed_apps(profile)


def _package_dump(profile: Profile) -> str:
    """PackageManagerService.dump with no arguments: all sections, packages via Settings.dumpPackageLPr."""
    from droidcheck.sim.render.apps import _package_block

    apps = _apps(profile)
    out = ["Database versions:", "  Internal:", f"    sdkVersion={profile.sdk} databaseVersion=3", "",
           "Verifiers:", "  Required: com.android.vending (uid=10123)", "",
           "Activity Resolver Table:", "  Schemes:", "      sms:", "        6a1c3e2 com.google.android.apps."
           "messaging/.ui.conversation.LaunchConversationActivity filter 5a9d1b4", "",
           "Permissions:", "  Permission [android.permission.RECEIVE_SMS] (4d6b2c1):", "    sourcePackage=android",
           "    uid=1000 gids=[] type=0 prot=dangerous", "", "Key Set Manager:", "  [android]",
           "      Signing KeySets: 1", "", "Packages:"]
    for app in apps:
        out += _package_block(app, profile.sdk)
    out += ["", "Hidden system packages:"]
    for app in apps:
        if app.system and app.version_code > 1 and app.package not in _BASE_SYSTEM:
            factory = App(package=app.package, system=True, version_name="1.0", version_code=1,
                          last_update=app.first_install, first_install=app.first_install,
                          notifications=AppNotifications(granted=False))
            out += _package_block(factory, profile.sdk)
    out += ["", "Shared users:", "  SharedUser [android.uid.system] (1f2e3d4):", "    userId=1000", "",
            "Package Changes:", "  Sequence number=412", "", "Dexopt state:",
            *[f"  [{a.package}]\n    path: /data/app/{a.package}/base.apk" for a in apps], ""]
    return "\n".join(out) + "\n"


def _appops_dump(profile: Profile) -> str:
    """AppOpsService.dump: ``Uid <uid>:`` then ``Package <pkg>:`` with one line per op.

    Up to Android 9 an op line is ``<OP>: mode=<int>; time=…``; from 10 it is ``<OP> (<mode>):`` followed
    by access lines (the per-attribution ``null=[…]`` form of R+)."""
    from droidcheck.sim.render.apps import _app_id, _bg_op

    modes = {"allow": 0, "ignore": 1, "deny": 2, "default": 3, "foreground": 4}
    out = ["Current AppOps Service state:", "  Settings:", "    top_state_settle_time=+5s0ms", ""]
    for app in _apps(profile):
        uid = _app_id(app)
        out.append(f"  Uid u0a{uid - 10000}:")
        if profile.sdk >= 29:
            out.append("    state=cch")
        out.append(f"    Package {app.package}:")
        ops = [("WAKE_LOCK", "allow")]
        if app.background != "allow":
            ops.insert(0, (_bg_op(profile), app.background))
        for op, mode in ops:
            if profile.sdk >= 29:
                out += [f"      {op} ({mode}):", "        null=[", "          Access: [cch-s] 2026-10-09 "
                        "08:12:01.118 (-3d2h11m3s215ms)", "        ]"]
            else:
                out.append(f"      {op}: mode={modes.get(mode, 0)}; time=+3d2h ago")
    return "\n".join(out) + "\n"


def _netpolicy_dump(profile: Profile) -> str:
    """NetworkPolicyManagerService.dump (first lines)."""
    lines = ["System ready: true", f"Restrict background: {'true' if profile.data_saver else 'false'}",
             "Restrict power: false", "Device idle: false"]
    if profile.sdk >= 31:
        lines.append("Restricted networking mode: false")
    lines += ["Network policies:", "  NetworkPolicy{template=NetworkTemplate: matchRule=MOBILE, "
              "cycleRule=RecurrenceRule{...}, warningBytes=2147483648, limitBytes=-1, metered=true}", ""]
    return "\n".join(lines) + "\n"


def _usagestats_dump(profile: Profile) -> str:
    """UsageStatsService.dump → AppStandbyController.dumpUsers → AppIdleHistory.dumpUsers (P+ buckets)."""
    if profile.sdk < 28:
        lines = ["Package idle stats:"] + [
            f"  package={a.package} lastUsedElapsed=+2h3m lastUsedScreenOn=+1h idle=n" for a in _apps(profile)]
        return "\n".join([*lines, "", "totalElapsedTime=+2d4h", "totalScreenOnTime=+6h12m", ""]) + "\n"
    lines = ["user=0 ", "  Apps:"]
    for a in _apps(profile):
        bucket = 5 if a.package in _BASE_SYSTEM else a.standby_bucket
        lines.append(f"    package={a.package} u=0 bucket={bucket} reason=u-ma used=+2h3m usedByUser=+2h3m "
                     f"usedScr=+1h lastPred=-1d0h activeLeft=0 wsLeft=0 lastJob=+10m idle=n")
    return "\n".join([*lines, "", "  totalElapsedTime=+2d4h", ""]) + "\n"


# -- clocks ---------------------------------------------------------------------------------------------
def format_duration(ms: int) -> str:
    """``android.util.TimeUtils.formatDuration``: ``+1d2h3m4s5ms`` (a field once started is always printed)."""
    if ms == 0:
        return "0"
    sign, ms = ("+" if ms > 0 else "-"), abs(ms)
    secs, millis = divmod(ms, 1000)
    mins, secs = divmod(secs, 60)
    hours, mins = divmod(mins, 60)
    days, hours = divmod(hours, 24)
    out, started = sign, False
    for value, unit in ((days, "d"), (hours, "h"), (mins, "m"), (secs, "s")):
        if value or started:
            out += f"{value}{unit}"
            started = True
    return out + f"{millis}ms"


def iso_duration(ms: int) -> str:
    """``java.time.Duration.toString`` for a non-negative duration: ``PT34H17M36.789S``."""
    secs, millis = divmod(ms, 1000)
    hours, rest = divmod(secs, 3600)
    mins, secs = divmod(rest, 60)
    out = "PT" + (f"{hours}H" if hours else "") + (f"{mins}M" if mins else "")
    if secs or millis or out == "PT":
        out += f"{secs}" + (f".{millis:03d}".rstrip("0") if millis else "") + "S"
    return out


def instant(ms: int) -> str:
    """``java.time.Instant.toString``: ``2026-07-01T11:52:00.123Z`` (no fraction when it is zero)."""
    t = datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return t + (f".{ms % 1000:03d}" if ms % 1000 else "") + "Z"


def _ms(t: datetime) -> int:
    return round(t.timestamp() * 1000)


def _ntp_fix(profile: Profile, host: datetime) -> tuple[int, int]:
    """(true time, elapsedRealtime) in ms of the last NTP fix; elapsedRealtime at the dump is the uptime."""
    now_elapsed = int(profile.uptime_seconds) * 1000 + 250
    age = min(int(NTP_FIX_AGE.total_seconds() * 1000), now_elapsed // 2)
    return _ms(host) - age, now_elapsed - age


def _ntp_dump(profile: Profile, host: datetime) -> str:
    """NetworkTimeUpdateService.dump per version (see ``droidcheck.parsers.ntp``)."""
    unix_ms, elapsed_ms = _ntp_fix(profile, host)
    age_ms = int(profile.uptime_seconds) * 1000 + 250 - elapsed_ms
    if profile.sdk >= 33:
        result = (f"TimeResult{{unixEpochTime={instant(unix_ms)}, elapsedRealtime={iso_duration(elapsed_ms)}, "
                  f"mUncertaintyMillis=18, mNtpServerSocketAddress=time.android.com/216.239.35.4:123}}")
        return ("mPollingIntervalMs=PT18H\nmPollingIntervalShorterMs=PT1M\nmTryAgainTimesMax=3\n"
                "mTryAgainCounter=0\n\nNtpTrustedTime:\n"
                "getNtpConfig()=NtpConfig{mServerUris=[ntp://time.android.com], mTimeout=PT5S}\n"
                "mNtpConfigForTests=null\nmLastSuccessfulNtpServerUri=ntp://time.android.com\n"
                f"mTimeResult={result}\nmTimeResult.getAgeMillis()={iso_duration(age_ms)}\n\n"
                "Local logs:\n")
    head = "PollingIntervalMs: +1d0h0m0s0ms\nPollingIntervalShorterMs: +1m0s0ms\nTryAgainTimesMax: 3\n"
    if profile.sdk >= 30:
        result = (f"TimeResult{{mTimeMillis={unix_ms}, mElapsedRealtimeMillis={elapsed_ms}, "
                  "mCertaintyMillis=18}")
        return head + f"\nTryAgainCounter: 0\nNTP cache result: {result}\nNTP result age: {age_ms}\n\n"
    head += "TimeErrorThresholdMs: +5s0ms\nTryAgainCounter: 0\n"
    if profile.sdk >= 28:  # P/Q: the cache's age only; Long.MAX_VALUE when there is none
        return head + f"NTP cache age: {age_ms if profile.auto_time else 2**63 - 1}\nNTP cache certainty: 18\n\n"
    # O polls only while automatic time is on; mLastNtpFetchTime starts at NOT_SET (-1).
    return head + f"LastNtpFetchTime: {format_duration(elapsed_ms) if profile.auto_time else '-1ms'}\n"


def _alarm_dump(profile: Profile, host: datetime) -> str:
    """AlarmManagerService.dumpImpl, its first lines: ``nowRTC=<ms>=<local> nowELAPSED=<elapsed>``."""
    rtc = _ms(host) + round(profile.clock_offset_seconds * 1000)
    local = datetime.fromtimestamp(rtc / 1000, phone_zone(profile))
    elapsed = int(profile.uptime_seconds) * 1000 + 250
    if profile.sdk >= 31:
        return ("Current Alarm Manager state:\n  Settings:\n    min_futurity=+5s0ms\n    min_interval=+1m0s0ms\n\n"
                "  App Standby Parole: false\n\n"
                f"  nowRTC={rtc}={local.strftime('%Y-%m-%d %H:%M:%S')}.{rtc % 1000:03d} nowELAPSED={elapsed}\n"
                f"  mLastTimeChangeClockTime={rtc - 86_400_000}={local.strftime('%Y-%m-%d')} 08:00:00.000\n"
                "  Num time change events: 2\n")
    return ("Current Alarm Manager state:\n"
            f"nowRTC={rtc}={local.strftime('%Y-%m-%d %H:%M:%S')} nowELAPSED={format_duration(elapsed)}\n"
            "Time since last dispatch: +2m13s402ms\n"
            "Next non-wakeup delivery time: -5m32s11ms\n")


def _service_bodies(profile: Profile, host: datetime) -> dict[str, str]:
    """Every service dump of the report: the ones printed here, then each service a probe's record names
    (``Probe.bugreport``) as the simulated phone's ``dumpsys <service>`` prints it."""
    bodies = {
        "alarm": _alarm_dump(profile, host),
        "network_time_update_service": _ntp_dump(profile, host),
        "appops": _appops_dump(profile),
        "netpolicy": _netpolicy_dump(profile),
        "notification": _out(profile, "dumpsys", "notification"),
        "package": _package_dump(profile),
        "settings": _settings_dump(profile),
        "usagestats": _usagestats_dump(profile),
    }
    for probe in bugreport_services():
        source = probe.bugreport
        if source is not None and source.service not in bodies and profile.sdk >= source.since_sdk:
            bodies[source.service] = _out(profile, "dumpsys", source.service)
    return bodies


# -- the report ---------------------------------------------------------------------------------------
def render_bugreport(profile: Profile, when: datetime | None = None, *, logcat: str = "",
                     filler: Mapping[str, str] | None = None) -> str:
    """The main ``bugreport-*.txt`` entry for ``profile`` captured at host time ``when`` (default now).

    ``logcat`` is put in the ``SYSTEM LOG`` section and ``filler`` adds service dumps (name → body), so a
    benchmark can grow the report to a real size."""
    host = when or datetime.now(UTC)
    if host.tzinfo is None:
        host = host.replace(tzinfo=UTC)
    t = device_time(profile, host)
    parts = [_header(profile, t)]
    if profile.sdk >= 28:
        parts.append("------ DUMPSYS CRITICAL (/system/bin/dumpsys) ------\n")
        parts.append(_service(profile, "cpuinfo", "Load: 2.1 / 2.4 / 2.6\nCPU usage from 4812ms to 0ms ago:\n",
                              t, "CRITICAL"))
        parts.append(_service(profile, "notification", "Current Notification Manager state:\n"
                              "  Notification List:\n", t, "CRITICAL"))
    parts.append(_command_section("SYSTEM LOG", "logcat -v threadtime -v printable -v uid -d *:v",
                                  logcat or "--------- beginning of main\n", 1.234))
    parts.append(_command_section("UPTIME", "uptime", toybox_uptime(profile, t)))
    parts.append(_command_section("MEMORY INFO", "/proc/meminfo",
                                  "MemTotal:        7864320 kB\nMemFree:          312408 kB\n"))
    parts.append(_command_section("SYSTEM PROPERTIES", "getprop", _out(profile, "getprop"), 0.086))
    parts.append(_command_section("FILESYSTEMS & FREE SPACE", "df",
                                  "Filesystem 1K-blocks Used Available Use% Mounted on\n"))
    parts.append(f"{BANNER}\n== Android Framework Services\n{BANNER}\n")
    title = "DUMPSYS (/system/bin/dumpsys)" if profile.sdk >= 28 else \
        "DUMPSYS (/system/bin/dumpsys -t 10 --skip meminfo cpuinfo)"
    parts.append(f"------ {title} ------\n")
    bodies = _service_bodies(profile, host)
    bodies.update(filler or {})
    for name in sorted(bodies):
        parts.append(_service(profile, name, bodies[name], t))
    parts.append(f"{BANNER}\n== Checkins\n{BANNER}\n")
    parts.append(_command_section("CHECKIN PACKAGE", "/system/bin/dumpsys -T 30000 package --checkin",
                                  "vers,1,34,34\n"))
    parts.append(f"{BANNER}\n== dumpstate: done (id 1)\n{BANNER}\n")
    return "".join(parts)


def bugreport_name(profile: Profile, when: datetime | None = None) -> str:
    """``bugreport-<device>-<build id>-<date>`` as dumpstate names it (``ds.base_name_`` + suffix)."""
    t = device_time(profile, when)
    return f"bugreport-{profile.device}-{profile.build_id}-{t.strftime('%Y-%m-%d-%H-%M-%S')}"


def write_bugreport_zip(profile: Profile, path: str | Path, when: datetime | None = None, *,
                        logcat: str = "", filler: Mapping[str, str] | None = None) -> Path:
    """A zip as ``adb bugreport`` pulls it: ``main_entry.txt`` naming the main text entry, ``version.txt``
    (the bugreport format version), the main ``bugreport-….txt`` and a few side entries."""
    path = Path(path)
    name = bugreport_name(profile, when) + ".txt"
    text = render_bugreport(profile, when, logcat=logcat, filler=filler)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, text)
        zf.writestr("main_entry.txt", name)
        zf.writestr("version.txt", BUGREPORT_FORMAT_VERSION)
        zf.writestr("dumpstate_log.txt", "dumpstate id 1 finished\n")
        zf.writestr("FS/proc/meminfo", "MemTotal:        7864320 kB\n")
    return path
