"""The registry of facts: every fact droidcheck can read, its type, unit, the probes that feed it and the
deriver (``droidcheck.facts.derive.<module>``) that produces it.

Rules may only name facts listed here (the rule validator checks it). The names marked ``contract`` appear
in JSON output and lab scripts depend on them: never rename them.
"""

from __future__ import annotations

from dataclasses import dataclass

from droidcheck.parsers.appops import BUCKETS

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
    label: str = ""  # what a customer reads in a report ("Airplane mode"); the one place for these words
    words: tuple[str, str] = ("yes", "no")  # a bool's value in words: (true, false), e.g. ("on", "off")
    masked: bool = False  # identifies the phone (serial number): only its ends are kept when redacted
    #: The module of droidcheck.facts.derive that produces it; ``BY_CHECK``: droidcheck.check sets it from
    #: what the technician gave (``--expect-number``), not from the phone.
    deriver: str = "system"

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]


SERVICE_STATES = ("in_service", "out_of_service", "emergency_only", "power_off")
SIM_STATES = ("absent", "ready", "pin_required", "puk_required", "network_locked", "not_ready",
              "disabled", "error")
DND_MODES = ("off", "priority_only", "total_silence", "alarms_only", "miui_silent")
STANDBY_BUCKETS = tuple(BUCKETS.values())


ON_OFF = ("on", "off")
BY_CHECK = "check"
#: The deriver of each area's facts, unless a fact names its own; any other area is ``system``'s.
AREA_DERIVERS = {"signal": "telephony", "sim": "telephony", "sms": "apps", "amazon": "apps"}


def _f(name: str, type_: str, description: str, probes: str, unit: str | None = None,
       values: tuple[str, ...] = (), contract: bool = False, private: bool = False, *, label: str,
       words: tuple[str, str] = ("yes", "no"), masked: bool = False, deriver: str | None = None) -> FactSpec:
    owner = deriver or AREA_DERIVERS.get(name.split(".", 1)[0], "system")
    return FactSpec(name, type_, description, tuple(probes.split()), unit, values, contract, private, label,
                    words, masked, owner)


FACTS: tuple[FactSpec, ...] = (
    # android / device
    _f("android.sdk", "int", "Android API level (26 = Android 8.0, 35 = Android 15)", "getprop",
       contract=True, label="Android API level"),
    _f("android.release", "str", "Android version as the phone names it", "getprop", contract=True,
       label="Android version"),
    _f("android.security_patch", "date", "security patch level", "getprop", contract=True, label="Security patch"),
    _f("android.security_patch_age_days", "int", "days between the security patch level and the read",
       "getprop", unit="days", label="Security patch age"),
    _f("device.maker", "str", "manufacturer", "getprop", label="Maker"),
    _f("device.model", "str", "model name", "getprop", label="Model"),
    _f("device.serial_number", "str", "the phone's own serial number (ro.serialno), masked in every redacted "
       "output", "getprop", label="Serial number", masked=True),
    _f("device.uptime_seconds", "int", "time since the phone last restarted", "uptime", unit="s",
       contract=True, label="Time since restart"),
    # sms app
    _f("sms.default_app", "str", "package of the default SMS app (empty: none set)",
       "role_sms dumpsys_role settings_secure", contract=True, label="Default messaging app"),
    _f("sms.default_app_is_stock", "bool",
       "the default SMS app is Google Messages, AOSP Messaging or the maker's own preinstalled app",
       "role_sms dumpsys_role settings_secure packages_system", contract=True,
       label="Default messaging app is the phone's own"),
    _f("sms.default_app_enabled", "bool", "the default SMS app is installed, enabled and not stopped",
       "package", label="Messaging app enabled"),
    _f("sms.receivers", "list", "other apps (not the default SMS app, not system) allowed to receive or "
       "read SMS", "sms_permissions packages_system", contract=True, label="Other apps that can read texts"),
    # notifications
    _f("notifications.sms_app_allowed", "bool",
       "the default SMS app may post notifications (permission on Android 13+ and not blocked)",
       "package notification", contract=True, label="Messaging app notifications", words=("allowed", "blocked"),
       deriver="apps"),
    _f("notifications.sms_app_silenced_channels", "list",
       "the SMS app's notification channels that are blocked or silent", "notification",
       label="Silenced message alert categories", deriver="apps"),
    _f("notifications.amazon_allowed", "bool",
       "Amazon Shopping may post notifications (every installed Amazon Shopping app)",
       "package notification", contract=True, label="Amazon Shopping notifications", words=("allowed", "blocked"),
       deriver="apps"),
    _f("notifications.dnd", "bool", "Do Not Disturb is on", "settings_global", contract=True,
       label="Do Not Disturb", words=ON_OFF),
    _f("notifications.dnd_mode", "enum", "Do Not Disturb mode", "settings_global", values=DND_MODES,
       label="Do Not Disturb mode"),
    # radio / network / power
    _f("radio.airplane_mode", "bool", "airplane mode is on", "settings_global", contract=True,
       label="Airplane mode", words=ON_OFF),
    _f("network.mobile_data", "bool", "mobile data is switched on", "settings_global",
       label="Mobile data", words=ON_OFF),
    _f("network.wifi_connected", "bool", "connected to a Wi-Fi network", "connectivity",
       label="Wi-Fi", words=("connected", "not connected")),
    _f("network.validated", "bool", "the active network has working internet", "connectivity",
       contract=True, label="Internet", words=("working", "not working")),
    _f("network.data_saver", "bool", "data saver is on", "netpolicy", label="Data saver", words=ON_OFF),
    _f("power.battery_saver", "bool", "battery saver is on", "settings_global", label="Battery saver", words=ON_OFF),
    _f("power.battery_level", "int", "battery charge", "battery", unit="%", label="Battery charge"),
    # time
    _f("time.auto_time", "bool", "date and time are set automatically", "settings_global", contract=True,
       label="Automatic date and time", words=ON_OFF),
    _f("time.auto_time_zone", "bool", "time zone is set automatically", "settings_global", contract=True,
       label="Automatic time zone", words=ON_OFF),
    _f("time.drift_seconds", "float", "device clock minus real time: the host's clock at capture, or (from a "
       "bug report) the phone's last network time fix", "date", unit="s",
       contract=True, label="Clock off by"),
    _f("time.zone", "str", "time zone id", "getprop", label="Time zone"),
    # signal / sim (for the SIM that receives SMS)
    _f("signal.service_state", "enum", "cellular service state of the SMS SIM", "telephony_registry",
       values=SERVICE_STATES, contract=True, label="Mobile network service"),
    _f("signal.level", "int", "signal bars, 0 (none) to 4 (full)", "telephony_registry", contract=True,
       label="Signal bars (0-4)"),
    _f("signal.dbm", "int", "signal strength", "telephony_registry", unit="dBm", contract=True,
       label="Signal strength"),
    _f("signal.network_type", "str", "radio technology (LTE, NR, UMTS…)", "telephony_registry getprop",
       label="Network type"),
    _f("signal.roaming", "bool", "the SMS SIM is roaming", "telephony_registry", contract=True, label="Roaming"),
    _f("signal.operator", "str", "network operator name", "telephony_registry getprop", label="Network"),
    _f("sim.state", "enum", "state of the SIM that receives SMS", "getprop isub", values=SIM_STATES,
       contract=True, label="SIM"),
    _f("sim.slots", "list", "per-slot details: state, operator, service (one entry per SIM slot)",
       "getprop isub telephony_registry", label="SIM slots"),
    _f("sim.count", "int", "number of SIM slots with a ready SIM", "getprop isub", label="SIMs ready"),
    _f("sim.sms_slot", "int", "slot index (0-based) of the SIM used for SMS", "isub settings_global",
       contract=True, label="SIM slot used for texts (from 0)"),
    _f("sim.phone_number", "str", "the SMS SIM's own number, where the SIM stores it", "isub",
       private=True, label="SIM's phone number"),
    _f("sim.expected_number_given", "bool", "the technician gave the number to expect (--expect-number)", "",
       label="Number to expect given", deriver=BY_CHECK),
    _f("sim.number_matches_expected", "bool",
       "the SMS SIM's number is the one the technician expects (check --expect-number)", "isub",
       label="Number is the one expected", deriver=BY_CHECK),
    # amazon
    _f("amazon.installed", "bool", "an Amazon Shopping app is installed",
       "packages_system packages_third_party", contract=True, label="Amazon Shopping installed"),
    _f("amazon.packages", "list", "installed Amazon Shopping packages", "packages_third_party packages_system",
       label="Amazon Shopping apps"),
    _f("amazon.version", "str", "Amazon Shopping version", "package", label="Amazon Shopping version"),
    _f("amazon.days_since_update", "int", "days since Amazon Shopping was last updated", "package",
       unit="days", label="Since Amazon Shopping's last update"),
    _f("amazon.background_restricted", "bool", "Amazon Shopping is restricted from running in the background",
       "appops", label="Amazon Shopping in the background", words=("restricted", "not restricted")),
    _f("amazon.standby_bucket", "enum", "app standby bucket of Amazon Shopping", "standby",
       values=STANDBY_BUCKETS, label="Amazon Shopping standby group"),
    # storage
    _f("storage.data_free_bytes", "int", "free space on the data partition", "diskstats", unit="bytes",
       contract=True, label="Free storage"),
    _f("storage.data_free_percent", "float", "free space on the data partition", "diskstats", unit="%",
       label="Free storage share"),
    # security
    _f("security.notification_listeners", "list",
       "apps allowed to read all notifications (they can read codes)", "settings_secure", contract=True,
       label="Apps that can read all notifications"),
    _f("security.accessibility_services", "list",
       "enabled accessibility services (they can read the screen)", "settings_secure", contract=True,
       label="Accessibility services"),
)

FACTS_BY_NAME: dict[str, FactSpec] = {f.name: f for f in FACTS}


def spec(name: str) -> FactSpec:
    return FACTS_BY_NAME[name]
