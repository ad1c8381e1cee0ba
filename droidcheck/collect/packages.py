"""Which apps the per-app probes read: the default SMS app and every installed Amazon Shopping app.

The collector (and the bug-report importer, and the simulator's snapshot) choose them from the phase-1
outputs, with the parsers alone; the apps fact deriver reads the default SMS app and the Amazon apps the
same way, so both use the functions here.
"""

from __future__ import annotations

from dataclasses import dataclass

from droidcheck.collect.plan import AMAZON_PACKAGES
from droidcheck.parsers.getprop import parse_getprop
from droidcheck.parsers.packages import parse_package_list
from droidcheck.parsers.role import is_package_name, parse_dumpsys_role, parse_role_holders
from droidcheck.parsers.settings import ambiguity, parse_settings_list
from droidcheck.screen import screen
from droidcheck.snapshot import Snapshot


@dataclass
class DefaultSmsApp:
    package: str | None  # "" = none set; None = unknown
    source: str = ""
    reason: str = ""


def resolve_default_sms_app(snapshot: Snapshot, sdk: int | None,
                            secure: dict[str, str] | None) -> DefaultSmsApp:
    """RoleManager first (API 29+), then the legacy secure setting; if they disagree the role wins."""
    if sdk is None or sdk >= 29:
        out = snapshot.get("role_sms")
        holders = parse_role_holders(out.stdout, out.exit_code) if out is not None else None
        if holders is not None:
            return DefaultSmsApp(holders[0] if holders else "", "role")
        holders = parse_dumpsys_role(snapshot.text("dumpsys_role"))
        if holders is not None:
            return DefaultSmsApp(holders[0] if holders else "", "dumpsys role")
    if secure is None:
        return DefaultSmsApp(None, reason=snapshot.why_missing("settings_secure"))
    doubt = ambiguity(secure, "sms_default_application")
    if doubt:
        return DefaultSmsApp(None, reason=doubt)
    value = secure.get("sms_default_application")
    if sdk is not None and sdk >= 29:
        # The role could not be read: the setting is only a legacy mirror on 10+, so be careful.
        if value and is_package_name(value.strip()):
            return DefaultSmsApp(value.strip(), "settings (legacy mirror; role not readable)")
        return DefaultSmsApp(None, reason="the SMS role could not be read and the legacy setting is empty")
    if value is None or value.strip() in ("", "null"):
        return DefaultSmsApp("", "settings")
    value = value.strip()
    return DefaultSmsApp(value, "settings") if is_package_name(value) else DefaultSmsApp(
        None, reason=f"sms_default_application has an unexpected value {value!r}")


def installed_amazon(snapshot: Snapshot) -> tuple[list[str] | None, str]:
    """The installed Amazon Shopping packages (None and why, when the app lists cannot tell)."""
    system = parse_package_list(snapshot.text("packages_system"))
    third = parse_package_list(snapshot.text("packages_third_party"))
    if system is None and third is None:
        return None, "the installed apps could not be listed"
    listed = (system or set()) | (third or set())
    found = [p for p in AMAZON_PACKAGES if p in listed]
    if not found and (system is None or third is None):
        missing = "packages_system" if system is None else "packages_third_party"
        return None, snapshot.why_missing(missing)
    return found, ""


def _sdk(snapshot: Snapshot) -> int | None:
    text = snapshot.text("getprop")
    value = parse_getprop(text).get("ro.build.version.sdk", "").strip() if text is not None else ""
    return int(value) if value.isdigit() else None


def _secure(snapshot: Snapshot) -> dict[str, str] | None:
    text = snapshot.text("settings_secure")
    return parse_settings_list(text) if text is not None else None


def packages_to_inspect(snapshot: Snapshot) -> list[str]:
    """Packages phase 2 must read: the default SMS app and every installed Amazon Shopping app (judged on
    the outputs in their command's format only: noise must not choose the apps to inspect)."""
    try:
        snapshot = screen(snapshot)
        sms = resolve_default_sms_app(snapshot, _sdk(snapshot), _secure(snapshot))
        amazon, _ = installed_amazon(snapshot)
    except Exception:  # the collector must always get a plan
        return []
    out = [sms.package] if sms.package else []
    return out + [p for p in (amazon or []) if p not in out]
