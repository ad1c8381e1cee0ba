"""Simulated phone profiles: the state of a phone, loaded from YAML.

A profile says what the phone *is* (maker, model, Android version) and what state it is in (airplane
mode, SIMs, signal, default SMS app, notification settings, clock offset…). The renderers in
``droidcheck.sim.render`` print that state in the format the profile's Android version prints it.
A profile can also give raw captured text for a command (``raw``), served verbatim.

Mutable on purpose: fix mode changes settings on the simulated phone (``settings put``…) and a re-check
must see the change.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from droidcheck.errors import DroidcheckError

SDK_TO_RELEASE = {26: "8.0.0", 27: "8.1.0", 28: "9", 29: "10", 30: "11", 31: "12", 32: "12",
                  33: "13", 34: "14", 35: "15", 36: "16"}


class ProfileError(DroidcheckError):
    pass


#: What a command costs on a real phone, in seconds, by the words it starts with (the longest match
#: wins; a command matching nothing costs nothing). A real phone spends most of a read running these:
#: dumpstate ends every section of a bug report with "--------- 0.024s was the duration of dumpsys isub",
#: and public bug reports show ``dumpsys isub`` at 0.024–0.045 s, ``dumpsys wifip2p`` 0.039 s,
#: ``dumpsys activity`` 0.13–0.29 s, ``dumpsys window`` 0.42 s and a whole ``dumpsys package`` 1.9 s.
#: ``dumpsys`` of one service (or one package) is taken as 0.15 s, ``pm list`` 0.2 s (it starts a Java
#: process), ``settings``/``cmd``/``am``/``appops`` 0.06 s (a binder call from a Java or native client)
#: and ``getprop`` 0.015 s (it reads shared memory).
DEFAULT_COSTS: dict[str, float] = {
    "dumpsys": 0.150,
    "dumpsys isub": 0.035,
    "pm": 0.200,
    "settings": 0.060,
    "cmd": 0.060,
    "am": 0.060,
    "appops": 0.060,
    "getprop": 0.015,
}
MAX_COST_S = 60.0  # a cost above this is a typo, not a phone


_RELATIVE = re.compile(r"^-(\d+)d$")


def resolve_date(value: str, with_time: bool = False) -> str:
    """``-40d`` → the date 40 days ago (so a profile stays "recent" or "old" whenever it runs)."""
    m = _RELATIVE.match(str(value).strip())
    if not m:
        return value
    when = datetime.now() - timedelta(days=int(m.group(1)))
    return when.strftime("%Y-%m-%d 10:00:00" if with_time else "%Y-%m-%d")


@dataclass
class SimSlot:
    slot: int = 0
    state: str = "READY"  # getprop gsm.sim.state names: READY ABSENT PIN_REQUIRED PUK_REQUIRED NETWORK_LOCKED NOT_READY
    sub_id: int = 1
    operator: str = "Vodafone"
    mcc_mnc: str = "23415"
    service_state: str = "IN_SERVICE"  # IN_SERVICE OUT_OF_SERVICE EMERGENCY_ONLY POWER_OFF
    network_type: str = "LTE"  # LTE NR UMTS GSM HSPA...
    signal_level: int = 4
    dbm: int = -85
    roaming: bool = False
    # Private identifiers: the simulator prints them where Android would, tests prove they never leak.
    phone_number: str = "+447700900123"
    iccid: str = "8944110068512345678"
    imei: str = "356938035643809"


@dataclass
class AppNotifications:
    granted: bool | None = True  # POST_NOTIFICATIONS (API 33+); None = never asked
    blocked: bool = False  # app-level "all notifications off" (importance NONE)
    channels: list[dict[str, Any]] = field(default_factory=list)  # {id, name, importance 0-5}


@dataclass
class App:
    package: str
    label: str = ""
    system: bool = False
    version_name: str = "1.0"
    version_code: int = 1
    last_update: str = "2026-10-01 10:00:00"  # device local time, as dumpsys package prints it
    first_install: str = "2025-01-01 10:00:00"
    target_sdk: int = 34
    enabled: bool = True
    stopped: bool = False
    permissions: list[str] = field(default_factory=list)  # granted, short names: RECEIVE_SMS READ_SMS
    notifications: AppNotifications = field(default_factory=AppNotifications)
    background: str = "allow"  # RUN_ANY_IN_BACKGROUND mode: allow | ignore
    standby_bucket: int = 10  # 5 exempted, 10 active, 20 working set, 30 frequent, 40 rare, 45 restricted

    def __post_init__(self) -> None:
        self.last_update = resolve_date(self.last_update, with_time=True)
        self.first_install = resolve_date(self.first_install, with_time=True)


@dataclass
class Faults:
    unauthorized: bool = False
    offline: bool = False
    disconnect_after: int | None = None  # drop the connection when this many commands have run
    stall_after: int | None = None  # after this many commands the phone stops answering (socket stays open)
    hang_on: list[str] = field(default_factory=list)  # commands starting with these never finish
    garbage_on: list[str] = field(default_factory=list)  # commands starting with these print noise
    latency_ms: int = 0  # added to every round trip (each adb service opened)
    missing_commands: list[str] = field(default_factory=list)  # e.g. ["timeout"]: a build without it


@dataclass
class SmsScript:
    """A scripted SMS arrival for ``droidcheck watch`` (rendered by ``droidcheck.sim.render.sms_events``).

    ``body`` and ``code`` exist only so tests can prove they never leak. The clock starts at the first
    command that reads a watch source (``started_at``, phone clock); the message arrives ``delay_s`` later
    and the stages follow ``stage_gap_s`` apart. ``lost_at`` says where it stops: ``network`` (never reaches
    the phone), ``sms_app`` (telephony gets it, the SMS app never does), ``notification`` (stored, but no
    notification is shown), or None (delivered and shown, with ``importance``).
    """

    sender: str = "AMAZON"
    body: str = "482913 is your Amazon OTP. Don't share it with anyone."
    code: str = "482913"
    delay_s: float = 1.0
    lost_at: str | None = None  # None | "network" | "sms_app" | "notification"
    importance: int = 4  # of the posted notification (NotificationManager.IMPORTANCE_*)
    stage_gap_s: float = 0.2
    started_at: float | None = None  # set by the simulator at the first watch poll


@dataclass
class Profile:
    name: str
    description: str = ""
    serial: str = ""
    maker: str = "Google"
    brand: str = "google"
    model: str = "Pixel 7"
    device: str = "panther"
    sdk: int = 34
    release: str = ""
    security_patch: str = "2026-10-05"
    build_id: str = "AP2A.240805.005"
    uptime_seconds: int = 86400 * 2
    clock_offset_seconds: float = 0.0
    timezone: str = "Europe/London"
    auto_time: bool = True
    auto_time_zone: bool = True
    airplane_mode: bool = False
    mobile_data: bool = True
    wifi_connected: bool = True
    network_validated: bool = True
    data_saver: bool = False
    battery_saver: bool = False
    zen_mode: int = 0  # 0 off, 1 priority only, 2 total silence, 3 alarms only
    sims: list[SimSlot] = field(default_factory=lambda: [SimSlot()])
    sms_sub_id: int | None = None  # default SMS subscription; None = the first ready SIM's
    default_sms_app: str | None = "com.google.android.apps.messaging"
    apps: list[App] = field(default_factory=list)
    notification_listeners: list[str] = field(default_factory=list)  # "pkg/cls"
    accessibility_services: list[str] = field(default_factory=list)
    data_total_bytes: int = 128 * 1024**3
    data_free_bytes: int = 40 * 1024**3
    cpus: int = 8  # what `nproc` prints (the Pixel 8's Tensor G3 has 9 cores)
    raw: dict[str, str] = field(default_factory=dict)  # command -> verbatim stdout
    faults: Faults = field(default_factory=Faults)
    #: What droidcheck should conclude about this phone; the end-to-end tests hold it to this.
    expect: dict[str, Any] = field(default_factory=dict)
    #: A scripted incoming SMS for ``droidcheck watch``; None: no message ever arrives.
    sms_script: SmsScript | None = None
    #: Charge each command its phone-side cost (``costs``) as time spent running. Off by default so that
    #: the tests stay fast; benchmarks and ``droidcheck sim --phone-costs`` turn it on.
    phone_costs: bool = False
    #: Per-command costs in seconds, merged over :data:`DEFAULT_COSTS` (``{"dumpsys notification": 0.3}``).
    costs: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.security_patch = resolve_date(self.security_patch)
        if not self.release:
            self.release = SDK_TO_RELEASE.get(self.sdk, str(self.sdk))
        if not self.serial:
            self.serial = f"SIM{zlib.crc32(self.name.encode()) % 10**8:08d}"  # stable across runs
        self.costs = _check_costs(self.costs)

    def command_cost(self, argv: list[str]) -> float:
        """Seconds this command takes on the phone: 0 unless ``phone_costs`` is on."""
        if not self.phone_costs or not argv:
            return 0.0
        table = {**DEFAULT_COSTS, **self.costs}
        for n in range(len(argv), 0, -1):
            cost = table.get(" ".join(argv[:n]))
            if cost is not None:
                return cost
        return 0.0

    def app(self, package: str) -> App | None:
        return next((a for a in self.apps if a.package == package), None)

    @property
    def sms_sim(self) -> SimSlot | None:
        if self.sms_sub_id is not None:
            for s in self.sims:
                if s.sub_id == self.sms_sub_id:
                    return s
        return next((s for s in self.sims if s.state == "READY"), self.sims[0] if self.sims else None)

    def copy(self, **changes: Any) -> Profile:
        import copy as _copy

        clone = _copy.deepcopy(self)
        for k, v in changes.items():
            setattr(clone, k, v)
        return clone


def _check_costs(costs: Any) -> dict[str, float]:
    """``costs`` from a profile file: command words → seconds, each a number in [0, MAX_COST_S]."""
    if not isinstance(costs, dict):
        raise ProfileError(f"costs: expected a mapping of command → seconds, got {type(costs).__name__}")
    checked: dict[str, float] = {}
    for key, value in costs.items():
        words = " ".join(str(key).split())
        if not isinstance(key, str) or not words:
            raise ProfileError(f"costs: {key!r} is not a command")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_COST_S:
            raise ProfileError(f"costs: {key}: expected seconds between 0 and {MAX_COST_S:g}, got {value!r}")
        checked[words] = float(value)
    return checked


def _build(cls: type, data: Any, where: str) -> Any:
    """Build a dataclass from a mapping, strictly: an unknown key is an error (typos are not ignored)."""
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: expected a mapping, got {type(data).__name__}")
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ProfileError(f"{where}: unknown key(s) {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if cls is Profile and key == "sims":
            value = [_build(SimSlot, v, f"{where}.sims[{i}]") for i, v in enumerate(value or [])]
        elif cls is Profile and key == "apps":
            value = [_build(App, v, f"{where}.apps[{i}]") for i, v in enumerate(value or [])]
        elif cls is Profile and key == "faults":
            value = _build(Faults, value or {}, f"{where}.faults")
        elif cls is Profile and key == "sms_script":
            value = None if value is None else _build(SmsScript, value, f"{where}.sms_script")
        elif cls is App and key == "notifications":
            value = _build(AppNotifications, value or {}, f"{where}.notifications")
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except (TypeError, ProfileError) as exc:
        raise ProfileError(f"{where}: {exc}") from exc


def profile_from_dict(data: Any, where: str = "profile") -> Profile:
    return _build(Profile, data, where)


def load_profile(path: str | Path) -> Profile:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    if isinstance(data, dict):
        data.setdefault("name", path.stem)
    return profile_from_dict(data, str(path.name))


def builtin_profile_dir() -> Path:
    return Path(str(resources.files("droidcheck.sim") / "profiles"))


def builtin_profiles(*, readable_only: bool = True) -> list[Profile]:
    """The built-in profiles. By default only phones droidcheck can read (the ones with a verdict to
    check); ``readable_only=False`` adds the rehearsal phones that adb cannot use (unauthorized, offline)."""
    every = [load_profile(p) for p in sorted(builtin_profile_dir().glob("*.yaml"))]
    if not readable_only:
        return every
    return [p for p in every if not (p.faults.unauthorized or p.faults.offline)]


def find_profile(name_or_path: str) -> Profile:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_profile(path)
    candidate = builtin_profile_dir() / f"{name_or_path}.yaml"
    if candidate.exists():
        return load_profile(candidate)
    names = ", ".join(p.stem for p in sorted(builtin_profile_dir().glob("*.yaml")))
    raise ProfileError(f"no profile named {name_or_path!r}; built-in profiles: {names}")
