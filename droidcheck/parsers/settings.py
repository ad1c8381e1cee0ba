"""`settings list global|secure|system`: one ``key=value`` line per setting.

Printed by SettingsService (frameworks/base/packages/SettingsProvider/.../SettingsService.java,
``dumpListLocked``): ``name=value`` with a null value printed as ``null``. Values may contain ``=``; only
the first ``=`` splits. Lines without ``=`` (errors, help text) are ignored.
"""

from __future__ import annotations


def parse_settings_list(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.replace("\r", "").split("\n"):
        if "=" not in line or line.startswith((" ", "\t")):
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if key and " " not in key:
            out[key] = value
    return out


def setting_bool(settings: dict[str, str], key: str) -> bool | None:
    """``1``/``0`` → True/False; anything else (``null``, absent, odd) → None."""
    value = settings.get(key)
    if value is None:
        return None
    value = value.strip()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    return None
