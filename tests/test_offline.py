"""Offline input: bug reports (zipped and bare) and saved snapshots give the facts a live read gives.

The bug report fixture is rendered by ``droidcheck.sim.bugreport`` following AOSP dumpstate's layout; the
live-style snapshot answers every probe of the collector's plan with the simulator's renderers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from droidcheck.check import check_snapshot
from droidcheck.collect.plan import PROBES
from droidcheck.errors import InputError
from droidcheck.facts.extract import extract_facts
from droidcheck.offline import load_input
from droidcheck.offline.bugreport import CLOCK_REASON
from droidcheck.offline.dumpstate import read_dumpstate
from droidcheck.parsers.ntp import ClockNow, NtpFix, drift_seconds, parse_clock_now, parse_ntp_fix
from droidcheck.rules.loader import load_rules
from droidcheck.sim.bugreport import render_bugreport, write_bugreport_zip
from droidcheck.sim.profile import Profile, builtin_profiles, find_profile
from droidcheck.sim.snapshot import snapshot_of
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

PROFILES = [p.name for p in builtin_profiles()]
#: Facts a bug report cannot show (must be unknown, with a reason), or shows less precisely.
CANNOT_SHOW = {"time.drift_seconds": CLOCK_REASON}
APPROX = {"device.uptime_seconds": 60, "android.security_patch_age_days": 1, "amazon.days_since_update": 1}
#: From Android 11 the network time service prints the NTP fix itself: drift is measured (±2 s).
NTP_FIX_SDK = 30
DRIFT_NOTE = "from the bug report: phone clock against its last network time fix"


def live_snapshot(profile: Profile) -> Snapshot:
    """What the collector would record: every phase-1 probe, then phase 2 for packages_to_inspect."""
    return snapshot_of(profile)


@pytest.fixture(scope="module")
def rules() -> list[Any]:
    return load_rules()


def _compare(live: Snapshot, offline: Snapshot, sdk: int) -> None:
    a, b = extract_facts(live), extract_facts(offline)
    assert set(a) == set(b)
    approx = {**APPROX, "time.drift_seconds": 2} if sdk >= NTP_FIX_SDK else APPROX
    for name, fa in a.items():
        fb = b[name]
        if name == "time.drift_seconds" and sdk >= NTP_FIX_SDK:
            assert fb.known and DRIFT_NOTE in (fb.note or ""), fb
        if name in CANNOT_SHOW and sdk < NTP_FIX_SDK:
            assert not fb.known and CANNOT_SHOW[name] in (fb.reason or ""), (name, fb)
            continue
        assert fa.known == fb.known, (name, fa, fb)
        if not fa.known:
            assert fb.reason, name
        elif name in approx:
            assert abs(fa.value - fb.value) <= approx[name], (name, fa.value, fb.value)
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
        _compare(live, snap, profile.sdk)
    result = check_snapshot(zipped, rules)
    expect = profile.expect
    assert result["verdict"]["status"] == expect["verdict"]
    causes = result["verdict"]["likely_causes"]
    by_rule = {f["rule"]: f for f in result["findings"]}
    if expect.get("first_cause") == "clock-drift" and profile.sdk < NTP_FIX_SDK:
        # Android 8-10 print no NTP time: the drift is not in the report; the cause it explains is.
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


# -- clock drift from the last NTP fix ---------------------------------------------------------------------
def _load_text(text: str, tmp_path: Path) -> Snapshot:
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    return load_input(path)


@pytest.mark.parametrize("sdk,offset", [(30, 540.0), (31, -400.0), (33, 540.0), (36, 75.0)])
def test_drift_from_the_ntp_fix(sdk: int, offset: float, tmp_path: Path) -> None:
    base = find_profile("motog6-a8-clock-off")  # Europe/Madrid, automatic time off
    profile = replace(base, sdk=sdk, release=str(sdk - 19), clock_offset_seconds=offset)
    snap = _load_text(render_bugreport(profile), tmp_path)
    fact = extract_facts(snap)["time.drift_seconds"]
    assert fact.known and abs(fact.value - offset) <= 2, fact
    assert fact.note == f"{DRIFT_NOTE} 17 minutes before the report"


def test_clock_drift_rule_from_a_bug_report(tmp_path: Path, rules: list[Any]) -> None:
    """The clock-offset profile on Android 13: its bug report now proves the drift itself."""
    profile = replace(find_profile("motog6-a8-clock-off"), sdk=33, release="13")
    zipped = load_input(write_bugreport_zip(profile, tmp_path / "bugreport.zip"))
    result = check_snapshot(zipped, rules)
    by_rule = {f["rule"]: f for f in result["findings"]}
    assert by_rule["clock-drift"]["status"] == "fail"
    assert result["verdict"]["status"] == profile.expect["verdict"] == "fail"
    assert result["verdict"]["likely_causes"][0] == profile.expect["first_cause"] == "clock-drift"


def test_android_8_report_has_no_ntp_time(tmp_path: Path) -> None:
    snap = _load_text(render_bugreport(find_profile("motog6-a8-clock-off")), tmp_path)
    assert snap.outputs["ntp"].stdout == "LastNtpFetchTime: -1ms\n"  # automatic time off: never fetched
    fact = extract_facts(snap)["time.drift_seconds"]
    assert not fact.known and CLOCK_REASON in fact.reason and "not the network time" in fact.reason


def test_report_without_ntp_section_keeps_drift_unknown(tmp_path: Path) -> None:
    text = render_bugreport(find_profile("pixel8-a14-healthy"))
    cut = re.sub(r"-{79}\nDUMP OF SERVICE network_time_update_service:.*?(?=-{79}\n)", "", text, flags=re.S)
    assert "network_time_update_service" not in cut
    snap = _load_text(cut, tmp_path)
    assert snap.outputs["ntp"].status == "unavailable" and snap.outputs["clock_now"].ok
    fact = extract_facts(snap)["time.drift_seconds"]
    assert not fact.known and CLOCK_REASON in fact.reason
    assert "no 'DUMP OF SERVICE network_time_update_service' section" in fact.reason


def test_only_the_clock_lines_are_kept() -> None:
    text = render_bugreport(find_profile("pixel8-a14-healthy"))
    doc = read_dumpstate(text.splitlines())
    alarm = doc.services["alarm"].text().splitlines()
    assert len(alarm) == 1 and alarm[0].lstrip().startswith("nowRTC=")
    ntp = doc.services["network_time_update_service"].text()
    assert "mTimeResult=TimeResult{" in ntp and "Local logs" not in ntp and "getNtpConfig" not in ntp


def _bugreport_snapshot(ntp: str, now: str) -> Snapshot:
    snap = Snapshot(SnapshotMeta(source="bugreport", captured_at="2026-07-01T12:00:00Z"))
    snap.add(CommandOutput("date", "date +%s", status="unavailable", error=CLOCK_REASON))
    snap.add(CommandOutput("ntp", "dumpsys network_time_update_service", stdout=ntp, exit_code=0))
    snap.add(CommandOutput("clock_now", "dumpsys alarm | grep nowRTC=", stdout=now, exit_code=0))
    return snap


def test_old_fix_is_reported_with_its_age_and_bad_inputs_stay_unknown() -> None:
    ntp = "mTimeResult=TimeResult{unixEpochTime=2026-06-29T12:00:00Z, elapsedRealtime=PT1H, " \
          "mUncertaintyMillis=20, mNtpServerSocketAddress=time.android.com/216.239.35.4:123}\n"
    now = "  nowRTC=1782907290000=2026-07-01 14:01:30.000 nowELAPSED=176400000\n"  # 48 h after the fix
    fact = extract_facts(_bugreport_snapshot(ntp, now))["time.drift_seconds"]
    assert fact.known and fact.value == 90.0
    assert fact.note.startswith(f"{DRIFT_NOTE} 2880 minutes before the report; that fix is 48 hours old")
    for bad_ntp, bad_now, words in [("mTimeResult=null\n", now, "no network time fix"),
                                    (ntp, "nowRTC=garbage\n", "no readable 'nowRTC="),
                                    (ntp, "  nowRTC=1782907290000=x nowELAPSED=1000\n", "do not belong together")]:
        fact = extract_facts(_bugreport_snapshot(bad_ntp, bad_now))["time.drift_seconds"]
        assert not fact.known and CLOCK_REASON in fact.reason and words in fact.reason, fact


def test_live_drift_is_unchanged() -> None:
    """No ntp/clock_now probes in a live read: a failed 'date' keeps its own reason; the live offset wins."""
    snap = Snapshot(SnapshotMeta(captured_at="2026-07-01T12:00:00Z"))
    snap.add(CommandOutput("date", "date +%s", status="timeout", duration_s=3.0))
    assert extract_facts(snap)["time.drift_seconds"].reason == "'date +%s' timed out after 3.0 s"
    snap.meta.clock_offset_s, snap.meta.clock_offset_uncertainty_s = 12.3456, 0.2
    fact = extract_facts(snap)["time.drift_seconds"]
    assert fact.value == 12.346 and fact.note == "measured live, ±0.20 s"


@pytest.mark.parametrize("text,expect", [
    # T+ NtpTrustedTime.dump
    ("mTimeResult=TimeResult{unixEpochTime=2026-07-01T11:43:00.123Z, elapsedRealtime=PT52H29M40.25S, "
     "mUncertaintyMillis=18, mNtpServerSocketAddress=time.android.com/216.239.35.4:123}\n"
     "mTimeResult.getAgeMillis()=PT17M\n", NtpFix(1782906180123, 188980250)),
    # R NetworkTimeUpdateService.dump, TimeResult with raw longs
    ("NTP cache result: TimeResult{mTimeMillis=1782906180000, mElapsedRealtimeMillis=171780250, "
     "mCertaintyMillis=18}\nNTP result age: 1020000\n", NtpFix(1782906180000, 171780250)),
    # later R/S builds: Instant and Duration in the same fields
    ("mTimeResult=TimeResult{mTimeMillis=2026-07-01T11:43:00Z, mElapsedRealtimeMillis=PT47H43M, "
     "mCertaintyMillis=18}\n", NtpFix(1782906180000, 171780000)),
    ("LastNtpFetchTime: +1d23h43m0s250ms\n", None),  # O: when, not what
    ("NTP cache age: 1020000\nNTP cache certainty: 18\n", None),  # P/Q
    ("mTimeResult=null\n", None),
    ("mTimeResult=TimeResult{unixEpochTime=yesterday, elapsedRealtime=PT1H}\n", None),
    ("TimeResult{mTimeMillis=12}", None),
    ("", None),
])
def test_parse_ntp_fix(text: str, expect: NtpFix | None) -> None:
    assert parse_ntp_fix(text) == expect


@pytest.mark.parametrize("text,expect", [
    ("  nowRTC=1782907200123=2026-07-01 13:00:00.123 nowELAPSED=172800250\n", ClockNow(1782907200123, 172800250)),
    ("nowRTC=1782907200000=2026-07-01 14:00:00 nowELAPSED=+2d0h0m0s250ms\n", ClockNow(1782907200000, 172800250)),
    ("nowRTC=1782907200000=2026-07-01 14:00:00 nowELAPSED=soon\n", None),
    ("Current Alarm Manager state:\n", None),
    ("", None),
])
def test_parse_clock_now(text: str, expect: ClockNow | None) -> None:
    assert parse_clock_now(text) == expect


def test_drift_arithmetic() -> None:
    fix, now = NtpFix(1_000_000, 5_000), ClockNow(1_000_000 + 60_000 + 540_000, 65_000)
    assert drift_seconds(fix, now) == 540.0


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


#: A gzip stream cut after its first deflate bytes: random bytes follow a real header.
_GZ_HEAD = __import__("gzip").compress(b"== dumpstate: 2026-01-01 00:00:00\n" * 50)[:30]
_PREFIXES = st.sampled_from([b"", b"PK\x03\x04", b"{", b"== dumpstate: 2026-01-01 00:00:00\n",
                             b"=" * 56 + b"\n== dumpstate: 9999-99-99 99:99:99\n------ UPTIME (uptime) ------\n",
                             b"== dumpstate: 2026-01-01 00:00:00\n" + b"-" * 79 + b"\nDUMP OF SERVICE package:\n",
                             b"\x1f\x8b", _GZ_HEAD])


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
    (src / "clock.txt.gz").write_bytes(__import__("gzip").compress(
        render_bugreport(find_profile("motog6-a8-clock-off")).encode("utf-8")))
    (src / "other.gz").write_bytes(__import__("gzip").compress(b"not a report\n"))
    proc = _cli("recheck", str(src))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "airplane-mode-on" in proc.stdout and "bugreport-a52.zip" in proc.stdout
    assert "clock.txt.gz" in proc.stdout and "other.gz" not in proc.stdout
    out = tmp_path / "out"
    proc = _cli("recheck", str(src), "--format", "json", "-o", str(out))
    rows = json.loads(proc.stdout[: proc.stdout.rindex("]") + 1])
    assert {r["file"] for r in rows} == {"bugreport-a52.zip", "healthy.txt", "run/devices/a/snapshot.json",
                                         "clock.txt.gz"}
    assert {r["verdict"] for r in rows} == {"fail", "pass"}
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 4
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


# -- gzip-compressed inputs ---------------------------------------------------------------------------

def test_gzipped_bug_report_text_and_snapshot_read_like_plain_ones(tmp_path: Path) -> None:
    import gzip

    profile = find_profile("motog6-a8-clock-off")
    text = render_bugreport(profile)
    plain = tmp_path / "bugreport.txt"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "bugreport.txt.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    a, b = load_input(plain), load_input(packed)
    assert b.meta.source == "bugreport" and b.meta.complete
    assert {k: o.stdout for k, o in a.outputs.items()} == {k: o.stdout for k, o in b.outputs.items()}
    snap = live_snapshot(profile)
    packed_snap = tmp_path / "snapshot.json.gz"
    packed_snap.write_bytes(gzip.compress(snap.to_json().encode("utf-8")))
    assert load_input(packed_snap).to_dict()["outputs"] == snap.to_dict()["outputs"]


def test_snapshot_to_dict_is_every_field_as_dataclasses_would_give_it() -> None:
    """``Snapshot.to_dict`` lists the fields itself (faster than ``dataclasses.asdict``): same document,
    and a caller changing it does not change the snapshot."""
    import dataclasses

    for profile in builtin_profiles():
        snap = snapshot_of(profile, captured_at="2026-11-25T10:00:00Z")
        snap.meta.problems.append("a problem")
        snap.add(CommandOutput("extra", "echo", "x", exit_code=None, status="timeout", error="why"))
        want = {"format": "droidcheck.snapshot", "version": 1, "meta": dataclasses.asdict(snap.meta),
                "outputs": [dataclasses.asdict(o) for o in snap.outputs.values()]}
        got = snap.to_dict()
        assert json.dumps(got, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
        got["meta"]["problems"].append("more")
        assert snap.meta.problems[-1] == "a problem"


@pytest.mark.parametrize(("content", "words"), [("cut", "damaged gzip"), ("other", "neither a snapshot")])
def test_bad_gzip_inputs_are_named(tmp_path: Path, content: str, words: str) -> None:
    import gzip

    path = tmp_path / "x.gz"
    data = gzip.compress(render_bugreport(find_profile("pixel8-a14-healthy")).encode("utf-8"))
    path.write_bytes(data[: len(data) // 2] if content == "cut" else gzip.compress(b"hello, not a report\n"))
    _expect_error(path, words)


def test_bug_report_notification_view_keeps_an_app_line_without_its_uid() -> None:
    """The importer cuts one app's records out of the full dump with the parser's own app-line pattern."""
    from droidcheck.offline.convert import notification_for
    from droidcheck.parsers.notification import parse_notification_dump

    dump = ("Current Notification Manager state:\n  Notification List:\nPackagePreferences:\n"
            "  AppSettings: com.other.app (10123) importance=DEFAULT userSet=false\n"
            "  AppSettings: com.android.mms importance=NONE userSet=false\n")
    view = notification_for(dump, "com.android.mms")
    assert "com.other.app" not in view
    rec = parse_notification_dump(view, "com.android.mms").for_user(0)
    assert rec is not None and rec.blocked
