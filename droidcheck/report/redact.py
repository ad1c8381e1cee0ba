"""Privacy: phone numbers, IMEI/ICCID and anything that looks like a one-time code never leave droidcheck
unless the user asks (``--no-redact``).

Redaction works on the finished result (every string in it, at any depth) and on private facts by name,
so no reporter can forget it: reporters only ever see the redacted result.
"""

from __future__ import annotations

import re
from typing import Any

from droidcheck.facts.registry import FACTS_BY_NAME

REDACTED = "[redacted]"

_ICCID = re.compile(r"(?<![\w.])89\d{16,18}(?![\w.])")
_IMEI = re.compile(r"(?<![\w.])\d{15}(?![\w.])")
# International or long national numbers, allowing spaces, dashes and brackets between digits. What
# comes before is checked in ``_phone`` rather than by a look-behind, which made this pass 5x slower.
_PHONE = re.compile(r"(?:\+|00)\d[\d ()\-]{6,17}\d(?![\w.])|0\d{9,10}(?![\w.])")
_NOT_BEFORE_PHONE = frozenset("_.:/-")


def _phone(m: re.Match[str]) -> str:
    before = m.string[m.start() - 1] if m.start() else " "
    return m.group(0) if before.isalnum() or before in _NOT_BEFORE_PHONE else REDACTED


# A 4-8 digit code near the words that name one, in either order.
_OTP = re.compile(
    r"(?i)(\b(?:otp|code|passcode|verification|one[- ]time|password|pin)\b\D{0,25}?)"
    r"\b(?:\d{2,4}[ -]\d{2,4}|\d{4,8})\b"
    r"|\b(?:\d{3}[ -]\d{3}|\d{4,8})\b(?=\D{0,25}\b(?:is your|otp|code|passcode|verification)\b)"
)


_TWO_DIGITS = re.compile(r"\d\d")


#: Every _OTP match needs one of these words; checking for them first is 2-4x cheaper than _OTP itself on
#: long command output, where they are rare.
_OTP_WORD = re.compile(r"(?i)\b(?:otp|code|passcode|verification|one[- ]time|password|pin|is your)\b")


def redact_text(text: str) -> str:
    if not _TWO_DIGITS.search(text):  # most strings (titles, explanations, fix steps) hold nothing to hide
        return text
    text = _ICCID.sub(REDACTED, text)
    text = _IMEI.sub(REDACTED, text)
    text = _PHONE.sub(_phone, text)
    if not _OTP_WORD.search(text):
        return text
    return _OTP.sub(lambda m: (m.group(1) or "") + REDACTED, text)


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value


def mask_serial(serial: str) -> str:
    """Keep the first 2 and last 2 characters of a serial; lab staff can still tell phones apart."""
    if len(serial) <= 4 or (":" in serial and serial.rsplit(":", 1)[0].count(".") == 3):
        return serial  # loopback / network addresses are not personal
    return serial[:2] + "•" * (len(serial) - 4) + serial[-2:]


def redact_result(result: dict[str, Any]) -> dict[str, Any]:
    """A copy of a result dict with private facts blanked and every string scrubbed."""
    out = redact_value(result)
    for name, fact in (out.get("facts") or {}).items():
        spec = FACTS_BY_NAME.get(name)
        if spec is not None and spec.private and fact.get("value") not in (None, ""):
            fact["value"] = REDACTED
    for finding in out.get("findings") or []:
        for name in list((finding.get("evidence") or {}).keys()):
            spec = FACTS_BY_NAME.get(name)
            if spec is not None and spec.private and finding["evidence"][name] not in (None, ""):
                finding["evidence"][name] = REDACTED
    out["redacted"] = True
    return out


#: Settings that name the owner or identify the phone to apps, and that no check needs: the phone's
#: name ("Anna's Galaxy"), its Bluetooth name and address, and the per-app-signing Android ID.
PRIVATE_SETTINGS = frozenset({"device_name", "bluetooth_name", "bluetooth_address", "android_id"})
_SETTING_LINE = re.compile(r"^(?P<key>[\w.]+)=(?P<value>.*)$", re.MULTILINE)
#: Wi-Fi network names: ``extra: "HomeNet"`` (NetworkInfo) and ``SSID: "HomeNet"`` (NetworkCapabilities).
_SSID = re.compile(r'(?P<label>\bextra: |\bSSID: )"[^"\n]*"')


def _scrub_settings(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        return f"{m.group('key')}={REDACTED}" if m.group("key") in PRIVATE_SETTINGS and m.group("value") else m.group(0)

    return _SETTING_LINE.sub(one, text)


def redact_output(probe: str, text: str) -> str:
    """One command's output as it may be saved: numbers, IDs and codes removed everywhere, and per
    command what names the owner (settings above, Wi-Fi network names in ``dumpsys connectivity``)."""
    text = redact_text(text)
    if probe.startswith("settings_"):
        text = _scrub_settings(text)
    elif probe == "connectivity":
        text = _SSID.sub(lambda m: f'{m.group("label")}"{REDACTED}"', text)
    return text


def redact_snapshot(snapshot):  # (Snapshot) -> Snapshot; typed loosely to keep this module import-light
    """A copy of a snapshot with every command output scrubbed, for saving or sending to support."""
    from dataclasses import replace

    from droidcheck.snapshot import Snapshot

    meta = snapshot.meta
    clean = Snapshot(meta=replace(meta, problems=[redact_text(p) for p in meta.problems], redacted=True))
    for out in snapshot.outputs.values():
        clean.add(replace(out, stdout=redact_output(out.probe, out.stdout),
                          error=redact_text(out.error) if out.error else out.error))
    return clean
