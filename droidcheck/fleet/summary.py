"""What a fleet run found: counts by status, the most common causes, per-device rows.

Built from the run directory alone (results.jsonl + per-device result.json), so a resumed or retried run
summarises everything it holds, not just the devices checked this time.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from droidcheck.fleet.runner import FAILED, INCOMPLETE, NOT_READY, PASSED, fleet_exit_code
from droidcheck.fleet.store import RunStore, _write_atomic
from droidcheck.status import ExitCode

STATUS_ORDER = (FAILED, INCOMPLETE, NOT_READY, PASSED)


def build_summary(store: RunStore) -> dict[str, Any]:
    records = store.records()
    planned = [d["key"] for d in store.manifest.get("devices", [])]
    rows = sorted(records.values(), key=lambda r: (STATUS_ORDER.index(r["status"]), r["key"]))
    counts = Counter(r["status"] for r in rows)
    causes: Counter[tuple[str, str]] = Counter()
    for r in rows:
        for rule, title in zip(r.get("likely_causes", []), r.get("cause_titles", []), strict=False):
            causes[(rule, title)] += 1
    return {
        "run_id": store.manifest.get("run_id"), "started": store.manifest.get("started"),
        "finished": store.manifest.get("finished"), "servers": store.manifest.get("servers", []),
        "server_errors": store.manifest.get("server_errors", {}),
        "counts": {s: counts.get(s, 0) for s in STATUS_ORDER} | {"total": len(rows)},
        "not_checked": [k for k in planned if k not in records],
        "common_causes": [{"rule": rule, "title": title, "devices": n} for (rule, title), n in causes.most_common()],
        "exit_code": fleet_exit_code([r["status"] for r in rows]) if rows else ExitCode.OK,
        "devices": [{k: r.get(k) for k in ("key", "server", "serial", "label", "group", "model", "status",
                                           "verdict", "likely_causes", "cause_titles", "hint", "problems", "missing")}
                    for r in rows],
    }


def write_reports(store: RunStore, summary: dict[str, Any]) -> None:
    from droidcheck.report.junit import to_junit

    _write_atomic(store.path / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
    from droidcheck.report.fleet_html import to_fleet_html

    by_key = {d["key"]: store.result_of(d["key"]) for d in summary["devices"]}
    _write_atomic(store.path / "junit.xml", to_junit([r for r in by_key.values() if r is not None]))
    _write_atomic(store.path / "report.html", to_fleet_html(summary, by_key))


def render_summary(summary: dict[str, Any], run_dir: Path, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from droidcheck.report.safe_text import safe

    console = console or Console()
    style = {PASSED: "green", FAILED: "red", INCOMPLETE: "dark_orange", NOT_READY: "yellow"}
    # every cell is a Text: models, serials, labels and problems come from phones and run files, and rich
    # would read "[/]" in them as markup (MarkupError, no summary) and pass ESC sequences to the terminal
    table = Table(title=safe(f"Fleet run {summary['run_id']}"), title_justify="left")
    for col in ("device", "server", "model", "status", "most likely cause / what to do"):
        table.add_column(col, overflow="fold")
    for d in summary["devices"]:
        if d["status"] == NOT_READY:
            why = d.get("hint") or "; ".join(d.get("problems") or [])
        elif d["status"] == INCOMPLETE:
            missing = d.get("missing") or []
            why = "; ".join((d.get("cause_titles") or [])[:1]
                            + ([f"not read: {', '.join(missing[:3])}"] if missing else [])
                            + (d.get("problems") or [])[:2])
        else:
            why = (d.get("cause_titles") or ["none"])[0]
        table.add_row(safe(d.get("label") or d["serial"]), safe(d["server"]), safe(d.get("model") or ""),
                      Text(d["status"], style=style[d["status"]]), safe(why))
    console.print(table)
    c = summary["counts"]
    console.print(f"{c['total']} device(s): " + ", ".join(f"{c[s]} {s}" for s in STATUS_ORDER))
    if summary["common_causes"]:
        causes = Table("cause", "devices", title="Most common causes across the fleet", title_justify="left")
        for item in summary["common_causes"][:10]:
            causes.add_row(safe(f"{item['title']} ({item['rule']})"), str(item["devices"]))
        console.print(causes)
    for server, err in summary.get("server_errors", {}).items():
        console.print(safe(f"server {server} did not answer: {err}", "yellow"))
    if summary["not_checked"]:
        console.print(safe(f"{len(summary['not_checked'])} planned device(s) not checked yet: "
                           f"droidcheck fleet --resume {run_dir}", "yellow"))
    console.print(safe(f"results in {run_dir}:", "bold"))
    for line in summary_file_lines(run_dir):
        console.print(safe(line), highlight=False)


#: The files a run leaves for people and tools, in the order a reader wants them.
SUMMARY_FILES = (("report.html", "the fleet report, for a browser"), ("summary.json", "the summary as JSON"),
                 ("junit.xml", "JUnit XML, for CI"), ("results.jsonl", "one line per phone"),
                 ("devices", "each phone's result.json and snapshot.json"))


def summary_file_lines(run_dir: Path) -> list[str]:
    """One line per summary file of the run that exists: its path, and what it is for."""
    return [f"  {run_dir / name}{'/' if name == 'devices' else ''}  ({what})" for name, what in SUMMARY_FILES
            if (run_dir / name).exists()]
