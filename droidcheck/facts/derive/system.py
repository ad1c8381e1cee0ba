"""System facts: Android version and patch, device, uptime, clock, settings, network, storage, listeners.

Sources and the AOSP code that prints them:

* ``getprop`` — ``ro.build.version.*``, ``ro.product.*``, ``ro.serialno``, ``persist.sys.timezone``
  (parsers.getprop).
* ``settings list global|secure`` — SettingsProvider ``SettingsService`` (parsers.settings). How an
  absent or ``null`` value is read follows the code that consumes the setting:

  - ``zen_mode``: ZenModeHelper ``Global.getInt(ZEN_MODE, ZEN_MODE_OFF)`` → absent = off; the modes, and MIUI's
    Silent mode (4, Xiaomi/Redmi/POCO only), are parsers.zen.
  - ``low_power``: BatterySaverStateMachine ``getGlobalSetting(LOW_POWER_MODE, 0)`` → absent = off.
  - ``auto_time``: NetworkTimeUpdateService (O–R) reads ``getInt(AUTO_TIME, 0)`` (absent = off) but the
    S+ time detector's ServiceConfigAccessorImpl reads ``getInt(AUTO_TIME, 1 /* default */)`` (absent =
    on). SettingsProvider seeds the key on first boot (``def_auto_time``), so absence is abnormal;
    because AOSP itself disagrees, absent/``null`` gives ``unknown`` rather than a guess. Same for
    ``auto_time_zone``.
  - ``airplane_mode_on``, ``mobile_data``: seeded on first boot; absent gives ``unknown``.
* ``date +%s`` / ``meta.clock_offset_s`` — clock drift; ``cat /proc/uptime`` — uptime. From a bug report
  (no ``date``): the bug-report-only probes ``ntp`` (``dumpsys network_time_update_service``, NtpTrustedTime
  ``TimeResult``) and ``clock_now`` (``dumpsys alarm`` ``nowRTC=``/``nowELAPSED=``, AlarmManagerService),
  read by parsers.ntp.
* ``dumpsys battery`` — BatteryService ``dumpInternal`` (parsers.battery).
* ``dumpsys connectivity`` (parsers.connectivity), ``cmd netpolicy get restrict-background``
  (parsers.netpolicy), ``dumpsys diskstats`` (parsers.diskstats).
"""

from __future__ import annotations

import re
from datetime import date

from droidcheck.facts.context import DeriveContext
from droidcheck.facts.model import Fact, cannot_show, known, unknown
from droidcheck.parsers.battery import parse_battery
from droidcheck.parsers.clock import parse_epoch_seconds, parse_uptime
from droidcheck.parsers.connectivity import ConnectivityDump, parse_connectivity
from droidcheck.parsers.diskstats import parse_diskstats
from droidcheck.parsers.isub import valid_sub_id
from droidcheck.parsers.netpolicy import parse_restrict_background
from droidcheck.parsers.ntp import drift_seconds, fix_age_seconds, parse_clock_now, parse_ntp_fix, why_no_fix
from droidcheck.parsers.settings import ambiguity, setting_bool
from droidcheck.parsers.zen import zen_mode, zen_value

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOBILE_DATA_SUB = re.compile(r"^mobile_data(\d+)$")
_DRIFT = "time.drift_seconds"
#: A network time fix older than this still measures the clock, less precisely (elapsedRealtime drifts too).
_OLD_FIX_S = 24 * 3600
#: The alarm and NTP dumps are seconds apart; a fix much "after" the clock reading means they do not match.
_FIX_AFTER_NOW_S = 300


def derive(ctx: DeriveContext) -> list[Fact]:
    return [
        *_android(ctx),
        *_device(ctx),
        _uptime(ctx),
        *_dnd(ctx),
        _settings_bool(ctx, "radio.airplane_mode", "airplane_mode_on"),
        _mobile_data(ctx),
        *_connectivity(ctx),
        _data_saver(ctx),
        _settings_bool(ctx, "power.battery_saver", "low_power", absent=False,
                       absent_note="low_power is not set; Android reads an unset value as off"),
        _battery(ctx),
        _settings_bool(ctx, "time.auto_time", "auto_time"),
        _settings_bool(ctx, "time.auto_time_zone", "auto_time_zone"),
        _drift(ctx),
        _timezone(ctx),
        *_storage(ctx),
        _components(ctx, "security.notification_listeners", "enabled_notification_listeners",
                     note="from the secure setting; on Android 8+ the notification service keeps its own "
                          "copy, which can differ"),
        _components(ctx, "security.accessibility_services", "enabled_accessibility_services"),
    ]


# -- getprop ------------------------------------------------------------------------------------------
def _prop(ctx: DeriveContext, *keys: str) -> str | None:
    props = ctx.props or {}
    for key in keys:
        value = props.get(key, "").strip()
        if value:
            return value
    return None


def _android(ctx: DeriveContext) -> list[Fact]:
    if ctx.props is None:
        reason = ctx.missing("getprop")
        return [unknown(n, reason) for n in ("android.sdk", "android.release", "android.security_patch",
                                              "android.security_patch_age_days")]
    sdk = known("android.sdk", ctx.sdk) if ctx.sdk is not None else unknown(
        "android.sdk", f"ro.build.version.sdk is {_prop(ctx, 'ro.build.version.sdk')!r}, not a number")
    release_value = _prop(ctx, "ro.build.version.release", "ro.build.version.release_or_codename")
    release = known("android.release", release_value) if release_value else unknown(
        "android.release", "ro.build.version.release is not set")
    return [sdk, release, *_patch(ctx)]


def _patch(ctx: DeriveContext) -> list[Fact]:
    raw = _prop(ctx, "ro.build.version.security_patch")
    patch_day = _parse_day(raw)
    if patch_day is None:
        reason = ("ro.build.version.security_patch is not set" if raw is None
                  else f"ro.build.version.security_patch is {raw!r}, not a YYYY-MM-DD date")
        return [unknown("android.security_patch", reason), unknown("android.security_patch_age_days", reason)]
    patch = known("android.security_patch", patch_day.isoformat())
    if ctx.captured_at is None:
        return [patch, unknown("android.security_patch_age_days", "the snapshot has no capture time")]
    return [patch, known("android.security_patch_age_days", (ctx.captured_at.date() - patch_day).days)]


def _parse_day(raw: str | None) -> date | None:
    if raw is None or not _DATE.match(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _device(ctx: DeriveContext) -> list[Fact]:
    if ctx.props is None:
        reason = ctx.missing("getprop")
        return [unknown("device.maker", reason), unknown("device.model", reason),
                unknown("device.serial_number", reason)]
    # Android 10+ derives ro.product.<x> from the partition-specific ro.product.<partition>.<x>; older
    # or odd builds may only have the partition ones.
    maker = _prop(ctx, "ro.product.manufacturer", "ro.product.vendor.manufacturer",
                  "ro.product.odm.manufacturer", "ro.product.system.manufacturer")
    model = _prop(ctx, "ro.product.model", "ro.product.vendor.model", "ro.product.odm.model",
                  "ro.product.system.model")
    market = _prop(ctx, "ro.product.marketname", "ro.product.vendor.marketname")
    # The phone's own serial number (what is printed on its box and what a USB adb serial usually is); over
    # Wi-Fi adb the adb serial is an address instead. ro.serialno is the Android 2.3+ property; some
    # builds only keep the bootloader's ro.boot.serialno.
    serial = _prop(ctx, "ro.serialno", "ro.boot.serialno")
    return [
        known("device.serial_number", serial) if serial
        else unknown("device.serial_number", "ro.serialno is not set"),
        known("device.maker", maker) if maker
        else unknown("device.maker", "ro.product.manufacturer is not set"),
        known("device.model", model, note=f"sold as {market}" if market and market != model else None)
        if model else unknown("device.model", "ro.product.model is not set"),
    ]


def _timezone(ctx: DeriveContext) -> Fact:
    if ctx.props is None:
        return unknown("time.zone", ctx.missing("getprop"))
    zone = _prop(ctx, "persist.sys.timezone")
    return known("time.zone", zone) if zone else unknown(
        "time.zone", "persist.sys.timezone is empty (no time zone was ever set)")


# -- clock --------------------------------------------------------------------------------------------
def _uptime(ctx: DeriveContext) -> Fact:
    text = ctx.snapshot.text("uptime")
    if text is None:
        return unknown("device.uptime_seconds", ctx.missing("uptime"))
    seconds = parse_uptime(text)
    if seconds is None:
        return unknown("device.uptime_seconds", f"/proc/uptime printed {text.strip()[:60]!r}")
    return known("device.uptime_seconds", int(seconds))


def _drift(ctx: DeriveContext) -> Fact:
    """Device clock minus host clock. The collector's live, round-trip-corrected measurement wins."""
    meta = ctx.snapshot.meta
    if meta.clock_offset_s is not None:
        unc = meta.clock_offset_uncertainty_s
        note = f"measured live, ±{unc:.2f} s" if unc is not None else "measured live"
        return known("time.drift_seconds", round(float(meta.clock_offset_s), 3), note=note)
    text = ctx.snapshot.text("date")
    if text is None:
        return _drift_from_network_time(ctx)
    device_epoch = parse_epoch_seconds(text)
    if device_epoch is None:
        return unknown("time.drift_seconds", f"'date +%s' printed {text.strip()[:60]!r}, not a number")
    if ctx.captured_at is None:
        return unknown("time.drift_seconds", "the snapshot has no capture time to compare the clock with")
    drift = device_epoch - ctx.captured_at.timestamp()
    out = ctx.snapshot.outputs.get("date")
    slack = 1.0 + (meta.duration_s or (out.duration_s if out else 0.0))
    return known("time.drift_seconds", round(drift, 1),
                 note=f"from 'date +%s' against the capture start; precise to about ±{slack:.0f} s")


def _drift_from_network_time(ctx: DeriveContext) -> Fact:
    """Bug reports: the wall clock (``dumpsys alarm`` ``nowRTC``) against the last NTP fix carried forward
    by elapsedRealtime (``dumpsys network_time_update_service``). Unknown, with the ``date`` reason, when the
    snapshot has neither probe (a live read) or they cannot be used."""
    snap, reason = ctx.snapshot, ctx.missing("date")
    if "ntp" not in snap.outputs and "clock_now" not in snap.outputs:
        return unknown(_DRIFT, reason)
    ntp_text, now_text = snap.text("ntp"), snap.text("clock_now")
    if ntp_text is None:
        return unknown(_DRIFT, f"{reason} ({ctx.missing('ntp')})")
    fix = parse_ntp_fix(ntp_text)
    if fix is None:
        return cannot_show(_DRIFT, f"{reason} ({why_no_fix(ntp_text)})")  # the phone had no time fix
    if now_text is None:
        return unknown(_DRIFT, f"{reason} ({ctx.missing('clock_now')})")
    now = parse_clock_now(now_text)
    if now is None:
        return unknown(_DRIFT, f"{reason} (dumpsys alarm printed no readable 'nowRTC=… nowELAPSED=…' line)")
    age = fix_age_seconds(fix, now)
    if age < -_FIX_AFTER_NOW_S:
        return unknown(_DRIFT, f"{reason} (the network time fix is {-age / 60:.0f} minutes after the clock "
                               "reading: the two dumps do not belong together)")
    return known(_DRIFT, round(drift_seconds(fix, now), 1), note=_fix_note(age))


def _fix_note(age_s: float) -> str:
    minutes = max(0, round(age_s / 60))
    note = (f"from the bug report: phone clock against its last network time fix {minutes} minute"
            f"{'s' if minutes != 1 else ''} before the report")
    if age_s > _OLD_FIX_S:
        note += (f"; that fix is {age_s / 3600:.0f} hours old, so the figure can be off by a few seconds "
                 "per day of age")
    return note


# -- settings -----------------------------------------------------------------------------------------
def _global(ctx: DeriveContext, fact: str) -> dict[str, str] | Fact:
    """The global settings, or ``fact`` unknown with the reason they were not read."""
    settings = ctx.settings_global
    return unknown(fact, ctx.missing("settings_global")) if settings is None else settings


def _settings_bool(ctx: DeriveContext, fact: str, key: str, absent: bool | None = None,
                   absent_note: str | None = None) -> Fact:
    settings = _global(ctx, fact)
    if isinstance(settings, Fact):
        return settings
    doubt = ambiguity(settings, key)
    if doubt:
        return unknown(fact, doubt)
    raw = settings.get(key)
    if raw is None or raw.strip() == "null":
        if absent is not None:
            return known(fact, absent, note=absent_note)
        return unknown(fact, f"global setting {key} is not set")
    value = setting_bool(settings, key)
    if value is None:
        return unknown(fact, f"global setting {key} is {raw.strip()[:40]!r}, not 0 or 1")
    return known(fact, value)


def _dnd(ctx: DeriveContext) -> list[Fact]:
    settings = _global(ctx, "notifications.dnd")
    if isinstance(settings, Fact):
        return [settings, unknown("notifications.dnd_mode", settings.reason or "")]
    doubt = ambiguity(settings, "zen_mode")
    if doubt:
        return [unknown("notifications.dnd", doubt), unknown("notifications.dnd_mode", doubt)]
    raw = (settings.get("zen_mode") or "").strip()
    if raw in ("", "null"):
        note = "zen_mode is not set; Android reads an unset value as off"
        return [known("notifications.dnd", False, note=note),
                known("notifications.dnd_mode", "off", note=note)]
    mode = zen_mode(zen_value(raw), (ctx.props or {}).get("ro.product.manufacturer"))
    if mode == "miui_silent":
        note = "zen_mode=4 is MIUI's own Silent mode: sounds and pop-ups off"
        return [known("notifications.dnd", True, note=note), known("notifications.dnd_mode", "miui_silent", note=note)]
    if mode is None:
        reason = f"global setting zen_mode is {raw[:40]!r}, not 0-3"
        return [unknown("notifications.dnd", reason), unknown("notifications.dnd_mode", reason)]
    return [known("notifications.dnd", mode != "off"), known("notifications.dnd_mode", mode)]


def _mobile_data(ctx: DeriveContext) -> Fact:
    """Whether mobile data is switched on.

    Telephony reads ``mobile_data`` on a single-SIM phone and ``mobile_data<subId>`` (the data SIM's own
    key) on a multi-SIM one, where the plain key can be stale (a dual-SIM Xiaomi was seen with
    ``mobile_data=0`` beside ``mobile_data0=1, mobile_data1=1``). So: the data SIM's key when ``dumpsys
    isub`` names the data SIM; else the keys when they agree; else unknown, never a guess.
    """
    fact = "network.mobile_data"
    settings = _global(ctx, fact)
    if isinstance(settings, Fact):
        return settings
    doubts = [k for k in getattr(settings, "ambiguous", ()) if k == "mobile_data" or _MOBILE_DATA_SUB.match(k)]
    if doubts:
        return unknown(fact, ambiguity(settings, sorted(doubts)[0]) or "")
    plain = setting_bool(settings, "mobile_data")
    per_sub = {k: setting_bool(settings, k) for k in settings if _MOBILE_DATA_SUB.match(k)}
    per_sub = {k: v for k, v in per_sub.items() if v is not None}
    if not per_sub:
        return _settings_bool(ctx, fact, "mobile_data")
    isub = ctx.isub
    data_sub = isub.default_data_sub_id if isub is not None else None
    if data_sub is not None and valid_sub_id(data_sub) and f"mobile_data{data_sub}" in per_sub:
        return known(fact, per_sub[f"mobile_data{data_sub}"],
                     note=f"from mobile_data{data_sub}, the setting of the data SIM (subscription {data_sub})")
    values = set(per_sub.values()) | ({plain} if plain is not None else set())
    keys = ", ".join(sorted(per_sub) + (["mobile_data"] if plain is not None else []))
    if len(values) == 1:
        return known(fact, values.pop(), note=f"from the settings {keys}")
    return unknown(fact, f"the mobile data settings disagree ({keys}) and the data SIM is not known")


def _components(ctx: DeriveContext, fact: str, key: str, note: str | None = None) -> Fact:
    settings = ctx.settings_secure
    if settings is None:
        return unknown(fact, ctx.missing("settings_secure"))
    doubt = ambiguity(settings, key)
    if doubt:
        return unknown(fact, doubt)
    raw = (settings.get(key) or "").strip()
    if raw in ("", "null"):
        return known(fact, [], note=note)
    parts = [p.strip() for p in raw.split(":") if p.strip()]
    if not all("/" in p for p in parts):
        return unknown(fact, f"secure setting {key} is not a list of components: {raw[:80]!r}")
    return known(fact, parts, note=note)


# -- network, data saver, storage ---------------------------------------------------------------------
def _connectivity(ctx: DeriveContext) -> list[Fact]:
    text = ctx.snapshot.text("connectivity")
    if text is None:
        reason = ctx.missing("connectivity")
        return [unknown("network.wifi_connected", reason), unknown("network.validated", reason)]
    dump = parse_connectivity(text)
    if not dump.readable:
        reason = "dumpsys connectivity printed no 'Active default network' line and no readable networks"
        return [unknown("network.wifi_connected", reason), unknown("network.validated", reason)]
    wifi = any("WIFI" in n.transports and n.connected for n in dump.networks.values())
    if dump.unreadable and not wifi:
        wifi_fact = unknown("network.wifi_connected", f"{dump.unreadable} network line(s) could not be read")
    else:
        wifi_fact = known("network.wifi_connected", wifi)
    return [wifi_fact, _validated(dump)]


def _validated(dump: ConnectivityDump) -> Fact:
    if not dump.default_seen:
        return unknown("network.validated", "dumpsys connectivity printed no 'Active default network' line")
    if dump.default_net_id is None:
        return known("network.validated", False, note="no active network")
    net = dump.default_network
    if net is None:
        return unknown("network.validated",
                       f"the active network {dump.default_net_id} is not among the listed networks")
    if not net.capabilities:
        return unknown("network.validated", f"no capabilities printed for network {net.net_id}")
    transport = "/".join(net.transports) or "unknown transport"
    return known("network.validated", net.validated, note=f"active network {net.net_id} ({transport})")


def _data_saver(ctx: DeriveContext) -> Fact:
    text = ctx.snapshot.text("netpolicy")
    if text is None:
        return unknown("network.data_saver", ctx.missing("netpolicy"))
    value = parse_restrict_background(text)
    if value is None:
        return unknown("network.data_saver", f"cmd netpolicy printed {text.strip()[:60]!r}")
    return known("network.data_saver", value)


def _battery(ctx: DeriveContext) -> Fact:
    """``dumpsys battery`` (parsers.battery): the charge in percent, never a level set by hand."""
    name = "power.battery_level"
    text = ctx.snapshot.text("battery")
    if text is None:
        return unknown(name, ctx.missing("battery"))
    dump = parse_battery(text)
    if dump is None:
        return unknown(name, "'dumpsys battery' output was not understood")
    if dump.updates_stopped:
        return unknown(name, "the battery values were set by hand ('dumpsys battery set'): run "
                             "'dumpsys battery reset' to read the battery again")
    percent = dump.percent
    if percent is None:
        return unknown(name, "dumpsys battery gives no level within its scale")
    return known(name, percent)


def _storage(ctx: DeriveContext) -> list[Fact]:
    names = ("storage.data_free_bytes", "storage.data_free_percent")
    text = ctx.snapshot.text("diskstats")
    if text is None:
        return [unknown(n, ctx.missing("diskstats")) for n in names]
    stats = parse_diskstats(text)
    data = stats.partitions.get("Data")
    if data is None:
        reason = (f"dumpsys diskstats could not read /data: {stats.errors['Data']}" if "Data" in stats.errors
                  else "dumpsys diskstats printed no 'Data-Free' line")
        return [unknown(n, reason) for n in names]
    return [known(names[0], data.free_bytes),
            known(names[1], round(100.0 * data.free_kb / data.total_kb, 1))]
