"""Simulated commands that ``droidcheck fix`` sends: opening settings screens, broadcasts, standby buckets,
enabling apps, and the side effects a real phone shows after a setting changes.

* ``am start -a ACTION [--es K V]…`` prints ``Starting: Intent { act=… }`` (``(has extras)`` when extras
  were given), as ActivityManagerShellCommand does; an action no activity handles prints ``Error: Activity
  not started, unable to resolve Intent { … }``. The last screen opened is kept on the profile instance
  (``vars(profile)["_sim_screen"]``) so tests can see it.
* ``am broadcast -a android.intent.action.AIRPLANE_MODE`` is a protected broadcast: from Android 7 the
  shell (uid 2000) gets ``SecurityException: Permission Denial``.
* ``am set-standby-bucket PKG BUCKET`` (P+; bucket by name or number).
* ``pm enable PKG`` / ``pm disable-user [--user N] PKG`` (``Package X new state: enabled``).
* Side effects layered on the system renderers (longest prefix wins): turning airplane mode off brings a
  READY SIM whose radio was off back into service; turning automatic time on sets the clock from the
  network when the phone has one (what NetworkTimeUpdateService / the time detector do within seconds).
"""

from __future__ import annotations

from droidcheck.sim.commands import Output, command
from droidcheck.sim.profile import Profile
from droidcheck.sim.render import system
from droidcheck.sim.render.apps import installed_apps

#: Settings screens the simulated phone resolves (Settings app activities with these actions).
SCREENS = {
    "android.settings.SETTINGS", "android.settings.WIRELESS_SETTINGS", "android.settings.AIRPLANE_MODE_SETTINGS",
    "android.settings.DATE_SETTINGS", "android.settings.ZEN_MODE_SETTINGS",
    "android.settings.APP_NOTIFICATION_SETTINGS", "android.settings.APPLICATION_DETAILS_SETTINGS",
    "android.settings.MANAGE_DEFAULT_APPS_SETTINGS", "android.settings.IGNORE_BATTERY_OPTIMIZATION_SETTINGS",
}
_PROTECTED_BROADCASTS = {"android.intent.action.AIRPLANE_MODE", "android.intent.action.BOOT_COMPLETED"}
_BUCKETS = {"active": 10, "working_set": 20, "working": 20, "frequent": 30, "rare": 40, "restricted": 45,
            "never": 50}


def _intent(argv: list[str]) -> tuple[str | None, bool]:
    action, extras, i = None, False, 0
    while i < len(argv):
        if argv[i] == "-a" and i + 1 < len(argv):
            action, i = argv[i + 1], i + 2
        elif argv[i] in ("--es", "--ez", "--ei", "--el") and i + 2 < len(argv):
            extras, i = True, i + 3
        else:
            i += 1
    return action, extras


@command("am", "start")
def am_start(profile: Profile, argv: list[str]) -> Output:
    action, extras = _intent(argv[2:])
    if action is None:
        return Output(stderr="Error: Intent does not match any activities\n", rc=255)
    if action not in SCREENS or (action == "android.settings.MANAGE_DEFAULT_APPS_SETTINGS" and profile.sdk < 24):
        return Output(stdout="Starting: Intent { act=" + action + " }\n",
                      stderr=f"Error: Activity not started, unable to resolve Intent {{ act={action} "
                             "flg=0x10000000 }\n", rc=255)
    vars(profile)["_sim_screen"] = action
    return Output(stdout=f"Starting: Intent {{ act={action}{' (has extras)' if extras else ''} }}\n")


@command("am", "broadcast")
def am_broadcast(profile: Profile, argv: list[str]) -> Output:
    action, extras = _intent(argv[2:])
    shown = f"Intent {{ act={action} flg=0x400000{' (has extras)' if extras else ''} }}"
    out = f"Broadcasting: {shown}\n"
    if action in _PROTECTED_BROADCASTS and profile.sdk >= 24:
        return Output(stdout=out + "\nException occurred while executing 'broadcast':\n"
                      f"java.lang.SecurityException: Permission Denial: not allowed to send broadcast {action} "
                      "from pid=4321, uid=2000\n", rc=255)
    if action == "android.intent.action.AIRPLANE_MODE":
        _radio_follows(profile)
    return Output(stdout=out + "Broadcast completed: result=0\n")


@command("am", "set-standby-bucket")
def am_set_standby_bucket(profile: Profile, argv: list[str]) -> Output:
    if profile.sdk < 28:
        return Output(stderr="Unknown command: set-standby-bucket\n", rc=255)
    args = argv[2:]
    if args[:1] == ["--user"]:
        args = args[2:]
    if len(args) < 2:
        return Output(stderr="Error: bucket not specified\n", rc=255)
    pkg, value = args[0], args[1].lower()
    bucket = _BUCKETS.get(value) or (int(value) if value.isdigit() else None)
    app = next((a for a in installed_apps(profile) if a.package == pkg), None)
    if bucket is None:
        return Output(stderr=f"Error: invalid bucket {value}\n", rc=255)
    if app is not None:
        app.standby_bucket = bucket
    return Output()


@command("pm", "enable")
def pm_enable(profile: Profile, argv: list[str]) -> Output:
    return _set_enabled(profile, argv, True)


@command("pm", "disable-user")
def pm_disable_user(profile: Profile, argv: list[str]) -> Output:
    return _set_enabled(profile, argv, False)


def _set_enabled(profile: Profile, argv: list[str], enabled: bool) -> Output:
    args = argv[2:]
    if args[:1] == ["--user"]:
        args = args[2:]
    if not args:
        return Output(stderr="Error: no package or component specified\n", rc=255)
    app = profile.app(args[0])
    if app is None:
        return Output(stderr=f"Exception occurred while executing '{argv[1]}':\njava.lang.IllegalArgumentException: "
                             f"Unknown package: {args[0]}\n", rc=255)
    app.enabled = enabled
    if enabled:
        app.stopped = False
    return Output(stdout=f"Package {app.package} new state: {'enabled' if enabled else 'disabled-user'}\n")


# -- side effects on top of the system renderers ----------------------------------------------------------

def _radio_follows(profile: Profile) -> None:
    """With airplane mode off a READY SIM whose radio was off registers on its network again."""
    if profile.airplane_mode:
        return
    for sim in profile.sims:
        if sim.state == "READY" and sim.service_state == "POWER_OFF":
            sim.service_state, sim.network_type = "IN_SERVICE", "LTE"
            sim.signal_level, sim.dbm = 3, -97


def _has_network(profile: Profile) -> bool:
    return profile.wifi_connected or (not profile.airplane_mode and profile.mobile_data)


@command("cmd", "connectivity", "airplane-mode")
def airplane_mode(profile: Profile, argv: list[str]) -> Output:
    out = system.cmd_connectivity(profile, argv)
    if out.rc == 0:
        _radio_follows(profile)
    return out


@command("settings", "put", "global", "auto_time")
def put_auto_time(profile: Profile, argv: list[str]) -> Output:
    out = system.settings(profile, argv)
    if out.rc == 0 and profile.auto_time and _has_network(profile):
        profile.clock_offset_seconds = 0.0
    return out
