"""The library entry point (``droidcheck.inspection``): connect, read and check a phone with no CLI,
from a thread, reporting progress as structured events; user mistakes raise DroidcheckError."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from droidcheck import inspection
from droidcheck.errors import AdbServerUnavailable, AmbiguousDevice, DeviceNotFound, DroidcheckError
from droidcheck.rules.loader import RuleLoadError

pytestmark = pytest.mark.e2e


def test_inspect_from_a_thread_reports_progress_and_prints_nothing(adb_server, sim_phone):
    serial = sim_phone("pixel8-a14-healthy")
    events: list[inspection.Event] = []
    found: dict[str, inspection.Inspection] = {}
    out, err = io.StringIO(), io.StringIO()

    def run() -> None:
        found["it"] = inspection.inspect(adb_server.address, serial, progress=events.append)

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        t = threading.Thread(target=run)
        t.start()
        t.join(60)
    it = found["it"]
    assert out.getvalue() == "" and err.getvalue() == ""
    assert it.phone.serial == serial and it.phone.server == adb_server.address
    assert it.snapshot.meta.complete and it.snapshot.meta.serial == serial
    assert it.result["device"]["serial"] == serial and it.result["verdict"]["status"] == "pass"
    assert it.phone.started_server is False  # the address was named: never started behind the user's back
    stages = [e.stage for e in events]
    assert stages[0] == inspection.CONNECT and inspection.READ in stages and stages[-1] == inspection.CHECK
    assert stages == sorted(stages, key=[inspection.CONNECT, inspection.READ, inspection.CHECK].index)
    assert all(e.message for e in events)
    assert {e.serial for e in events if e.stage != inspection.CONNECT} == {serial}


def test_step_by_step_reads_the_same_phone_twice(adb_server, sim_phone):
    serial = sim_phone("pixel8-a14-healthy")
    phone = inspection.connect(adb_server.address, serial)
    rules = inspection.load_rules()
    first = inspection.check(inspection.read(phone), rules)
    second = inspection.check(inspection.read(phone), rules)
    assert first["verdict"] == second["verdict"]
    assert first["device"]["adb_server"] == adb_server.address


def test_user_mistakes_raise_droidcheck_errors(adb_server, sim_phone):
    sim_phone("pixel8-a14-healthy")
    sim_phone("pixel8-a14-healthy")
    with pytest.raises(AmbiguousDevice):
        inspection.connect(adb_server.address, None)
    with pytest.raises(DeviceNotFound):
        inspection.connect(adb_server.address, "no-such-serial")


def test_no_autostart_never_starts_a_server(monkeypatch):
    from droidcheck.adb.server import free_port

    port = free_port()
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
    with pytest.raises(AdbServerUnavailable) as info:
        inspection.connect(None, None, autostart=False)
    assert f":{port}" in info.value.message and isinstance(info.value, DroidcheckError)


def test_load_rules_reports_problems(tmp_path):
    (tmp_path / "bad.yaml").write_text("area: x\nrules: 3\n", encoding="utf-8")
    with pytest.raises(RuleLoadError):
        inspection.load_rules(only=[tmp_path])
    builtin = inspection.load_rules()
    assert builtin and [r.id for r in inspection.load_rules([])] == [r.id for r in builtin]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.mark.parametrize("command", ["fix", "watch"])
def test_fix_and_watch_honour_rules(tmp_path, command):
    """--rules reaches the check fix and watch run first (it was not an option of either)."""
    missing = tmp_path / "no-such-rules"
    proc = _cli(command, "--adb", "127.0.0.1:1", "--rules", str(missing))
    assert proc.returncode == 2
    assert "problem(s) in rule files" in proc.stderr and "no such rule file" in proc.stderr


def test_watch_lists_devices_once(adb_server, sim_phone, monkeypatch):
    """Following --adb through watch: one server resolution, one device listing (it was two of each)."""
    from typer.testing import CliRunner

    from droidcheck.adb import connection
    from droidcheck.cli import app

    serial = sim_phone("pixel8-a14-healthy")
    calls: dict[str, int] = {"list": 0, "resolve": 0}
    real_list, real_resolve = connection.list_devices, connection.resolve_address

    def counting_list(*a, **kw):
        calls["list"] += 1
        return real_list(*a, **kw)

    def counting_resolve(*a, **kw):
        calls["resolve"] += 1
        return real_resolve(*a, **kw)

    monkeypatch.setattr(connection, "list_devices", counting_list)
    monkeypatch.setattr(connection, "resolve_address", counting_resolve)
    res = CliRunner().invoke(app, ["watch", "--adb", adb_server.address, "-s", serial, "--timeout", "1",
                                   "--interval", "0.3", "--grace", "0", "--format", "json"])
    assert res.exit_code in (1, 3), res.output
    assert calls == {"list": 1, "resolve": 1}


def test_no_command_module_imports_the_cli():
    """The feature commands depend on the library, never back on droidcheck.cli (no import circle)."""
    root = Path(inspection.__file__).parent
    for path in root.rglob("*.py"):
        if path.name not in ("cli.py", "__main__.py"):  # __main__ is the command line itself
            assert "droidcheck.cli import" not in path.read_text(encoding="utf-8"), path
