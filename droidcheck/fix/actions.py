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
from typing import Literal

Kind = Literal["auto", "guided", "refused"]

POST_NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"
_PKG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
_BUCKET_NAMES = {"5": "exempted", "10": "active", "20": "working_set", "30": "frequent", "40": "rare",
                 "45": "restricted", "50": "never"}


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
    undo: Callable[[dict[str, str]], list[str]] | None = None  # before values -> commands restoring them
    instruction: str | None = None  # what the customer does on the screen opened (guided)
    note: str | None = None  # why it is done this way / why it is refused
    settle_s: float = 0.0  # time the phone needs before a re-check sees the effect

    @property
    def reversible(self) -> bool:
        return self.kind == "auto" and self.undo is not None


@dataclass(frozen=True)
class FixAction:
    name: str
    summary: str
    plan: Callable[[Context], Step]


def safe_package(pkg: str | None) -> str | None:
    """A package name from the phone, only if it cannot smuggle shell syntax into a command."""
    return pkg if pkg and _PKG_RE.match(pkg) else None


def _refused(name: str, summary: str, why: str) -> Step:
    return Step(name, summary, "refused", note=why)


def _open_screen(action: str, extras: dict[str, str] | None = None) -> str:
    args = "".join(f" --es {k} {v}" for k, v in (extras or {}).items())
    return f"am start -a {action}{args}"


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


# -- airplane mode -------------------------------------------------------------------------------------

def _airplane(ctx: Context) -> Step:
    name, summary = "airplane_mode_off", "Turn airplane mode off so the phone's radio can receive texts."
    reads = {"airplane_mode_on": "settings get global airplane_mode_on"}
    if ctx.sdk >= 30:
        # ConnectivityService shell command (Android 11+): shell holds NETWORK_AIRPLANE_MODE.
        return Step(name, summary, "auto", ["cmd connectivity airplane-mode disable"], reads,
                    undo=lambda b: ["cmd connectivity airplane-mode enable"] if b.get("airplane_mode_on") == "1"
                    else [], settle_s=3.0)
    if ctx.sdk >= 24:
        return Step(name, summary, "guided", [_open_screen("android.settings.AIRPLANE_MODE_SETTINGS")], reads,
                    instruction="Turn Airplane mode OFF on the screen that opened, then wait for signal bars.",
                    note="Android 7-10 have no shell command for airplane mode, and the AIRPLANE_MODE broadcast "
                         "is protected (the shell gets 'Permission Denial'), so writing the setting alone would "
                         "leave the radio off while the setting says on.")
    # Android 6 and older: the broadcast from the shell still works.
    return Step(name, summary, "auto",
                ["settings put global airplane_mode_on 0",
                 "am broadcast -a android.intent.action.AIRPLANE_MODE --ez state false"], reads,
                undo=lambda b: ["settings put global airplane_mode_on 1",
                                "am broadcast -a android.intent.action.AIRPLANE_MODE --ez state true"]
                if b.get("airplane_mode_on") == "1" else [], settle_s=3.0)


# -- automatic time ------------------------------------------------------------------------------------

def _auto_time(ctx: Context) -> Step:
    keys = ("auto_time", "auto_time_zone")
    return Step("auto_time_on", "Turn on automatic date & time and automatic time zone (the clock is then "
                "set from the network).", "auto",
                [f"settings put global {k} 1" for k in keys],
                {k: f"settings get global {k}" for k in keys},
                undo=lambda b: [f"settings put global {k} {b[k]}" for k in keys if b.get(k) in ("0", "1")
                                and b[k] != "1"],
                note="The clock is corrected when the phone next gets the network time (seconds with a "
                     "network; a phone with no network keeps the wrong time).", settle_s=2.0)


# -- do not disturb ------------------------------------------------------------------------------------

_ZEN_TO_DND = {"1": "priority", "2": "on", "3": "alarms"}


def _dnd(ctx: Context) -> Step:
    name, summary = "dnd_off", "Turn Do Not Disturb off so message alerts sound and pop up."
    reads = {"zen_mode": "settings get global zen_mode"}
    if ctx.sdk >= 29:
        return Step(name, summary, "auto", ["cmd notification set_dnd off"], reads,
                    undo=lambda b: [f"cmd notification set_dnd {_ZEN_TO_DND[b['zen_mode']]}"]
                    if b.get("zen_mode") in _ZEN_TO_DND else [])
    return Step(name, summary, "guided", [_open_screen("android.settings.ZEN_MODE_SETTINGS")], reads,
                instruction="Turn Do Not Disturb OFF on the screen that opened (and check its schedules).",
                note="Before Android 10 there is no 'cmd notification set_dnd', and writing the zen_mode "
                     "setting does not work: the notification service writes its own value back.")


# -- notifications -------------------------------------------------------------------------------------

def _grant_notifications(name: str, which: str, pick: Callable[[Context], str | None]) -> Callable[[Context], Step]:
    def plan(ctx: Context) -> Step:
        summary = f"Allow {which} to show notifications."
        pkg = safe_package(pick(ctx))
        if pkg is None:
            return _refused(name, summary, f"the phone did not report a usable package name for {which}")
        if ctx.sdk >= 33:
            perm_read = f"dumpsys package {pkg} | grep -F {POST_NOTIFICATIONS}:"

            def undo(before: dict[str, str]) -> list[str]:
                was = before.get("post_notifications", "")
                return [f"pm revoke {pkg} {POST_NOTIFICATIONS}"] if "granted=false" in was else []

            return Step(name, summary + f" ({pkg})", "auto", [f"pm grant {pkg} {POST_NOTIFICATIONS}"],
                        {"post_notifications": perm_read}, undo=undo,
                        note="From Android 13 the app's notification switch is the POST_NOTIFICATIONS "
                             "permission, so granting it lifts an app-level block too.")
        return Step(name, summary + f" ({pkg})", "guided",
                    [_open_screen("android.settings.APP_NOTIFICATION_SETTINGS",
                                  {"android.provider.extra.APP_PACKAGE": pkg})],
                    instruction=f"Turn 'Show notifications' ON for {which} on the screen that opened, and set "
                                "its message categories to alert.",
                    note="POST_NOTIFICATIONS exists only from Android 13 (API 33); this phone runs API "
                         f"{ctx.sdk}, where an app whose notifications were switched off can only be switched "
                         "back on by the user.")
    return plan


# -- background ----------------------------------------------------------------------------------------

def _mode_of(op: str, text: str) -> str:
    m = re.search(rf"^\s*{op}: ([a-z]+)", text, re.M)
    return m.group(1) if m else "default"


def _background(ctx: Context) -> Step:
    name, summary = "amazon_background_allow", "Let Amazon Shopping run in the background (battery: not restricted)."
    pkg = safe_package(ctx.amazon_app)
    if pkg is None:
        return _refused(name, summary, "the phone did not report the Amazon Shopping package")
    if ctx.sdk < 26:
        return _refused(name, summary, "background restrictions for apps exist from Android 8 (API 26)")
    op = "RUN_ANY_IN_BACKGROUND" if ctx.sdk >= 28 else "RUN_IN_BACKGROUND"
    commands = [f"cmd appops set {pkg} {op} allow"]
    reads = {"appops": f"cmd appops get {pkg} {op}"}
    if ctx.sdk >= 28:  # app standby buckets: Android 9+
        commands.append(f"am set-standby-bucket {pkg} active")
        reads["standby_bucket"] = f"am get-standby-bucket {pkg}"

    def undo(before: dict[str, str]) -> list[str]:
        out = []
        mode = _mode_of(op, before.get("appops", ""))
        if mode != "allow":
            out.append(f"cmd appops set {pkg} {op} {mode}")
        bucket = _first_line(before.get("standby_bucket", ""))
        if bucket in _BUCKET_NAMES and bucket != "10":
            out.append(f"am set-standby-bucket {pkg} {bucket}")
        return out

    return Step(name, summary + f" ({pkg})", "auto", commands, reads, undo=undo,
                note="Android may move the app to a lower standby bucket again if it goes unused; opening "
                     "the app now and then keeps it active." if ctx.sdk >= 28 else None)


# -- default SMS app -----------------------------------------------------------------------------------

def _default_sms(ctx: Context) -> Step:
    screen = "android.settings.MANAGE_DEFAULT_APPS_SETTINGS" if ctx.sdk >= 24 else "android.settings.WIRELESS_SETTINGS"
    return Step("open_default_sms_settings", "Open the Default apps screen so the customer can choose the "
                "phone's own Messages app for texts.", "guided", [_open_screen(screen)],
                {"sms_default_application": "settings get secure sms_default_application"},
                instruction="Tap 'SMS app' and choose the phone's own Messages app (Google Messages or the "
                            "maker's).",
                note="droidcheck does not switch the default SMS app itself: it is the customer's choice, "
                     "and the old app's messages stay in that app.")


# -- messaging app disabled ----------------------------------------------------------------------------

def _enable_sms_app(ctx: Context) -> Step:
    name, summary = "enable_sms_app", "Enable the messaging app again (it was disabled)."
    pkg = safe_package(ctx.sms_app)
    if pkg is None:
        return _refused(name, summary, "the phone did not report the default SMS app's package")

    def undo(before: dict[str, str]) -> list[str]:
        m = re.search(r"\benabled=(\d)", before.get("enabled_state", ""))
        return [f"pm disable-user --user 0 {pkg}"] if m and m.group(1) in ("2", "3") else []

    return Step(name, summary + f" ({pkg})", "auto", [f"pm enable {pkg}"],
                {"enabled_state": f"dumpsys package {pkg} | grep -F 'User 0:'"}, undo=undo,
                note="If the app was only force-stopped, it starts again the next time it is opened.")


REGISTRY: dict[str, FixAction] = {a.name: a for a in (
    FixAction("airplane_mode_off", "turn airplane mode off", _airplane),
    FixAction("auto_time_on", "turn on automatic date, time and time zone", _auto_time),
    FixAction("dnd_off", "turn Do Not Disturb off", _dnd),
    FixAction("grant_sms_notifications", "allow the messaging app's notifications",
              _grant_notifications("grant_sms_notifications", "the messaging app", lambda c: c.sms_app)),
    FixAction("grant_amazon_notifications", "allow Amazon Shopping's notifications",
              _grant_notifications("grant_amazon_notifications", "Amazon Shopping", lambda c: c.amazon_app)),
    FixAction("amazon_background_allow", "let Amazon Shopping run in the background", _background),
    FixAction("open_default_sms_settings", "open the default SMS app screen", _default_sms),
    FixAction("enable_sms_app", "enable the disabled messaging app", _enable_sms_app),
)}
