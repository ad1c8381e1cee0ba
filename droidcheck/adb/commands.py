"""``droidcheck devices``: the CLI command. Light at import time (the CLI imports this module on start-up);
everything heavy is imported inside the command."""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from droidcheck.cli_options import AdbOpt, JsonOpt


def devices(adb: AdbOpt = None,
            connect: Annotated[str | None, typer.Option("--connect", help="Connect to a phone over Wi-Fi "
                                                        "debugging first (HOST:PORT).")] = None,
            json_out: JsonOpt = False) -> None:
    """List attached phones with their state, and what to do about any that are not ready."""
    from droidcheck.adb.connection import connect_tcp, list_devices, resolve_address
    from droidcheck.adb.inventory import describe_devices

    address = resolve_address(adb)
    if connect:
        from droidcheck.report.safe_text import clean

        print(clean(connect_tcp(address, connect)))
    entries = describe_devices(address, list_devices(address))
    if json_out:
        import json

        print(json.dumps([{"serial": e.serial, "state": e.state, "model": e.model,
                           "android": e.android_release, "transport": e.transport, "hint": e.hint}
                          for e in entries], indent=2))
        return
    from droidcheck.report.devices import render_devices

    render_devices(entries, str(address))


def register(app: typer.Typer, guard: Callable[..., Any]) -> None:
    """Add ``devices`` to the CLI, wrapped in the CLI's error guard."""
    app.command("devices")(guard(devices))
