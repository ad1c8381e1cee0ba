"""The registry of facts: every fact droidcheck can read, its type, unit and the probes that feed it.

Rules may only name facts listed here (the rule validator checks it). The names marked ``contract`` appear
in JSON output and lab scripts depend on them: never rename them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Types a fact value can have. ``date`` is an ISO date string (YYYY-MM-DD); ``enum`` lists its values.
FACT_TYPES = ("bool", "int", "float", "str", "date", "enum", "list")


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str
    description: str
    probes: tuple[str, ...]
    unit: str | None = None
    values: tuple[str, ...] = ()  # for enums
    contract: bool = False
    private: bool = False  # the value identifies a person (phone number): redacted in every output

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]


SERVICE_STATES = ("in_service", "out_of_service", "emergency_only", "power_off")
SIM_STATES = ("absent", "ready", "pin_required", "puk_required", "network_locked", "not_ready",
              "disabled", "error")
DND_MODES = ("off", "priority_only", "total_silence", "alarms_only", "miui_silent")
STANDBY_BUCKETS = ("exempted", "active", "working_set", "frequent", "rare", "restricted", "never")


def _f(name: str, type_: str, description: str, probes: str, unit: str | None = None,
       values: tuple[str, ...] = (), contract: bool = False, private: bool = False) -> FactSpec:
    return FactSpec(name, type_, description, tuple(probes.split()), unit, values, contract, private)


FACTS: tuple[FactSpec, ...] = (
    # android / device
    _f("android.sdk", "int", "Android API level (26 = Android 8.0, 35 = Android 15)", "getprop",
       contract=True),
    _f("android.release", "str", "Android version as the phone names it", "getprop", contract=True),
    _f("android.security_patch", "date", "security patch level", "getprop", contract=True),
    _f("android.security_patch_age_days", "int", "days between the security patch level and the read",
       "getprop", unit="days"),
    _f("device.maker", "str", "manufacturer", "getprop"),
    _f("device.model", "str", "model name", "getprop"),
    _f("device.uptime_seconds", "int", "time since the phone last restarted", "uptime", unit="s",
       contract=True),
    # sms app
    _f("sms.default_app", "str", "package of the default SMS app (empty: none set)",
       "role_sms dumpsys_role settings_secure", contract=True),
    _f("sms.default_app_is_stock", "bool",
       "the default SMS app is Google Messages, AOSP Messaging or the maker's own preinstalled app",
       "role_sms dumpsys_role settings_secure packages_system", contract=True),
    _f("sms.default_app_enabled", "bool", "the default SMS app is installed, enabled and not stopped",
       "package"),
    _f("sms.receivers", "list", "other apps (not the default SMS app, not system) allowed to receive or "
       "read SMS", "sms_permissions packages_system", contract=True),
    # notifications
    _f("notifications.sms_app_allowed", "bool",
       "the default SMS app may post notifications (permission on Android 13+ and not blocked)",
       "package notification", contract=True),
    _f("notifications.sms_app_silenced_channels", "list",
       "the SMS app's notification channels that are blocked or silent", "notification"),
    _f("notifications.amazon_allowed", "bool",
       "Amazon Shopping may post notifications (every installed Amazon Shopping app)",
       "package notification", contract=True),
    _f("notifications.dnd", "bool", "Do Not Disturb is on", "settings_global", contract=True),
    _f("notifications.dnd_mode", "enum", "Do Not Disturb mode", "settings_global", values=DND_MODES),
    # radio / network / power
    _f("radio.airplane_mode", "bool", "airplane mode is on", "settings_global", contract=True),
    _f("network.mobile_data", "bool", "mobile data is switched on", "settings_global"),
    _f("network.wifi_connected", "bool", "connected to a Wi-Fi network", "connectivity"),
    _f("network.validated", "bool", "the active network has working internet", "connectivity",
       contract=True),
    _f("network.data_saver", "bool", "data saver is on", "netpolicy"),
    _f("power.battery_saver", "bool", "battery saver is on", "settings_global"),
    # time
    _f("time.auto_time", "bool", "date and time are set automatically", "settings_global", contract=True),
    _f("time.auto_time_zone", "bool", "time zone is set automatically", "settings_global", contract=True),
    _f("time.drift_seconds", "float", "device clock minus real time: the host's clock at capture, or (from a "
       "bug report) the phone's last network time fix", "date", unit="s",
       contract=True),
    _f("time.zone", "str", "time zone id", "getprop"),
    # signal / sim (for the SIM that receives SMS)
    _f("signal.service_state", "enum", "cellular service state of the SMS SIM", "telephony_registry",
       values=SERVICE_STATES, contract=True),
    _f("signal.level", "int", "signal bars, 0 (none) to 4 (full)", "telephony_registry", contract=True),
    _f("signal.dbm", "int", "signal strength", "telephony_registry", unit="dBm", contract=True),
    _f("signal.network_type", "str", "radio technology (LTE, NR, UMTS…)", "telephony_registry getprop"),
    _f("signal.roaming", "bool", "the SMS SIM is roaming", "telephony_registry", contract=True),
    _f("signal.operator", "str", "network operator name", "telephony_registry getprop"),
    _f("sim.state", "enum", "state of the SIM that receives SMS", "getprop isub", values=SIM_STATES,
       contract=True),
    _f("sim.slots", "list", "per-slot details: state, operator, service (one entry per SIM slot)",
       "getprop isub telephony_registry"),
    _f("sim.count", "int", "number of SIM slots with a ready SIM", "getprop isub"),
    _f("sim.sms_slot", "int", "slot index (0-based) of the SIM used for SMS", "isub settings_global",
       contract=True),
    _f("sim.phone_number", "str", "the SMS SIM's own number, where the SIM stores it", "isub",
       private=True),
    _f("sim.expected_number_given", "bool", "the technician gave the number to expect (--expect-number)", ""),
    _f("sim.number_matches_expected", "bool",
       "the SMS SIM's number is the one the technician expects (check --expect-number)", "isub"),
    # amazon
    _f("amazon.installed", "bool", "an Amazon Shopping app is installed",
       "packages_system packages_third_party", contract=True),
    _f("amazon.packages", "list", "installed Amazon Shopping packages", "packages_third_party packages_system"),
    _f("amazon.version", "str", "Amazon Shopping version", "package"),
    _f("amazon.days_since_update", "int", "days since Amazon Shopping was last updated", "package",
       unit="days"),
    _f("amazon.background_restricted", "bool", "Amazon Shopping is restricted from running in the background",
       "appops"),
    _f("amazon.standby_bucket", "enum", "app standby bucket of Amazon Shopping", "standby",
       values=STANDBY_BUCKETS),
    # storage
    _f("storage.data_free_bytes", "int", "free space on the data partition", "diskstats", unit="bytes",
       contract=True),
    _f("storage.data_free_percent", "float", "free space on the data partition", "diskstats", unit="%"),
    # security
    _f("security.notification_listeners", "list",
       "apps allowed to read all notifications (they can read codes)", "settings_secure", contract=True),
    _f("security.accessibility_services", "list",
       "enabled accessibility services (they can read the screen)", "settings_secure", contract=True),
)

FACTS_BY_NAME: dict[str, FactSpec] = {f.name: f for f in FACTS}


def spec(name: str) -> FactSpec:
    return FACTS_BY_NAME[name]
