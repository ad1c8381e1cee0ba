"""The library entry point (``droidcheck.inspection``): connect, read and check a phone with no CLI,
from a thread, reporting progress as structured events; user mistakes raise DroidcheckError."""

from __future__ import annotations

import contextlib
import io
import threading

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
