"""The ADB server requests a read needs, spoken directly: ``host:devices-l``, ``host:transport:SERIAL`` and
a device service such as ``shell:CMD``.

Why not adbutils here: ``import adbutils`` imports requests, urllib3 and Pillow (for APK downloads and
screenshots), ~120 ms of a ~0.3 s ``droidcheck check`` to talk to a socket on this machine. The smart-socket
protocol these requests use is small (AOSP ``packages/modules/adb/SERVICES.TXT``): the client sends four
hex digits of length and the request; the server answers ``OKAY``, or ``FAIL`` plus a hex-length message;
after ``OKAY`` to a ``host:transport:`` request the same socket is connected to the device, and the next
request opens a service on it, whose output then flows until either side closes.

:class:`WireClient` and :class:`WireDevice` answer what adbutils' client and device answer for these
requests (``list``, ``device``, ``make_connection``, and the connection's ``send_command``,
``check_okay``, ``read_string_block`` and ``conn``), so :mod:`droidcheck.adb.service` works with either.
Anything else (``adb connect``, ``disconnect``, adbutils' own ``shell``, ``sync``…) is handed to an
adbutils object made on first use: the commands that need it still get it, and pay for its import then.
Unlike adbutils, a refused connection does not start an adb server behind the caller's back
(:func:`droidcheck.adb.connection.ensure_server` decides that).

Errors are :class:`WireError` (an ``OSError``, so every ``except (..., OSError)`` that handled adbutils'
errors around these calls handles ours) and :class:`WireTimeout` (also a ``TimeoutError``).
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass, field
from typing import Any

_OKAY = b"OKAY"
_FAIL = b"FAIL"
MAX_BLOCK = 1024 * 1024  # a hex length block is at most 0xffff; anything claiming more is not adb


class WireError(OSError):
    """The ADB server refused a request or said something that is not ADB."""


class WireTimeout(WireError, TimeoutError):
    """The ADB server (or the device behind it) did not answer in time."""


def adb_errors() -> tuple[type[BaseException], ...]:
    """What an ADB call here can raise: ours, ``OSError``, and adbutils' errors once adbutils is imported
    (an adbutils device handed in by a caller; before the import no adbutils error can exist)."""
    errors: list[type[BaseException]] = [WireError, OSError]
    adbutils = sys.modules.get("adbutils")
    error = getattr(adbutils, "AdbError", None) if adbutils is not None else None
    if isinstance(error, type) and issubclass(error, BaseException):
        errors.append(error)
    return tuple(errors)


@dataclass
class DeviceInfo:
    """One line of ``adb devices -l``: the serial, its state and its ``key:value`` tags."""

    serial: str
    state: str
    tags: dict[str, str] = field(default_factory=dict)


class WireConnection:
    """One socket to the ADB server (the subset of adbutils' ``AdbConnection`` droidcheck uses)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock: socket.socket | None = sock

    @property
    def conn(self) -> socket.socket:
        if self._sock is None:
            raise WireError("the connection to the ADB server is closed")
        return self._sock

    def send_command(self, cmd: str) -> None:
        data = cmd.encode("utf-8")
        if len(data) > 0xFFFF:
            raise WireError(f"request too long for the ADB server ({len(data)} bytes)")
        try:
            self.conn.sendall(b"%04x" % len(data) + data)
        except TimeoutError:
            raise WireTimeout("the ADB server did not take the request in time") from None

    def _read_exact(self, n: int) -> bytes:
        buf = b""
        try:
            while len(buf) < n:
                chunk = self.conn.recv(n - len(buf))
                if not chunk:
                    raise WireError("the ADB server closed the connection")
                buf += chunk
        except TimeoutError:
            raise WireTimeout("the ADB server did not answer in time") from None
        return buf

    def read_string_block(self) -> str:
        """Four hex digits of length, then that many bytes of text."""
        head = self._read_exact(4)
        try:
            size = int(head, 16)
        except ValueError:
            raise WireError(f"not an ADB length: {head!r}") from None
        if size > MAX_BLOCK:
            raise WireError(f"not an ADB length: {head!r}")
        return self._read_exact(size).decode("utf-8", errors="replace") if size else ""

    def check_okay(self) -> None:
        status = self._read_exact(4)
        if status == _OKAY:
            return
        if status == _FAIL:
            raise WireError(self.read_string_block())
        raise WireError(f"unknown answer from the ADB server: {status!r}")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> WireConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WireClient:
    """An ADB server client for the requests a read makes; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5037, socket_timeout: float | None = None) -> None:
        self.host = host
        self.port = port
        self.socket_timeout = socket_timeout
        self._full: Any = None

    def make_connection(self, timeout: float | None = None) -> WireConnection:
        """A new socket to the server; ``timeout`` (else the client's) bounds the connect and each read."""
        limit = timeout or self.socket_timeout
        try:
            sock = socket.create_connection((self.host, self.port), timeout=limit or 10)
        except TimeoutError:
            raise WireTimeout(f"the ADB server at {self.host}:{self.port} did not accept a connection") from None
        sock.settimeout(limit or None)
        return WireConnection(sock)

    def list(self, extended: bool = False) -> list[DeviceInfo]:
        """Every device the server knows, in every state (``adb devices [-l]``)."""
        with self.make_connection() as c:
            c.send_command("host:devices-l" if extended else "host:devices")
            c.check_okay()
            text = c.read_string_block()
        infos = []
        for line in text.splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            tags = dict(p.split(":", 1) for p in parts[2:] if ":" in p) if extended else {}
            infos.append(DeviceInfo(parts[0], parts[1], tags))
        return infos

    def device(self, serial: str) -> WireDevice:
        return WireDevice(self, serial)

    def full(self) -> Any:
        """adbutils' client for the same server (imports adbutils)."""
        if self._full is None:
            import adbutils

            self._full = adbutils.AdbClient(host=self.host, port=self.port, socket_timeout=self.socket_timeout)
        return self._full

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_full":
            raise AttributeError(name)
        return getattr(self.full(), name)


class WireDevice:
    """A device on a :class:`WireClient`: what :mod:`droidcheck.adb.service` needs (its client and serial);
    everything else is adbutils' device for the same serial."""

    def __init__(self, client: WireClient, serial: str) -> None:
        self._client = client
        self.serial = serial
        self._full: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_full":
            raise AttributeError(name)
        if self._full is None:
            self._full = self._client.full().device(self.serial)
        return getattr(self._full, name)

    def __repr__(self) -> str:
        return f"WireDevice({self.serial!r} on {self._client.host}:{self._client.port})"
