"""Offline input: bug reports (zipped and bare) and saved snapshots give the facts a live read gives.

The bug report fixture is rendered by ``droidcheck.sim.bugreport`` following AOSP dumpstate's layout; the
live-style snapshot answers every probe of the collector's plan with the simulator's renderers.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from droidcheck.check import check_snapshot
from droidcheck.collect.plan import PROBES, phase_probes
from droidcheck.errors import InputError
from droidcheck.facts.derive.apps import packages_to_inspect
from droidcheck.facts.extract import extract_facts
from droidcheck.offline import load_input
from droidcheck.offline.bugreport import CLOCK_REASON
from droidcheck.offline.dumpstate import read_dumpstate
from droidcheck.rules.loader import load_rules
from droidcheck.sim.bugreport import render_bugreport, write_bugreport_zip
from droidcheck.sim.commands import run_command
from droidcheck.sim.profile import Profile, builtin_profiles, find_profile
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

PROFILES = [p.name for p in builtin_profiles()]
#: Facts a bug report cannot show (must be unknown, with a reason), or shows less precisely.
CANNOT_SHOW = {"time.drift_seconds": CLOCK_REASON}
APPROX = {"device.uptime_seconds": 60, "android.security_patch_age_days": 1, "amazon.days_since_update": 1}


def _run(profile: Profile, line: str) -> tuple[str, int]:
    cmd, _, pipe = line.partition("|")
    out = run_command(profile, shlex.split(cmd))
    if pipe:  # `dumpsys connectivity | grep -E 'a|b'`
        pattern = shlex.split(pipe)[-1]
        return "".join(ln + "\n" for ln in out.stdout.splitlines() if re.search(pattern, ln)), 0
    return out.stdout, out.rc


def live_snapshot(profile: Profile) -> Snapshot:
    """What the collector would record: every phase-1 probe, then phase 2 for packages_to_inspect."""
    snap = Snapshot(SnapshotMeta(captured_at=datetime.now(UTC).isoformat(timespec="seconds"),
                                 source="simulator"))
    for probe in phase_probes(1):
        stdout, rc = _run(profile, probe.command)
        snap.add(CommandOutput(probe.id, probe.command, stdout=stdout, exit_code=rc))
    for pkg in packages_to_inspect(snap):
        for probe in phase_probes(2):
            stdout, rc = _run(profile, probe.render(pkg))
            snap.add(CommandOutput(probe.probe_id(pkg), probe.render(pkg), stdout=stdout, exit_code=rc))
    return snap


@pytest.fixture(scope="module")
def rules() -> list[Any]:
    return load_rules()


def _compare(live: Snapshot, offline: Snapshot) -> None:
    a, b = extract_facts(live), extract_facts(offline)
    assert set(a) == set(b)
    for name, fa in a.items():
        fb = b[name]
        if name in CANNOT_SHOW:
            assert not fb.known and CANNOT_SHOW[name] in (fb.reason or ""), (name, fb)
            continue
        assert fa.known == fb.known, (name, fa, fb)
        if not fa.known:
            assert fb.reason, name
        elif name in APPROX:
            assert abs(fa.value - fb.value) <= APPROX[name], (name, fa.value, fb.value)
        else:
            assert fa.value == fb.value, (name, fa.value, fb.value)


@pytest.mark.parametrize("name", PROFILES)
def test_bugreport_gives_live_facts_zip_and_bare(name: str, tmp_path: Path, rules: list[Any]) -> None:
    profile = find_profile(name)
    live = live_snapshot(profile)
    zipped = load_input(write_bugreport_zip(profile, tmp_path / "bugreport-x.zip"))
    bare_path = tmp_path / "report.txt"
    bare_path.write_text(render_bugreport(profile), encoding="utf-8")
    bare = load_input(bare_path)
    for snap in (zipped, bare):
        assert snap.meta.source == "bugreport" and snap.meta.complete, snap.meta.problems
        assert snap.meta.model == profile.model and snap.meta.serial == profile.serial
        _compare(live, snap)
    result = check_snapshot(zipped, rules)
    expect = profile.expect
    assert result["verdict"]["status"] == expect["verdict"]
    causes = result["verdict"]["likely_causes"]
    by_rule = {f["rule"]: f for f in result["findings"]}
    if expect.get("first_cause") == "clock-drift":
        # The drift itself is not in a bug report; the cause it explains on the phone is.
        assert by_rule["clock-drift"]["status"] == "unknown"
        assert causes[0] == expect["explained"][0]
    elif "first_cause" in expect:
        assert causes and causes[0] == expect["first_cause"], causes
    if "likely_causes" in expect:
        assert causes == expect["likely_causes"]


def test_three_android_generations_are_covered() -> None:
    sdks = {find_profile(n).sdk for n in ("pixel8-a14-healthy", "galaxy-a52-a13-airplane", "motog6-a8-clock-off")}
    assert sdks == {34, 33, 26}


def test_capture_time_is_the_dumpstate_header_in_the_phone_zone(tmp_path: Path) -> None:
    profile = find_profile("motog6-a8-clock-off")  # Europe/Madrid, clock 540 s fast
    when = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
    text = render_bugreport(profile, when)
    assert "== dumpstate: 2026-07-01 14:09:00" in text  # CEST, +9 min
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    snap = load_input(path)
    assert snap.meta.captured_at == "2026-07-01T12:09:00Z"
    assert snap.outputs["date"].status == "unavailable"


def test_sections_follow_dumpstate_layout() -> None:
    text = render_bugreport(find_profile("pixel8-a14-healthy"))
    assert text.startswith("=" * 56 + "\n== dumpstate: ")
    assert "------ SYSTEM PROPERTIES (getprop) ------\n" in text
    assert re.search(r"^-{79}\nDUMP OF SERVICE settings:\n", text, re.M)
    assert re.search(r"^DUMP OF SERVICE CRITICAL notification:$", text, re.M)
    assert re.search(r"^--------- \d+\.\d{3}s was the duration of dumpsys package, ending at: "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", text, re.M)
    order = [text.index(s) for s in ("DUMPSYS CRITICAL", "UPTIME (uptime)", "SYSTEM PROPERTIES",
                                      "== Android Framework Services", "DUMP OF SERVICE appops:",
                                      "DUMP OF SERVICE usagestats:", "== dumpstate: done")]
    assert order == sorted(order)
    doc = read_dumpstate(text.splitlines())
    assert doc.finished and doc.service_priority["notification"] == ""  # NORMAL dump wins over CRITICAL
    assert "PackagePreferences:" in doc.services["notification"].text()


def test_notification_list_text_is_never_kept() -> None:
    text = render_bugreport(find_profile("pixel8-a14-healthy"), filler=None).replace(
        "  Notification List:\n", "  Notification List:\n    tickerText=Your Amazon code is 123456\n")
    doc = read_dumpstate(text.splitlines())
    assert "123456" not in doc.services["notification"].text()


def test_saved_snapshot_round_trip(tmp_path: Path) -> None:
    snap = live_snapshot(find_profile("pixel8-a14-healthy"))
    path = tmp_path / "s.json"
    snap.save(path)
    assert load_input(path).outputs.keys() == snap.outputs.keys()


def test_missing_sections_are_unknown_with_a_reason(tmp_path: Path) -> None:
    text = render_bugreport(find_profile("pixel8-a14-healthy"))
    cut = re.sub(r"-{79}\nDUMP OF SERVICE telephony\.registry:.*?(?=-{79}\n)", "", text, flags=re.S)
    path = tmp_path / "r.txt"
    path.write_text(cut, encoding="utf-8")
    facts = extract_facts(load_input(path))
    assert not facts["signal.level"].known
    assert "no 'DUMP OF SERVICE telephony.registry' section" in facts["signal.level"].reason


# -- bad inputs -------------------------------------------------------------------------------------------
def _zip(tmp_path: Path) -> Path:
    return write_bugreport_zip(find_profile("pixel8-a14-healthy"), tmp_path / "bugreport.zip")


def _expect_error(path: Path, words: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_input(path)
    assert words in info.value.message.lower(), info.value.message
    return info.value


def test_truncated_zip(tmp_path: Path) -> None:
    path = _zip(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert _expect_error(path, "damaged").hint


def test_corrupted_zip(tmp_path: Path) -> None:
    path = _zip(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("bugreport-"))
    start = info.header_offset + 30 + len(info.filename) + 200
    for i in range(start, start + 400):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    _expect_error(path, "damaged")


def test_password_protected_zip(tmp_path: Path) -> None:
    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("bugreport-x.txt", b"\x00" * 64)
        zf.writestr("main_entry.txt", "bugreport-x.txt")
    # zipfile cannot write ZipCrypto: set the "encrypted" bit (general purpose flag bit 0) in the local and
    # central headers of the main entry, which is what every unzip tool (and droidcheck) looks at.
    data = bytearray(path.read_bytes())
    data[6] |= 0x1  # local file header of the first entry
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    path.write_bytes(bytes(data))
    assert "password" in _expect_error(path, "password-protected").hint


@pytest.mark.parametrize("content,words", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not a snapshot or a bug report"),
    (b"hello world\n", "not a snapshot or a bug report"),
    (b'{"format": "droidcheck.result", "version": 1}', "not a droidcheck snapshot"),
    (b"{ not json", "not json"),
    (b"=====\nno header here\n", "does not look like a bug report"),
])
def test_wrong_type(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bugreport-x.zip"  # the name does not matter: content decides
    path.write_bytes(content)
    _expect_error(path, words)


def test_zip_without_bugreport_and_empty_zip(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("photo.jpg", b"x")
    _expect_error(path, "not a bug report")
    with zipfile.ZipFile(path, "w"):
        pass
    _expect_error(path, "not a bug report")


def test_folder_and_missing(tmp_path: Path) -> None:
    _expect_error(tmp_path, "folder")
    _expect_error(tmp_path / "nope", "does not exist")


_PREFIXES = st.sampled_from([b"", b"PK\x03\x04", b"{", b"== dumpstate: 2026-01-01 00:00:00\n",
                             b"=" * 56 + b"\n== dumpstate: 9999-99-99 99:99:99\n------ UPTIME (uptime) ------\n",
                             b"== dumpstate: 2026-01-01 00:00:00\n" + b"-" * 79 + b"\nDUMP OF SERVICE package:\n"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=_PREFIXES, body=st.binary(max_size=2000))
def test_importer_only_raises_input_error(prefix: bytes, body: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "in"
        path.write_bytes(prefix + body)
        try:
            snap = load_input(path)
        except InputError as exc:
            assert exc.message
        else:
            extract_facts(snap)


# -- recheck ----------------------------------------------------------------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_recheck_cli(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "run" / "devices" / "a").mkdir(parents=True)
    write_bugreport_zip(find_profile("galaxy-a52-a13-airplane"), src / "bugreport-a52.zip")
    (src / "healthy.txt").write_text(render_bugreport(find_profile("pixel8-a14-healthy")), encoding="utf-8")
    live_snapshot(find_profile("pixel8-a14-healthy")).save(src / "run" / "devices" / "a" / "snapshot.json")
    (src / "run" / "devices" / "a" / "result.json").write_text('{"format": "droidcheck.result"}')
    (src / "notes.txt").write_text("not a report\n")
    proc = _cli("recheck", str(src))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "airplane-mode-on" in proc.stdout and "bugreport-a52.zip" in proc.stdout
    out = tmp_path / "out"
    proc = _cli("recheck", str(src), "--format", "json", "-o", str(out))
    rows = json.loads(proc.stdout[: proc.stdout.rindex("]") + 1])
    assert {r["file"] for r in rows} == {"bugreport-a52.zip", "healthy.txt", "run/devices/a/snapshot.json"}
    assert {r["verdict"] for r in rows} == {"fail", "pass"}
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 3
    doc = json.loads((out / "bugreport-a52.zip.result.json").read_text())
    assert doc["source"] == "bugreport" and "+447700900123" not in json.dumps(doc)
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _cli("recheck", str(empty))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "no snapshots" in proc.stderr


def test_every_probe_is_mapped_or_explained(tmp_path: Path) -> None:
    snap = load_input(_zip(tmp_path))
    for probe in PROBES:
        if probe.per_package:
            assert any(k.startswith(f"{probe.id}:") for k in snap.outputs), probe.id
        else:
            out = snap.outputs[probe.id]
            assert out.ok or out.error, probe.id
