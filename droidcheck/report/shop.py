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
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from droidcheck.errors import InputError
from droidcheck.report.format import findings_by_area

CONFIG_NAMES = ("droidcheck.toml", "droidcheck.yaml", "droidcheck.yml")

STATUS_LABEL = {"fail": "FAIL", "warn": "WARN", "unknown": "UNKNOWN", "pass": "pass", "skip": "skip",
                "manual": "check by hand"}
VERDICT_TEXT = {"fail": "Problems found that stop codes arriving or being seen",
                "warn": "Possible problems found",
                "pass": "No problem found on the phone: work through the checklist",
                "incomplete": "Incomplete: not everything was read, so problems may be missing. Read the phone again"}


def missing_lines(result: dict[str, Any]) -> list[str]:
    """The important checks that could not be made (``verdict.missing``), one plain line each."""
    lines = []
    for m in (result.get("verdict") or {}).get("missing") or []:
        why = "; ".join(f"{k}: {v}" for k, v in (m.get("unknown_facts") or {}).items())
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

def canonical_json(result: dict[str, Any]) -> str:
    return json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def result_digest(result: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``result``: lets anyone check a printout against the saved result."""
    return hashlib.sha256(canonical_json(result).encode("utf-8")).hexdigest()


def evidence_text(finding: dict[str, Any]) -> str:
    """One line of evidence; for unknown checks, why the facts could not be read."""
    if finding.get("status") == "unknown" and finding.get("unknown_facts"):
        return "; ".join(f"{k}: {v}" for k, v in finding["unknown_facts"].items())
    from droidcheck.report.format import evidence_text as _plain

    return _plain(finding.get("evidence") or {})


def check_name(finding: dict[str, Any]) -> str:
    """A problem reads as its title ("Airplane mode is on"); anything else as the neutral check name."""
    if finding.get("status") in ("fail", "warn"):
        return str(finding.get("title", ""))
    return str(finding.get("label") or finding.get("title", ""))


@dataclass
class Cause:
    rank: int
    finding: dict[str, Any]
    explained: list[dict[str, Any]] = field(default_factory=list)


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
    areas: list[tuple[str, list[dict[str, Any]]]]
    checklist: list[dict[str, Any]]
    digest: str
    redacted: bool
    version: str
    changes: list[str] = field(default_factory=list)  # one plain line per change fix mode made
    delivery: list[str] = field(default_factory=list)  # the watch result, as plain lines
    missing: list[str] = field(default_factory=list)  # important checks not made: "Not read: …"


def change_lines(result: dict[str, Any]) -> list[str]:
    """Fix mode's changes (``result["changes"]``) as lines a customer can read: what, before → after."""
    lines = []
    for c in result.get("changes") or []:
        what = str(c.get("summary") or c.get("fix") or "change")
        before = "; ".join(f"{k} {v}" for k, v in (c.get("before") or {}).items())
        after = "; ".join(f"{k} {v}" for k, v in (c.get("after") or {}).items())
        if c.get("applied"):
            state = f"done ({before} → {after})" if before or after else "done"
        else:
            state = str(c.get("why") or "not applied")
        when = str(c.get("time") or "")[:16].replace("T", " ")
        lines.append(f"{when} {what}: {state}".strip())
    return lines


def delivery_lines(result: dict[str, Any]) -> list[str]:
    """A watch result (``result["watch"]``): where the requested code got to, stage by stage."""
    watch = result.get("watch")
    if not isinstance(watch, dict):
        return []
    verdict = watch.get("verdict") or {}
    lines = [str(verdict.get("summary") or "")] if verdict.get("summary") else []
    lines += [str(note) for note in verdict.get("notes") or [] if note]  # why: DND on, block inferred…
    for stage in watch.get("stages") or []:
        status = str(stage.get("status", "")).replace("_", " ")
        after = stage.get("after_s")
        when = f" after {after:.0f} s" if isinstance(after, int | float) and status == "reached" else ""
        lines.append(f"{stage.get('label') or stage.get('id')}: {status}{when}")
    if watch.get("sender"):
        lines.append(f"Sender: {watch['sender']}")
    return lines


def _operators(result: dict[str, Any]) -> str:
    facts = result.get("facts") or {}
    slots = (facts.get("sim.slots") or {}).get("value")
    names: list[str] = []
    if isinstance(slots, list):
        for slot in slots:
            if isinstance(slot, dict) and slot.get("operator"):
                names.append(str(slot["operator"]))
    op = (facts.get("signal.operator") or {}).get("value")
    if not names and op:
        names.append(str(op))
    return " / ".join(dict.fromkeys(names))


def build_report(result: dict[str, Any], shop: ShopInfo | None = None, *, mask: bool = True,
                 printed_at: datetime | None = None) -> Report:
    """The report for ``result``. ``mask`` hides the middle of the serial (not part of ``redact_result``,
    because the serial is needed to tell phones apart in JSON; on paper, which leaves the shop, it is not)."""
    from droidcheck.report.redact import mask_serial

    d = result.get("device") or {}
    name = " ".join(str(x) for x in (d.get("maker"), d.get("model")) if x) or "unknown phone"
    android = f"Android {d['android_release']}" if d.get("android_release") else "unknown"
    if d.get("sdk"):
        android += f" (API {d['sdk']})"
    serial = str(d.get("serial") or "")
    identity = [("Phone", name), ("Android", android),
                ("Security patch", str(d.get("security_patch") or "unknown")),
                ("Serial", (mask_serial(serial) if mask else serial) or "unknown")]
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
    return Report(
        shop=shop or ShopInfo(), title="SMS code check report",
        printed_at=(printed_at or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip(),
        captured_at=str(result.get("captured_at") or "unknown"), identity=identity, verdict=verdict,
        verdict_text=VERDICT_TEXT.get(verdict, verdict), counts=counts,
        complete=bool(result.get("complete", True)), problems=[str(p) for p in result.get("problems") or []],
        causes=causes, areas=areas, checklist=[f for f in findings if f.get("status") == "manual"],
        digest=result_digest(result), redacted=bool(result.get("redacted")),
        version=str(result.get("droidcheck_version") or ""),
        changes=change_lines(result), delivery=delivery_lines(result), missing=missing_lines(result),
    )


