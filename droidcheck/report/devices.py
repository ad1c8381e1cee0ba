"""The `droidcheck devices` table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from droidcheck.adb.connection import DeviceEntry


def render_devices(entries: list[DeviceEntry], server: str, console: Console | None = None) -> None:
    console = console or Console()
    if not entries:
        console.print(f"No phones on the ADB server at {server}.")
        console.print(Text("hint: plug the phone in with a data cable and turn on USB debugging "
                           "(Settings → About phone → tap Build number 7 times; then Developer options → "
                           "USB debugging). No phone? Try 'droidcheck demo'.", style="cyan"))
        return
    table = Table(title=f"Phones on {server}", title_justify="left")
    for col in ("serial", "state", "model", "Android", "transport"):
        table.add_column(col)
    for e in entries:
        style = "green" if e.ready else "bold yellow"
        table.add_row(e.serial, Text(e.state, style=style), e.model or "-", e.android_release or "-", e.transport)
    console.print(table)
    for e in entries:
        if e.hint:
            console.print(Text(f"{e.serial} is {e.state}: ", style="bold yellow") + Text(e.hint))
