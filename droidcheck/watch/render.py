"""Terminal display of a watch: stage lines as they happen, then the timeline table and the verdict."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from droidcheck.report.safe_text import clean_tree, safe
from droidcheck.watch.timeline import Timeline

_STYLE = {"reached": "green", "not_reached": "red", "not_observable": "yellow", "unreadable": "yellow",
          "waiting": "dim"}
_MARK = {"reached": "✓", "not_reached": "✗", "not_observable": "?", "unreadable": "?", "waiting": "…"}


def _clock(t: float | None) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S") if t is not None else ""


class LiveLog:
    """``on_event`` for ``run_watch``: one line per stage reached; a spinner-free, log-friendly display."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __call__(self, event: str, tl: Timeline) -> None:
        if event == "start":
            self.console.print(Text("Ask the customer to press \"Resend OTP\" in Amazon NOW.", style="bold cyan"))
            self.console.print(safe(f"watching {tl.sms_app or 'any SMS app'} on Android API "
                                    f"{tl.sdk if tl.sdk is not None else '?'} from {_clock(tl.start)}…", "dim"))
            for st in tl.stages.values():
                if st.status == "not_observable":
                    self.console.print(safe(f"  ? {st.label}: not observable on Android API {tl.sdk} — "
                                            f"{st.detail}"), highlight=False)
            return
        if event == "poll":
            return
        stage = tl.stages["notification"] if event == "blocked" else tl.stages.get(event)
        if stage is None or stage.at is None:
            return
        style = _STYLE.get(stage.status, "")
        self.console.print(Text(f"  {_MARK.get(stage.status, '')}", style=style), end="")
        line = f" {_clock(stage.at)} (+{max(stage.at - tl.start, 0.0):.1f} s) {stage.label} — {stage.detail}"
        self.console.print(safe(line), highlight=False)


def render_outcome(result: dict[str, Any], console: Console) -> None:
    """The final timeline and verdict from the JSON document (so terminal and JSON never disagree)."""
    result = clean_tree(result)  # sender, app and channel names come from the phone
    table = Table("stage", "status", "time", "after", "detail", title="SMS timeline")
    for st in result["stages"]:
        status = st["status"]
        label = {"not_observable": f"not observable on Android {result['device'].get('android_release') or '?'}",
                 "not_reached": "not reached", "unreadable": "could not be read"}.get(status, status)
        table.add_row(safe(st["label"]), Text(label, style=_STYLE.get(status, "")),
                      safe((st["at"] or "")[11:19]), f"+{st['after_s']} s" if st["after_s"] is not None else "",
                      safe(st["detail"], multiline=True))
    console.print(table)
    v = result["verdict"]
    console.print(Text(f"Verdict ({v['evidence']}): ", style="bold") + Text(v["summary"]))
    if result.get("sender"):
        console.print(safe(f"sender: {result['sender']}"))
    for note in v["notes"]:
        console.print(safe(f"note: {note}", "dim", multiline=True))
    if v["findings"]:
        console.print(Text("Related findings on this phone:", style="bold"))
        for f in v["findings"]:
            console.print(f"  [{f['status']}] {f['rule']}: {f['title']}", markup=False, highlight=False)
            for step in f["fix"][:3]:
                console.print(f"      → {step}", markup=False, highlight=False)
    others = [r for r in v["rules"] if r not in {f["rule"] for f in v["findings"]}]
    if others:
        console.print(safe("Rules to look at: " + ", ".join(others) + "  (droidcheck rules explain ID)"))
    console.print(safe(f"ended by {result['ended_by']} after {result['duration_s']} s, {result['polls']} polls",
                       "dim"))
