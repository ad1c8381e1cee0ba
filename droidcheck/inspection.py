"""The one way in to read and check a phone, as a library call: connect → read → check.

Every front end goes through here: the ``check``, ``snapshot``, ``fix`` and ``watch`` commands, the fleet
runner (``read`` per phone) and the coming web server. Nothing else picks a server and a device, or wires
a snapshot to the rules.

Contract (what a caller may rely on, e.g. a web server calling from a worker thread):

* No output and no exit: nothing here prints, calls ``sys.exit`` or touches a global console. What
  happens is told through ``progress``, a plain callable receiving :class:`Event` (``stage`` + ``message``
  + ``serial``); it runs in the caller's thread, synchronously, and must not raise.
* Errors a user can cause (no server, no phone, several phones, phone not ready, bad rule files) raise
  subclasses of :class:`droidcheck.errors.DroidcheckError`, each with a ``message``, a ``hint`` and an
  ``exit_code``. Device trouble *during* the read never raises: the snapshot comes back with
  ``meta.complete = False`` and the reasons in ``meta.problems`` (and the result says so).
* Thread safety: each :class:`PhoneHandle` has its own ADB client; use one handle per thread.
  Rules (``list[Rule]``) are read-only once loaded and may be shared by any number of threads.
* The result dict is the public JSON document (``droidcheck.check.RESULT_FORMAT``), unredacted: redact
  with ``droidcheck.report.redact.redact_result`` before it leaves the machine.

Typical use::

    rules = load_rules()                       # once; raises RuleLoadError (a DroidcheckError)
    found = inspect(adb=None, serial=None, rules=rules, progress=print)
    found.result["verdict"]["status"]          # "pass" | "warn" | "fail" | ...

or step by step (``fix`` re-reads the same phone after changing it)::

    phone = connect(adb, serial)
    result = check(read(phone, progress=...), rules)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from droidcheck.adb.connection import ServerAddress
    from droidcheck.result import CheckResult
    from droidcheck.rules.model import Rule
    from droidcheck.snapshot import Snapshot

#: Stages reported to ``progress``, in order.
CONNECT, READ, CHECK = "connect", "read", "check"

#: Seconds a whole read may take before what is missing is recorded as lost.
DEFAULT_DEADLINE_S = 90.0


@dataclass(frozen=True)
class Event:
    """One progress report: ``stage`` is :data:`CONNECT`, :data:`READ` or :data:`CHECK`; ``message`` is
    a short human sentence ("reading settings, radio and apps"); ``serial`` the phone, once chosen."""

    stage: str
    message: str
    serial: str | None = None


Progress = Callable[[Event], None]


def _quiet(_event: Event) -> None:
    return None


@dataclass
class PhoneHandle:
    """A chosen phone on a chosen ADB server, ready to be read (and, for ``fix``/``watch``, driven)."""

    address: ServerAddress
    client: Any  # droidcheck.adb.wire.WireClient (from client_for; imported lazily: CLI start-up time)
    device: Any  # its device handle (what read_device and the fix and watch commands drive)
    serial: str
    transport: str = ""
    model: str = ""
    started_server: bool = False  # droidcheck started the local ADB server to reach this phone

    @property
    def server(self) -> str:
        """``HOST:PORT`` of the ADB server, as recorded in snapshots and results."""
        return str(self.address)

    @classmethod
    def attach(cls, address: ServerAddress, serial: str, *, transport: str = "", model: str = "",
               socket_timeout: float = 10.0) -> PhoneHandle:
        """A handle for a phone already known to be on ``address`` (the fleet lists servers itself),
        without listing devices again. Its own client: safe to use from the calling thread."""
        from droidcheck.adb.connection import client_for

        client = client_for(address, socket_timeout)
        return cls(address=address, client=client, device=client.device(serial), serial=serial,
                   transport=transport, model=model)


def connect(adb: str | None = None, serial: str | None = None, *, autostart: bool = True,
            progress: Progress | None = None) -> PhoneHandle:
    """Resolve the server (``adb``, else ``$ANDROID_ADB_SERVER_HOST``/``PORT``, else localhost:5037) and the
    phone (``serial``, else ``$ANDROID_SERIAL``, else the only one), listing devices once.

    A local server that is not running is started (as ``adb start-server`` would) unless ``autostart`` is
    False or the server was named explicitly with ``adb``. Raises ``AdbServerUnavailable``,
    ``DeviceNotFound``, ``AmbiguousDevice`` or ``DeviceNotReady`` (all ``DroidcheckError``).
    """
    from droidcheck.adb.connection import choose_device, client_for, ensure_server, list_devices, resolve_address

    say = progress or _quiet
    address = resolve_address(adb)
    say(Event(CONNECT, f"asking the ADB server at {address} for devices"))
    started = ensure_server(address, autostart=autostart)
    entry = choose_device(list_devices(address, ensure=False), serial)
    client = client_for(address)
    say(Event(CONNECT, f"chose {entry.serial}", entry.serial))
    return PhoneHandle(address=address, client=client, device=client.device(entry.serial), serial=entry.serial,
                       transport=entry.transport, model=entry.model, started_server=started)


def read(phone: PhoneHandle, *, deadline_s: float = DEFAULT_DEADLINE_S, progress: Progress | None = None) -> Snapshot:
    """Read ``phone`` into a snapshot (two ``adb shell`` round trips). Never raises for device trouble."""
    from droidcheck.collect.collector import read_device

    say = progress or _quiet
    return read_device(phone.device, serial=phone.serial, adb_server=phone.server, transport=phone.transport,
                       deadline_s=deadline_s, progress=lambda msg: say(Event(READ, msg, phone.serial)))


def check(snapshot: Snapshot, rules: list[Rule], *, expect_number: str | None = None,
          progress: Progress | None = None) -> CheckResult:
    """Facts → findings → the result document (unredacted) for a snapshot from any source."""
    from droidcheck.check import check_snapshot

    if progress is not None:
        progress(Event(CHECK, f"checking {len(rules)} rules", snapshot.meta.serial or None))
    return check_snapshot(snapshot, rules, expect_number=expect_number)


def load_rules(paths: list[Path] | None = None, only: list[Path] | None = None) -> list[Rule]:
    """The built-in rules plus ``paths`` (same id overrides), or only ``only``. Raises ``RuleLoadError``
    with every problem found (file:line: rule: what)."""
    from droidcheck.rules.loader import load_rules as load

    return load(extra_dirs=paths or None, only_dirs=only or None)


@dataclass
class Inspection:
    """What :func:`inspect` found: the snapshot read, the result document, and the rules used."""

    phone: PhoneHandle
    snapshot: Snapshot
    result: CheckResult
    rules: list[Rule]


def inspect(adb: str | None = None, serial: str | None = None, *, rules: list[Rule] | None = None,
            expect_number: str | None = None, deadline_s: float = DEFAULT_DEADLINE_S, autostart: bool = True,
            progress: Progress | None = None) -> Inspection:
    """Connect, read and check in one call. ``rules`` None loads the built-in rules (load them once with
    :func:`load_rules` when checking many phones)."""
    rule_set = rules if rules is not None else load_rules()
    phone = connect(adb, serial, autostart=autostart, progress=progress)
    snap = read(phone, deadline_s=deadline_s, progress=progress)
    return Inspection(phone=phone, snapshot=snap, rules=rule_set,
                      result=check(snap, rule_set, expect_number=expect_number, progress=progress))
