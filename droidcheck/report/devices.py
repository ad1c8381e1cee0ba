"""The `droidcheck devices` table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from droidcheck.adb.connection import DeviceEntry
from droidcheck.report.safe_text import safe


def render_devices(entries: list[DeviceEntry], server: str, console: Console | None = None) -> None:
    console = console or Console()
    if not entries:
        console.print(safe(f"No phones on the ADB server at {server}."))
        console.print(Text("hint: plug the phone in with a data cable and turn on USB debugging "
                           "(Settings → About phone → tap Build number 7 times; then Developer options → "
                           "USB debugging). No phone? Try 'droidcheck demo'.", style="cyan"))
        return
    table = Table(title=safe(f"Phones on {server}"), title_justify="left")
    for col in ("serial", "state", "model", "Android", "transport"):
        table.add_column(col)
    for e in entries:
        style = "green" if e.ready else "bold yellow"
        table.add_row(safe(e.serial), safe(e.state, style), safe(e.model or "-"), safe(e.android_release or "-"),
                      safe(e.transport))
    console.print(table)
    for e in entries:
        if e.hint:
            console.print(safe(f"{e.serial} is {e.state}: ", "bold yellow") + safe(e.hint))
