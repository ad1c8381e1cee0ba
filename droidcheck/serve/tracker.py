"""Follow the phones on an ADB server as they come and go, with adb's own device tracking.

``host:track-devices-l`` keeps one connection open and the server writes the whole device list every time
it changes (a 4-hex-digit length, then ``serial\\tstate  tags`` lines). No polling: a phone plugged in shows
up as soon as adb sees it. When the server goes away the tracker says so and reconnects with a back-off.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from droidcheck.adb.connection import ServerAddress


@dataclass(frozen=True)
class TrackedDevice:
    serial: str
    state: str
    tags: tuple[tuple[str, str], ...] = ()

    def tag(self, name: str) -> str:
        return dict(self.tags).get(name, "")


def parse_device_list(text: str) -> dict[str, TrackedDevice]:
    """The body of one ``track-devices-l`` message: ``serial<TAB or spaces>state key:value…`` lines."""
    devices: dict[str, TrackedDevice] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        serial, state = parts[0], parts[1]
        rest = parts[2:]
        if state == "no" and rest[:1] == ["permissions"]:  # "no permissions (…)" is one state
            state = "no permissions"
            rest = [p for p in rest[1:] if ":" in p and not p.startswith("(")]
        tags = tuple(tuple(p.split(":", 1)) for p in rest if ":" in p)
        devices[serial] = TrackedDevice(serial, state, tags)  # type: ignore[arg-type]
    return devices


OnChange = Callable[[dict[str, TrackedDevice]], None]
OnServer = Callable[[str | None], None]


class DeviceTracker:
    """A background thread calling ``on_change(devices)`` with the full list after every change, and
    ``on_server(problem)`` when the server stops or starts answering (``None``: answering)."""

    def __init__(self, address: ServerAddress, on_change: OnChange, on_server: OnServer,
                 retry_s: float = 1.0) -> None:
        self.address = address
        self.on_change = on_change
        self.on_server = on_server
        self.retry_s = retry_s
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._was_up = False
        self._thread = threading.Thread(target=self._run, name="droidcheck-track", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        delay = self.retry_s
        problem_said: str | None = None
        while not self._stop.is_set():
            self._was_up = False
            try:
                self._follow()
                problem = "the ADB server closed the connection"
            except OSError as exc:
                problem = f"the ADB server at {self.address} does not answer ({exc.strerror or exc})"
            if self._stop.is_set():
                return
            if self._was_up:  # it had worked: a new outage, reported afresh, retried soon
                delay, problem_said = self.retry_s, None
            if problem != problem_said:
                self.on_server(problem)
                self.on_change({})
                problem_said = problem
            self._stop.wait(delay)
            delay = min(delay * 2, 10.0)

    def _follow(self) -> None:
        from droidcheck.adb.wire import WireClient

        with WireClient(self.address.host, self.address.port, socket_timeout=5).make_connection() as conn:
            self._sock = conn.conn
            conn.send_command("host:track-devices-l")
            conn.check_okay()
            conn.conn.settimeout(None)  # the server writes only when something changes
            self._was_up = True
            self.on_server(None)
            while not self._stop.is_set():
                self.on_change(parse_device_list(conn.read_string_block()))
