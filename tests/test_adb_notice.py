"""When droidcheck starts an adb server itself it says so, once, on stderr, with how to stop it."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time

import pytest

from droidcheck.adb.server import adb_processes_on, free_port


def _devices(port: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ANDROID_ADB_SERVER_HOST", "ANDROID_SERIAL")}
    env["ANDROID_ADB_SERVER_PORT"] = str(port)
    return subprocess.run([sys.executable, "-m", "droidcheck.cli", "devices", "--json"], capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.mark.e2e
def test_a_server_droidcheck_starts_is_announced_once_with_how_to_stop_it():
    port = free_port()
    assert port != 5037
    try:
        first = _devices(port)
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip().startswith("["), "the notice must not mix with JSON on stdout"
        notes = [line for line in first.stderr.splitlines() if "started an adb server" in line]
        assert len(notes) == 1, first.stderr
        assert f"port {port}" in notes[0] and "--adb HOST:PORT" in notes[0]
        stop = notes[0].split("Stop it with: ", 1)[1].split(" — ", 1)[0]
        second = _devices(port)
        assert second.returncode == 0 and "started an adb server" not in second.stderr, "said once, not per run"
        proc = subprocess.run(shlex.split(stop), capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr  # the command given really stops it
    finally:
        subprocess.run([sys.executable, "-c", "from adbutils import adb_path; import subprocess, sys; "
                        f"subprocess.run([adb_path(), '-P', '{port}', 'kill-server'])"], timeout=30,
                       capture_output=True)
    for _ in range(50):
        if not adb_processes_on(port):
            break
        time.sleep(0.1)
    assert not adb_processes_on(port)
