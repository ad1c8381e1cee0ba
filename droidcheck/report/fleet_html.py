"""The fleet summary report: one self-contained HTML page for a whole lab run.

Devices × areas matrix (worst devices first), counts, the causes most common across the fleet, and a
section per device with its likely causes, evidence and fixes; matrix rows link to the sections.
Everything a phone or a lab file reports is escaped.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from droidcheck.report.format import area_title, evidence_text

_RANK = {"fail": 0, "warn": 1, "unknown": 2, "pass": 3, "skip": 4, "manual": 5}
_CELL = {"fail": "✗ fail", "warn": "! warn", "unknown": "? unknown", "pass": "✓", "skip": "–"}

CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;margin:0;background:#f4f4f4}
main{max-width:1100px;margin:0 auto;background:#fff;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-bottom:1px solid #ddd;margin:22px 0 8px}
h3{font-size:15px;margin:16px 0 4px}.muted{color:#666}.small{font-size:12px}
table{border-collapse:collapse;width:100%}th,td{padding:4px 6px;border-bottom:1px solid #e5e5e5;text-align:left;
vertical-align:top}th{font-size:12px;color:#555}
.counts span{display:inline-block;margin-right:14px;font-weight:600}
.s-fail,.s-failed{color:#b00020}.s-warn{color:#8a5a00}.s-unknown,.s-not-ready{color:#6a1b9a}
.s-incomplete,.s-notread{color:#a35a00;font-weight:600}
.s-pass,.s-passed{color:#1b7a2b}.s-skip{color:#999}
td.cell{text-align:center;white-space:nowrap;font-size:12px}
td.c-fail{background:#fde7ea}td.c-warn{background:#fff4d6}td.c-unknown{background:#f1e6f7}td.c-pass{background:#eaf6ec}
.dev{border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:10px 0;break-inside:avoid}
code{font-size:12px;background:#f4f4f4;padding:0 3px;border-radius:3px}
.scroll{overflow-x:auto}
@media print{body{background:#fff}main{padding:0}.dev{page-break-inside:avoid}}
@media (max-width:640px){main{padding:12px}td,th{padding:3px}}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _anchor(key: str) -> str:
    return "dev-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def _area_status(result: dict[str, Any] | None) -> dict[str, str]:
    worst: dict[str, str] = {}
    for f in (result or {}).get("findings") or []:
        status = f.get("status", "")
        if status == "manual":
            continue
        area = f.get("area", "")
        if area not in worst or _RANK.get(status, 9) < _RANK.get(worst[area], 9):
            worst[area] = status
    return worst


def _severity_score(result: dict[str, Any] | None) -> tuple[int, int]:
    findings = (result or {}).get("findings") or []
    return (-sum(f.get("status") == "fail" for f in findings), -sum(f.get("status") == "warn" for f in findings))


def _device_section(row: dict[str, Any], result: dict[str, Any] | None) -> str:
    key = row.get("key", "")
    status = str(row.get("status", ""))
    head = (f'<section class="dev" id="{_e(_anchor(key))}"><h3>{_e(row.get("model") or row.get("serial"))} '
            f'<span class="s-{_e(status.replace(" ", "-"))}">{_e(status)}</span></h3>'
            f'<div class="small muted">{_e(row.get("serial"))} on {_e(row.get("server"))}'
            + (f' · {_e(row.get("label"))}' if row.get("label") else "") + "</div>")
    parts = [head]
    if row.get("hint"):
        parts.append(f"<p><strong>What to do:</strong> {_e(row['hint'])}</p>")
    for problem in (row.get("problems") or [])[:4]:
        parts.append(f'<p class="small s-incomplete">{_e(problem)}</p>')
    findings = {f.get("rule"): f for f in (result or {}).get("findings") or []}
    causes = [findings[r] for r in ((result or {}).get("verdict") or {}).get("likely_causes") or [] if r in findings]
    if causes:
        items = []
        for f in causes:
            fix = f.get("fix") or []
            items.append(f'<li><strong class="s-{_e(f.get("status"))}">{_e(f.get("title"))}</strong>'
                         f' <code>{_e(evidence_text(f.get("evidence") or {}))}</code>'
                         + (f'<br><span class="small">→ {_e(fix[0])}</span>' if fix else "") + "</li>")
        parts.append("<ol>" + "".join(items) + "</ol>")
    missing = ((result or {}).get("verdict") or {}).get("missing") or []
    for m in missing[:8]:
        parts.append(f'<p class="small s-notread">Not read: {_e(m.get("title") or m.get("rule"))}</p>')
    if causes or result is None or row.get("hint"):
        pass
    elif missing or ((result or {}).get("verdict") or {}).get("status") == "incomplete":
        parts.append('<p class="s-notread">None found in what was read: read the phone again.</p>')
    else:
        parts.append('<p class="s-pass">No problem found on the phone.</p>')
    parts.append("</section>")
    return "".join(parts)


def to_fleet_html(summary: dict[str, Any], results: dict[str, dict[str, Any] | None]) -> str:
    """``summary`` as written to summary.json; ``results`` maps device keys to their (redacted) results."""
    rows = list(summary.get("devices") or [])
    status_rank = {"failed": 0, "incomplete": 1, "not ready": 2, "passed": 3}
    rows.sort(key=lambda r: (status_rank.get(r.get("status"), 9), _severity_score(results.get(r.get("key"))),
                             r.get("key", "")))
    areas = sorted({a for r in rows for a in _area_status(results.get(r.get("key")))})
    counts = summary.get("counts") or {}
    body = [f"<h1>Fleet check · run {_e(summary.get('run_id'))}</h1>",
            f'<div class="muted small">Started {_e(summary.get("started"))} · finished {_e(summary.get("finished"))}'
            f' · servers {_e(", ".join(map(str, summary.get("servers") or [])))}</div>',
            '<p class="counts">' + "".join(
                f'<span class="s-{_e(k.replace(" ", "-"))}">{_e(counts.get(k, 0))} {_e(k)}</span>'
                for k in ("failed", "incomplete", "not ready", "passed")) + f'<span>{_e(counts.get("total", 0))} in all'
            "</span></p>"]
    common = summary.get("common_causes") or []
    if common:
        body.append("<h2>Most common causes</h2><table><tr><th>cause</th><th>devices</th></tr>" + "".join(
            f'<tr><td>{_e(c.get("title"))} <span class="muted small">({_e(c.get("rule"))})</span></td>'
            f'<td>{_e(c.get("devices"))}</td></tr>' for c in common[:15]) + "</table>")
    head = "".join(f"<th>{_e(area_title(a))}</th>" for a in areas)
    matrix = [f'<h2>Devices × areas</h2><div class="scroll"><table><tr><th>device</th><th>status</th>{head}</tr>']
    for r in rows:
        cells = _area_status(results.get(r.get("key")))
        tds = "".join(f'<td class="cell c-{_e(cells.get(a, ""))}">{_e(_CELL.get(cells.get(a, ""), ""))}</td>'
                      for a in areas)
        status = str(r.get("status", ""))
        matrix.append(f'<tr><td><a href="#{_e(_anchor(r.get("key", "")))}">{_e(r.get("model") or r.get("serial"))}'
                      f'</a><div class="small muted">{_e(r.get("serial"))}</div></td>'
                      f'<td class="s-{_e(status.replace(" ", "-"))}">{_e(status)}</td>{tds}</tr>')
    matrix.append("</table></div>")
    body += matrix
    if summary.get("not_checked"):
        body.append("<h2>Planned but not checked</h2><ul>"
                    + "".join(f"<li>{_e(k)}</li>" for k in summary["not_checked"]) + "</ul>")
    body.append("<h2>Devices</h2>")
    body += [_device_section(r, results.get(r.get("key"))) for r in rows]
    body.append('<p class="small muted">droidcheck fleet report · phone numbers, IMEI/ICCID and codes are '
                "hidden unless the run used --no-redact.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>droidcheck fleet {_e(summary.get('run_id'))}</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")
