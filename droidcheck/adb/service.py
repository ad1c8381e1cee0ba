"""Open a device service (``shell:…``) on a single connection to the ADB server, and close it at once.

adbutils' ``AdbDevice.open_transport`` first asks the server for its version, on a separate connection,
every time it is called (to choose between ``host:tport`` and ``host:transport``), and its
``AdbConnection.close`` sleeps 10 ms after shutting the socket down. For a check that meant two extra TCP
connections per phone (each a network round trip when the server is a lab host) and 40 ms of idle time.
``host:transport:SERIAL`` is understood by every adb server version, so it is used directly.
"""

from __future__ import annotations

import contextlib
from typing import Any


def open_service(device: Any, service: str, timeout: float) -> Any:
    """A connection to ``service`` on ``device`` (a :class:`droidcheck.adb.wire.WireDevice` or an adbutils
    device), or the client's errors.

    adbutils has no public accessor for a device's client, so its ``_client`` attribute is read; anything
    without one (another adbutils version, a test double) opens its transport the adbutils way."""
    client, serial = getattr(device, "_client", None), getattr(device, "serial", None)
    if client is None or not serial:  # not a plain adbutils device: let it open its own transport
        conn = device.open_transport(timeout=timeout)
    else:
        conn = client.make_connection(timeout=timeout)
        try:
            conn.send_command(f"host:transport:{serial}")
            conn.check_okay()
        except BaseException:
            close_now(conn)
            raise
    try:
        conn.send_command(service)
        conn.check_okay()
    except BaseException:
        close_now(conn)
        raise
    return conn


def close_now(conn: Any) -> None:
    """Close without adbutils' 10 ms pause: a plain close sends FIN (or RST if unread data is left), and
    either ends the service on the server side."""
    with contextlib.suppress(Exception):
        conn.conn.close()


def run_shell(device: Any, command: str, timeout: float) -> str:
    """``adb shell COMMAND``: everything it printed (stdout and stderr interleaved, as the legacy shell
    service gives them), on one server connection. ``timeout`` bounds the open and each wait for data;
    ``OSError`` reaches the caller: ``WireTimeout`` when the phone went quiet, ``WireError`` for what the
    server refused, and adbutils' errors from an adbutils device's own transport."""
    conn = open_service(device, "shell:" + command, timeout)
    try:
        conn.conn.settimeout(timeout)
        chunks: list[bytes] = []
        while chunk := conn.conn.recv(65536):
            chunks.append(chunk)
    except TimeoutError:
        from droidcheck.adb.wire import WireTimeout

        raise WireTimeout(f"the phone printed nothing for {timeout:.0f} s") from None
    finally:
        close_now(conn)
    return b"".join(chunks).decode("utf-8", errors="replace")
