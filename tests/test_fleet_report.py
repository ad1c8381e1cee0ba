"""The fleet HTML report: matrix, worst first, links, and everything escaped."""

from __future__ import annotations

from html.parser import HTMLParser

from droidcheck.report.fleet_html import to_fleet_html

EVIL = "<script>alert(1)</script></table>"


def _finding(rule: str, area: str, status: str, title: str = "t") -> dict:
    return {"rule": rule, "area": area, "status": status, "title": title, "evidence": {"signal.operator": EVIL},
            "fix": [f"do {EVIL}"]}


def _summary() -> tuple[dict, dict]:
    rows = [
        {"key": "h/ok", "serial": "ok", "server": "h", "model": "Pixel 8", "status": "passed"},
        {"key": "h/bad", "serial": "bad", "server": "h", "model": EVIL, "status": "failed", "label": EVIL},
        {"key": "h/gone", "serial": "gone", "server": "h", "model": "", "status": "not ready",
         "hint": "Unlock the phone and tap Allow"},
    ]
    results = {
        "h/ok": {"findings": [_finding("a", "network", "pass")], "verdict": {"likely_causes": []}},
        "h/bad": {"findings": [_finding("airplane-mode-on", "network", "fail", "Airplane mode is on"),
                               _finding("dnd", "notifications", "warn")],
                  "verdict": {"likely_causes": ["airplane-mode-on", "dnd"]}},
        "h/gone": None,
    }
    summary = {"run_id": "r1", "devices": rows, "counts": {"failed": 1, "passed": 1, "not ready": 1, "total": 3},
               "common_causes": [{"rule": "airplane-mode-on", "title": EVIL, "devices": 1}], "servers": [EVIL]}
    return summary, results


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        if tag not in ("meta", "br"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def test_fleet_report_is_escaped_and_balanced():
    html = to_fleet_html(*_summary())
    assert EVIL not in html and "&lt;script&gt;" in html
    parser = _Tags()
    parser.feed(html)
    assert parser.scripts == 0 and parser.stack == []


def test_worst_first_with_links_and_matrix():
    html = to_fleet_html(*_summary())
    assert html.index('id="dev-h-bad"') < html.index('id="dev-h-gone"') < html.index('id="dev-h-ok"')
    assert 'href="#dev-h-bad"' in html and "c-fail" in html and "c-warn" in html
    assert "Unlock the phone and tap Allow" in html
