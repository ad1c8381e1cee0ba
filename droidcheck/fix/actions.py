"""The registry of fixes: for each ``auto_fix`` name a rule can give, what it changes and how, per Android
version.

A :class:`FixAction` turns the phone's :class:`Context` (API level, the packages involved) into a concrete
:class:`Step`: the shell commands, the commands that read the value before and after, how to undo it (as
a function of the value read before, so undo restores what the phone had, not a guess) and, where the
shell cannot make the change, the settings screen to open and what the customer must do there.

Kinds of step:

* ``auto``    — droidcheck changes the setting itself (reversible where ``undo`` is given);
* ``guided``  — the shell cannot (or must not) make the change: droidcheck opens the right settings screen
  and shows an instruction; nothing is changed by droidcheck, so there is nothing to undo;
* ``refused`` — no safe way on this phone; ``note`` says why.

Commands and version gates, with the AOSP sources they were checked against, are in the README of this
package (``droidcheck/fix/__init__.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from droidcheck.parsers.appops import BUCKETS
from droidcheck.parsers.package_dump import POST_NOTIFICATIONS

Kind = Literal["auto", "guided", "refused"]

#: Android's package-name grammar: at least two segments, each a letter then letters, digits or '_'.
_PKG_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+")
_BUCKET_NAMES = {str(number): name for number, name in BUCKETS.items()}


@dataclass(frozen=True)
class Context:
    """What a fix needs to know about the phone, taken from the check result's facts."""

    sdk: int
    sms_app: str | None = None
    amazon_app: str | None = None


@dataclass
class Step:
    """One fix made concrete for one phone."""

    action: str
    summary: str  # what it changes, in plain words
    kind: Kind
    commands: list[str] = field(default_factory=list)
    reads: dict[str, str] = field(default_factory=dict)  # label -> command printing the current value
    restore: Restore | None = None  # how the change is undone (auto steps that can be undone)
    sdk: int = 0  # the phone's API level the step was made for
    package: str | None = None  # the app the step acts on, if any
    instruction: str | None = None  # what the customer does on the screen opened (guided)
    note: str | None = None  # why it is done this way / why it is refused
    settle_s: float = 0.0  # time the phone needs before a re-check sees the effect

    @property
    def reversible(self) -> bool:
        return self.kind == "auto" and self.restore is not None

    def recorded(self, before: dict[str, str]) -> dict[str, Any]:
        """The typed values ``fix --undo`` restores, from what the read commands printed before the change."""
        return self.restore.capture(self.sdk, before) if self.restore is not None else {}

    def undo_commands(self, before: dict[str, str]) -> list[str]:
        if not self.reversible or self.restore is None:
            return []
        try:
            return self.restore.commands(self.sdk, self.package, self.recorded(before))
        except NotRestorable:
            return []


class NotRestorable(Exception):
    """This phone's Android version has no shell command that puts the value back."""


@dataclass(frozen=True)
class Restore:
    """How one action's change is undone, built only from droidcheck's own templates.

    ``fields`` names each value the fix records and every value it may hold (ints or words); ``capture``
    turns what the read commands printed before the change into those values (a value it cannot recognise
    is left out: not restored); ``commands`` builds the shell commands that put the values back on a phone
    of API level ``sdk`` (``package`` is the app the fix acted on, already validated); ``words`` says the
    same for the customer. A log file only ever supplies the action id, the package and these values.
    """

    fields: dict[str, frozenset[int] | frozenset[str]]
    capture: Callable[[int, dict[str, str]], dict[str, Any]]
    commands: Callable[[int, str | None, dict[str, Any]], list[str]]
    words: Callable[[str | None, dict[str, Any]], list[str]]
    package: bool = False  # whether the action acts on one app (then the record must name it)


@dataclass(frozen=True)
class FixAction:
    name: str
    summary: str
    plan: Callable[[Context], Step]
    restore: Restore | None = None


def safe_package(pkg: str | None) -> str | None:
    """A package name from the phone, only if it cannot smuggle shell syntax into a command."""
    return pkg if isinstance(pkg, str) and len(pkg) <= 255 and _PKG_RE.fullmatch(pkg) else None


def _refused(name: str, summary: str, why: str) -> Step:
    return Step(name, summary, "refused", note=why)


def _open_screen(action: str, extras: dict[str, str] | None = None) -> str:
    args = "".join(f" --es {k} {v}" for k, v in (extras or {}).items())
    return f"am start -a {action}{args}"


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


# -- airplane mode -------------------------------------------------------------------------------------

_ON_OFF = frozenset({0, 1})


def _setting_int(raw: str | None, domain: frozenset[int]) -> int | None:
    """``settings get`` output → its integer value, only if it is one the setting can hold."""
    text = _first_line(raw or "")
    return int(text) if text.isdigit() and len(text) < 4 and int(text) in domain else None


def _capture_settings(domains: dict[str, frozenset[int]]) -> Callable[[int, dict[str, str]], dict[str, Any]]:
    def capture(_sdk: int, before: dict[str, str]) -> dict[str, Any]:
        values = {k: _setting_int(before.get(k), d) for k, d in domains.items()}
        return {k: v for k, v in values.items() if v is not None}
    return capture


def _airplane_restore(sdk: int, _pkg: str | None, v: dict[str, Any]) -> list[str]:
    if v.get("airplane_mode_on") != 1:
        return []
    if sdk >= 30:
        return ["cmd connectivity airplane-mode enable"]
    if sdk >= 24:
        raise NotRestorable("Android 7-10 have no shell command for airplane mode")
    return ["settings put global airplane_mode_on 1",
            "am broadcast -a android.intent.action.AIRPLANE_MODE --ez state true"]


_AIRPLANE = Restore({"airplane_mode_on": _ON_OFF}, _capture_settings({"airplane_mode_on": _ON_OFF}),
                    _airplane_restore,
                    lambda _p, v: ["airplane mode back on"] if v.get("airplane_mode_on") == 1 else [])


def _airplane(ctx: Context) -> Step:
    name, summary = "airplane_mode_off", "Turn airplane mode off so the phone's radio can receive texts."
    reads = {"airplane_mode_on": "settings get global airplane_mode_on"}
    if ctx.sdk >= 30:
        # ConnectivityService shell command (Android 11+): shell holds NETWORK_AIRPLANE_MODE.
        return Step(name, summary, "auto", ["cmd connectivity airplane-mode disable"], reads, _AIRPLANE, ctx.sdk,
                    settle_s=3.0)
    if ctx.sdk >= 24:
        return Step(name, summary, "guided", [_open_screen("android.settings.AIRPLANE_MODE_SETTINGS")], reads,
                    sdk=ctx.sdk,
                    instruction="Turn Airplane mode OFF on the screen that opened, then wait for signal bars.",
                    note="Android 7-10 have no shell command for airplane mode, and the AIRPLANE_MODE broadcast "
                         "is protected (the shell gets 'Permission Denial'), so writing the setting alone would "
                         "leave the radio off while the setting says on.")
    # Android 6 and older: the broadcast from the shell still works.
    return Step(name, summary, "auto",
                ["settings put global airplane_mode_on 0",
                 "am broadcast -a android.intent.action.AIRPLANE_MODE --ez state false"], reads, _AIRPLANE, ctx.sdk,
                settle_s=3.0)


# -- automatic time ------------------------------------------------------------------------------------

_TIME_KEYS = ("auto_time", "auto_time_zone")
_TIME_WORDS = {"auto_time": "automatic date & time", "auto_time_zone": "automatic time zone"}
_AUTO_TIME = Restore(
    dict.fromkeys(_TIME_KEYS, _ON_OFF), _capture_settings(dict.fromkeys(_TIME_KEYS, _ON_OFF)),
    lambda _sdk, _p, v: [f"settings put global {k} {v[k]}" for k in _TIME_KEYS if v.get(k) == 0],
    lambda _p, v: [f"{_TIME_WORDS[k]} back off" for k in _TIME_KEYS if v.get(k) == 0])


def _auto_time(ctx: Context) -> Step:
    return Step("auto_time_on", "Turn on automatic date & time and automatic time zone (the clock is then "
                "set from the network).", "auto",
                [f"settings put global {k} 1" for k in _TIME_KEYS],
                {k: f"settings get global {k}" for k in _TIME_KEYS}, _AUTO_TIME, ctx.sdk,
                note="The clock is corrected when the phone next gets the network time (seconds with a "
                     "network; a phone with no network keeps the wrong time).", settle_s=2.0)


# -- do not disturb ------------------------------------------------------------------------------------

_ZEN_TO_DND = {1: "priority", 2: "on", 3: "alarms"}


def _dnd_restore(sdk: int, _pkg: str | None, v: dict[str, Any]) -> list[str]:
    if v.get("zen_mode") not in _ZEN_TO_DND:
        return []
    if sdk < 29:
        raise NotRestorable("before Android 10 there is no 'cmd notification set_dnd'")
    return [f"cmd notification set_dnd {_ZEN_TO_DND[v['zen_mode']]}"]


_DND = Restore({"zen_mode": frozenset({0, 1, 2, 3})}, _capture_settings({"zen_mode": frozenset({0, 1, 2, 3})}),
               _dnd_restore,
               lambda _p, v: [f"Do Not Disturb back to '{_ZEN_TO_DND[v['zen_mode']]}'"]
               if v.get("zen_mode") in _ZEN_TO_DND else [])


def _dnd(ctx: Context) -> Step:
    name, summary = "dnd_off", "Turn Do Not Disturb off so message alerts sound and pop up."
    reads = {"zen_mode": "settings get global zen_mode"}
    if ctx.sdk >= 29:
        return Step(name, summary, "auto", ["cmd notification set_dnd off"], reads, _DND, ctx.sdk)
    return Step(name, summary, "guided", [_open_screen("android.settings.ZEN_MODE_SETTINGS")], reads, sdk=ctx.sdk,
                instruction="Turn Do Not Disturb OFF on the screen that opened (and check its schedules).",
                note="Before Android 10 there is no 'cmd notification set_dnd', and writing the zen_mode "
                     "setting does not work: the notification service writes its own value back.")


# -- notifications -------------------------------------------------------------------------------------

def _capture_permission(_sdk: int, before: dict[str, str]) -> dict[str, Any]:
    was = before.get("post_notifications", "")
    if "granted=false" in was:
        return {"post_notifications": "denied"}
    return {"post_notifications": "granted"} if "granted=true" in was else {}


def _notifications_restore(sdk: int, pkg: str | None, v: dict[str, Any]) -> list[str]:
    if v.get("post_notifications") != "denied" or pkg is None:
        return []
    if sdk < 33:
        raise NotRestorable("POST_NOTIFICATIONS exists only from Android 13 (API 33)")
    return [f"pm revoke {pkg} {POST_NOTIFICATIONS}"]


_NOTIFICATIONS = Restore({"post_notifications": frozenset({"granted", "denied"})}, _capture_permission,
                         _notifications_restore,
                         lambda p, v: [f"notifications of {p} blocked again"]
                         if v.get("post_notifications") == "denied" else [], package=True)


def _notification_reads(pkg: str) -> dict[str, str]:
    return {"post_notifications": f"dumpsys package {pkg} | grep -F {POST_NOTIFICATIONS}:"}


def _grant_notifications(name: str, which: str, pick: Callable[[Context], str | None]) -> Callable[[Context], Step]:
    def plan(ctx: Context) -> Step:
        summary = f"Allow {which} to show notifications."
        pkg = safe_package(pick(ctx))
        if pkg is None:
            return _refused(name, summary, f"the phone did not report a usable package name for {which}")
        if ctx.sdk >= 33:
            return Step(name, summary + f" ({pkg})", "auto", [f"pm grant {pkg} {POST_NOTIFICATIONS}"],
                        _notification_reads(pkg), _NOTIFICATIONS, ctx.sdk, pkg,
                        note="From Android 13 the app's notification switch is the POST_NOTIFICATIONS "
                             "permission, so granting it lifts an app-level block too.")
        return Step(name, summary + f" ({pkg})", "guided",
                    [_open_screen("android.settings.APP_NOTIFICATION_SETTINGS",
                                  {"android.provider.extra.APP_PACKAGE": pkg})], sdk=ctx.sdk, package=pkg,
                    instruction=f"Turn 'Show notifications' ON for {which} on the screen that opened, and set "
                                "its message categories to alert.",
                    note="POST_NOTIFICATIONS exists only from Android 13 (API 33); this phone runs API "
                         f"{ctx.sdk}, where an app whose notifications were switched off can only be switched "
                         "back on by the user.")
    return plan


# -- background ----------------------------------------------------------------------------------------

_APPOPS_MODES = frozenset({"allow", "ignore", "deny", "default", "foreground"})


def _mode_of(op: str, text: str) -> str:
    m = re.search(rf"^\s*{op}: ([a-z]+)", text, re.M)
    return m.group(1) if m else "default"


def _background_op(sdk: int) -> str:
    return "RUN_ANY_IN_BACKGROUND" if sdk >= 28 else "RUN_IN_BACKGROUND"


def _capture_background(sdk: int, before: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if before.get("appops", "?") != "?":
        mode = _mode_of(_background_op(sdk), before["appops"])
        if mode in _APPOPS_MODES:
            out["appops_mode"] = mode
    bucket = _first_line(before.get("standby_bucket", ""))
    if bucket in _BUCKET_NAMES:
        out["standby_bucket"] = int(bucket)
    return out


def _background_restore(sdk: int, pkg: str | None, v: dict[str, Any]) -> list[str]:
    if pkg is None:
        return []
    if sdk < 26:
        raise NotRestorable("background restrictions for apps exist from Android 8 (API 26)")
    out = []
    if v.get("appops_mode", "allow") != "allow":
        out.append(f"cmd appops set {pkg} {_background_op(sdk)} {v['appops_mode']}")
    if v.get("standby_bucket", 10) != 10 and sdk >= 28:
        out.append(f"am set-standby-bucket {pkg} {v['standby_bucket']}")
    return out


def _background_words(pkg: str | None, v: dict[str, Any]) -> list[str]:
    out = []
    if v.get("appops_mode", "allow") != "allow":
        out.append(f"{pkg} running in the background back to '{v['appops_mode']}'")
    if v.get("standby_bucket", 10) != 10:
        out.append(f"{pkg} standby bucket back to '{_BUCKET_NAMES[str(v['standby_bucket'])]}'")
    return out


_BACKGROUND = Restore({"appops_mode": _APPOPS_MODES, "standby_bucket": frozenset(int(b) for b in _BUCKET_NAMES)},
                      _capture_background, _background_restore, _background_words, package=True)


def _background_reads(sdk: int, pkg: str) -> dict[str, str]:
    reads = {"appops": f"cmd appops get {pkg} {_background_op(sdk)}"}
    if sdk >= 28:
        reads["standby_bucket"] = f"am get-standby-bucket {pkg}"
    return reads


def _background(ctx: Context) -> Step:
    name, summary = "amazon_background_allow", "Let Amazon Shopping run in the background (battery: not restricted)."
    pkg = safe_package(ctx.amazon_app)
    if pkg is None:
        return _refused(name, summary, "the phone did not report the Amazon Shopping package")
    if ctx.sdk < 26:
        return _refused(name, summary, "background restrictions for apps exist from Android 8 (API 26)")
    commands = [f"cmd appops set {pkg} {_background_op(ctx.sdk)} allow"]
    if ctx.sdk >= 28:  # app standby buckets: Android 9+
        commands.append(f"am set-standby-bucket {pkg} active")
    return Step(name, summary + f" ({pkg})", "auto", commands, _background_reads(ctx.sdk, pkg), _BACKGROUND,
                ctx.sdk, pkg,
                note="Android may move the app to a lower standby bucket again if it goes unused; opening "
                     "the app now and then keeps it active." if ctx.sdk >= 28 else None)


# -- default SMS app -----------------------------------------------------------------------------------

def _default_sms(ctx: Context) -> Step:
    screen = "android.settings.MANAGE_DEFAULT_APPS_SETTINGS" if ctx.sdk >= 24 else "android.settings.WIRELESS_SETTINGS"
    return Step("open_default_sms_settings", "Open the Default apps screen so the customer can choose the "
                "phone's own Messages app for texts.", "guided", [_open_screen(screen)],
                {"sms_default_application": "settings get secure sms_default_application"}, sdk=ctx.sdk,
                instruction="Tap 'SMS app' and choose the phone's own Messages app (Google Messages or the "
                            "maker's).",
                note="droidcheck does not switch the default SMS app itself: it is the customer's choice, "
                     "and the old app's messages stay in that app.")


# -- messaging app disabled ----------------------------------------------------------------------------

def _capture_enabled(_sdk: int, before: dict[str, str]) -> dict[str, Any]:
    m = re.search(r"\benabled=(\d)\b", before.get("enabled_state", ""))
    return {"enabled_state": int(m.group(1))} if m and int(m.group(1)) <= 4 else {}


_ENABLED = Restore({"enabled_state": frozenset({0, 1, 2, 3, 4})}, _capture_enabled,
                   lambda _sdk, p, v: [f"pm disable-user --user 0 {p}"]
                   if p is not None and v.get("enabled_state") in (2, 3) else [],
                   lambda p, v: [f"{p} disabled again"] if v.get("enabled_state") in (2, 3) else [],
                   package=True)


def _enabled_reads(pkg: str) -> dict[str, str]:
    return {"enabled_state": f"dumpsys package {pkg} | grep -F 'User 0:'"}


def _enable_sms_app(ctx: Context) -> Step:
    name, summary = "enable_sms_app", "Enable the messaging app again (it was disabled)."
    pkg = safe_package(ctx.sms_app)
    if pkg is None:
        return _refused(name, summary, "the phone did not report the default SMS app's package")
    return Step(name, summary + f" ({pkg})", "auto", [f"pm enable {pkg}"], _enabled_reads(pkg), _ENABLED,
                ctx.sdk, pkg, note="If the app was only force-stopped, it starts again the next time it is opened.")


def step_for(action: str, sdk: int, pkg: str | None) -> Step:
    """The registry's step for ``action`` on a phone of API ``sdk`` acting on ``pkg`` (already validated)."""
    return REGISTRY[action].plan(Context(sdk=sdk, sms_app=pkg, amazon_app=pkg))


REGISTRY: dict[str, FixAction] = {a.name: a for a in (
    FixAction("airplane_mode_off", "turn airplane mode off", _airplane, _AIRPLANE),
    FixAction("auto_time_on", "turn on automatic date, time and time zone", _auto_time, _AUTO_TIME),
    FixAction("dnd_off", "turn Do Not Disturb off", _dnd, _DND),
    FixAction("grant_sms_notifications", "allow the messaging app's notifications",
              _grant_notifications("grant_sms_notifications", "the messaging app", lambda c: c.sms_app),
              _NOTIFICATIONS),
    FixAction("grant_amazon_notifications", "allow Amazon Shopping's notifications",
              _grant_notifications("grant_amazon_notifications", "Amazon Shopping", lambda c: c.amazon_app),
              _NOTIFICATIONS),
    FixAction("amazon_background_allow", "let Amazon Shopping run in the background", _background, _BACKGROUND),
    FixAction("open_default_sms_settings", "open the default SMS app screen", _default_sms),
    FixAction("enable_sms_app", "enable the disabled messaging app", _enable_sms_app, _ENABLED),
)}
