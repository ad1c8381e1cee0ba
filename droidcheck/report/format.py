"""Fact values as a person reads them: yes/no, 40.0 GiB, 2 d 4 h, -85 dBm; evidence in words ("Airplane
mode: on"); times in the shop's local time with its zone."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from droidcheck.facts.registry import FACTS_BY_NAME
from droidcheck.result import FindingEntry


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
    """Evidence as the technician's detail: fact names and values (``radio.airplane_mode = yes``)."""
    return "; ".join(f"{name} = {format_fact(name, v)}" for name, v in evidence.items())


def fact_label(name: str) -> str:
    """A fact's name as people read it (``Airplane mode``); a name the registry does not know as it is."""
    spec = FACTS_BY_NAME.get(name)
    return spec.label if spec is not None and spec.label else name


def fact_words(name: str, value: Any) -> str:
    """A fact's value in words: a bool as the fact's own words (on/off, allowed/blocked), an enum value
    with spaces (``in_service`` → ``in service``), anything else as :func:`format_fact`."""
    spec = FACTS_BY_NAME.get(name)
    if spec is not None and isinstance(value, bool):
        return spec.words[0] if value else spec.words[1]
    if spec is not None and spec.values and isinstance(value, str) and value in spec.values:
        return value.replace("_", " ")
    return format_fact(name, value)


def evidence_words(evidence: dict[str, Any]) -> str:
    """Evidence as a customer reads it: ``Airplane mode: on; Mobile network service: power off``."""
    return "; ".join(f"{fact_label(name)}: {fact_words(name, v)}" for name, v in evidence.items())


def unknown_words(unknown_facts: dict[str, Any]) -> str:
    """Why a check's facts could not be read, labelled in words: ``SIM: unknown (the reason)``."""
    return "; ".join(f"{fact_label(name)}: unknown ({why})" for name, why in unknown_facts.items())


def local_zone() -> tzinfo:
    """The computer's own time zone: the shop's, for a report printed in the shop."""
    return datetime.now().astimezone().tzinfo or UTC


def _zone_name(moment: datetime) -> str:
    """A short zone name (``CET``, ``GMT``, ``UTC``), else the offset (``UTC+05:30``): Windows names
    zones in long words ("W. Europe Standard Time") and some zones only have numbers ("+0530")."""
    name = moment.tzname() or ""
    if name.isalpha() and 2 <= len(name) <= 5:
        return name
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as droidcheck writes them (``2026-12-02T03:25:30Z``, ``…+00:00``, ``….329Z``), an
    aware datetime or epoch seconds; ``None`` for anything else (times in a result file are input)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_time(value: Any, zone: tzinfo | None = None, *, seconds: bool = False) -> str:
    """A time in the one format every printed report uses: the shop's local time and its zone
    (``2026-12-02 04:25 CET``). A time that cannot be read is shown as it is, or "unknown"."""
    moment = parse_time(value)
    if moment is None:
        return str(value) if value not in (None, "") else "unknown"
    moment = moment.astimezone(zone or local_zone())
    return f"{moment:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {_zone_name(moment)}"


AREA_TITLES = {"sms-app": "SMS app", "phone-number": "Phone number"}


def area_title(area: str) -> str:
    """A rule's area id (``sms-app``) as people read it (``SMS app``), the same in every report."""
    return AREA_TITLES.get(area) or area.replace("-", " ").capitalize()


#: Order of areas in "all checks by area": putting the ones with failures first would reorder them between
#: phones, which confuses staff comparing printouts, so the order is fixed (and the same in every report).
AREA_ORDER = ("network", "phone-number", "sms-app", "notifications", "background", "time", "software",
              "security", "account")


def findings_by_area(findings: list[FindingEntry]) -> list[tuple[str, list[FindingEntry]]]:
    """Checks (not the manual checklist) grouped by area, areas in ``AREA_ORDER``, then any others by name."""
    grouped: dict[str, list[FindingEntry]] = {}
    for f in findings:
        if f.get("status") != "manual":
            grouped.setdefault(str(f.get("area") or "other"), []).append(f)
    order = {a: i for i, a in enumerate(AREA_ORDER)}
    return sorted(grouped.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
