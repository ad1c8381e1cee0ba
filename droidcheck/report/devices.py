"""The `droidcheck devices` table."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from droidcheck.adb.connection import DeviceEntry
from droidcheck.report.safe_text import safe
from droidcheck.report.tables import print_identifier_table


def render_devices(entries: list[DeviceEntry], server: str, console: Console | None = None) -> None:
    console = console or Console()
    if not entries:
        console.print(safe(f"No phones on the ADB server at {server}."))
        console.print(Text("hint: plug the phone in with a data cable and turn on USB debugging "
                           "(Settings → About phone → tap Build number 7 times; then Developer options → "
                           "USB debugging). No phone? Try 'droidcheck demo'.", style="cyan"))
        return
    rows = [[safe(e.serial), safe(e.state, "green" if e.ready else "bold yellow"), safe(e.model or "-"),
             safe(e.android_release or "-"), safe(e.transport)] for e in entries]
    print_identifier_table(("serial", "state", "model", "Android", "transport"), rows,
                           title=safe(f"Phones on {server}"), console=console)
    for e in entries:
        if e.hint:
            console.print(safe(f"{e.serial} is {e.state}: ", "bold yellow") + safe(e.hint))
