"""Apps area: default SMS app, notification permission/blocking, Amazon Shopping, SMS permission holders.

Reads the phase-1 probes ``role_sms``, ``dumpsys_role``, ``settings_secure``, ``packages_system``,
``packages_third_party``, ``sms_permissions`` and the phase-2 per-package probes ``package:<pkg>``,
``notification:<pkg>``, ``appops:<pkg>``, ``standby:<pkg>``. See the parsers for the AOSP sources.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from droidcheck.collect.packages import (  # packages_to_inspect: re-exported for older imports
    DefaultSmsApp,
    installed_amazon,
    packages_to_inspect,
    resolve_default_sms_app,
)
from droidcheck.facts.context import DeriveContext
from droidcheck.facts.model import Fact, cannot_show, known, unknown
from droidcheck.parsers.appops import BUCKETS, op_mode, parse_standby_bucket
from droidcheck.parsers.notification import NotificationDump, parse_notification_dump
from droidcheck.parsers.package_dump import (
    POST_NOTIFICATIONS,
    SMS_PERMISSIONS,
    PackageDump,
    package_absent,
    parse_package_dump,
    parse_permission_holders,
)
from droidcheck.parsers.packages import parse_package_list

__all__ = ["DefaultSmsApp", "can_post", "derive", "packages_to_inspect", "resolve_default_sms_app"]

#: SMS apps shipped by Google, AOSP and the big makers (also counted stock when not preinstalled).
STOCK_SMS_APPS = frozenset({
    "com.google.android.apps.messaging",  # Google Messages
    "com.android.messaging",  # AOSP Messaging
    "com.android.mms",  # AOSP legacy / Xiaomi MIUI / many OEMs
    "com.samsung.android.messaging",  # Samsung Messages
    "com.sonyericsson.conversations",  # Sony
    "com.oneplus.mms",  # OnePlus (older OxygenOS)
    "com.motorola.messaging",  # Motorola
    "com.huawei.message",  # Huawei
    "com.coloros.mms",  # Oppo/ColorOS
})


# -- per-package helpers ---------------------------------------------------------------------------

def _package(ctx: DeriveContext, pkg: str) -> tuple[PackageDump | None, str]:
    probe = f"package:{pkg}"
    text = ctx.snapshot.text(probe)
    if text is None:
        return None, ctx.missing(probe)
    dump = parse_package_dump(text, pkg)
    if dump is None:
        return None, "not installed" if package_absent(text, pkg) else f"'{probe}' output was not understood"
    return dump, ""


def _notification(ctx: DeriveContext, pkg: str) -> tuple[NotificationDump | None, str]:
    probe = f"notification:{pkg}"
    text = ctx.snapshot.text(probe)
    if text is None:
        return None, ctx.missing(probe)
    dump = parse_notification_dump(text, pkg)
    return dump, "" if dump is not None else f"'{probe}' output was not understood"


def can_post(ctx: DeriveContext, pkg: str) -> tuple[bool | None, str]:
    """May ``pkg`` post notifications (user 0)? (value, reason-if-unknown)."""
    sdk = ctx.sdk
    if sdk is None:
        return None, "Android version unknown"
    notif, why_notif = _notification(ctx, pkg)
    record = notif.for_user(0) if notif is not None else None
    if sdk < 33:
        if notif is None:
            return None, why_notif
        return (not record.blocked) if record is not None else True, ""
    pkg_dump, why_pkg = _package(ctx, pkg)
    granted = pkg_dump.permission(POST_NOTIFICATIONS) if pkg_dump is not None else None
    if granted is None and record is not None and record.importance in ("DEFAULT", "NONE"):
        granted = record.importance == "DEFAULT"  # T+: this importance mirrors the permission
    if granted is None:
        return None, why_pkg or why_notif or "POST_NOTIFICATIONS state not found"
    if not granted:
        return False, ""
    if record is not None and record.blocked:
        return False, ""
    return True, ""


# -- facts -----------------------------------------------------------------------------------------

def _sms_facts(ctx: DeriveContext) -> list[Fact]:
    sms = resolve_default_sms_app(ctx.snapshot, ctx.sdk, ctx.settings_secure)
    if sms.package is None:
        reason = sms.reason or "default SMS app not readable"
        return [unknown(n, reason) for n in ("sms.default_app", "sms.default_app_is_stock",
                                             "sms.default_app_enabled", "notifications.sms_app_allowed",
                                             "notifications.sms_app_silenced_channels")]
    facts = [known("sms.default_app", sms.package, note=f"from {sms.source}")]
    facts.append(_is_stock(ctx, sms.package))
    if sms.package == "":
        none = "no default SMS app is set"
        facts += [known("sms.default_app_enabled", False, note=none),
                  unknown("notifications.sms_app_allowed", none),
                  unknown("notifications.sms_app_silenced_channels", none)]
        return facts
    facts.append(_enabled(ctx, sms.package))
    allowed, why = can_post(ctx, sms.package)
    facts.append(known("notifications.sms_app_allowed", allowed) if allowed is not None
                 else unknown("notifications.sms_app_allowed", why))
    facts.append(_silenced(ctx, sms.package))
    return facts


def _is_stock(ctx: DeriveContext, pkg: str) -> Fact:
    name = "sms.default_app_is_stock"
    if pkg == "":
        return known(name, False, note="no default SMS app is set")
    if pkg in STOCK_SMS_APPS:
        return known(name, True)
    system = parse_package_list(ctx.snapshot.text("packages_system"))
    if system is None:
        return unknown(name, ctx.missing("packages_system"))
    return known(name, pkg in system)


def _enabled(ctx: DeriveContext, pkg: str) -> Fact:
    name = "sms.default_app_enabled"
    dump, why = _package(ctx, pkg)
    if dump is None:
        if why == "not installed":
            return known(name, False, note=f"{pkg} is not installed")
        return unknown(name, why)
    user = dump.users.get(0)
    usable = user.usable if user is not None else None
    if usable is None:
        return unknown(name, "user 0 state not found in dumpsys package")
    return known(name, usable)


def _silenced(ctx: DeriveContext, pkg: str) -> Fact:
    name = "notifications.sms_app_silenced_channels"
    notif, why = _notification(ctx, pkg)
    if notif is None:
        return unknown(name, why)
    record = notif.for_user(0)
    if record is None:
        return known(name, [])
    ids = [c.id for c in record.channels
           if not c.deleted and c.importance is not None and 0 <= c.importance <= 2]
    return known(name, ids)


def _receivers(ctx: DeriveContext, default_app: str | None) -> Fact:
    name = "sms.receivers"
    holders = parse_permission_holders(ctx.snapshot.text("sms_permissions"), set(SMS_PERMISSIONS))
    if holders is None:
        return unknown(name, ctx.missing("sms_permissions"))
    system = parse_package_list(ctx.snapshot.text("packages_system"))
    if system is None:
        return unknown(name, ctx.missing("packages_system"))
    return known(name, sorted(p for p in holders if p != default_app and p not in system))


def _amazon_facts(ctx: DeriveContext) -> list[Fact]:
    names = ("amazon.version", "amazon.days_since_update", "amazon.background_restricted",
             "amazon.standby_bucket", "notifications.amazon_allowed")
    installed, why = installed_amazon(ctx.snapshot)
    if installed is None:
        return [unknown(n, why) for n in ("amazon.installed", "amazon.packages", *names)]
    facts = [known("amazon.installed", bool(installed)), known("amazon.packages", installed)]
    if not installed:
        return facts + [unknown(n, "Amazon Shopping is not installed") for n in names]
    return [*facts, _amazon_version(ctx, installed), _amazon_age(ctx, installed),
            _amazon_background(ctx, installed), _amazon_bucket(ctx, installed),
            _amazon_notifications(ctx, installed)]


#: A version as apps number them ("28.21.0.100", "20250110_00_RC01.phone_dynamic"): digits, then dot-, dash-
#: or underscore-separated parts, nothing after but the end or a space.
_VERSION = re.compile(r"\d{1,8}(?:[._-][0-9A-Za-z]{1,24}){0,8}(?=\s|$)")


def version_of(version_name: str) -> str | None:
    """The version in an app's ``versionName``, which the app writes freely: only its leading version, so
    that whatever follows ("28.21.0.100 call 07700 900123") never becomes a fact. None if it does not
    start with one."""
    m = _VERSION.match(version_name.strip())
    return m.group(0) if m else None


def _amazon_version(ctx: DeriveContext, pkgs: list[str]) -> Fact:
    dump, why = _package(ctx, pkgs[0])
    if dump is None or not dump.version_name:
        return unknown("amazon.version", why or "versionName not found")
    version = version_of(dump.version_name)
    if version is None:
        return unknown("amazon.version", "versionName is not a version number")
    note = f"{pkgs[0]}" + (f"; also installed: {', '.join(pkgs[1:])}" if len(pkgs) > 1 else "")
    return known("amazon.version", version, note=note)


def _device_tz(ctx: DeriveContext) -> ZoneInfo | None:
    tz = (ctx.props or {}).get("persist.sys.timezone", "").strip()
    try:
        return ZoneInfo(tz) if tz else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def days_between(local_time: str, tz: ZoneInfo | None, captured: datetime) -> int | None:
    try:
        naive = datetime.strptime(local_time.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    when = naive.replace(tzinfo=tz or UTC)
    return int((captured - when).total_seconds() // 86400)


def _amazon_age(ctx: DeriveContext, pkgs: list[str]) -> Fact:
    name = "amazon.days_since_update"
    if ctx.captured_at is None:
        return unknown(name, "the snapshot has no capture time")
    tz = _device_tz(ctx)
    ages: list[int] = []
    for pkg in pkgs:
        dump, why = _package(ctx, pkg)
        days = days_between(dump.last_update, tz, ctx.captured_at) if dump and dump.last_update else None
        if days is None:
            return unknown(name, why or f"lastUpdateTime of {pkg} not readable")
        ages.append(days)
    note = None if tz else "device time zone unknown: read lastUpdateTime as UTC"
    return known(name, max(0, max(ages)), note=note)


def _amazon_background(ctx: DeriveContext, pkgs: list[str]) -> Fact:
    name = "amazon.background_restricted"
    sdk = ctx.sdk
    ops = ("RUN_IN_BACKGROUND",) if sdk is not None and sdk < 28 else ("RUN_ANY_IN_BACKGROUND",)
    restricted = False
    for pkg in pkgs:
        text = ctx.snapshot.text(f"appops:{pkg}")
        if text is None:
            return unknown(name, ctx.missing(f"appops:{pkg}"))
        modes = [op_mode(text, op) for op in ops]
        if any(m is None for m in modes):
            return unknown(name, f"'cmd appops get {pkg}' output was not understood")
        restricted = restricted or any(m in ("ignore", "deny") for m in modes)
    return known(name, restricted)


def _amazon_bucket(ctx: DeriveContext, pkgs: list[str]) -> Fact:
    name = "amazon.standby_bucket"
    if ctx.sdk is not None and ctx.sdk < 28:
        return cannot_show(name, "app standby buckets exist from Android 9")
    worst: int | None = None
    for pkg in pkgs:
        text = ctx.snapshot.text(f"standby:{pkg}")
        if text is None:
            return unknown(name, ctx.missing(f"standby:{pkg}"))
        bucket = parse_standby_bucket(text)
        if bucket is None:
            return unknown(name, f"'am get-standby-bucket {pkg}' output was not understood")
        worst = bucket if worst is None else max(worst, bucket)
    label = _bucket_name(worst)
    return known(name, label) if label else unknown(name, f"unknown standby bucket {worst}")


def _bucket_name(bucket: int | None) -> str | None:
    if bucket is None:
        return None
    if bucket in BUCKETS:
        return BUCKETS[bucket]
    return None


def _amazon_notifications(ctx: DeriveContext, pkgs: list[str]) -> Fact:
    name = "notifications.amazon_allowed"
    results = [can_post(ctx, p) for p in pkgs]
    if any(v is False for v, _ in results):
        return known(name, False)
    missing = [why for v, why in results if v is None]
    return unknown(name, missing[0]) if missing else known(name, True)


def derive(ctx: DeriveContext) -> list[Fact]:
    facts = _sms_facts(ctx)
    default_app = next((f.value for f in facts if f.name == "sms.default_app" and f.known), None)
    facts.append(_receivers(ctx, default_app if isinstance(default_app, str) else None))
    facts += _amazon_facts(ctx)
    return facts
