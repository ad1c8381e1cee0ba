"""The screen a technician reads: most likely causes first, each with evidence and what to do."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

STATUS_STYLE = {"fail": ("✗ FAIL", "bold red"), "warn": ("! WARN", "bold yellow"),
                "unknown": ("? UNKNOWN", "magenta"), "pass": ("✓ pass", "green"), "skip": ("– skip", "dim"),
                "manual": ("☐ check", "cyan")}
VERDICT_TEXT = {"fail": ("Problems found that stop codes arriving or being seen", "bold white on red"),
                "warn": ("Possible problems found", "bold black on yellow"),
                "pass": ("No problem found on the phone: work through the checklist", "bold white on green")}


def format_value(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return "none"
        if value and isinstance(value[0], dict):
            return f"{len(value)} item(s)"
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _evidence(finding: dict[str, Any]) -> str:
    parts = [f"{name} = {format_value(v)}" for name, v in finding.get("evidence", {}).items()]
    return "; ".join(parts)


def _device_line(result: dict[str, Any]) -> str:
    d = result["device"]
    name = " ".join(x for x in (d.get("maker"), d.get("model")) if x) or "unknown phone"
    android = f"Android {d['android_release']} (API {d['sdk']})" if d.get("sdk") else "Android version unknown"
    patch = f", patch {d['security_patch']}" if d.get("security_patch") else ""
    return f"{name} · {android}{patch} · serial {d.get('serial') or '?'}"


def _cause_block(n: int, f: dict[str, Any], explained: list[dict[str, Any]]) -> Group:
    label, style = STATUS_STYLE[f["status"]]
    head = Text.assemble((f"{n}. ", "bold"), (f["title"], "bold"), "  ", (label, style),
                         (f"  [{f['severity']}]", "dim"))
    lines: list[Any] = [head]
    if f.get("evidence"):
        lines.append(Text("   Evidence: ", style="dim") + Text(_evidence(f)))
    lines.append(Text("   " + f["explanation"]))
    for i, step in enumerate(f["fix"], 1):
        lines.append(Text(f"   → {i}. {step}", style="cyan"))
    for e in explained:
        lines.append(Text(f"   ↳ explains: {e['title']} ({_evidence(e)})", style="dim"))
    return Group(*lines, Text(""))


def render(result: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    verdict = result["verdict"]["status"]
    vtext, vstyle = VERDICT_TEXT.get(verdict, (verdict, "bold"))
    captured = result.get("captured_at", "")
    header = Group(Text(_device_line(result), style="bold"), Text(f"Read at {captured} (UTC)", style="dim"),
                   Text(f" {vtext} ", style=vstyle))
    console.print(Panel(header, title="droidcheck · SMS code check", border_style="blue"))
    if not result.get("complete", True):
        console.print(Text("The read was incomplete, so causes may be missing:", style="bold magenta"))
        for p in result.get("problems", [])[:8]:
            console.print(Text(f"  • {p}", style="magenta"))

    findings = {f["rule"]: f for f in result["findings"]}
    likely = [findings[r] for r in result["verdict"]["likely_causes"] if r in findings]
    console.print(Text("Most likely causes", style="bold underline"))
    if not likely:
        console.print(Text("  None found on the phone.", style="green"))
    for n, f in enumerate(likely, 1):
        explained = [findings[r] for r in f.get("explains", []) if r in findings]
        console.print(_cause_block(n, f, explained))

    console.print(Text("All checks by area", style="bold underline"))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("area", style="dim")
    table.add_column("status")
    table.add_column("check")
    table.add_column("evidence", overflow="fold")
    for f in result["findings"]:
        if f["status"] == "manual":
            continue
        label, style = STATUS_STYLE[f["status"]]
        evidence = _evidence(f)
        if f["status"] == "unknown" and f.get("unknown_facts"):
            evidence = "; ".join(f"{k}: {v}" for k, v in f["unknown_facts"].items())
        if f.get("explained_by"):
            evidence += f" (explained by {f['explained_by']})"
        table.add_row(f["area"], Text(label, style=style), escape(f["title"]), escape(evidence))
    console.print(table)

    manual = [f for f in result["findings"] if f["status"] == "manual"]
    if manual:
        console.print(Text("\nChecklist (no phone can answer these)", style="bold underline"))
        for f in manual:
            console.print(Text(f"  ☐ {f['title']}", style="cyan"))
            console.print(Text(f"      {f['fix'][0]}", style="dim"))
    t = result.get("timing", {})
    unknown_n = sum(1 for x in result["facts"].values() if x["status"] != "ok")
    console.print(Text(
        f"\nRead in {t.get('read_s', 0):.2f} s over {t.get('round_trips', 0)} adb round trip(s); "
        f"rules evaluated in {t.get('evaluate_s', 0) * 1000:.1f} ms; "
        f"{len(result['facts']) - unknown_n} facts read, {unknown_n} unknown.", style="dim"))
