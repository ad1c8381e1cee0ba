"""``droidcheck serve``: registered by ``droidcheck.cli``. Light at import time: the web stack (Starlette,
uvicorn, Jinja2) is imported only when the command runs."""

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from droidcheck.cli_options import DbOpt, OnlyRulesOpt, RulesOpt
from droidcheck.errors import DroidcheckError, InputError

if TYPE_CHECKING:
    import socket


def serve(host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but loopback "
                                            "needs the access token printed with the URL.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free one).")] = 8765,
          adb: Annotated[list[str] | None, typer.Option("--adb", help="ADB server HOST:PORT; repeat for a lab's "
                                                        "servers (the counter follows the first).")] = None,
          inventory: Annotated[Path | None, typer.Option("--inventory", help="Lab inventory YAML for fleet runs "
                                                         "started from the lab page.")] = None,
          token: Annotated[str | None, typer.Option("--token", help="Access token (default: generated when "
                                                    "listening beyond loopback).")] = None,
          open_browser: Annotated[bool, typer.Option("--open", help="Open the page in the browser.")] = False,
          demo: Annotated[bool, typer.Option("--demo", help="Serve simulated phones through a private adb "
                                             "server (no phone needed).")] = False,
          rules: RulesOpt = None, only_rules: OnlyRulesOpt = None, db: DbOpt = None,
          runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where lab runs are written.")] =
          Path("droidcheck-runs"),
          no_redact: Annotated[bool, typer.Option("--no-redact", help="Show phone numbers and identifiers.")]
          = False) -> None:
    """Start the shop counter and the lab in a browser: phones are checked as they are plugged in.

    Open the printed address. The counter page shows each phone's verdict, causes and fixes (one click
    of consent per fix), prints the customer's report and watches a code arrive; the lab page runs the
    fleet check with live progress, history and diff.
    """
    from droidcheck.adb.connection import parse_address, resolve_address
    from droidcheck.inspection import load_rules
    from droidcheck.serve.security import Access, is_loopback

    if token is not None and len(token) < 16:
        raise InputError("--token must be at least 16 characters", "Leave it out to have one generated.")
    rule_set = load_rules(rules, only_rules)
    sock = _bind(host, port)
    access = Access.for_bind(host, sock.getsockname()[1], token)
    with _phones(demo, adb) as (servers, demo_note):
        counter = parse_address(servers[0], explicit=True) if servers else resolve_address(None)
        if not demo and not servers:
            from droidcheck.adb.connection import ensure_server

            ensure_server(counter)
        url = access.url()
        print(f"droidcheck serve: open {url}", flush=True)
        if demo_note:
            print(demo_note, flush=True)
        if not is_loopback(host):
            print("Listening beyond this computer: the address above carries the access token; keep it private.",
                  flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        run_server(sock, access, counter=counter, lab_servers=servers or [str(counter)], inventory=inventory,
                   rules=rule_set, db=db, runs_dir=runs_dir, redact=not no_redact, demo=demo)


def _bind(host: str, port: int) -> "socket.socket":
    import socket  # here: the CLI imports this module on every start, even for --help

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         "Is droidcheck serve already running? Pick another --port (0 for any free one).") from None
    sock.listen(128)
    return sock


@contextlib.contextmanager
def _phones(demo: bool, adb: list[str] | None) -> Iterator[tuple[list[str], str | None]]:
    """The servers to use; with ``--demo``, a private adb server with simulated phones plugged in one by
    one (so the page shows them arrive), all stopped on the way out."""
    if not demo:
        yield list(adb or []), None
        return
    if adb:
        raise InputError("--demo runs its own private adb server: leave out --adb")
    from droidcheck.serve.demo import DemoLab

    with DemoLab() as lab:
        yield [lab.address], (f"Demo: simulated phones ({', '.join(lab.names)}) are being plugged in to a private "
                              f"adb server at {lab.address}.")


def run_server(sock: "socket.socket", access, *, counter, lab_servers: list[str], inventory: Path | None, rules,
               db: Path | None, runs_dir: Path, redact: bool, demo: bool = False,
               ready: object | None = None) -> None:
    """Serve until Ctrl-C (or ``ready.should_exit`` for tests that run it in a thread)."""
    import uvicorn

    from droidcheck.serve.app import ServeContext, create_app
    from droidcheck.serve.events import EventBus
    from droidcheck.serve.lab import Lab
    from droidcheck.serve.station import Station
    from droidcheck.serve.tracker import DeviceTracker

    bus = EventBus()
    station = Station(counter, rules, bus, redact=redact)
    lab = Lab(bus, servers=lab_servers, inventory=inventory, runs_dir=runs_dir, db=db, redact=redact)
    ctx = ServeContext(station=station, lab=lab, bus=bus, access=access, demo=demo)
    app = create_app(ctx)
    tracker = DeviceTracker(counter, station.devices_changed, station.server_changed)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3, lifespan="off")
    server = uvicorn.Server(config)
    ctx.stopping = lambda: server.should_exit
    if ready is not None:
        ready.server = server  # type: ignore[attr-defined]
    tracker.start()
    try:
        server.run(sockets=[sock])
    finally:
        tracker.stop()
        station.close()
        sock.close()


def register(app: typer.Typer, guard) -> None:
    """Add ``serve`` to the CLI, wrapped in the CLI's error guard."""
    app.command("serve")(guard(serve))


__all__ = ["DroidcheckError", "register", "run_server", "serve"]
