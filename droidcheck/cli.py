"""Command line. Everything heavy is imported inside the commands so that ``--help`` stays instant.

Error policy: library code raises ``DroidcheckError`` (message + hint); ``_guard`` prints it and exits 2.
A user never sees a traceback unless they pass ``--debug``.
"""

import functools
import gc
import os
import sys
from typing import Annotated, Any

import typer

from droidcheck.cli_params import install as _plain_params
from droidcheck.status import ExitCode

_plain_params()  # str/Path options without pydantic (~100 ms of start-up); see droidcheck/cli_params.py
# Plain (click) help: rich's help renderer alone costs ~80 ms of start-up, and --help must feel instant.
app = typer.Typer(
    name="droidcheck", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Find out over ADB why SMS one-time passwords (e.g. Amazon's) do not arrive on an Android phone.",
)

_DEBUG = False


def _err(message: str, hint: str | None = None, details: list[str] | None = None) -> None:
    from rich.console import Console
    from rich.text import Text

    from droidcheck.report.safe_text import safe

    console = Console(stderr=True)
    console.print(Text("error: ", style="bold red") + safe(message, multiline=True))  # may quote phone text
    for line in details or ():
        print(f"  {line}", file=sys.stderr)
    if hint:
        console.print(Text("hint: ", style="bold cyan") + safe(hint, multiline=True))


def _guard(fn):
    """Turn every expected failure into a clear message and an exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from droidcheck.errors import DroidcheckError

        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # click prints usage errors itself, with exit code 2
        except DroidcheckError as exc:
            _err(exc.message, exc.hint, exc.details)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            _pipe_closed()
        except KeyboardInterrupt:
            _err("interrupted")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except Exception as exc:
            if _DEBUG:
                raise
            _err(f"internal error: {type(exc).__name__}: {exc}",
                 "This is a droidcheck bug. Run again with --debug and report the output.")
            raise typer.Exit(ExitCode.INTERNAL) from None

    return wrapper


#: Exit code when the reader of our output went away (``droidcheck facts | head``): 1, as the Python
#: documentation does it and as click and rich (which handle the pipe in some commands) already exit.
EXIT_PIPE_CLOSED = 1


def _pipe_closed() -> None:
    """The reader closed the pipe: stop quietly, as the Python documentation prescribes (point stdout at
    devnull so the flush at exit does not fail again), with no error message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout has no file descriptor (embedded use): nothing left to flush
        pass
    raise typer.Exit(EXIT_PIPE_CLOSED)


def _print_version(value: bool) -> None:
    """``--version``: eager, so it answers before click asks for a command."""
    if value:
        from droidcheck import __version__

        print(f"droidcheck {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")] = False,
          version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                                callback=_print_version)] = False) -> None:
    global _DEBUG
    _DEBUG = debug


def _register_command_modules() -> None:
    """Each feature's commands live beside it (each module is light: heavy imports stay inside commands).
    The order is the order of ``droidcheck --help``."""
    from droidcheck import catalog_commands, check_commands
    from droidcheck.adb import commands as adb_commands
    from droidcheck.fix import commands as fix_commands
    from droidcheck.fleet import commands as fleet_commands
    from droidcheck.offline import commands as offline_commands
    from droidcheck.report import commands as report_commands
    from droidcheck.rules import commands as rules_commands
    from droidcheck.serve import commands as serve_commands
    from droidcheck.sim import cli_commands as sim_commands
    from droidcheck.watch import commands as watch_commands

    for module in (adb_commands, check_commands, report_commands, catalog_commands, fleet_commands,
                   sim_commands, offline_commands, fix_commands, watch_commands, serve_commands, rules_commands):
        module.register(app, guard=_guard)


_register_command_modules()


def _safe_text_streams() -> None:
    """Never die on a character the output cannot encode. Redirected output (a file, a pipe; on Windows
    it gets the ANSI code page, cp1252 and the like) becomes UTF-8, which keeps every character of a JSON
    document; a terminal that is not UTF-8 keeps its encoding and shows '?' for what it cannot draw."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding == "utf8" or not hasattr(stream, "reconfigure"):
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8")
        except (OSError, ValueError):
            pass


def _notice(message: str) -> None:
    """Library notices (droidcheck/notices.py) go to stderr, so they never mix with JSON on stdout."""
    from droidcheck.report.safe_text import clean

    print(f"note: {clean(message)}", file=sys.stderr)


#: Options of the ``droidcheck`` group itself that may come before a command name and take no value.
_GROUP_FLAGS = frozenset({"--debug"})


def app_for(args: list[str]) -> typer.Typer:
    """``app`` with only the command that ``args`` names. typer builds every command's parameters (their
    signatures and type hints) before it runs one: ~1.5 ms a command, ~30 ms for all of them, on every
    start. The command runs exactly as in the whole app (same group, callback and options). Anything else
    gets the whole app, so that click answers it itself: no command, ``--help``/``--version`` or any other
    option before the command, a name that is not a command (click's "No such command" and its
    suggestion)."""
    name = next((arg for arg in args if arg not in _GROUP_FLAGS), None)
    if name is None or name.startswith("-"):
        return app
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if len(commands) + len(groups) != 1:
        return app
    import copy  # not at module level: --help does not need it

    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one


def _end_quickly() -> None:
    """The process ends next: spare it the interpreter's final garbage collections over every object left
    (~40 ms, more than reading a phone takes). Frozen objects are never collected, which exiting makes
    moot; atexit handlers (temporary directories) still run, and droidcheck's files are closed, flushed
    and synced by the code that writes them."""
    gc.freeze()


def main() -> None:
    """The ``droidcheck`` command (and ``python -m droidcheck``). Ends the process: click exits."""
    _safe_text_streams()
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")  # for the adb and simulator processes we start
    from droidcheck.notices import set_sink

    set_sink(_notice)
    try:
        app_for(sys.argv[1:])()
    except BrokenPipeError:  # a command outside the guard (plan, rules causes) or the final flush
        try:
            _pipe_closed()
        except typer.Exit as done:
            sys.exit(done.exit_code)
    finally:
        _end_quickly()


if __name__ == "__main__":
    main()
