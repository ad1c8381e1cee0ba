"""Never green on what was not read (issue 12 §4).

A phone lost mid-read, a snapshot with nothing in it and command output that is noise must never give the
green "No problem found": the verdict is ``incomplete`` (exit 3) and every output names what is missing.
"""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from fixture_files import fixture, fixture_paths
from rich.console import Console

from droidcheck.check import check_snapshot, exit_code
from droidcheck.collect.collector import read_device
from droidcheck.facts.extract import extract_facts
from droidcheck.rules.loader import load_rules
from droidcheck.sim.adbd import garbage
from droidcheck.sim.profile import builtin_profiles, find_profile
from droidcheck.sim.snapshot import snapshot_of
from droidcheck.snapshot import Snapshot, SnapshotError

RULES = load_rules()
GREEN = "No problem found"


def read(adb_server, serial: str, **kw):
    return read_device(adb_server.client.device(serial), serial=serial, adb_server=adb_server.address, **kw)


def terminal_text(result) -> str:
    from droidcheck.report.terminal import render

    buf = io.StringIO()
    render(result, Console(file=buf, width=160, color_system=None))
    return buf.getvalue()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    return proc


@pytest.fixture
def lost_result(adb_server, sim_phone):
    """A healthy phone that drops off the bus after six commands (issue 12 §4, first case)."""
    serial = sim_phone("pixel8-a14-healthy", faults={"disconnect_after": 6})
    snap = read(adb_server, serial)
    assert not snap.meta.complete
    return check_snapshot(snap, RULES)


# -- the verdict --------------------------------------------------------------------------------------

@pytest.mark.e2e
def test_phone_lost_mid_reply_is_incomplete_not_pass(lost_result):
    verdict = lost_result["verdict"]
    assert verdict["status"] == "incomplete"
    assert exit_code(lost_result) == 3
    assert lost_result["complete"] is False
    missing = {m["rule"] for m in verdict["missing"]}
    assert "no-cellular-service" in missing
    assert all(m["severity"] in ("critical", "high") and m["unknown_facts"] for m in verdict["missing"])


def test_a_failure_stays_fail_but_the_missing_are_listed():
    snap = snapshot_of(find_profile("galaxy-a52-a13-airplane"))
    del snap.outputs["telephony_registry"]
    snap.meta.complete = False
    snap.meta.problems = ["the phone was lost"]
    result = check_snapshot(snap, RULES)
    assert result["verdict"]["status"] == "fail"
    assert result["verdict"]["missing"]
    assert exit_code(result) == 3


def test_an_android_version_that_cannot_show_a_fact_is_not_incomplete():
    for profile in builtin_profiles():
        result = check_snapshot(snapshot_of(profile), RULES)
        assert result["verdict"]["status"] == profile.expect["verdict"], (profile.name, result["verdict"])
        assert result["verdict"]["missing"] == [], (profile.name, result["verdict"]["missing"])
        assert result["complete"] is True


# -- every output -------------------------------------------------------------------------------------

@pytest.mark.e2e
def test_terminal_shows_incomplete_and_what_is_missing(lost_result):
    text = terminal_text(lost_result)
    assert GREEN not in text and "None found on the phone" not in text
    assert "Incomplete" in text
    first = lost_result["verdict"]["missing"][0]["title"]
    assert first in text


@pytest.mark.e2e
def test_html_and_pdf_show_incomplete_in_amber(lost_result):
    from droidcheck.report.html import to_html
    from droidcheck.report.pdf import to_pdf

    page = to_html(lost_result)
    assert GREEN not in page
    assert 'class="verdict v-incomplete"' in page
    assert "Not read" in page
    assert lost_result["verdict"]["missing"][0]["title"] in page
    text = pdf_text(to_pdf(lost_result))
    assert GREEN not in text
    assert "Incomplete" in text and "Not read" in text


@pytest.mark.e2e
def test_junit_names_what_was_not_read(lost_result):
    from droidcheck.report.junit import to_junit

    suite = ET.fromstring(to_junit([lost_result])).find("testsuite")
    errors = [c for c in suite.iter("testcase") if c.find("error") is not None]
    assert int(suite.get("errors")) == len(errors) >= 2
    names = " ".join(c.get("name") for c in errors)
    assert "no-cellular-service" in names


@pytest.mark.e2e
def test_json_cli_exit_3_incomplete(adb_server, sim_phone):
    serial = sim_phone("pixel8-a14-healthy", faults={"disconnect_after": 6})
    proc = run_cli("check", "--adb", adb_server.address, "-s", serial, "--format", "json")
    assert proc.returncode == 3, proc.stderr
    result = json.loads(proc.stdout)
    assert result["verdict"]["status"] == "incomplete" and result["verdict"]["missing"]
    serial = sim_phone("pixel8-a14-healthy", faults={"disconnect_after": 6})  # the first one came back whole
    proc = run_cli("check", "--adb", adb_server.address, "-s", serial)
    assert proc.returncode == 3 and GREEN not in proc.stdout


def _fleet_row(result):
    from droidcheck.fleet.plan import Target
    from droidcheck.fleet.runner import INCOMPLETE, _line

    t = Target(key="k1", server="127.0.0.1:5037", serial="SER1", state="device")
    return _line(t, INCOMPLETE, result, "1")


@pytest.mark.e2e
def test_fleet_summary_and_html_name_what_is_missing(lost_result):
    from droidcheck.fleet.summary import render_summary
    from droidcheck.report.fleet_html import to_fleet_html

    row = _fleet_row(lost_result)
    assert row["status"] == "incomplete" and row["verdict"] == "incomplete"
    title = lost_result["verdict"]["missing"][0]["title"]
    summary = {"run_id": "r1", "devices": [row], "counts": {"failed": 0, "incomplete": 1, "not ready": 0,
                                                             "passed": 0, "total": 1},
               "common_causes": [], "not_checked": [], "server_errors": {}}
    page = to_fleet_html(summary, {row["key"]: lost_result})
    assert GREEN not in page and f"Not read: {title}" in page
    buf = io.StringIO()
    render_summary(summary, __import__("pathlib").Path("run"), Console(file=buf, width=200, color_system=None))
    assert "not read" in buf.getvalue().lower()


def test_fleet_progress_shows_incomplete_apart_from_failed():
    from droidcheck.fleet.progress import STAGES, LiveProgress

    assert "incomplete" in STAGES
    p = LiveProgress()
    p.add("k", "phone")
    p.update("k", "incomplete", "not read: no-cellular-service")
    buf = io.StringIO()
    Console(file=buf, width=120, color_system=None).print(p._render())
    assert "incomplete 1" in buf.getvalue()


# -- snapshots ----------------------------------------------------------------------------------------

def _snap_dict(**changes):
    d = snapshot_of(find_profile("pixel8-a14-healthy")).to_dict()
    d.update(changes)
    return d


def test_empty_snapshot_is_an_error():
    with pytest.raises(SnapshotError, match="no command outputs"):
        Snapshot.from_dict({"format": "droidcheck.snapshot", "version": 1})
    with pytest.raises(SnapshotError, match="no command outputs"):
        Snapshot.from_dict({"format": "droidcheck.snapshot", "version": 1, "meta": {"complete": True},
                            "outputs": []})


@pytest.mark.parametrize("version", [True, False, 1.0, "1", None, 0, -1])
def test_snapshot_version_must_be_a_real_integer(version):
    with pytest.raises(SnapshotError):
        Snapshot.from_dict(_snap_dict(version=version))


@pytest.mark.parametrize("change", [
    {"outputs": {"probe": "date"}},
    {"outputs": "date"},
    {"outputs": [["date", "date +%s"]]},
    {"meta": ["serial"]},
    {"meta": {"complete": "yes"}},
    {"meta": {"problems": "none"}},
    {"meta": {"round_trips": "2"}},
])
def test_wrongly_typed_snapshot_fields_are_a_clear_error(change):
    with pytest.raises(SnapshotError):
        Snapshot.from_dict(_snap_dict(**change))


@pytest.mark.parametrize("field,value", [("stdout", 12), ("stdout", None), ("probe", 3), ("command", ["ls"]),
                                         ("exit_code", "0"), ("exit_code", True), ("status", "great"),
                                         ("duration_s", "fast")])
def test_wrongly_typed_output_fields_are_a_clear_error(field, value):
    d = _snap_dict()
    d["outputs"][0][field] = value
    with pytest.raises(SnapshotError):
        Snapshot.from_dict(d)


def test_snapshot_claiming_complete_without_the_important_outputs_is_not_trusted():
    d = _snap_dict()
    d["outputs"] = [o for o in d["outputs"] if o["probe"] not in ("settings_global", "telephony_registry")]
    assert d["meta"]["complete"] is True
    snap = Snapshot.from_dict(d)
    assert snap.meta.complete is False
    assert any("settings_global" in p for p in snap.meta.problems)
    assert any("telephony_registry" in p for p in snap.meta.problems)
    result = check_snapshot(snap, RULES)
    assert result["verdict"]["status"] == "incomplete"
    assert exit_code(result) == 3


def test_a_full_snapshot_still_loads_complete():
    snap = Snapshot.from_dict(json.loads(json.dumps(_snap_dict())))
    assert snap.meta.complete, snap.meta.problems


def test_cli_empty_snapshot_is_exit_2(tmp_path):
    f = tmp_path / "empty.json"
    f.write_text('{"format": "droidcheck.snapshot", "version": 1}')
    proc = run_cli("check", "--from", str(f))
    assert proc.returncode == 2, proc.stdout
    assert "no command outputs" in proc.stderr
    f.write_text('{"format": "droidcheck.snapshot", "version": true, "outputs": []}')
    assert run_cli("check", "--from", str(f)).returncode == 2


# -- noise ----------------------------------------------------------------------------------------------

def _consistent(noisy, clean) -> bool:
    """A value read from noise must be the phone's real value; a list of slots may lose fields (None)."""
    if noisy == clean:
        return True
    if isinstance(noisy, list) and isinstance(clean, list) and len(noisy) == len(clean):
        return all(_consistent(a, b) for a, b in zip(noisy, clean, strict=True))
    if isinstance(noisy, dict) and isinstance(clean, dict) and noisy.keys() == clean.keys():
        return all(v is None or _consistent(v, clean[k]) for k, v in noisy.items())
    return False


def _zone_assumed(fact) -> bool:
    return "time zone unknown" in (fact.note or "")


@pytest.mark.parametrize("profile", builtin_profiles(), ids=lambda p: p.name)
def test_noise_in_any_one_output_never_becomes_a_value(profile):
    clean = snapshot_of(profile)
    clean_facts = extract_facts(clean)
    for probe, out in clean.outputs.items():
        for seed in range(3):
            noisy = copy.deepcopy(clean)
            noisy.outputs[probe].stdout = garbage(profile.copy(name=f"{profile.name}#{seed}"), out.command)
            for name, fact in extract_facts(noisy).items():
                if fact.known:
                    clean_value = clean_facts[name].value
                    if _zone_assumed(fact) and isinstance(fact.value, int) and isinstance(clean_value, int):
                        # without getprop's time zone a local timestamp is read as UTC (the note says so):
                        # whole days may then differ by one, depending on the hour the test runs
                        assert abs(fact.value - clean_value) <= 1, (probe, seed, name, fact.value, clean_value)
                        continue
                    assert clean_facts[name].known and _consistent(fact.value, clean_value), (
                        probe, seed, name, fact.value, clean_value)
            result = check_snapshot(noisy, RULES)
            if result["verdict"]["status"] != profile.expect["verdict"]:
                assert result["verdict"]["status"] in ("incomplete", "fail"), (probe, result["verdict"])
                assert exit_code(result) == 3, (probe, result["verdict"])


@pytest.mark.e2e
@pytest.mark.parametrize("profile,prefix,fact", [
    ("motog6-a8-clock-off", "settings", "sms.default_app"),
    ("pixel3-a9-amazon-restricted", "settings", "sms.default_app"),
    ("pixel9-a15-notifications-off", "dumpsys", "notifications.sms_app_allowed"),
    ("galaxy-a52-a13-airplane", "settings", "radio.airplane_mode"),
    ("pixel8-a14-healthy", "cmd role", "sms.default_app"),
])
def test_garbage_fault_gives_unknown_with_a_reason(adb_server, sim_phone, profile, prefix, fact):
    serial = sim_phone(profile, faults={"garbage_on": [prefix]})
    snap = read(adb_server, serial)
    facts = extract_facts(snap)
    clean = extract_facts(snapshot_of(find_profile(profile)))
    got = facts[fact]
    if got.known:  # read from another source that was not noise (the role falls back to dumpsys role)
        assert got.value == clean[fact].value
    else:
        assert "not recognised" in (got.reason or ""), got.reason
    result = check_snapshot(snap, RULES)
    by_rule = {f["rule"]: f for f in result["findings"]}
    assert by_rule["no-default-sms-app"]["status"] != "fail"
    if result["verdict"]["status"] != find_profile(profile).expect["verdict"]:
        assert result["verdict"]["status"] in ("incomplete", "fail")
        assert exit_code(result) == 3


# -- recognisers on real captured formats ----------------------------------------------------------------

_DIR_PROBE = {"settings": "settings_global", "telephony_registry": "telephony_registry", "diskstats": "diskstats",
              "appops": "appops:x.y", "getprop": "getprop", "connectivity": "connectivity",
              "dumpsys_package_permission": "sms_permissions"}


@pytest.mark.parametrize("path", [p for d in _DIR_PROBE for p in fixture_paths(d)],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_outputs_are_recognised_and_foreign_ones_are_not(path):
    from droidcheck.parsers.recognise import recognised

    probe = _DIR_PROBE[path.parent.name]
    assert recognised(probe, fixture(path), 0)
    for other, other_probe in _DIR_PROBE.items():
        if other_probe != probe and other != "connectivity":  # connectivity's probe is grep-filtered
            assert not recognised(other_probe, fixture(path), 0), (other_probe, path.name)


@pytest.mark.parametrize("directory,package", [
    ("dumpsys_package", None), ("dumpsys_notification", None)])
def test_real_package_and_notification_dumps_are_recognised(directory, package):
    import re

    from droidcheck.parsers.recognise import recognised

    names = ("com.amazon.mShop.android.shopping", "in.amazon.mShop.android.shopping", "com.android.mms",
             "com.google.android.apps.messaging", "com.samsung.android.messaging")
    probe = "package" if directory == "dumpsys_package" else "notification"
    for path in fixture_paths(directory):
        text = fixture(path)
        pkgs = [n for n in names if re.search(re.escape(n) + r"\b", text)]
        assert any(recognised(f"{probe}:{p}", text, 0) for p in pkgs), path.name
        assert not recognised(f"{probe}:com.android.mms", "lorem ipsum\n= [x]\n", 0)


def test_role_holders_recognise_only_their_own_format():
    from droidcheck.parsers.recognise import recognised

    assert recognised("role_sms", "", 0)  # no holder: RoleShellCommand prints an empty line
    assert recognised("role_sms", "\n", 0)
    assert recognised("role_sms", "com.google.android.apps.messaging\n", 0)
    assert recognised("role_sms", fixture("role/get_role_holders_unknown_r.txt"), 255)
    assert not recognised("role_sms", "Zz3 k=:: ;\n\n%%#\n", 0)
    assert not recognised("packages_third_party", "package:com.a.b\nnoise here\n", 0)
    assert recognised("packages_third_party", "", 0)


def test_package_list_takes_every_line_or_nothing():
    from droidcheck.parsers.packages import parse_package_list

    assert parse_package_list("package:android\npackage:com.android.mms\n") == {"android", "com.android.mms"}
    assert parse_package_list("package:com.a.b\nZz3 k=:: ;\n") is None  # noise: not a shorter list
    assert parse_package_list("") == set()
