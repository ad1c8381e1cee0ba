"""``droidcheck sim`` and ``droidcheck demo``: the simulated phones' CLI commands. Light at import time (the
CLI imports this module on start-up); the simulator itself is imported inside the commands."""

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from droidcheck.cli_options import AdbOpt

SIM_HELP = """Run simulated phones that speak the ADB device protocol, to try droidcheck or rehearse a case.

The phones are connected to the ADB server (--adb, else $ANDROID_ADB_SERVER_HOST/PORT, else localhost:5037;
a local server that is not running is started, as other commands do), so 'droidcheck check -s SERIAL'
reads them at once. --no-connect only listens: connect them yourself with 'adb connect 127.0.0.1:PORT'.

\b
Built-in profiles (--list shows them all with what each rehearses):
  pixel8-a14-healthy            everything in order
  galaxy-a52-a13-airplane       airplane mode on
  pixel8-a14-unauthorized       the 'Allow USB debugging?' prompt was never accepted
  pixel8-a14-incoming-code      a code arrives 5 s after 'droidcheck watch' starts (once a run)

\b
A profile is a YAML file (copy a built-in one: --list names the folder). Faults, under 'faults:':
  unauthorized: true            the phone never accepts this computer (adb: unauthorized)
  offline: true                 the connection never finishes its handshake (adb: offline)
  disconnect_after: N           the cable is pulled after N commands (phone lost mid-read)
  stall_after: N                after N commands the phone stops answering
  hang_on: [COMMAND, ...]       commands starting with these never finish
  garbage_on: [COMMAND, ...]    commands starting with these print noise
  latency_ms: N                 added to every round trip (phone_costs: true, or --phone-costs: each
                                command takes as long as on a real phone)
  missing_commands: [timeout]   a build without these commands
An incoming SMS for 'droidcheck watch', under 'sms_script:':
  sender: AMAZON                who sends it
  delay_s: 5                    seconds after watch starts reading
  lost_at: network              where it stops: network | sms_app | notification (null: shown)
  importance: 4                 of the notification shown (4 high, 3 default, 2 low: silent)
"""


def sim(profiles: Annotated[list[str] | None, typer.Argument(help="Built-in profile names or YAML files.")] = None,
        port: Annotated[int, typer.Option("--port", help="First TCP port; the others follow it. 0 (the default) "
                                                         "picks free ports (the listing shows them).")] = 0,
        adb: AdbOpt = None,
        no_connect: Annotated[bool, typer.Option("--no-connect", help="Only listen; do not connect the phones "
                                                                      "to an ADB server.")] = False,
        list_profiles: Annotated[bool, typer.Option("--list", help="List the built-in profiles and exit.")] = False,
        phone_costs: Annotated[bool, typer.Option("--phone-costs", help="Make each command take as long as on "
                                                  "a real phone (dumpsys ~0.15 s, pm ~0.2 s…; the profile's "
                                                  "'costs' can change them).")] = False,
        ) -> None:
    from droidcheck.errors import InputError
    from droidcheck.sim.host import serve
    from droidcheck.sim.profile import builtin_profile_dir, builtin_profiles, find_profile

    if list_profiles:
        for profile in builtin_profiles(readable_only=False):
            print(f"{profile.name:38} {profile.description}")
        print(f"(YAML files in {builtin_profile_dir()})")
        return
    if not profiles:
        raise InputError("name at least one profile", "'droidcheck sim --list' shows the built-in ones.")
    loaded = [find_profile(p) for p in profiles]
    for profile in loaded:
        profile.phone_costs = profile.phone_costs or phone_costs
    start_server = None
    if not no_connect:
        from droidcheck.adb.connection import ensure_server, resolve_address, server_answers

        address = resolve_address(adb)
        if not address.is_local:
            # The phones listen on this computer's loopback: a server elsewhere told to connect to
            # 127.0.0.1:PORT would look on its own machine.
            raise InputError(f"the simulated phones listen on this computer only; the ADB server at {address} "
                             "could not reach them",
                             f"Run 'droidcheck sim' on {address.host} itself, or connect them to a server here "
                             "(leave out --adb).")

        def start_server() -> str:
            """Called once the phones listen: a taken port (exit 2) starts no server for nothing."""
            running = server_answers(address)
            ensure_server(address)
            print(f"Connecting the phones to the ADB server at {address}"
                  + ("" if running else " (started it; 'adb kill-server' stops it)") + ".", file=sys.stderr,
                  flush=True)
            return str(address)

    serve(loaded, port or None, start_server)  # a port taken or reserved: SimHostError, exit 2


def demo(profiles: Annotated[list[str] | None, typer.Argument(help="Profiles to show (default: a few "
                                                              "typical phones).")] = None) -> None:
    """Check simulated phones through the real adb server: see droidcheck work with no phone attached."""
    from droidcheck.demo import run_demo
    from droidcheck.sim.profile import ProfileError

    try:
        code = run_demo(profiles or None)
    except ProfileError as exc:  # a name the user typed: their mistake, said as for 'sim'
        from droidcheck.errors import InputError

        raise InputError(str(exc), "Leave the names out for a few typical phones, or give a profile YAML "
                         "file.") from None
    raise typer.Exit(code)


def register(app: typer.Typer, guard: Callable[..., Any]) -> None:
    """Add ``sim`` and ``demo`` to the CLI, wrapped in the CLI's error guard."""
    app.command("sim", help=SIM_HELP)(guard(sim))
    app.command("demo")(guard(demo))
