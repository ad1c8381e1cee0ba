"""``droidcheck serve`` without a browser: who may use it (token, Host, CSRF), device tracking, and a
phone lost mid-check, all against the real app, uvicorn and adb server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
from serve_support import serving

from droidcheck.serve.security import CSP, REPORT_CSP, Access
from droidcheck.serve.station import phone_key
from droidcheck.serve.tracker import parse_device_list

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(adb_server, tmp_path):
    with serving(adb_server.address, tmp_path) as s:
        yield s


def _wait_for(fn, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _phones(served) -> list[dict]:
    status, _h, body = served.get("/phones")
    assert status == 200
    return json.loads(body)


def test_pages_forbid_scripts_from_elsewhere_and_framing(served):
    status, headers, body = served.get("/")
    assert status == 200
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert b'<script src="/static/counter.js"' in body
    assert b"http://" not in body.split(b"<main>")[0]  # no asset fetched from another host


def test_a_change_needs_the_pages_csrf_token_and_its_own_origin(served, sim_phone):
    serial = sim_phone("pixel8-a14-healthy")
    key = phone_key(serial)
    _wait_for(lambda: [p for p in _phones(served) if p["key"] == key and p["verdict"]])
    path = f"/phone/{key}/recheck"
    assert served.post(path)[0] == 403  # no CSRF header: a form on another site could send this
    assert served.post(path, headers={"X-Droidcheck-CSRF": "guess"})[0] == 403
    good = {"X-Droidcheck-CSRF": served.access.csrf}
    assert served.post(path, headers=good | {"Origin": "http://evil.example"})[0] == 403
    status, _h, body = served.post(path, headers=good)
    assert status == 202, body
    # one read per phone at a time: a second re-check while the first runs is refused
    second = served.post(path, headers=good)
    assert second[0] in (202, 409)
    if second[0] == 409:
        assert b"one job per phone" in second[2]


def test_a_foreign_host_name_gets_nothing(served):
    # a page on another site whose DNS name was rebound to 127.0.0.1 sends its own name as Host
    status, _h, _b = served.get("/phones", headers={"Host": "evil.example:8765"})
    assert status == 421


def test_beyond_loopback_every_request_needs_the_token(adb_server, tmp_path):
    token = "t" * 24
    with serving(adb_server.address, tmp_path, access_host="0.0.0.0", token=token) as s:
        assert s.get("/")[0] == 401  # loopback included
        assert s.get("/phones")[0] == 401
        assert s.get("/?token=wrong-wrong-wrong")[0] == 401
        status, headers, _b = s.get(f"/?token={token}")
        assert status == 303 and headers["location"] == "/"
        cookie = headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert s.get("/", headers={"Cookie": cookie.split(";")[0]})[0] == 200
        assert s.get("/phones", headers={"X-Droidcheck-Token": token})[0] == 200


def test_listening_everywhere_generates_a_token_and_prints_it_in_the_url():
    access = Access.for_bind("0.0.0.0", 8765)
    assert access.token and len(access.token) >= 24
    assert f"token={access.token}" in access.url()
    assert Access.for_bind("127.0.0.1", 8765).token is None


def test_the_device_list_of_adb_tracking_is_read_whole():
    devices = parse_device_list(
        "R58R12ABCDE    device usb:1-1 product:a52qnsxx model:SM_A525F device:a52q transport_id:3\n"
        "emulator-5554\toffline\n"
        "0123456789ABC  no permissions (missing udev rules? user is in the plugdev group); see "
        "[http://developer.android.com/tools/device.html] usb:1-2 transport_id:4\n"
        "192.168.1.7:5555 unauthorized transport_id:5\n")
    assert devices["R58R12ABCDE"].state == "device"
    assert devices["R58R12ABCDE"].tag("model") == "SM_A525F"
    assert devices["emulator-5554"].state == "offline"
    assert devices["0123456789ABC"].state == "no permissions"
    assert devices["192.168.1.7:5555"].state == "unauthorized"


def test_an_unauthorized_phone_says_what_to_do_and_is_not_read(served, sim_phone):
    serial = sim_phone("pixel8-a14-healthy", faults={"unauthorized": True})
    key = phone_key(serial)
    # adb may show the phone as connecting or authorizing first: wait for the state it settles in
    _wait_for(lambda: [p for p in _phones(served) if p["key"] == key and p["state"] == "unauthorized"])
    status, _h, body = served.get("/")
    assert status == 200
    card = body.decode().split(f'id="{key}"', 1)[1].split("</section>", 1)[0]
    assert "Not ready: unauthorized" in card and "Allow USB debugging" in card
    assert served.post(f"/phone/{key}/recheck", headers={"X-Droidcheck-CSRF": served.access.csrf})[0] == 409


def test_a_phone_lost_mid_check_shows_incomplete_and_the_server_carries_on(served, sim_phone):
    serial = sim_phone("pixel8-a14-healthy")
    key = phone_key(serial)
    _wait_for(lambda: [p for p in _phones(served) if p["key"] == key and p["activity"] == "idle" and p["verdict"]])
    phone = sim_phone.phone(serial)
    phone.profile.faults.disconnect_after = phone.commands_run + 6  # the re-check loses the phone halfway
    status, _h, body = served.post(f"/phone/{key}/recheck", headers={"X-Droidcheck-CSRF": served.access.csrf})
    assert status == 202, body
    _wait_for(lambda: phone.disconnect_fired)
    card = _wait_for(lambda: [p for p in _phones(served) if p["key"] == key and p["activity"] == "idle"])[0]
    assert card["verdict"] == "incomplete"
    status, _h, body = served.get(f"/phone/{key}/result.json")
    assert status == 200
    result = json.loads(body)
    assert result["complete"] is False
    page = served.get("/")[2].decode()
    assert "Check incomplete" in page and "No problem found" not in page
    assert served.get("/phones")[0] == 200


def test_the_customer_report_runs_no_script(served, sim_phone):
    serial = sim_phone("pixel8-a14-healthy")
    key = phone_key(serial)
    _wait_for(lambda: [p for p in _phones(served) if p["key"] == key and p["verdict"]])
    status, headers, body = served.get(f"/phone/{key}/report.html")
    assert status == 200 and b"<script" not in body
    assert headers["content-security-policy"] == REPORT_CSP
    assert served.get("/phone/pnothere/report.html")[0] == 404


def test_serve_on_a_taken_port_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "droidcheck", "serve", "--port", str(port), "--adb",
                               "127.0.0.1:1"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "cannot listen on 127.0.0.1" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_does_not_import_the_web_stack():
    code = ("import sys; from droidcheck import cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'jinja2')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "[]"
