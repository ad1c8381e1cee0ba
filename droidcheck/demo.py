"""`droidcheck demo`: the real thing against simulated phones.

A private adb server (the binary from the adbutils wheel, on a free port: the user's own server on 5037
is never touched) connects to simulated phones over loopback exactly as to Wi-Fi-debugging phones, and
droidcheck reads and checks each one through it. Everything started here is stopped before returning.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table
from rich.text import Text

from droidcheck.result import CheckResult
from droidcheck.status import ExitCode

DEFAULT_PROFILES = (
    "galaxy-a52-a13-airplane",
    "redmi-note11-a12-third-party-sms",
    "pixel9-a15-notifications-off",
    "pixel8-a14-healthy",
)


def _wait_ready(client, serials: list[str], timeout: float = 20.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = {info.serial: info.state for info in client.list(extended=True)}
        if all(states.get(s) in ("device", "unauthorized") for s in serials):
            break
        time.sleep(0.1)
    return states


def run_demo(names: list[str] | None = None, console: Console | None = None) -> ExitCode:
    from droidcheck.adb.connection import parse_address
    from droidcheck.adb.server import AdbServer
    from droidcheck.inspection import PhoneHandle, check, load_rules, read
    from droidcheck.report.redact import redact_result
    from droidcheck.report.terminal import render
    from droidcheck.sim.host import SimHost
    from droidcheck.sim.profile import find_profile

    console = console or Console()
    profiles = [find_profile(n) for n in (names or DEFAULT_PROFILES)]
    rules = load_rules()
    console.print(Text(f"Starting {len(profiles)} simulated phone(s) and a private adb server…", style="dim"))
    summary: list[tuple[str, CheckResult]] = []
    with AdbServer.start() as server, SimHost() as host:
        client = server.client()
        serials = []
        for _profile, port in host.start(profiles):
            serial = f"127.0.0.1:{port}"
            client.connect(serial, timeout=10)
            serials.append(serial)
        states = _wait_ready(client, serials)
        try:
            for profile, serial in zip(profiles, serials, strict=True):
                console.rule(Text(f"{profile.name}: {profile.description}", style="bold"))
                if states.get(serial) != "device":
                    console.print(Text(f"{serial} is {states.get(serial, 'missing')}", style="yellow"))
                    continue
                phone = PhoneHandle.attach(parse_address(server.address), serial, transport="wifi/tcp",
                                           socket_timeout=20)
                snap = read(phone)
                result = redact_result(check(snap, rules))
                render(result, console)
                summary.append((profile.name, result))
        finally:
            for serial in serials:
                client.disconnect(serial)
    table = Table(title="Demo summary", title_justify="left")
    for col in ("simulated phone", "verdict", "most likely cause", "read time"):
        table.add_column(col)
    for name, result in summary:
        causes = result["verdict"]["likely_causes"]
        title = next((f["title"] for f in result["findings"] if causes and f["rule"] == causes[0]), "none")
        table.add_row(name, result["verdict"]["status"], title, f"{result['timing']['read_s']:.2f} s")
    console.print(table)
    console.print(Text("Run 'droidcheck check' with a phone plugged in to check a real one.", style="cyan"))
    return ExitCode.OK if len(summary) == len(profiles) else ExitCode.INCOMPLETE
