"""Simulated app commands: package lists, SMS role, package/notification dumps, appops, standby buckets.

Formats follow the AOSP printers named in ``droidcheck.parsers.{role,packages,package_dump,notification,
appops}`` for the profile's API level. Outputs are abridged (only the lines droidcheck and a technician
would look at) but every printed line has the real shape. State-changing commands (``pm grant``,
``cmd appops set``, ``cmd role add-role-holder``) change the profile, for fix mode.
"""

from __future__ import annotations

import zlib
from typing import Any

from droidcheck.parsers.package_dump import POST_NOTIFICATIONS
from droidcheck.sim.commands import Output, command
from droidcheck.sim.profile import App, AppNotifications, Profile

SMS_ROLE = "android.app.role.SMS"
_BASE_SYSTEM = ("android", "com.android.phone", "com.android.settings", "com.android.providers.telephony",
                "com.android.shell")
_IMPORTANCE = {-1000: "UNSPECIFIED", 0: "NONE", 1: "MIN", 2: "LOW", 3: "DEFAULT", 4: "HIGH", 5: "MAX"}


def _hash(text: str) -> str:
    return f"{zlib.crc32(text.encode()) & 0xFFFFFFF:07x}"


def _app_id(app: App) -> int:
    """A stable fictional app id (uid for user 0): 10000+ for apps, like Process.FIRST_APPLICATION_UID."""
    return 10000 + zlib.crc32(app.package.encode()) % 900 + (0 if not app.system else 100)


def installed_apps(profile: Profile) -> list[App]:
    """The profile's apps plus the default SMS app (as a preinstalled app) when the profile omits it."""
    apps = list(profile.apps)
    sms = profile.default_sms_app
    if sms and profile.app(sms) is None:
        apps.append(App(package=sms, system=True, permissions=["RECEIVE_SMS", "READ_SMS"]))
    return apps


def _find(profile: Profile, pkg: str) -> App | None:
    return next((a for a in installed_apps(profile) if a.package == pkg), None)


def _full_perm(short: str) -> str:
    return short if "." in short else f"android.permission.{short}"


# -- pm list packages ------------------------------------------------------------------------------

@command("pm", "list", "packages")
def pm_list_packages(profile: Profile, argv: list[str]) -> Output:
    args = argv[3:]
    flags = {a for a in args if a.startswith("-")}
    words = [a for a in args if not a.startswith("-")]
    names = [(p, True) for p in _BASE_SYSTEM] + [(a.package, a.system) for a in installed_apps(profile)]
    lines = []
    for name, system in sorted(set(names)):
        if ("-s" in flags and not system) or ("-3" in flags and system):
            continue
        if words and words[0] not in name:
            continue
        lines.append(f"package:{name}")
    return Output(stdout="".join(f"{ln}\n" for ln in lines))


# -- role ------------------------------------------------------------------------------------------

def _no_role_service(profile: Profile) -> Output | None:
    if profile.sdk < 29:
        return Output(stderr="cmd: Can't find service: role\n", rc=20)
    return None


@command("cmd", "role")
def cmd_role(profile: Profile, argv: list[str]) -> Output:
    missing = _no_role_service(profile)
    if missing is not None:
        return missing
    sub = argv[2] if len(argv) > 2 else ""
    args = [a for a in argv[3:] if a != "--user" and not a.isdigit()]
    if sub == "get-role-holders" and profile.sdk >= 31:
        holders = (profile.default_sms_app or "") if args and args[0] == SMS_ROLE else ""
        return Output(stdout=f"{holders}\n")
    if sub == "add-role-holder":
        return _add_role_holder(profile, args)
    # Q/R RoleManagerShellCommand only has add/remove/clear: BasicShellCommandHandler.handleDefaultCommands.
    return Output(stdout=f"Unknown command: {sub}\n", rc=255)


def _sms_capable(app: App | None) -> bool:
    return app is not None and app.enabled and bool({"RECEIVE_SMS", "READ_SMS"} & set(app.permissions))


def _add_role_holder(profile: Profile, args: list[str]) -> Output:
    if len(args) < 2:
        return Output(stderr="Error: no role specified\n", rc=255)
    role, pkg = args[0], args[1]
    if role != SMS_ROLE or not _sms_capable(_find(profile, pkg)):
        # RoleManager rejects a package that does not qualify for the role (or is not installed).
        return Output(stderr=f"Exception occurred while executing 'add-role-holder':\n"
                             f"java.lang.RuntimeException: Failed to add role holder {pkg} to {role}\n",
                      rc=255)
    profile.default_sms_app = pkg
    return Output()


@command("dumpsys", "role")
def dumpsys_role(profile: Profile, argv: list[str]) -> Output:
    if profile.sdk < 29:
        return Output(stderr="Can't find service: role\n", rc=0)
    roles = [("android.app.role.DIALER", "com.google.android.dialer"),
             ("android.app.role.HOME", "com.google.android.apps.nexuslauncher"),
             (SMS_ROLE, profile.default_sms_app or "")]
    lines = ["user_states={", "  user_id=0", "  version=1", "  packages_hash=5AC1E3E5F2C6A1B0", "  roles=["]
    for name, holder in roles:
        lines += ["    {", f"      name={name}"] + ([f"      holders={holder}"] if holder else []) + ["    }"]
    lines += ["  ]", "}"]
    return Output(stdout="\n".join(lines) + "\n")


# -- dumpsys package -------------------------------------------------------------------------------

def _flags_text(flags: list[str], sdk: int) -> str:
    if not flags:
        return ""
    return ", flags=[ " + ("|".join(flags) + "]" if sdk >= 30 else " ".join(flags) + " ]")


def _runtime_perms(app: App, sdk: int) -> list[tuple[str, bool, list[str]]]:
    perms: list[tuple[str, bool, list[str]]] = []
    for short in app.permissions:
        if short in ("RECEIVE_SMS", "READ_SMS", "SEND_SMS"):
            perms.append((_full_perm(short), True, ["USER_SET"]))
    if sdk >= 33:
        n = app.notifications
        if n.granted is None:
            perms.append((POST_NOTIFICATIONS, False, []))
        else:
            perms.append((POST_NOTIFICATIONS, bool(n.granted), ["USER_SET"] if not n.granted else []))
    return perms


def _user_line(app: App, sdk: int) -> str:
    parts = ["ceDataInode=1835" + str(len(app.package))]
    if sdk >= 34:
        parts.append("deDataInode=1734" + str(len(app.package)))
    parts += ["installed=true", "hidden=false", "suspended=false"]
    if sdk >= 29:
        parts.append("distractionFlags=0")
    parts += [f"stopped={str(app.stopped).lower()}", "notLaunched=false",
              f"enabled={0 if app.enabled else 3}", "instant=false", "virtual=false"]
    if sdk >= 35:
        parts.append("quarantined=false")
    return "    User 0: " + " ".join(parts)


def _package_block(app: App, sdk: int, perm_filter: set[str] | None = None) -> list[str]:
    id_key = "appId" if sdk >= 33 else "userId"
    flags = (["SYSTEM"] if app.system else []) + ["HAS_CODE", "ALLOW_CLEAR_USER_DATA"]
    lines = [f"  Package [{app.package}] ({_hash(app.package)}):", f"    {id_key}={_app_id(app)}",
             f"    versionCode={app.version_code} minSdk=26 targetSdk={app.target_sdk}",
             f"    versionName={app.version_name}", f"    flags=[ {' '.join(flags)} ]",
             f"    timeStamp={app.last_update}"]
    if sdk < 34:
        lines.append(f"    firstInstallTime={app.first_install}")
    lines.append(f"    lastUpdateTime={app.last_update}")
    lines.append("    installerPackageName=com.android.vending" if not app.system else
                 "    installerPackageName=null")
    lines.append(_user_line(app, sdk))
    if sdk >= 34:
        lines += ["      installReason=0", f"      dataDir=/data/user/0/{app.package}",
                  f"      firstInstallTime={app.first_install}", "      uninstallReason=0"]
    perms = [p for p in _runtime_perms(app, sdk) if perm_filter is None or p[0] in perm_filter]
    if perms or perm_filter is None:
        lines.append("      runtime permissions:")
        lines += [f"        {name}: granted={str(granted).lower()}{_flags_text(fl, sdk)}"
                  for name, granted, fl in perms]
    return lines


@command("dumpsys", "package")
def dumpsys_package(profile: Profile, argv: list[str]) -> Output:
    args = argv[2:]
    if args and args[0] == "permission":
        return _dumpsys_package_permission(profile, set(args[1:]))
    if not args:
        return Output(stdout="Packages:\n")  # never used by droidcheck (multi-MB on a phone)
    app = _find(profile, args[0])
    if app is None:
        return Output(stdout=f"Unable to find package: {args[0]}\n" if profile.sdk >= 33 else
                      f"Database versions:\n  Internal:\n    sdkVersion={profile.sdk} databaseVersion=3\n")
    out = ["Packages:", *_package_block(app, profile.sdk)]
    if app.system and app.version_code > 1:
        factory = App(package=app.package, system=True, version_name="1.0", version_code=1,
                      last_update=app.first_install, first_install=app.first_install,
                      notifications=AppNotifications(granted=False))
        out += ["", "Hidden system packages:", *_package_block(factory, profile.sdk)]
    return Output(stdout="\n".join(out) + "\n")


def _dumpsys_package_permission(profile: Profile, perms: set[str]) -> Output:
    if not perms:
        return Output(stdout="Error: permission requires permission name\n")
    out = ["Permissions:"]
    for p in sorted(perms):
        out += [f"  Permission [{p}] ({_hash(p)}):", "    sourcePackage=android",
                "    uid=1000 gids=[] type=0 prot=dangerous"]
    out += ["", "Packages:"]
    for app in installed_apps(profile):
        if {_full_perm(s) for s in app.permissions} & perms:
            out += _package_block(app, profile.sdk, perms)
    return Output(stdout="\n".join(out) + "\n")


# -- dumpsys notification --------------------------------------------------------------------------

def _channel_line(ch: dict[str, Any], sdk: int) -> str:
    name = str(ch.get("name", ch.get("id", "")))[:3] + "…"
    fields = [f"mId='{ch.get('id', '')}'", f"mName={name}", "mDescription=",
              f"mImportance={ch.get('importance', 3)}", "mBypassDnd=false", "mLockscreenVisibility=-1000",
              "mSound=content://settings/system/notification_sound", "mLights=false", "mLightColor=0",
              "mVibration=null", "mUserLockedFields=0"]
    if sdk >= 28:
        fields += ["mFgServiceShown=false", "mVibrationEnabled=false", "mShowBadge=true", "mDeleted=false"]
    fields.append("mGroup='null'")
    return "      NotificationChannel{" + ", ".join(fields) + "}"


def _app_settings_line(app: App, sdk: int, uid: int) -> str:
    n = app.notifications
    line = f"  AppSettings: {app.package} ({uid})"
    if sdk >= 33:
        user_set = str(n.granted is not None).lower()
        line += f" importance={'DEFAULT' if n.granted else 'NONE'} userSet={user_set}"
    elif n.blocked:
        line += " importance=NONE"
    if sdk < 28:
        line += " showBadge=true"
    return line


@command("dumpsys", "notification")
def dumpsys_notification(profile: Profile, argv: list[str]) -> Output:
    args = argv[2:]
    pkg = args[1] if len(args) >= 2 and args[0] in ("p", "pkg", "--package") else None
    out = [f"Current Notification Manager state{f' (filtered to {pkg})' if pkg else ''}:",
           "  Notification List:", "", "  mMaxPackageEnqueueRate=5.0", "",
           "per-package config:" if profile.sdk >= 28 else "",
           "PackagePreferences:" if profile.sdk >= 28 else "Records:"]
    for app in installed_apps(profile):
        if pkg is not None and pkg not in app.package:
            continue
        out.append(_app_settings_line(app, profile.sdk, _app_id(app)))
        out += [_channel_line(ch, profile.sdk) for ch in app.notifications.channels]
    out.append("Restored without uid:")
    return Output(stdout="\n".join(out) + "\n")


# -- appops / standby / permissions ----------------------------------------------------------------

def _bg_op(profile: Profile) -> str:
    return "RUN_IN_BACKGROUND" if profile.sdk < 28 else "RUN_ANY_IN_BACKGROUND"


@command("cmd", "appops", "get")
def appops_get(profile: Profile, argv: list[str]) -> Output:
    if len(argv) < 4:
        return Output(stderr="Error: No package specified.\n", rc=255)
    app = _find(profile, argv[3])
    if app is None:
        return Output(stderr=f"Error: Unknown package: {argv[3]}\n", rc=255)
    op = argv[4] if len(argv) > 4 else None
    lines = []
    if app.background != "allow" and op in (None, _bg_op(profile)):
        lines.append(f"{_bg_op(profile)}: {app.background}; time=+3d2h ago")
    if op is None:
        lines.append("WAKE_LOCK: allow; time=+12m4s ago; duration=+1s20ms")
    if not lines:
        lines = ["No operations."] + (["Default mode: allow"] if op and profile.sdk >= 29 else [])
    return Output(stdout="\n".join(lines) + "\n")


@command("cmd", "appops", "set")
def appops_set(profile: Profile, argv: list[str]) -> Output:
    if len(argv) < 6:
        return Output(stderr="Error: Mode not specified.\n", rc=255)
    app, op, mode = _find(profile, argv[3]), argv[4], argv[5]
    if app is None:
        return Output(stderr=f"Error: Unknown package: {argv[3]}\n", rc=255)
    if mode not in ("allow", "ignore", "deny", "default", "foreground"):
        return Output(stderr=f"Error: Mode {mode} is not valid\n", rc=255)
    if op in ("RUN_ANY_IN_BACKGROUND", "RUN_IN_BACKGROUND"):
        app.background = "allow" if mode in ("allow", "default") else mode
    return Output()


@command("am", "get-standby-bucket")
def am_get_standby_bucket(profile: Profile, argv: list[str]) -> Output:
    if profile.sdk < 28:
        return Output(stderr="Unknown command: get-standby-bucket\n", rc=255)
    pkg = next((a for a in argv[2:] if not a.startswith("-") and not a.isdigit()), None)
    app = _find(profile, pkg) if pkg else None
    if app is None:
        return Output(stdout="50\n")  # UsageStats reports NEVER for an unknown package
    return Output(stdout=f"{app.standby_bucket}\n")


def _grant(profile: Profile, argv: list[str], granted: bool) -> Output:
    verb = argv[1]
    if len(argv) < 4:
        return Output(stderr="Error: no permission specified\n", rc=255)
    pkg, perm = argv[2], argv[3]
    app = _find(profile, pkg)
    if app is None:
        return Output(stderr=f"Exception occurred while executing '{verb}':\n"
                             f"java.lang.IllegalArgumentException: Unknown package: {pkg}\n", rc=255)
    if perm == POST_NOTIFICATIONS and profile.sdk < 33:
        return Output(stderr=f"Exception occurred while executing '{verb}':\n"
                             f"java.lang.IllegalArgumentException: Unknown permission: {perm}\n", rc=255)
    if perm == POST_NOTIFICATIONS:
        app.notifications.granted = granted
        if granted:
            app.notifications.blocked = False
    return Output()


@command("pm", "grant")
def pm_grant(profile: Profile, argv: list[str]) -> Output:
    return _grant(profile, argv, True)


@command("pm", "revoke")
def pm_revoke(profile: Profile, argv: list[str]) -> Output:
    return _grant(profile, argv, False)
