"""One error root: every error a user can cause is a DroidcheckError with a message, a hint and an exit
code, so the CLI reports it clearly (exit 2) instead of as an internal error (exit 70)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from droidcheck.adb.server import AdbServerError, adb_processes_on, free_port
from droidcheck.errors import DroidcheckError
from droidcheck.rules.loader import RuleLoadError
from droidcheck.sim.adbd import ProtocolError
from droidcheck.sim.host import SimHostError
from droidcheck.sim.profile import ProfileError
from droidcheck.sim.shell import ShellSyntaxError
from droidcheck.snapshot import SnapshotError
from droidcheck.status import ExitCode


def _cli(*args: str, timeout: float = 30, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200", **(env or {})})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.mark.parametrize("cls", [SnapshotError, RuleLoadError, ProfileError, SimHostError, AdbServerError,
                                 ProtocolError, ShellSyntaxError])
def test_user_errors_share_one_root(cls):
    assert issubclass(cls, DroidcheckError)
    assert cls.exit_code == ExitCode.USAGE == 2


def test_sim_on_a_taken_port_is_a_clear_usage_error_and_starts_no_adb_server():
    """It once started the default adb server (port 5037, the user's own; in a test run, left behind) to
    connect phones that could not listen. Its server address here is a free port: nothing may start there."""
    adb_port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            proc = _cli("sim", "pixel8-a14-healthy", "--port", str(port),
                        env={"ANDROID_ADB_SERVER_PORT": str(adb_port)})
            started = adb_processes_on(adb_port)
        finally:
            for pid in adb_processes_on(adb_port):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr and "--port 0" in proc.stderr
    assert not started, f"an adb server was started on {adb_port} for phones that never listened"


def test_rule_problems_are_listed_one_per_line(tmp_path):
    (tmp_path / "r.yaml").write_text("area: x\nrules: 3\n", encoding="utf-8")
    proc = _cli("rules", "validate", str(tmp_path))
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0] == "error: 1 problem(s) in rule files:"
    assert lines[1].startswith("  ") and "r.yaml" in lines[1]


def test_a_bad_profile_is_a_usage_error():
    proc = _cli("sim", "no-such-profile", "--port", "0")
    assert proc.returncode == 2 and "no profile named 'no-such-profile'" in proc.stderr


def test_simulated_phones_are_not_offered_to_an_adb_server_on_another_computer():
    """The phones listen on loopback: asking a remote server to connect to 127.0.0.1 would reach that
    server's own machine. A clear refusal (exit 2), before any port is opened or server asked."""
    proc = _cli("sim", "pixel8-a14-healthy", "--adb", "192.0.2.10:5037")
    assert proc.returncode == 2 and "could not reach them" in proc.stderr and "192.0.2.10" in proc.stderr
