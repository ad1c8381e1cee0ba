"""Do Not Disturb: what a ``zen_mode`` value means on a given phone (the one table droidcheck keeps).

``Settings.Global.ZEN_MODE`` (android.provider.Settings.Global ``ZEN_MODE_*``): 0 off, 1 important
interruptions (priority only), 2 no interruptions (total silence), 3 alarms only. ZenModeHelper reads an
absent value as off. MIUI keeps its own Silent mode in the same setting
(``MiuiSettings.SilenceMode.ZEN_MODE_MIUI_SILENT = 4``): 4 means that only on Xiaomi, Redmi and POCO
phones; on any other phone it is not a mode AOSP knows, and is not guessed.

Read by the ``notifications.dnd*`` facts (``settings list global``) and by ``droidcheck watch``
(``settings get global zen_mode``).
"""

from __future__ import annotations

#: ``zen_mode`` value → mode name (the ``notifications.dnd_mode`` fact's values).
ZEN_MODES: dict[int, str] = {0: "off", 1: "priority_only", 2: "total_silence", 3: "alarms_only", 4: "miui_silent"}
MIUI_SILENT = 4
#: Makers (``ro.product.manufacturer``, any case) whose phones run MIUI/HyperOS and its Silent mode.
XIAOMI_MAKERS = ("xiaomi", "redmi", "poco")


def zen_value(text: str) -> int | None:
    """A ``zen_mode`` value as a number, or None when it is not one digit (``null``, empty, an error)."""
    value = text.strip()
    return int(value) if len(value) == 1 and value in "0123456789" else None


def zen_mode(value: int | None, maker: str | None) -> str | None:
    """The Do Not Disturb mode ``value`` means on a phone made by ``maker``, or None when it means none
    (4 is MIUI's Silent mode on Xiaomi/Redmi/POCO only)."""
    if value == MIUI_SILENT and (maker or "").strip().lower() not in XIAOMI_MAKERS:
        return None
    return ZEN_MODES.get(value) if value is not None else None


def zen_label(value: int) -> str:
    """A mode as people read it: ``priority only``, ``MIUI Silent mode``; the number if it is no mode."""
    name = ZEN_MODES.get(value)
    if name is None:
        return str(value)
    return "MIUI Silent mode" if value == MIUI_SILENT else name.replace("_", " ")
