"""Fact values as a person reads them: yes/no, 40.0 GiB, 2 d 4 h, -85 dBm."""

from __future__ import annotations

from typing import Any

from droidcheck.facts.registry import FACTS_BY_NAME


def _bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _duration(seconds: float) -> str:
    s = abs(int(seconds))
    sign = "-" if seconds < 0 else ""
    if s < 120:
        return f"{seconds:+.1f} s" if isinstance(seconds, float) else f"{sign}{s} s"
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        return f"{sign}{days} d {hours} h"
    if hours:
        return f"{sign}{hours} h {minutes} min"
    return f"{sign}{minutes} min {s % 60} s"


def format_value(value: Any, unit: str | None = None) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return "none"
        if isinstance(value[0], dict):
            return f"{len(value)} item(s)"
        return ", ".join(map(str, value))
    if isinstance(value, int | float) and unit:
        if unit == "bytes":
            return _bytes(value)
        if unit == "s":
            return _duration(value)
        if unit == "%":
            return f"{value:.1f} %"
        return f"{value:g} {unit}"
    if isinstance(value, float):
        return f"{value:g}"
    if value == "":
        return "(none)"
    return str(value)


def format_fact(name: str, value: Any) -> str:
    spec = FACTS_BY_NAME.get(name)
    return format_value(value, spec.unit if spec else None)


def evidence_text(evidence: dict[str, Any]) -> str:
    return "; ".join(f"{name} = {format_fact(name, v)}" for name, v in evidence.items())


AREA_TITLES = {"sms-app": "SMS app", "phone-number": "Phone number"}


def area_title(area: str) -> str:
    """A rule's area id (``sms-app``) as people read it (``SMS app``), the same in every report."""
    return AREA_TITLES.get(area) or area.replace("-", " ").capitalize()


#: Order of areas in "all checks by area": putting the ones with failures first would reorder them between
#: phones, which confuses staff comparing printouts, so the order is fixed (and the same in every report).
AREA_ORDER = ("network", "phone-number", "sms-app", "notifications", "background", "time", "software",
              "security", "account")


def findings_by_area(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Checks (not the manual checklist) grouped by area, areas in ``AREA_ORDER``, then any others by name."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        if f.get("status") != "manual":
            grouped.setdefault(str(f.get("area") or "other"), []).append(f)
    order = {a: i for i, a in enumerate(AREA_ORDER)}
    return sorted(grouped.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
