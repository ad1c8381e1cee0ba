"""droidcheck's own ADB server client (droidcheck/adb/wire.py): the same answers as adbutils from the real
server, clear errors from something that is not one, and no adbutils import on the read path."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

from droidcheck.adb.service import run_shell
from droidcheck.adb.wire import WireClient, WireError, WireTimeout, adb_errors


@pytest.mark.e2e
def test_lists_devices_as_adbutils_does(adb_server, sim_phone) -> None:
    serial = sim_phone("pixel8-a14-healthy")
    ours = {(i.serial, i.state, tuple(sorted(i.tags.items())))
            for i in WireClient(adb_server.host, adb_server.port, 5).list(extended=True)}
    theirs = {(i.serial, i.state, tuple(sorted(i.tags.items()))) for i in adb_server.client.list(extended=True)}
    assert ours == theirs and any(s == serial for s, _, _ in ours)
    assert {i.serial for i in WireClient(adb_server.host, adb_server.port, 5).list()} == {s for s, _, _ in ours}


@pytest.mark.e2e
def test_shell_through_our_client_and_adbutils_for_the_rest(adb_server, sim_phone) -> None:
    serial = sim_phone("pixel8-a14-healthy")
    device = WireClient(adb_server.host, adb_server.port, 5).device(serial)
    assert run_shell(device, "getprop ro.build.version.sdk", timeout=5) == "34\n"
    assert device.shell("getprop ro.product.model") == "Pixel 8"  # adbutils' own shell, handed over


@pytest.mark.e2e
def test_an_unknown_serial_is_a_wire_error(adb_server) -> None:
    device = WireClient(adb_server.host, adb_server.port, 5).device("no-such-phone")
    with pytest.raises(WireError, match="not found"):
        run_shell(device, "true", timeout=5)


def _fake_server(reply: bytes | None) -> tuple[int, threading.Event]:
    """A one-connection server that reads a request, answers ``reply`` and closes (None: stays silent)."""
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            conn.recv(1024)
            if reply is None:
                done.wait(5)  # silent, connection open
            else:
                conn.sendall(reply)  # then close

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], done


@pytest.mark.parametrize(("reply", "error", "match"), [
    (b"FAIL0010device not found", WireError, "device not found"),
    (b"HTTP/1.1 400 Bad Request\r\n", WireError, "unknown answer"),
    (b"OKAYzzzz", WireError, "not an ADB length"),
    (b"OKAY0010short", WireError, "closed the connection"),
    (b"", WireError, "closed the connection"),
    (None, WireTimeout, "did not answer in time"),
])
def test_what_is_not_an_adb_server_gives_a_clear_error(reply, error, match) -> None:
    port, done = _fake_server(reply)
    try:
        with pytest.raises(error, match=match):
            WireClient("127.0.0.1", port, 0.5).list(extended=True)
    finally:
        done.set()


def test_errors_are_oserrors_so_existing_handlers_catch_them() -> None:
    assert issubclass(WireError, OSError) and issubclass(WireTimeout, TimeoutError)
    assert WireError in adb_errors() and OSError in adb_errors()


@pytest.mark.e2e
def test_a_check_of_a_phone_imports_no_http_or_image_library(adb_server, sim_phone) -> None:
    serial = sim_phone("pixel8-a14-healthy")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "droidcheck.cli", "check", "--adb",
                           adb_server.address, "-s", serial, "--format", "json"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {ln.rsplit("|", 1)[-1].strip().split(".")[0] for ln in proc.stderr.splitlines()
                if ln.startswith("import time:")}
    assert not imported & {"adbutils", "requests", "urllib3", "PIL", "pydantic"}, imported
