"""Shop details for printed reports, and the report content shared by the HTML and PDF renderers.

A repair shop sets its name (and technician) once in ``droidcheck.toml`` or ``droidcheck.yaml`` in the
user config directory (``platformdirs.user_config_dir("droidcheck")``); command line options override it::

    # droidcheck.toml
    shop = "Corner Phone Repair"
    shop_details = "12 High Street, Leeds · 0113 000 0000"
    technician = "Sam"
    paper = "Letter"   # PDF paper size; A4 if not set

Both renderers build their pages from :func:`build_report`, so the HTML and the PDF always say the same
thing, and both print :func:`result_digest` of the exact result they were rendered from.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from droidcheck.errors import InputError
from droidcheck.report.format import evidence_words, fact_label, findings_by_area, local_time, unknown_words
from droidcheck.result import CheckResult, FactEntry, FindingEntry

CONFIG_NAMES = ("droidcheck.toml", "droidcheck.yaml", "droidcheck.yml")

STATUS_LABEL = {"fail": "FAIL", "warn": "WARN", "unknown": "UNKNOWN", "pass": "pass", "skip": "skip",
                "manual": "check by hand"}
VERDICT_TEXT = {"fail": "Problems found that stop codes arriving or being seen",
                "warn": "Possible problems found",
                "pass": "No problem found on the phone: work through the checklist",
                "incomplete": "Incomplete: not everything was read, so problems may be missing. Read the phone again"}
#: The verdict of a phone droidcheck has just fixed: the story starts with what was fixed, not "no problem".
FIXED_TEXT = ("Problem found and fixed: no problem left on the phone. Work through the checklist",
              "Problems found and fixed: no problem left on the phone. Work through the checklist")
#: A fixed check's status in the result made after the fix, in words.
NOW_WORDS = {"pass": "passing", "fail": "still failing", "warn": "still a possible problem",
             "unknown": "could not be checked again", "skip": "no longer applies", "manual": "check by hand"}
TRANSPORT_WORDS = {"usb": "USB", "wifi/tcp": "the network (Wi-Fi adb)", "emulator": "emulator"}


def missing_lines(result: CheckResult) -> list[str]:
    """The important checks that could not be made (``verdict.missing``), one plain line each."""
    lines = []
    for m in (result.get("verdict") or {}).get("missing") or []:
        why = "; ".join(f"{fact_label(k)}: {v}" for k, v in (m.get("unknown_facts") or {}).items())
        lines.append(f"Not read: {m.get('title') or m.get('rule')}" + (f" ({why})" if why else ""))
    return lines


@dataclass(frozen=True)
class ShopInfo:
    """Who printed the report. Every field is optional; empty fields are left out of the page."""

    shop: str = ""
    shop_details: str = ""
    technician: str = ""
    ticket: str = ""
    paper: str = ""  # PDF paper size: "A4" (default) or "Letter"; the HTML prints on either

    def merged(self, **overrides: str | None) -> ShopInfo:
        """This info with every non-empty override applied (command line options beat the config file)."""
        return replace(self, **{k: v for k, v in overrides.items() if v})


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("droidcheck"))


def load_shop(directory: Path | None = None) -> ShopInfo:
    """Read the shop config file, if there is one (TOML first, then YAML). No file gives empty info."""
    directory = directory if directory is not None else config_dir()
    for name in CONFIG_NAMES:
        path = directory / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            if name.endswith(".toml"):
                import tomllib

                data: Any = tomllib.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text) or {}
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(f"cannot read {path}: {exc}", "Fix or delete the file.") from None
        except Exception as exc:  # yaml.YAMLError, without importing yaml up front
            raise InputError(f"cannot read {path}: {exc}", "Fix or delete the file.") from None
        if not isinstance(data, dict):
            raise InputError(f"{path} must hold keys like shop = \"...\"", None)
        known = {f.name for f in fields(ShopInfo)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"{path}: unknown key(s) {', '.join(unknown)}",
                             f"Known keys: {', '.join(sorted(known))}.")
        return ShopInfo(**{k: str(v) for k, v in data.items() if v is not None})
    return ShopInfo()


# -- the report content ------------------------------------------------------------------------------

def canonical_json(result: Mapping[str, Any]) -> str:
    return json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def result_digest(result: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``result``: lets anyone check a printout against the saved result."""
    return hashlib.sha256(canonical_json(result).encode("utf-8")).hexdigest()


def evidence_text(finding: Mapping[str, Any]) -> str:
    """One line of evidence in words ("Airplane mode: on"); for unknown checks, why the facts could not
    be read."""
    if finding.get("status") == "unknown" and finding.get("unknown_facts"):
        return unknown_words(finding["unknown_facts"])
    return evidence_words(finding.get("evidence") or {})


def evidence_facts(finding: FindingEntry) -> str:
    """The fact names behind a check's evidence, for the technician (``radio.airplane_mode``)."""
    names = finding.get("unknown_facts") if finding.get("status") == "unknown" else None
    return ", ".join(names or finding.get("evidence") or {})


def check_name(finding: FindingEntry) -> str:
    """A problem reads as its title ("Airplane mode is on"); anything else as the neutral check name."""
    if finding.get("status") in ("fail", "warn"):
        return str(finding.get("title", ""))
    return str(finding.get("label") or finding.get("title", ""))


@dataclass
class Cause:
    rank: int
    finding: FindingEntry
    explained: list[FindingEntry] = field(default_factory=list)


@dataclass
class Change:
    """One change fix mode made (or tried), as the story a customer reads: found, done, now."""

    found: str  # the problem the fix was for ("Airplane mode is on")
    found_status: str  # its status when found: fail, warn…
    action: str  # what droidcheck did, in plain words, no closing full stop
    outcome: str  # "done", "declined", "failed on the phone: …", "screen opened; …"
    applied: bool
    when: str  # the shop's local time
    now_status: str  # the check's status in this result ("" if it is not in it)
    now: str  # what the phone shows now, in words
    setting: str  # the technician's detail: "airplane_mode_on: 1 → 0"


@dataclass
class Stage:
    """One row of the code delivery timeline: stage, what happened, when after the request."""

    label: str
    status: str  # reached, not_reached, not_observable, unreadable, waiting
    words: str  # the status as people read it
    after: str  # "+0.7 s" for a reached stage, else ""


@dataclass
class Report:
    """Everything a printed report shows, as plain strings (renderers escape them)."""

    shop: ShopInfo
    title: str
    printed_at: str
    captured_at: str
    identity: list[tuple[str, str]]
    verdict: str
    verdict_text: str
    counts: str
    complete: bool
    problems: list[str]
    causes: list[Cause]
    areas: list[tuple[str, list[FindingEntry]]]
    checklist: list[FindingEntry]
    digest: str
    redacted: bool
    version: str
    changes: list[Change] = field(default_factory=list)  # what fix mode changed: the story, told first
    delivery: list[str] = field(default_factory=list)  # the watch result's summary and notes, plain lines
    timeline: list[Stage] = field(default_factory=list)  # the watch result, stage by stage
    missing: list[str] = field(default_factory=list)  # important checks not made: "Not read: …"
    connection: str = ""  # how the technician's computer reached the phone (adb serial, transport)


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else nothing: a saved result or watch file is input and may be edited."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _setting_change(c: dict[str, Any]) -> str:
    """What a change did to the phone's settings, for the technician: ``airplane_mode_on: 1 → 0``."""
    before, after = c.get("before") or {}, c.get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ""
    parts = []
    for key in dict.fromkeys([*before, *after]):
        old, new = " ".join(str(before.get(key, "?")).split()), " ".join(str(after.get(key, "?")).split())
        parts.append(f"{key}: {old[:40]} → {new[:40]}" if old != new else f"{key}: {old[:40]}")
    return "; ".join(parts)


def changes_of(result: CheckResult, zone: tzinfo | None = None) -> list[Change]:
    """Fix mode's changes (``result["changes"]``) as the story a customer reads: the problem found, what
    was done and when, and what the same check says now (this result was made after the changes)."""
    by_rule = {str(f.get("rule")): f for f in _list(result.get("findings")) if isinstance(f, dict)}
    story = []
    for c in _list(result.get("changes")):
        if not isinstance(c, dict):
            continue
        fixed = [f for f in _list(c.get("findings")) if isinstance(f, dict)]
        rule = str(fixed[0].get("rule")) if fixed else None
        now = by_rule.get(rule) or {} if rule else {}
        found = str(now.get("title") or rule or c.get("fix") or "a problem")
        applied = bool(c.get("applied"))
        story.append(Change(
            found=found.rstrip(". "), found_status=str(fixed[0].get("status") or "") if fixed else "",
            action=str(c.get("summary") or c.get("fix") or "change").strip().rstrip("."),
            outcome=str(c.get("why") or ("done" if applied else "not applied")), applied=applied,
            when=local_time(c.get("time"), zone), now_status=str(now.get("status") or ""),
            now=evidence_text(now) if now else "", setting=_setting_change(c)))
    return story


_STAGE_WORDS = {"reached": "reached", "not_reached": "not reached", "not_observable": "cannot be seen on this phone",
                "unreadable": "could not be read", "waiting": "still waiting"}


def timeline_of(result: CheckResult) -> list[Stage]:
    """A watch result's stages as timeline rows, in the order the watch lists them."""
    watch = result.get("watch")
    if not isinstance(watch, dict):
        return []
    rows = []
    for stage in _list(watch.get("stages")):
        if not isinstance(stage, dict):
            continue
        status = str(stage.get("status", ""))
        after = stage.get("after_s")
        reached = (status == "reached" and isinstance(after, int | float) and not isinstance(after, bool)
                   and math.isfinite(after))
        rows.append(Stage(str(stage.get("label") or stage.get("id") or ""), status,
                          _STAGE_WORDS.get(status, status.replace("_", " ")),
                          f"+{after:.1f} s" if reached else ""))
    return rows


def delivery_summary(result: CheckResult, zone: tzinfo | None = None) -> list[str]:
    """A watch result's verdict, notes (why: DND on, block inferred…), when it started and the sender."""
    watch = result.get("watch")
    if not isinstance(watch, dict):
        return []
    verdict = _dict(watch.get("verdict"))
    lines = [str(verdict.get("summary") or "")] if verdict.get("summary") else []
    lines += [str(note) for note in _list(verdict.get("notes")) if note]
    if watch.get("started_at"):
        lines.append(f"Code requested at {local_time(watch['started_at'], zone)}; times below are after the "
                     "request.")
    if watch.get("sender"):
        lines.append(f"Sender: {watch['sender']}")
    return lines


def _value(facts: dict[str, FactEntry], name: str) -> Any:
    fact = facts.get(name)
    return fact.get("value") if fact else None


def _operators(result: CheckResult) -> str:
    facts = result.get("facts") or {}
    slots = _value(facts, "sim.slots")
    names: list[str] = []
    if isinstance(slots, list):
        for slot in slots:
            if isinstance(slot, dict) and slot.get("operator"):
                names.append(str(slot["operator"]))
    op = _value(facts, "signal.operator")
    if not names and op:
        names.append(str(op))
    return " / ".join(dict.fromkeys(names))


def _serial_number(result: CheckResult, mask: bool) -> str:
    """The phone's own serial number (the ``device.serial_number`` fact), masked unless asked. A result
    from before that fact: a USB phone's adb serial is its serial number; a network one's is an address."""
    from droidcheck.report.redact import mask_identifier

    fact = _dict(result.get("facts")).get("device.serial_number")
    d = _dict(result.get("device"))
    if isinstance(fact, dict):
        value = str(fact.get("value") or "") if fact.get("status") == "ok" else ""
    else:
        value = str(d.get("serial") or "") if d.get("transport") == "usb" else ""
    if not value:
        return "not read"
    return mask_identifier(value) if mask else value


def _connection(d: Mapping[str, Any], mask: bool) -> str:
    """How the phone was reached, for the technician: its adb serial and the transport."""
    from droidcheck.report.redact import mask_serial

    serial = str(d.get("serial") or "")
    if not serial:
        return ""
    how = TRANSPORT_WORDS.get(str(d.get("transport") or ""), "")
    return f"{mask_serial(serial) if mask else serial}" + (f" over {how}" if how else "")


def build_report(result: CheckResult, shop: ShopInfo | None = None, *, mask: bool = True,
                 printed_at: datetime | None = None, zone: tzinfo | None = None) -> Report:
    """The report for ``result``. ``mask`` hides the middle of the serial number and the adb serial (not
    part of ``redact_result`` for the adb serial, which tells phones apart in JSON; on paper, which leaves
    the shop, it is hidden). Times are in ``zone``, the computer's own zone unless given."""
    d = result.get("device") or {}
    name = " ".join(str(x) for x in (d.get("maker"), d.get("model")) if x) or "unknown phone"
    android = f"Android {d['android_release']}" if d.get("android_release") else "unknown"
    if d.get("sdk"):
        android += f" (API {d['sdk']})"
    identity = [("Phone", name), ("Android", android),
                ("Security patch", str(d.get("security_patch") or "unknown")),
                ("Serial number", _serial_number(result, mask))]
    operators = _operators(result)
    if operators:
        identity.append(("Network", operators))

    findings = list(result.get("findings") or [])
    by_rule = {f.get("rule"): f for f in findings}
    causes = []
    for n, rule in enumerate((result.get("verdict") or {}).get("likely_causes") or [], 1):
        f = by_rule.get(rule)
        if f is not None:
            causes.append(Cause(n, f, [by_rule[r] for r in f.get("explains") or [] if r in by_rule]))

    areas = findings_by_area(findings)

    tally: dict[str, int] = {}
    for f in findings:
        tally[f.get("status", "")] = tally.get(f.get("status", ""), 0) + 1
    counts = ", ".join(f"{tally[s]} {STATUS_LABEL[s].lower()}" for s in ("fail", "warn", "unknown", "pass")
                       if tally.get(s))
    verdict = str((result.get("verdict") or {}).get("status") or "unknown")
    changes = changes_of(result, zone)
    fixed = [c for c in changes if c.applied and c.now_status in ("pass", "skip")]
    verdict_text = VERDICT_TEXT.get(verdict, verdict)
    if verdict == "pass" and fixed:
        verdict_text = FIXED_TEXT[len(fixed) > 1]
    return Report(
        shop=shop or ShopInfo(), title="SMS code check report",
        printed_at=local_time(printed_at or datetime.now().astimezone(), zone),
        captured_at=local_time(result.get("captured_at"), zone), identity=identity, verdict=verdict,
        verdict_text=verdict_text, counts=counts,
        complete=bool(result.get("complete", True)), problems=[str(p) for p in result.get("problems") or []],
        causes=causes, areas=areas, checklist=[f for f in findings if f.get("status") == "manual"],
        digest=result_digest(result), redacted=bool(result.get("redacted")),
        version=str(result.get("droidcheck_version") or ""),
        changes=changes, delivery=delivery_summary(result, zone), timeline=timeline_of(result),
        missing=missing_lines(result), connection=_connection(d, mask),
    )


