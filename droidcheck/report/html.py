"""A printable per-device report as one self-contained HTML file (no fonts, scripts or images to fetch).

Every value goes through :func:`html.escape`: operator names, app labels and evidence come from the phone
and must never become markup. The page is responsive (readable on a phone) and has print CSS whose
``@page`` margins suit both A4 and US Letter.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape
from typing import Any

from droidcheck.report.format import area_title
from droidcheck.report.shop import (
    NOW_WORDS,
    Report,
    ShopInfo,
    build_report,
    check_name,
    evidence_facts,
    evidence_text,
)
from droidcheck.result import CheckResult, FindingEntry

CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;
 background:#eef0f3}
main{max-width:52rem;margin:0 auto;background:#fff;padding:1.2rem 1.4rem}
header.top{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.4rem 1.2rem;
 border-bottom:2px solid #1a1a1a;padding-bottom:.5rem}
.shop{font-size:1.25rem;font-weight:700}
.muted{color:#555}
.small{font-size:.85em}
h1{font-size:1.05rem;margin:.1rem 0 0;font-weight:600}
h2{font-size:1.05rem;margin:1.1rem 0 .4rem;border-bottom:1px solid #bbb;padding-bottom:.15rem}
h3{font-size:1rem;margin:0}
.meta{text-align:right}
.meta div,.top div{margin:0}
dl.id{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:.15rem .8rem;margin:.7rem 0}
dl.id dt{color:#555}
dl.id dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.verdict{border-radius:6px;padding:.55rem .8rem;font-weight:700;margin:.6rem 0;border:2px solid}
.verdict .small{font-weight:400}
.v-fail{background:#fde8e8;border-color:#b3261e;color:#7a1a14}
.v-warn{background:#fff4d6;border-color:#a86b00;color:#5c3b00}
.v-pass{background:#e3f4e6;border-color:#2e7d32;color:#1b4d1f}
.v-incomplete{background:#ffe9c2;border-color:#d97a00;color:#5c3300}
.notread{border:2px solid #d97a00;background:#fff6e5;padding:.4rem .7rem;border-radius:6px;color:#5c3300}
.v-unknown{background:#eee;border-color:#666}
.incomplete{border:2px dashed #7b1fa2;padding:.4rem .7rem;border-radius:6px;color:#4a148c}
ol.causes{list-style:none;padding:0;margin:0}
.cause{border:1px solid #ccc;border-left:5px solid #b3261e;border-radius:4px;padding:.45rem .7rem;
 margin:0 0 .5rem;break-inside:avoid}
.cause.s-warn{border-left-color:#a86b00}
.cause.s-unknown{border-left-color:#7b1fa2}
.cause p{margin:.2rem 0}
.todo{display:flex;gap:.3rem;flex-wrap:wrap}
.todo ol{flex:1 1 20rem}
.cause ol{margin:.2rem 0 .1rem;padding-left:1.4rem}
.badge{display:inline-block;font-size:.75em;font-weight:700;padding:0 .35rem;border-radius:3px;
 border:1px solid;white-space:nowrap;vertical-align:1px}
.b-fail{color:#b3261e}.b-warn{color:#8a5800}.b-unknown{color:#7b1fa2}.b-pass{color:#2e7d32}.b-skip{color:#666}
.b-manual{color:#1565c0}
.explained{margin:.25rem 0 0;padding:.2rem .5rem;background:#f5f5f5;border-radius:3px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.18rem .35rem;border-bottom:1px solid #e2e2e2}
th.area{background:#f0f0f0;font-size:.9em;padding-top:.3rem}
td.st{width:5.2rem}
td.t{width:37%}
thead th{font-size:.8em;color:#555;font-weight:600}
td.ev{color:#444;font-size:.88em;overflow-wrap:anywhere}
tr.r-pass td,tr.r-skip td{color:#555}
ul.check{list-style:none;padding:0;margin:0}
ul.check li{display:flex;gap:.55rem;margin:0 0 .35rem;break-inside:avoid}
.box{flex:none;width:.95rem;height:.95rem;border:1.5px solid #333;margin-top:.2rem;border-radius:2px}
.sign{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem;margin-top:1rem;break-inside:avoid}
.sign div{border-top:1px solid #333;padding-top:.2rem;margin-top:2.4rem;font-size:.85em;color:#444}
.conn{margin:-.45rem 0 .5rem}
td.ev .fn{font-size:.82em;color:#777;font-family:ui-monospace,Consolas,Menlo,monospace;overflow-wrap:anywhere}
ol.story{list-style:none;padding:0;margin:0}
ol.story li{border:1px solid #ccc;border-left:5px solid #2e7d32;border-radius:4px;padding:.4rem .7rem;
 margin:0 0 .5rem;break-inside:avoid}
ol.story li.not-fixed{border-left-color:#b3261e}
ol.story p{margin:.1rem 0}
.k{display:inline-block;min-width:3.6rem;font-weight:700;color:#444}
table.timeline{width:auto;min-width:60%}
table.timeline td.after{white-space:nowrap}
table.timeline td.after,table.timeline th.after{text-align:right}
.when{display:block;margin-left:3.6rem}
.s-reached{color:#2e7d32;font-weight:600}.s-not_reached{color:#b3261e;font-weight:600}
ul.plain{margin:.2rem 0 .4rem;padding-left:1.2rem}
footer{margin-top:1rem;border-top:1px solid #bbb;padding-top:.35rem;font-size:.78em;color:#555}
code{font-family:ui-monospace,Consolas,Menlo,monospace;overflow-wrap:anywhere}
@media (max-width:560px){
 main{padding:.8rem}
 .meta{text-align:left}
 dl.id{grid-template-columns:max-content 1fr}
 td.st{width:auto}
 table.all,table.all tbody,table.all tr,table.all td,table.all th{display:block;width:auto}
 table.all thead{display:none}
 table.all tr{border-bottom:1px solid #e2e2e2;padding:.2rem 0}
 table.all td{border:0;padding:.05rem .2rem}
 .sign{grid-template-columns:1fr}
 table.timeline{width:100%;min-width:0}
 .when{margin-left:0}
}
@page{size:auto;margin:12mm 12mm 12mm 12mm}
@media print{
 body{background:#fff;font-size:8.8pt;line-height:1.25}
 main{max-width:none;padding:0}
 h2{break-after:avoid;margin:.5rem 0 .25rem}
 header.top{padding-bottom:.3rem}
 dl.id{margin:.4rem 0}
 .verdict{margin:.4rem 0;padding:.35rem .7rem}
 .cause p{margin:.1rem 0}
 .cause ol{margin:.05rem 0}
 .verdict,.cause,.badge,th.area{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 tr{break-inside:avoid}
 tr.ah{break-after:avoid}
 th,td{padding:.05rem .3rem}
 tr.r-pass td,tr.r-skip td{font-size:.9em;line-height:1.2}
 tr.r-pass td.ev,tr.r-skip td.ev{font-size:.8em}
 .badge{font-size:.7em}
 td.ev{font-size:.85em}
 .cause{padding:.3rem .6rem;margin-bottom:.35rem}
 ul.check{columns:2;column-gap:1.2rem}
 ul.check li{margin-bottom:.25rem}
 .sign{margin-top:.5rem}
 .sign div{margin-top:1.8rem}
 footer{margin-top:.5rem}
}
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _badge(status: str) -> str:
    from droidcheck.report.shop import STATUS_LABEL

    return f'<span class="badge b-{_e(status)}">{_e(STATUS_LABEL.get(status, status))}</span>'


def _header(r: Report) -> str:
    s = r.shop
    left = [f'<div class="shop">{_e(s.shop)}</div>' if s.shop else "",
            f'<div class="muted small">{_e(s.shop_details)}</div>' if s.shop_details else "",
            f"<h1>{_e(r.title)}</h1>"]
    right = [f"<div>Printed {_e(r.printed_at)}</div>",
             f"<div>Phone read {_e(r.captured_at)}</div>"]
    if s.ticket:
        right.append(f"<div>Ticket <strong>{_e(s.ticket)}</strong></div>")
    if s.technician:
        right.append(f"<div>Technician {_e(s.technician)}</div>")
    return (f'<header class="top"><div>{"".join(left)}</div>'
            f'<div class="meta small">{"".join(right)}</div></header>')


def _identity(r: Report) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in r.identity)
    conn = f'<div class="conn small muted">Connected as {_e(r.connection)}</div>' if r.connection else ""
    return f'<dl class="id">{rows}</dl>{conn}'


def _story(r: Report) -> str:
    """Found, done, now: each change fix mode made, in plain words (the setting in small print)."""
    items = []
    for c in r.changes:
        fixed = c.applied and c.now_status in ("pass", "skip")
        done = "Done" if c.applied else "Not done"
        outcome = "" if c.applied and c.outcome == "done" else f" – {_e(c.outcome)}"
        detail = " · ".join(x for x in (c.when, f"setting {c.setting}" if c.setting else "") if x)
        now = ""
        if c.now_status:
            now = (f'<p><span class="k">Now</span><strong class="b-{_e(c.now_status)}">'
                   f"{_e(NOW_WORDS.get(c.now_status, c.now_status))}{':' if c.now else ''}</strong>"
                   + (f" {_e(c.now)}" if c.now else "") + "</p>")
        items.append(f'<li class="{"fixed" if fixed else "not-fixed"}">'
                     f'<p><span class="k">Found</span>{_e(c.found)} '
                     + (_badge(c.found_status) if c.found_status else "") + "</p>"
                     f'<p><span class="k">{done}</span>{_e(c.action)}{outcome}'
                     f'<span class="when small muted">{_e(detail)}</span></p>{now}</li>')
    return '<h2>What was found and fixed</h2><ol class="story">' + "".join(items) + "</ol>"


def _delivery(r: Report) -> str:
    """The code delivery test: its verdict, then a timeline (stage, what happened, time after the request)."""
    lines = "".join(f"<li>{_e(line)}</li>" for line in r.delivery)
    rows = "".join(f'<tr><td>{_e(st.label)}</td><td class="stat s-{_e(st.status)}">{_e(st.words)}</td>'
                   f'<td class="after">{_e(st.after)}</td></tr>' for st in r.timeline)
    table = ('<table class="timeline"><thead><tr><th>Stage</th><th>Result</th>'
             f'<th class="after">After the request</th></tr></thead><tbody>{rows}</tbody></table>') if rows else ""
    return f'<h2>Code delivery test</h2><ul class="plain">{lines}</ul>{table}'


def _cause(c: Any) -> str:
    f: FindingEntry = c.finding
    status = str(f.get("status", ""))
    parts = [f'<li class="cause s-{_e(status)}"><h3>{c.rank}. {_e(f.get("title", ""))} {_badge(status)}</h3>']
    ev = evidence_text(f)
    if ev:
        parts.append(f'<p class="small"><strong>The phone showed:</strong> {_e(ev)}</p>')
    if f.get("explanation"):
        parts.append(f"<p>{_e(f['explanation'])}</p>")
    steps = f.get("fix") or []
    if steps:
        parts.append('<div class="todo"><strong>What to do:</strong><ol>'
                     + "".join(f"<li>{_e(step)}</li>" for step in steps) + "</ol></div>")
    for x in c.explained:
        parts.append(f'<p class="explained small">Also explained by this: {_e(x.get("title", ""))} '
                     f'{_badge(str(x.get("status", "")))} ({_e(evidence_text(x))})</p>')
    parts.append("</li>")
    return "".join(parts)


def _all_checks(r: Report) -> str:
    """Every check by area: evidence in words, and the fact names in small print for the technician."""
    titles = {f.get("rule"): f.get("title") for _, findings in r.areas for f in findings}
    rows = []
    for area, findings in r.areas:
        rows.append(f'<tr class="ah"><th class="area" colspan="3">{_e(area_title(area))}</th></tr>')
        for f in findings:
            status = str(f.get("status", ""))
            ev = evidence_text(f)
            if f.get("explained_by"):
                ev += f" (explained by: {titles.get(f['explained_by']) or f['explained_by']})"
            names = evidence_facts(f)
            fn = f'<div class="fn">{_e(names)}</div>' if names else ""
            rows.append(f'<tr class="r-{_e(status)}"><td class="st">{_badge(status)}</td>'
                        f'<td class="t">{_e(check_name(f))}</td><td class="ev">{_e(ev)}{fn}</td></tr>')
    head = ('<thead><tr><th>Result</th><th>Check</th><th>What the phone showed</th></tr></thead>')
    return f'<table class="all">{head}<tbody>{"".join(rows)}</tbody></table>'


def render_report(r: Report) -> str:
    """The HTML page for an already built report."""
    body = [_header(r), _identity(r),
            f'<div class="verdict v-{_e(r.verdict)}">{_e(r.verdict_text)}'
            + (f' <span class="small">({_e(r.counts)})</span>' if r.counts else "") + "</div>"]
    if r.missing:
        items = "".join(f"<li>{_e(line)}</li>" for line in r.missing[:12])
        body.append('<div class="notread"><strong>These checks could not be made: the phone did not give '
                    f"droidcheck what they need.</strong><ul>{items}</ul></div>")
    if not r.complete:
        items = "".join(f"<li>{_e(p)}</li>" for p in r.problems[:8])
        body.append('<div class="incomplete"><strong>The read was incomplete, so causes may be missing.'
                    f"</strong><ul>{items}</ul></div>")
    # The story first, in the same order as the PDF: what was fixed, whether a code now arrives, then
    # what is still wrong.
    if r.changes:
        body.append(_story(r))
    if r.delivery or r.timeline:
        body.append(_delivery(r))
    body.append("<h2>Most likely causes</h2>" if not r.changes else "<h2>Most likely causes (now)</h2>")
    if r.causes:
        body.append('<ol class="causes">' + "".join(_cause(c) for c in r.causes) + "</ol>")
    else:
        body.append("<p>None found in what was read.</p>" if r.verdict == "incomplete"
                    else "<p>None found on the phone.</p>")
    body.append("<h2>All checks by area</h2>")
    body.append(_all_checks(r))
    if r.checklist:
        body.append("<h2>Checklist (no phone can answer these)</h2><ul class=\"check\">")
        for f in r.checklist:
            first = (f.get("fix") or [""])[0]
            body.append(f'<li><span class="box" role="img" aria-label="unticked box"></span>'
                        f'<div><strong>{_e(f.get("title", ""))}</strong>'
                        + (f'<br><span class="small muted">{_e(first)}</span>' if first else "")
                        + "</div></li>")
        body.append("</ul>")
    body.append('<section class="sign"><div>Technician signature'
                + (f" ({_e(r.shop.technician)})" if r.shop.technician else "")
                + '</div><div>Customer signature</div></section>')
    privacy = ("Phone numbers, IMEI/ICCID and codes are hidden." if r.redacted
               else "NOT REDACTED: may contain phone numbers, IMEI/ICCID or codes.")
    body.append(f"<footer>droidcheck {_e(r.version)} · {_e(privacy)}<br>"
                f"Result SHA-256: <code>{_e(r.digest)}</code></footer>")
    title = " · ".join(x for x in (r.title, r.identity[0][1], r.shop.ticket) if x)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def to_html(result: CheckResult, shop: ShopInfo | None = None, *, mask: bool = True,
            printed_at: datetime | None = None, zone: tzinfo | None = None) -> str:
    """The report for ``result`` (already redacted, unless the user asked otherwise) as an HTML page."""
    return render_report(build_report(result, shop, mask=mask, printed_at=printed_at, zone=zone))
