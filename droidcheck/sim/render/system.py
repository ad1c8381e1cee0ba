"""Simulated system commands: getprop, date, uptime, settings, netpolicy, connectivity, diskstats, …

Each renderer prints what the profile's Android version prints (formats and AOSP sources are documented
in the matching parser: ``droidcheck.parsers.<source>``). Commands that change state (``settings put``,
``cmd connectivity airplane-mode``, ``cmd notification set_dnd``, ``cmd netpolicy set
restrict-background``) mutate the profile, so a re-check sees the change.

Settings that map onto profile fields are computed from the profile every time; any other key lives in
a per-profile backing dict (stored on the profile instance, see ``_store``) so ``put`` then ``get``
round-trips for unknown keys too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from droidcheck.sim.commands import Output, command
from droidcheck.sim.profile import Profile, SimSlot

SHELL_ID = ("uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),"
            "1015(sdcard_rw),1028(sdcard_r),1078(ext_data_rw),1079(ext_obb_rw),3001(net_bt_admin),"
            "3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc),3011(uhid) context=u:r:shell:s0\n")


def phone_time(profile: Profile) -> float:
    """The simulated phone's wall clock: host time plus the profile's clock offset."""
    return time.time() + profile.clock_offset_seconds


def phone_zone(profile: Profile) -> ZoneInfo:
    try:
        return ZoneInfo(profile.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# -- getprop ------------------------------------------------------------------------------------------
def _slots(profile: Profile, fn: Callable[[SimSlot], str]) -> str:
    return ",".join(fn(s) for s in profile.sims)


def _in_service(profile: Profile, sim: SimSlot) -> bool:
    return not profile.airplane_mode and sim.state == "READY" and sim.service_state == "IN_SERVICE"


#: Mobile country code → ISO 3166 country, lower case as telephony prints it (``MccTable``), for the
#: countries the built-in profiles use; an unknown code prints nothing, as on a phone out of service.
_MCC_ISO = {"202": "gr", "204": "nl", "208": "fr", "214": "es", "222": "it", "234": "gb", "235": "gb",
            "262": "de", "310": "us", "311": "us", "404": "in", "405": "in", "440": "jp", "450": "kr",
            "460": "cn", "724": "br"}


def _iso_country(mcc_mnc: str) -> str:
    return _MCC_ISO.get(mcc_mnc[:3], "")


def _telephony_props(profile: Profile) -> dict[str, str]:
    ready = lambda s: s.state == "READY"  # noqa: E731
    return {
        "gsm.sim.state": _slots(profile, lambda s: s.state),
        "gsm.sim.operator.alpha": _slots(profile, lambda s: s.operator if ready(s) else ""),
        "gsm.sim.operator.numeric": _slots(profile, lambda s: s.mcc_mnc if ready(s) else ""),
        "gsm.sim.operator.iso-country": _slots(profile, lambda s: _iso_country(s.mcc_mnc) if ready(s) else ""),
        "gsm.operator.alpha": _slots(profile, lambda s: s.operator if _in_service(profile, s) else ""),
        "gsm.operator.numeric": _slots(profile, lambda s: s.mcc_mnc if _in_service(profile, s) else ""),
        "gsm.operator.iso-country": _slots(profile, lambda s: _iso_country(s.mcc_mnc) if _in_service(profile, s)
                                           else ""),
        "gsm.operator.isroaming": _slots(profile, lambda s: "true" if s.roaming and _in_service(profile, s)
                                         else "false"),
        "gsm.network.type": _slots(profile, lambda s: s.network_type if _in_service(profile, s)
                                   else "Unknown"),
        "gsm.current.phone-type": _slots(profile, lambda s: "1"),
        "gsm.version.baseband": "g5300g-230927-231102-B-10987654",
        "persist.radio.multisim.config": "dsds" if len(profile.sims) > 1 else "ssss",
        "ro.telephony.default_network": ",".join("33" if profile.sdk >= 31 else "9" for _ in profile.sims),
    }


def _build_props(profile: Profile) -> dict[str, str]:
    incremental = "11228894" if profile.maker == "Google" else "V14.0.6.0"
    fingerprint = (f"{profile.brand}/{profile.device}/{profile.device}:{profile.release}/"
                   f"{profile.build_id}/{incremental}:user/release-keys")
    props = {
        "ro.build.version.sdk": str(profile.sdk),
        "ro.build.version.release": profile.release,
        "ro.build.version.security_patch": profile.security_patch,
        "ro.build.version.incremental": incremental,
        "ro.build.version.codename": "REL",
        "ro.build.version.all_codenames": "REL",
        "ro.build.version.preview_sdk": "0",
        "ro.build.id": profile.build_id,
        "ro.build.display.id": f"{profile.build_id} release-keys",
        "ro.build.type": "user",
        "ro.build.tags": "release-keys",
        "ro.build.fingerprint": fingerprint,
        "ro.build.date.utc": "1727740800",
        "ro.product.manufacturer": profile.maker,
        "ro.product.brand": profile.brand,
        "ro.product.model": profile.model,
        "ro.product.device": profile.device,
        "ro.product.name": profile.device,
        "ro.product.first_api_level": str(min(profile.sdk, 33)),
        "ro.product.cpu.abi": "arm64-v8a",
        "ro.serialno": profile.serial,
        "ro.boot.serialno": profile.serial,
        "ro.hardware": profile.device,
        "ro.sf.lcd_density": "420",
        "ro.crypto.state": "encrypted",
        "ro.boot.verifiedbootstate": "green",
        "ro.debuggable": "0",
        "ro.secure": "1",
        "sys.boot_completed": "1",
        "persist.sys.timezone": profile.timezone,
        "persist.sys.locale": "en-GB",
        "dalvik.vm.heapsize": "512m",
        "net.bt.name": "Android",
    }
    if profile.sdk >= 29:  # Android 10+: per-partition product props (init derives ro.product.* from them)
        for part in ("system", "vendor", "odm", "product"):
            props.update({f"ro.product.{part}.manufacturer": profile.maker,
                          f"ro.product.{part}.brand": profile.brand,
                          f"ro.product.{part}.model": profile.model,
                          f"ro.product.{part}.device": profile.device,
                          f"ro.product.{part}.name": profile.device})
    if profile.sdk >= 30:
        props["ro.build.version.release_or_codename"] = profile.release
    return props


def _maker_props(profile: Profile) -> dict[str, str]:
    """Realistic maker-specific extras (fictional values)."""
    maker = profile.maker.lower()
    if maker == "samsung":
        return {"ro.build.PDA": "S911BXXU3CXH1", "ro.csc.sales_code": "BTU", "ro.config.knox": "v40",
                "ro.build.version.oneui": "60101", "ro.boot.em.model": profile.model,
                "ro.product.vendor.marketname": profile.model, "ril.official_cscver": "S911BOXM3CXH1",
                "ro.com.google.clientidbase": "android-samsung-ss"}
    if maker == "xiaomi":
        return {"ro.miui.ui.version.name": "V140", "ro.miui.ui.version.code": "14",
                "ro.mi.os.version.name": "OS1.0", "ro.product.marketname": f"Redmi {profile.model}",
                "ro.miui.region": "GB", "ro.com.google.clientidbase": "android-xiaomi"}
    if maker == "google":
        return {"ro.boot.hardware.sku": "G03Z5", "ro.com.google.gmsversion": f"{profile.release}_202409",
                "ro.com.google.clientidbase": "android-google"}
    return {}


def all_props(profile: Profile) -> dict[str, str]:
    props = _build_props(profile)
    props.update(_telephony_props(profile))
    props.update(_maker_props(profile))
    return props


@command("nproc")
def nproc(profile: Profile, argv: list[str]) -> Output:
    """toybox ``nproc``: the CPUs this process may run on."""
    return Output(stdout=f"{profile.cpus}\n")


@command("getprop")
def getprop(profile: Profile, argv: list[str]) -> Output:
    props = all_props(profile)
    if len(argv) >= 2:  # getprop KEY [DEFAULT]
        default = argv[2] if len(argv) >= 3 else ""
        return Output(stdout=props.get(argv[1], default) + "\n")
    return Output(stdout="".join(f"[{k}]: [{props[k]}]\n" for k in sorted(props)))


# -- date, uptime, id, cat ----------------------------------------------------------------------------
@command("date")
def date_(profile: Profile, argv: list[str]) -> Output:
    now = datetime.fromtimestamp(phone_time(profile), tz=UTC).astimezone(phone_zone(profile))
    if len(argv) >= 2 and argv[1].startswith("+"):
        fmt = argv[1][1:]
        if fmt == "%s":
            return Output(stdout=f"{int(phone_time(profile))}\n")
        return Output(stdout=now.strftime(fmt) + "\n")
    if len(argv) >= 2:
        return Output(stderr=f"date: bad date '{argv[1]}'\n", rc=1)
    return Output(stdout=now.strftime("%a %b %e %H:%M:%S %Z %Y") + "\n")  # toybox default format


@command("cat")
def cat(profile: Profile, argv: list[str]) -> Output:
    if argv[1:] == ["/proc/uptime"]:
        up = float(profile.uptime_seconds)
        return Output(stdout=f"{up:.2f} {up * 6.8:.2f}\n")
    missing = argv[1] if len(argv) > 1 else "-"
    return Output(stderr=f"cat: {missing}: No such file or directory\n", rc=1)


@command("id")
def id_(profile: Profile, argv: list[str]) -> Output:
    return Output(stdout=SHELL_ID)


# -- settings -----------------------------------------------------------------------------------------
_DEFAULTS: dict[str, dict[str, str]] = {
    "global": {
        "adb_enabled": "1", "development_settings_enabled": "1", "device_provisioned": "1",
        "data_roaming": "0", "wifi_on": "1", "bluetooth_on": "1", "stay_on_while_plugged_in": "0",
        "boot_count": "57", "network_recommendations_enabled": "1", "wifi_scan_always_enabled": "1",
        "sys_storage_threshold_percentage": "5", "window_animation_scale": "1.0", "mode_ringer": "2",
        "preferred_network_mode": "33", "low_power_trigger_level": "0",
    },
    "secure": {
        "android_id": "4f1c2a9be03d7e51", "user_setup_complete": "1", "location_mode": "3",
        "default_input_method": "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME",
        "bluetooth_name": "Sim Phone", "screensaver_enabled": "0", "backup_enabled": "1",
        "install_non_market_apps": "1", "skip_first_use_hints": "1",
    },
    "system": {
        "screen_brightness": "102", "screen_brightness_mode": "1", "screen_off_timeout": "30000",
        "time_12_24": "24", "volume_ring": "5", "font_scale": "1.0", "haptic_feedback_enabled": "1",
    },
}


def _store(profile: Profile) -> dict[str, dict[str, str]]:
    """Backing dict for settings that are not profile fields. Kept on the profile instance so that it
    follows the profile (and ``Profile.copy``); TODO(lead): make it a real ``Profile.settings`` field."""
    store = vars(profile).get("_sim_settings")
    if store is None:
        store = {ns: dict(values) for ns, values in _DEFAULTS.items()}
        vars(profile)["_sim_settings"] = store
    return store


def _b(value: bool) -> str:
    return "1" if value else "0"


def _mapped_settings(profile: Profile, namespace: str) -> dict[str, str | None]:
    if namespace == "global":
        out: dict[str, str | None] = {
            "airplane_mode_on": _b(profile.airplane_mode), "auto_time": _b(profile.auto_time),
            "auto_time_zone": _b(profile.auto_time_zone), "zen_mode": str(profile.zen_mode),
            "low_power": _b(profile.battery_saver), "mobile_data": _b(profile.mobile_data),
        }
        for sim in profile.sims:
            out[f"mobile_data{sim.sub_id}"] = _b(profile.mobile_data)
        sms = profile.sms_sim
        if len(profile.sims) > 1 and sms is not None:
            out["multi_sim_sms"] = str(sms.sub_id)
        return out
    if namespace == "secure":
        out = {
            "enabled_notification_listeners": ":".join(profile.notification_listeners),
            "enabled_accessibility_services": ":".join(profile.accessibility_services) or None,
            "accessibility_enabled": _b(bool(profile.accessibility_services)),
        }
        out["sms_default_application"] = profile.default_sms_app
        return out
    return {}


def _apply_put(profile: Profile, namespace: str, key: str, value: str) -> bool:
    """Set a profile field from ``settings put``; False if the key is not a profile field."""
    flag = value.strip() not in ("0", "", "null", "false")
    if namespace == "global":
        if key == "airplane_mode_on":
            profile.airplane_mode = flag
        elif key == "auto_time":
            profile.auto_time = flag
        elif key == "auto_time_zone":
            profile.auto_time_zone = flag
        elif key == "low_power":
            profile.battery_saver = flag
        elif key == "mobile_data" or (key.startswith("mobile_data") and key[11:].isdigit()):
            profile.mobile_data = flag
        elif key == "zen_mode" and value.strip() in ("0", "1", "2", "3"):
            profile.zen_mode = int(value)
        elif key == "multi_sim_sms" and value.strip().isdigit():
            profile.sms_sub_id = int(value)
        else:
            return False
        return True
    if namespace == "secure":
        items = [p for p in value.split(":") if p and value != "null"]
        if key == "enabled_notification_listeners":
            profile.notification_listeners = items
        elif key == "enabled_accessibility_services":
            profile.accessibility_services = items
        elif key == "sms_default_application":
            profile.default_sms_app = value if value != "null" else None
        else:
            return False
        return True
    return False


def settings_view(profile: Profile, namespace: str) -> dict[str, str]:
    """Every setting of ``namespace`` as ``settings list`` shows it (``None`` values print ``null``)."""
    merged: dict[str, str | None] = dict(_store(profile).get(namespace, {}))
    merged.update(_mapped_settings(profile, namespace))
    return {k: ("null" if v is None else v) for k, v in merged.items()}


def _strip_user(args: list[str]) -> list[str]:
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--user":
            skip = True
        elif a != "--lineage":
            out.append(a)
    return out


_SETTINGS_USAGE = ("Settings provider (settings) commands:\n  help\n      Print this help text.\n"
                   "  get [--user <USER_ID> | current] NAMESPACE KEY\n"
                   "  put [--user <USER_ID> | current] NAMESPACE KEY VALUE [TAG] [default]\n"
                   "  list [--user <USER_ID> | current] NAMESPACE\n")


@command("settings")
def settings(profile: Profile, argv: list[str]) -> Output:
    args = _strip_user(argv[1:])
    if len(args) < 2 or args[1] not in ("global", "secure", "system"):
        return Output(stderr="Invalid command: " + " ".join(args) + "\n" + _SETTINGS_USAGE, rc=255)
    verb, namespace, rest = args[0], args[1], args[2:]
    if verb == "list":
        view = settings_view(profile, namespace)
        return Output(stdout="".join(f"{k}={view[k]}\n" for k in sorted(view)))
    if verb == "get" and len(rest) >= 1:
        return Output(stdout=settings_view(profile, namespace).get(rest[0], "null") + "\n")
    if verb == "put" and len(rest) >= 2:
        key, value = rest[0], rest[1]
        if not _apply_put(profile, namespace, key, value):
            _store(profile).setdefault(namespace, {})[key] = value
        return Output()
    if verb == "delete" and len(rest) >= 1:
        removed = _store(profile).get(namespace, {}).pop(rest[0], None)
        return Output(stdout=f"Deleted {1 if removed is not None else 0} rows\n")
    return Output(stderr="Invalid command: " + " ".join(args) + "\n" + _SETTINGS_USAGE, rc=255)


# -- cmd ----------------------------------------------------------------------------------------------
@command("cmd")
def cmd_unknown(profile: Profile, argv: list[str]) -> Output:
    """``cmd <service>`` for a service nobody simulates: cmd.cpp prints this and exits 20."""
    name = argv[1] if len(argv) > 1 else ""
    if not name:
        return Output(stderr="cmd: No service specified; use -l to list all services\n", rc=20)
    return Output(stderr=f"cmd: Can't find service: {name}\n", rc=20)


@command("cmd", "netpolicy")
def cmd_netpolicy(profile: Profile, argv: list[str]) -> Output:
    args = argv[2:]
    if args[:2] == ["get", "restrict-background"]:
        state = "enabled" if profile.data_saver else "disabled"
        return Output(stdout=f"Restrict background status: {state}\n")
    if args[:2] == ["set", "restrict-background"] and len(args) >= 3 and args[2] in ("true", "false"):
        profile.data_saver = args[2] == "true"
        return Output()
    if args[:1] == ["get"] and len(args) >= 2:
        return Output(stdout=f"Error: unknown get type '{args[1]}'\n", rc=255)
    return Output(stdout=f"Unknown command: {' '.join(args)}\n", rc=255)


@command("cmd", "connectivity")
def cmd_connectivity(profile: Profile, argv: list[str]) -> Output:
    if profile.sdk < 30:  # ConnectivityService got a shell command in Android 11
        return Output(stderr="No shell command implementation.\n", rc=255)
    args = argv[2:]
    if args[:1] == ["airplane-mode"]:
        if len(args) == 1:
            return Output(stdout=("enabled" if profile.airplane_mode else "disabled") + "\n")
        if args[1] in ("enable", "disable"):
            profile.airplane_mode = args[1] == "enable"
            return Output()
        return Output(stderr="Invalid argument: " + args[1] + "\n", rc=255)
    return Output(stdout=f"Unknown command: {' '.join(args)}\n", rc=255)


_DND = {"on": 2, "none": 2, "priority": 1, "alarms": 3, "all": 0, "off": 0}


@command("cmd", "notification")
def cmd_notification(profile: Profile, argv: list[str]) -> Output:
    """NotificationShellCommand ``set_dnd``: on/none → total silence, priority, alarms, all/off → off."""
    args = argv[2:]
    if args[:1] in (["set_dnd"], ["set-dnd"]):
        if len(args) < 2:
            return Output(stderr="Error: Argument expected after \"set_dnd\"\n", rc=255)
        if args[1] in _DND:
            profile.zen_mode = _DND[args[1]]
        return Output()  # AOSP silently ignores an unknown mode (filter stays UNKNOWN)
    return Output(stdout=f"Unknown command: {' '.join(args)}\n", rc=255)


# -- dumpsys ------------------------------------------------------------------------------------------
@command("dumpsys")
def dumpsys_unknown(profile: Profile, argv: list[str]) -> Output:
    """dumpsys of a service nobody simulates: message on stderr, exit code 0 (cmds/dumpsys/dumpsys.cpp)."""
    if len(argv) == 1:
        return Output(stdout="Currently running services:\n  connectivity\n  diskstats\n  netpolicy\n")
    if argv[1] == "-l":
        return Output(stdout="Currently running services:\n  connectivity\n  diskstats\n  netpolicy\n"
                             "  notification\n  package\n  telephony.registry\n")
    return Output(stderr=f"Can't find service: {argv[1]}\n")


#: The simulated battery: three quarters full, on battery (a profile's ``raw["dumpsys battery"]`` gives any
#: other state).
SIM_BATTERY_LEVEL = 76


@command("dumpsys", "battery")
def dumpsys_battery(profile: Profile, argv: list[str]) -> Output:
    """BatteryService ``dumpInternal``: Android 14 adds ``Dock powered``, 15 the charging state and policy."""
    lines = ["Current Battery Service state:", "  AC powered: false", "  USB powered: false",
             "  Wireless powered: false"]
    if profile.sdk >= 34:
        lines.append("  Dock powered: false")
    lines += ["  Max charging current: 0", "  Max charging voltage: 0", "  Charge counter: 3421000",
              "  status: 3", "  health: 2", "  present: true", f"  level: {SIM_BATTERY_LEVEL}", "  scale: 100",
              "  voltage: 3987", "  temperature: 291", "  technology: Li-ion"]
    if profile.sdk >= 35:
        lines += ["  Charging state: 1", "  Charging policy: 1"]
    return Output(stdout="\n".join(lines) + "\n")


@command("dumpsys", "diskstats")
def dumpsys_diskstats(profile: Profile, argv: list[str]) -> Output:
    block = 4096
    avail, total = profile.data_free_bytes // block, max(profile.data_total_bytes // block, 1)
    avail = min(avail, total)
    data = f"{avail * block // 1024}K / {total * block // 1024}K total = {100 * avail // total}% free"
    sys_total = 6 * 1024**3 // block
    lines = ["Latency: 3ms [512B Data Write]", f"Data-Free: {data}",
             f"Cache-Free: {data}",  # A/B devices: the download cache lives on /data
             f"System-Free: 0K / {sys_total * block // 1024}K total = 0% free"]
    if profile.sdk >= 28:
        lines.append("File-based Encryption: true")
    lines += ["App Size: 9876543210"]
    if profile.sdk >= 28:  # "App Data Size" was added to the cached values in P
        lines.append("App Data Size: 3456789012")
    lines += ["App Cache Size: 456789012", "Photos Size: 2345678901", "Videos Size: 1234567890",
              "Audio Size: 12345678", "Downloads Size: 98765432", "System Size: 8589934592",
              "Other Size: 1234567", "Package Names: [\"com.android.chrome\",\"com.google.android.gms\"]",
              "App Sizes: [345678901,567890123]", "App Data Sizes: [123456789,234567890]",
              "Cache Sizes: [12345678,23456789]"]
    if profile.sdk < 28:
        lines.remove("App Data Sizes: [123456789,234567890]")
    return Output(stdout="\n".join(lines) + "\n")


# dumpsys connectivity -----------------------------------------------------------------------------------
_WIFI_CAPS = ["NOT_METERED", "INTERNET", "NOT_RESTRICTED", "TRUSTED", "NOT_VPN", "VALIDATED", "NOT_ROAMING",
              "FOREGROUND", "NOT_CONGESTED", "NOT_SUSPENDED"]
_CELL_CAPS = ["MMS", "SUPL", "FOTA", "CBS", "IA", "INTERNET", "NOT_RESTRICTED", "TRUSTED", "NOT_VPN",
              "VALIDATED", "NOT_ROAMING", "FOREGROUND", "NOT_CONGESTED", "NOT_SUSPENDED"]


def _networks(profile: Profile) -> list[tuple[int, str]]:
    """(netId, WIFI|CELLULAR) of the networks up; the first is the default."""
    nets: list[tuple[int, str]] = []
    if profile.wifi_connected:
        nets.append((100, "WIFI"))
    sim = profile.sms_sim
    if (profile.mobile_data and not profile.airplane_mode and sim is not None
            and sim.state == "READY" and sim.service_state == "IN_SERVICE"):
        nets.append((101, "CELLULAR"))
    return nets


def _nc(profile: Profile, transport: str, validated: bool) -> str:
    """NetworkCapabilities.toString: ``[ Transports: X Capabilities: A&B&… LinkUpBandwidth>=…]``."""
    caps = list(_WIFI_CAPS if transport == "WIFI" else _CELL_CAPS)
    if profile.sdk >= 31:
        caps.append("NOT_VCN_MANAGED")
    if not validated:
        caps.remove("VALIDATED")
    if transport == "WIFI":
        rest = "LinkUpBandwidth>=1048576Kbps LinkDnBandwidth>=1048576Kbps SignalStrength: -55"
    else:
        rest = ("LinkUpBandwidth>=51200Kbps LinkDnBandwidth>=102400Kbps "
                "Specifier: <TelephonyNetworkSpecifier [mSubId = 1]>")
    if profile.sdk >= 31:
        rest += " UnderlyingNetworks: Null"
    return "[ Transports: " + transport + " Capabilities: " + "&".join(caps) + " " + rest + "]"


def _lp(transport: str) -> str:
    iface = "wlan0" if transport == "WIFI" else "rmnet_data1"
    return ("{InterfaceName: " + iface + " LinkAddresses: [ 192.0.2.23/24 ] DnsAddresses: [ /192.0.2.1 ] "
            "Domains: null MTU: 1500 Routes: [ 0.0.0.0/0 -> 192.0.2.1 " + iface + " ]}")


def _nai_classic(profile: Profile, net_id: int, ni_type: str, subtype: str, lp: str, nc: str,
                 validated: bool) -> str:
    """O–Q ``NetworkAgentInfo.toString`` (services/core/.../connectivity/NetworkAgentInfo.java)."""
    v = "true" if validated else "false"
    extra = '"SimNet"' if ni_type == "WIFI" else "internet"
    ni = (f"[type: {ni_type}[{subtype}], state: CONNECTED/CONNECTED, reason: (unspecified), "
          f"extra: {extra}, failover: false, available: true, roaming: false]")
    tail = (f"Score{{60}}  everValidated{{{v}}}  lastValidated{{{v}}}  created{{true}} "
            "lingering{false} explicitlySelected{false} acceptUnvalidated{false} "
            "everCaptivePortalDetected{false} lastCaptivePortalDetected{false} ")
    if profile.sdk == 29:
        tail += ("captivePortalValidationPending{false} partialConnectivity{false} "
                 "acceptPartialConnectivity{false} ")
    if profile.sdk >= 28:
        tail += "clat{null} "
    handle = net_id * 4294967296 + 56
    return (f"NetworkAgentInfo{{ ni{{{ni}}}  network{{{net_id}}}  nethandle{{{handle}}}  "
            f"lp{lp}  nc{{{nc}}}  {tail}}}")


def _nai_short(profile: Profile, net_id: int, ni_type: str, subtype: str, lp: str, nc: str,
               validated: bool) -> str:
    """R (services/core) and S+ (Connectivity module) ``NetworkAgentInfo.toString``."""
    ni = f"{ni_type}[{subtype}] CONNECTED" if subtype else f"{ni_type} CONNECTED"
    head = f"NetworkAgentInfo{{network{{{net_id}}}  handle{{{net_id * 4294967296 + 56}}}  ni{{{ni}}} "
    body = f"  lp{lp}  nc{{{nc}}}"
    if profile.sdk == 30:  # R: integer score, flag words
        flags = " everValidated lastValidated" if validated else ""
        return f"{head}  Score{{60}} {flags}{body}}}"
    policies = "IS_VALIDATED&EVER_VALIDATED" if validated else "EVER_EVALUATED"
    score = f"Score(60 ; KeepConnected : 0 ; Policies : {policies})"
    if profile.sdk <= 33:  # S/T module: FullScore, flag words
        flags = " everValidated lastValidated" if validated else ""
        return f"{head}  {score} {flags}{body}  factorySerialNumber=3}}"
    times = ""  # U+: creation instant, timed validation flags
    if validated:
        times = " firstValidated 2026-10-01T08:00:01.456Z lastValidated 2026-10-01T08:00:01.456Z"
    return (f"{head}created=2026-10-01T08:00:00.123Z {score}  created 2026-10-01T08:00:00.300Z{times}"
            f"{body}  factorySerialNumber=3}}")


def _nai(profile: Profile, net_id: int, transport: str, validated: bool) -> str:
    ni_type = "WIFI" if transport == "WIFI" else "MOBILE"
    subtype = "" if transport == "WIFI" else (profile.sms_sim.network_type if profile.sms_sim else "LTE")
    args = (profile, net_id, ni_type, subtype, _lp(transport), _nc(profile, transport, validated), validated)
    return _nai_classic(*args) if profile.sdk <= 29 else _nai_short(*args)


@command("dumpsys", "connectivity")
def dumpsys_connectivity(profile: Profile, argv: list[str]) -> Output:
    nets = _networks(profile)
    lines = ["NetworkProviders for:" if profile.sdk >= 30 else "NetworkFactories for:",
             "  WifiNetworkFactory TelephonyNetworkFactory", "",
             f"Active default network: {nets[0][0] if nets else 'none'}", "", "Current Networks:"]
    for i, (net_id, transport) in enumerate(nets):
        validated = profile.network_validated if i == 0 else True
        lines.append("  " + _nai(profile, net_id, transport, validated))
        lines.append("    Requests: REQUEST:1 LISTEN:9 BACKGROUND_REQUEST:0 total:10")
        lines.append("    Lingered:")
    lines.append("")
    if profile.sdk <= 28:
        lines += [f"Restrict background: {'true' if profile.data_saver else 'false'}", ""]
    lines += ["Network Requests:", "  uid/pid:1000/1234 NetworkRequest [ REQUEST id=1, [ Capabilities: "
              "INTERNET&NOT_RESTRICTED&TRUSTED&NOT_VPN] ]", ""]
    return Output(stdout="\n".join(lines) + "\n")
