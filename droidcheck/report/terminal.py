"""The screen a technician reads: most likely causes first, each with evidence and what to do."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from droidcheck.report.format import area_title, evidence_text, evidence_words, findings_by_area
from droidcheck.report.safe_text import clean, clean_tree
from droidcheck.result import CheckResult, FindingEntry

STATUS_STYLE = {"fail": ("✗ FAIL", "bold red"), "warn": ("! WARN", "bold yellow"),
                "unknown": ("? UNKNOWN", "magenta"), "pass": ("✓ pass", "green"), "skip": ("– skip", "dim"),
                "manual": ("☐ check", "cyan")}
VERDICT_TEXT = {"fail": ("Problems found that stop codes arriving or being seen", "bold white on red"),
                "warn": ("Possible problems found", "bold black on yellow"),
                "pass": ("No problem found on the phone: work through the checklist", "bold white on green"),
                "incomplete": ("Incomplete: not everything was read, so problems may be missing. Read the phone again",
                               "bold black on dark_orange")}


def _evidence(finding: FindingEntry) -> str:
    return evidence_text(finding.get("evidence", {}))


def _device_line(result: CheckResult) -> str:
    d = result["device"]
    name = " ".join(x for x in (d.get("maker"), d.get("model")) if x) or "unknown phone"
    android = f"Android {d['android_release']} (API {d['sdk']})" if d.get("sdk") else "Android version unknown"
    patch = f", patch {d['security_patch']}" if d.get("security_patch") else ""
    return clean(f"{name} · {android}{patch} · serial {d.get('serial') or '?'}")  # one line, whatever the phone says


def _hanging(mark: Text, body: Text) -> Table:
    """``mark body`` with the body's continuation lines under its first word (a hanging indent)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(mark, body)
    return grid


def _cause_block(n: int, f: FindingEntry, explained: list[FindingEntry]) -> Group:
    label, style = STATUS_STYLE[f["status"]]
    head = Text.assemble((f"{n}. ", "bold"), (f["title"], "bold"), "  ", (label, style),
                         (f"  [{f['severity']}]", "dim"))
    lines: list[Any] = [head]
    if f.get("evidence"):  # in the printed reports' words; the fact names (for rules) after, dimmed
        words = Text(evidence_words(f["evidence"])) + Text(f"  ({', '.join(f['evidence'])})", style="dim")
        lines.append(Padding(Text("Evidence: ", style="dim") + words, (0, 0, 0, 3)))
    lines.append(Padding(Text(f["explanation"]), (0, 0, 0, 3)))
    for i, step in enumerate(f["fix"], 1):  # a long step wraps under its own text, not under the arrow
        lines.append(Padding(_hanging(Text(f"→ {i}.", style="cyan"), Text(step, style="cyan")), (0, 0, 0, 3)))
    for e in explained:
        lines.append(Padding(Text(f"↳ also explains: {e['title']} ({_evidence(e)})", style="dim"), (0, 0, 0, 3)))
    return Group(*lines, Text(""))


def render(result: CheckResult, console: Console | None = None) -> None:
    console = console or Console()
    result = clean_tree(result)  # phone text (models, operator and service names…) must not drive the terminal
    verdict = result["verdict"]["status"]
    vtext, vstyle = VERDICT_TEXT.get(verdict, (verdict, "bold"))
    captured = result.get("captured_at", "")
    header = Group(Text(_device_line(result), style="bold"), Text(f"Read at {captured} (UTC)", style="dim"),
                   Text(f" {vtext} ", style=vstyle))
    console.print(Panel(header, title="droidcheck · SMS code check", border_style="blue"))
    missing = result["verdict"].get("missing") or []
    if missing:
        console.print(Text("These checks could not be made (what they need was not read):", style="bold dark_orange"))
        for m in missing[:12]:
            why = "; ".join(f"{k}: {v}" for k, v in (m.get("unknown_facts") or {}).items())
            console.print(Text(f"  • Not read: {m['title']} ({why})", style="dark_orange"))
    if not result.get("complete", True):
        console.print(Text("The read was incomplete, so causes may be missing:", style="bold magenta"))
        for p in result.get("problems", [])[:8]:
            console.print(Text(f"  • {p}", style="magenta"))

    findings = {f["rule"]: f for f in result["findings"]}
    likely = [findings[r] for r in result["verdict"]["likely_causes"] if r in findings]
    console.print(Text("Most likely causes", style="bold underline"))
    if not likely:
        if verdict == "incomplete":
            console.print(Text("  None found in what was read.", style="dark_orange"))
        else:
            console.print(Text("  None found on the phone.", style="green"))
    for n, f in enumerate(likely, 1):
        explained = [findings[r] for r in f.get("explains", []) if r in findings]
        console.print(_cause_block(n, f, explained))

    console.print(Text("All checks by area", style="bold underline"))
    table = Table(show_header=False, box=None, pad_edge=False, expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("check", ratio=1)
    table.add_column("evidence", ratio=2, overflow="fold")
    for area, checks in findings_by_area(result["findings"]):
        table.add_row(Text(area_title(area), style="bold blue"), "", "")
        for f in checks:
            label, style = STATUS_STYLE[f["status"]]
            evidence = _evidence(f)
            if f["status"] == "unknown" and f.get("unknown_facts"):
                evidence = "; ".join(f"{k}: {v}" for k, v in f["unknown_facts"].items())
            if f.get("explained_by"):
                evidence += f" (because: {f['explained_by']})"
            check = f["title"] if f["status"] in ("fail", "warn") else f.get("label", f["title"])
            table.add_row(Text(f"  {label}", style=style), Text(check), Text(evidence, style="dim"))
    console.print(table)

    manual = [f for f in result["findings"] if f["status"] == "manual"]
    if manual:
        console.print(Text("\nChecklist (no phone can answer these)", style="bold underline"))
        for f in manual:  # a long title or step wraps under its own first word, not back to column 0
            console.print(Padding(_hanging(Text("☐", style="cyan"), Text(f["title"], style="cyan")), (0, 0, 0, 2)))
            if f["fix"]:
                console.print(Padding(Text(f["fix"][0], style="dim"), (0, 0, 0, 6)))
    t = result.get("timing", {})
    unknown_n = sum(1 for x in result["facts"].values() if x["status"] != "ok")
    console.print(Text(
        f"\nRead in {t.get('read_s', 0):.2f} s over {t.get('round_trips', 0)} adb round trip(s); "
        f"rules evaluated in {t.get('evaluate_s', 0) * 1000:.1f} ms; "
        f"{len(result['facts']) - unknown_n} facts read, {unknown_n} unknown.", style="dim"))
