"""Which ADB server to talk to, and which device on it.

Server: ``--adb HOST:PORT``, else ``ANDROID_ADB_SERVER_HOST`` / ``ANDROID_ADB_SERVER_PORT`` (the variables
adb itself reads), else localhost:5037. When the server is this computer's and not running, the adb binary
from the adbutils wheel is started (as ``adb start-server`` would). A server named explicitly with
``--adb`` is never started behind the user's back: if it does not answer, that is the answer.

Device: ``-s/--serial``, else ``ANDROID_SERIAL``, else the only device attached.

adbutils' own client would silently start a server on the default port whenever a connection fails;
checking reachability first keeps a lab's remote server choice honest.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from droidcheck.adb.states import READY, hint_for
from droidcheck.errors import AdbServerUnavailable, AmbiguousDevice, DeviceNotFound, DeviceNotReady

DEFAULT_PORT = 5037
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


@dataclass(frozen=True)
class ServerAddress:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    explicit: bool = False  # named by --adb: never auto-started

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def is_local(self) -> bool:
        return self.host in _LOCAL_HOSTS


def parse_address(text: str, *, explicit: bool = True) -> ServerAddress:
    """``HOST:PORT``, ``:PORT``, ``PORT`` or ``HOST`` → a server address."""
    text = text.strip()
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = (text, str(DEFAULT_PORT)) if not text.isdigit() else ("127.0.0.1", text)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise AdbServerUnavailable(f"'{text}' is not a valid ADB server address", "Use HOST:PORT, e.g. 10.0.0.5:5037.")
    return ServerAddress(host.strip("[]") or "127.0.0.1", int(port), explicit)


def resolve_address(adb: str | None = None, env: Mapping[str, str] | None = None) -> ServerAddress:
    env = os.environ if env is None else env
    if adb:
        return parse_address(adb, explicit=True)
    host = env.get("ANDROID_ADB_SERVER_HOST") or "127.0.0.1"
    port_text = env.get("ANDROID_ADB_SERVER_PORT") or str(DEFAULT_PORT)
    if not port_text.isdigit():
        raise AdbServerUnavailable(f"ANDROID_ADB_SERVER_PORT={port_text!r} is not a port number")
    return ServerAddress(host, int(port_text), explicit=False)


def server_answers(address: ServerAddress, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout):
            return True
    except OSError:
        return False


def _start_local_server(address: ServerAddress) -> None:
    from adbutils import adb_path

    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # defined on Windows only
    try:
        subprocess.run([adb_path(), "-P", str(address.port), "start-server"], timeout=30, check=False,
                       capture_output=True, creationflags=flags)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AdbServerUnavailable(f"could not start the ADB server on port {address.port}: {exc}") from exc
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server_answers(address, 0.3):
            _announce_started(address, adb_path())
            return
        time.sleep(0.1)
    raise AdbServerUnavailable(f"started the ADB server on port {address.port} but it does not answer")


def _announce_started(address: ServerAddress, adb: str) -> None:
    """Say once that droidcheck left an adb server running, and how to stop it (it outlives droidcheck, as
    after 'adb start-server', and holds the phone's USB connection until stopped)."""
    from droidcheck.notices import notice

    command = subprocess.list2cmdline([adb, "-P", str(address.port), "kill-server"]) if os.name == "nt" else \
        " ".join(shlex.quote(a) for a in (adb, "-P", str(address.port), "kill-server"))
    notice(f"droidcheck started an adb server on port {address.port} (the adb that came with droidcheck); it "
           f"keeps running after droidcheck ends. Stop it with: {command} — or use another server with "
           "--adb HOST:PORT.")


def ensure_server(address: ServerAddress, *, autostart: bool = True) -> bool:
    """Make sure a server answers at ``address``; True if droidcheck had to start it (a local, implicit
    address only, and only with ``autostart``)."""
    if server_answers(address):
        return False
    if address.is_local and not address.explicit and autostart:
        _start_local_server(address)
        return True
    raise AdbServerUnavailable(
        f"no ADB server answers at {address}",
        "Check the address, and that the lab host runs 'adb -a -P PORT server nodaemon' "
        "and its firewall lets this computer in." if not address.is_local else
        "Start one with 'adb start-server'." if not address.explicit else
        "Start one with 'adb start-server', or leave out --adb to let droidcheck start it.",
    )


def client_for(address: ServerAddress, timeout: float = 10):  # -> WireClient
    """A fresh client per caller (cheap, and not shared across threads). It speaks the requests a read
    needs itself and hands anything else to adbutils, imported only then (see droidcheck/adb/wire.py)."""
    from droidcheck.adb.wire import WireClient

    return WireClient(host=address.host, port=address.port, socket_timeout=timeout)


#: Listing devices is answered from the server's memory: a server silent this long is not an ADB server.
LIST_TIMEOUT_S = 5.0
_NOT_ADB_HINT = ("Is {address} an ADB server's port? adb listens on 5037 unless told otherwise; a lab host "
                 "shares its server with 'adb -a -P PORT server nodaemon'.")


@dataclass
class DeviceEntry:
    serial: str
    state: str
    model: str = ""
    product: str = ""
    transport: str = ""
    transport_id: str = ""
    android_release: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.state == READY

    @property
    def hint(self) -> str | None:
        return hint_for(self.state)


def _transport_of(serial: str, tags: dict[str, str]) -> str:
    if "usb" in tags:
        return "usb"
    if serial.startswith("emulator-"):
        return "emulator"
    if ":" in serial or "._adb-tls-connect._tcp" in serial:
        return "wifi/tcp"
    return "usb" if tags else "unknown"


def list_devices(address: ServerAddress, *, ensure: bool = True) -> list[DeviceEntry]:
    """Every device the server knows, in every state (adbutils' device_list() drops non-ready ones).
    ``ensure`` False: the caller has already made sure the server answers."""
    from droidcheck.adb.wire import WireError, WireTimeout

    if ensure:
        ensure_server(address)
    try:
        infos = client_for(address, LIST_TIMEOUT_S).list(extended=True)
    except WireTimeout:
        raise AdbServerUnavailable(f"something at {address} accepted the connection but gave no ADB answer "
                                   f"within {LIST_TIMEOUT_S:.0f} s", _NOT_ADB_HINT.format(address=address)) from None
    except WireError as exc:
        raise AdbServerUnavailable(f"{address} did not answer as an ADB server does ({exc})",
                                   _NOT_ADB_HINT.format(address=address)) from exc
    except OSError as exc:
        raise AdbServerUnavailable(f"the ADB server at {address} did not answer: {exc}",
                                   _NOT_ADB_HINT.format(address=address)) from exc
    entries = []
    for info in infos:
        tags = dict(info.tags or {})
        entries.append(DeviceEntry(
            serial=info.serial, state=info.state, model=tags.get("model", "").replace("_", " "),
            product=tags.get("product", ""), transport=_transport_of(info.serial, tags),
            transport_id=tags.get("transport_id", ""), tags=tags,
        ))
    return entries


def choose_device(devices: list[DeviceEntry], serial: str | None = None,
                  env: Mapping[str, str] | None = None) -> DeviceEntry:
    """The device to read: ``serial``, else ``ANDROID_SERIAL``, else the only one."""
    env = os.environ if env is None else env
    wanted = serial or env.get("ANDROID_SERIAL") or None
    if wanted:
        match = next((d for d in devices if d.serial == wanted), None)
        if match is None:
            listed = ", ".join(d.serial for d in devices) or "none"
            raise DeviceNotFound(f"no device with serial {wanted} (attached: {listed})",
                                 "Run 'droidcheck devices' to see what is attached.")
        chosen = match
    elif not devices:
        raise DeviceNotFound("no phone is attached",
                             "Plug the phone in with a data cable, turn on USB debugging "
                             "(Settings → Developer options), or try 'droidcheck demo'.")
    elif len(devices) > 1:
        listed = "\n".join(f"  {d.serial}  ({d.state}{', ' + d.model if d.model else ''})" for d in devices)
        raise AmbiguousDevice(f"{len(devices)} devices are attached:\n{listed}",
                              "Choose one with -s SERIAL (or set ANDROID_SERIAL).")
    else:
        chosen = devices[0]
    if not chosen.ready:
        raise DeviceNotReady(chosen.serial, chosen.state, chosen.hint)
    return chosen


def connect_tcp(address: ServerAddress, target: str, timeout: float = 10.0) -> str:
    """``adb connect target`` for Wi-Fi debugging. adbutils reports failure as a returned string."""
    from adbutils import AdbError, AdbTimeout

    ensure_server(address)
    if ":" not in target:
        target = f"{target}:5555"
    try:
        reply = client_for(address).connect(target, timeout=timeout)
    except (AdbError, AdbTimeout, OSError) as exc:
        raise DeviceNotFound(f"could not connect to {target}: {exc}") from exc
    reply = (reply or "").strip()
    if not reply.startswith(("connected to", "already connected to")):
        raise DeviceNotFound(f"could not connect to {target}: {reply or 'no answer'}",
                             "On the phone: Developer options → Wireless debugging on, same network as "
                             "this computer; for Android 11+ pair first with 'adb pair'.")
    return reply
