"""The fleet run folder and history database as hostile input: serials that collide or overflow as folder
names, hand-edited results.jsonl and manifests, damaged or foreign history databases."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from droidcheck.errors import InputError
from droidcheck.fleet.api import FleetRequest, run_fleet
from droidcheck.fleet.history import diff_runs, list_runs, record_run
from droidcheck.fleet.plan import Target
from droidcheck.fleet.progress import Progress
from droidcheck.fleet.runner import FleetOptions, run_targets
from droidcheck.fleet.store import RunStore, device_key, read_lines

SERVER = "127.0.0.1:5037"
ODD_SERIALS = ["R58:X", "R58/X", "R58_X", "R58\\X", "..", "R" * 300, "Ünï cødé/../../etc", "r58:x"]


def run_cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200"}, encoding="utf-8")
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc


def _targets(serials: list[str], state: str = "offline") -> list[Target]:
    return [Target(key=device_key(SERVER, s), server=SERVER, serial=s, state=state, hint="reconnect it")
            for s in serials]


def _new_store(path: Path, targets: list[Target]) -> RunStore:
    return RunStore.create(path, {"format": "droidcheck.fleet-run", "version": 1, "run_id": "r1",
                                  "started": "2026-01-01T00:00:00Z", "finished": None, "servers": [SERVER],
                                  "server_errors": {}, "devices": [t.to_dict() for t in targets]})


# -- §8 folder names ---------------------------------------------------------------------------------

def test_odd_serials_get_their_own_bounded_folders(tmp_path: Path) -> None:
    targets = _targets(ODD_SERIALS)
    store = _new_store(tmp_path / "run", targets)
    barrier = threading.Barrier(len(targets))

    def record(t: Target) -> None:  # all at once: the same folder would race on snapshot.json.tmp
        barrier.wait()
        for _ in range(5):
            store.record({"key": t.key, "server": t.server, "serial": t.serial, "status": "passed"},
                         {"device": {"serial": t.serial}}, json.dumps({"serial": t.serial}))

    threads = [threading.Thread(target=record, args=(t,)) for t in targets]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    folders = [p for p in (store.path / "devices").iterdir()]
    assert len(folders) == len(targets)
    for p in folders:
        assert len(p.name) <= 64 and p.name not in (".", "..") and p.resolve().parent == store.path / "devices"
    reopened = RunStore.open(store.path)
    mapping = reopened.manifest["folders"]
    assert set(mapping) == {t.key for t in targets} and len(set(mapping.values())) == len(targets)
    for t in targets:
        assert reopened.result_of(t.key) == {"device": {"serial": t.serial}}
        snap = json.loads((reopened.device_dir(t.key) / "snapshot.json").read_text(encoding="utf-8"))
        assert snap == {"serial": t.serial}
    assert mapping[device_key(SERVER, "R58:X")].startswith("R58_X")  # still readable


def test_runner_keeps_every_odd_serial_apart(adb_server, tmp_path: Path) -> None:
    """Through the runner, in parallel: devices the server does not know (their read fails) and devices
    that are not ready, with colliding and overlong serials."""
    server = adb_server.address
    ready = [Target(key=device_key(server, s), server=server, serial=s) for s in ODD_SERIALS[:6]]
    offline = [Target(key=device_key(server, s + "-off"), server=server, serial=s + "-off", state="offline")
               for s in ODD_SERIALS[:3]]
    store = _new_store(tmp_path / "run", ready + offline)
    lines = run_targets(ready + offline, lambda _t: [], store, FleetOptions(jobs=6, per_server=6, deadline_s=3,
                                                                               workers=0), Progress(), "first")
    assert len(lines) == len(ready + offline)
    for t in ready + offline:
        assert store.result_of(t.key)["device"]["serial"] == t.serial
    assert len(list((store.path / "devices").iterdir())) == len(ready + offline)


@pytest.mark.e2e
def test_fleet_resume_retry_and_recheck_follow_the_folder_mapping(adb_server, sim_phone, tmp_path: Path) -> None:
    serial = sim_phone("pixel8-a14-healthy")
    run = tmp_path / "run"
    first = run_fleet(FleetRequest(servers=[adb_server.address], out=run, record_history=False,
                                   options=FleetOptions(deadline_s=20, workers=0)))
    key = device_key(adb_server.address, serial)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    folder = manifest["folders"][key]
    assert {p.name for p in (run / "devices" / folder).iterdir()} == {"result.json", "snapshot.json"}
    assert first.summary["devices"][0]["key"] == key
    # a resume that finds the phone unrecorded checks it again into the same, mapped folder
    lines = read_lines(run)
    (run / "results.jsonl").write_text("", encoding="utf-8")
    again = run_fleet(FleetRequest(resume=run, record_history=False, options=FleetOptions(deadline_s=20, workers=0)))
    assert again.checked == 1 and len(read_lines(run)) == 1 and len(lines) == 1
    assert sorted(p.name for p in (run / "devices").iterdir()) == [folder]
    junit = (run / "junit.xml").read_text(encoding="utf-8")
    assert serial in junit  # the result was found through the mapping
    recheck = run_cli("recheck", str(run))
    assert recheck.returncode in (0, 1) and serial in recheck.stdout, recheck.stdout


def test_manifest_folder_escaping_the_run_is_refused(tmp_path: Path) -> None:
    targets = _targets(["A"])
    store = _new_store(tmp_path / "run", targets)
    for bad in ("../../outside", "/etc", "", ".", "a/b", 5):
        store.manifest["folders"] = {targets[0].key: bad}
        store.save_manifest()
        with pytest.raises(InputError, match="folder"):
            RunStore.open(store.path)
    store.manifest["folders"] = {targets[0].key: "same", "other": "same"}
    store.save_manifest()
    with pytest.raises(InputError, match="folder"):
        RunStore.open(store.path)


def test_a_run_folder_from_before_the_mapping_still_resumes(tmp_path: Path) -> None:
    targets = _targets(["R58:X"])
    run = tmp_path / "run"
    store = _new_store(run, targets)
    del store.manifest["folders"]
    store.save_manifest()
    legacy = run / "devices" / "127.0.0.1_5037_R58_X"
    legacy.mkdir(parents=True)
    (legacy / "result.json").write_text('{"device": {"serial": "R58:X"}}', encoding="utf-8")
    assert RunStore.open(run).result_of(targets[0].key) == {"device": {"serial": "R58:X"}}


# -- §9 hand-edited results.jsonl ----------------------------------------------------------------------

GOOD_LINE = {"key": f"{SERVER}/A", "server": SERVER, "serial": "A", "status": "passed", "verdict": "pass",
             "likely_causes": [], "cause_titles": []}


@pytest.mark.parametrize("content, says", [
    (b'{"key": "127.0.0.1:5037/A", "server": "x", "serial": "A", "status": "passed"}\n\xff\xfe garbage\n',
     "UTF-8"),
    (json.dumps({k: v for k, v in GOOD_LINE.items() if k != "status"}).encode() + b"\n", "status"),
    (json.dumps(GOOD_LINE | {"status": "exploded"}).encode() + b"\n", "status"),
    (json.dumps(GOOD_LINE | {"key": ["a"]}).encode() + b"\n", "key"),
    (json.dumps(GOOD_LINE | {"key": 5}).encode() + b"\n", "key"),
    (json.dumps(GOOD_LINE | {"likely_causes": "airplane"}).encode() + b"\n", "likely_causes"),
    (json.dumps(GOOD_LINE | {"serial": None}).encode() + b"\n", "serial"),
    (b"[1, 2]\n", "not a JSON object"),
    (b"{not json}\n" + json.dumps(GOOD_LINE).encode() + b"\n", "not JSON"),
])
def test_resume_with_a_damaged_results_file_is_a_clear_error(tmp_path: Path, content: bytes, says: str) -> None:
    run = tmp_path / "run"
    _new_store(run, _targets(["A"]))
    (run / "results.jsonl").write_bytes(content)
    for flag in ("--resume", "--retry-failed"):
        proc = run_cli("fleet", flag, str(run), "--no-history")
        assert proc.returncode == 2, proc.stderr
        assert "results.jsonl" in proc.stderr and "line" in proc.stderr and says in proc.stderr, proc.stderr
    with pytest.raises(InputError):
        run_fleet(FleetRequest(resume=run, record_history=False))


def test_a_torn_last_line_is_still_just_dropped(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _new_store(run, _targets(["A"]))
    (run / "results.jsonl").write_bytes(json.dumps(GOOD_LINE).encode() + b'\n{"key": "127.0.0.1:50')
    assert [line["key"] for line in read_lines(run)] == [GOOD_LINE["key"]]


@pytest.mark.parametrize("manifest", [b"[]", b'{"devices": "x"}', b'{"devices": [5]}',
                                      b'{"devices": [{"key": 5, "server": "s", "serial": "a"}]}'])
def test_resume_with_a_damaged_manifest_is_a_clear_error(tmp_path: Path, manifest: bytes) -> None:
    run = tmp_path / "run"
    _new_store(run, _targets(["A"]))
    (run / "manifest.json").write_bytes(manifest)
    proc = run_cli("fleet", "--resume", str(run), "--no-history")
    assert proc.returncode == 2 and "manifest" in proc.stderr, proc.stderr


# -- §9 history database -------------------------------------------------------------------------------

def _summary(run_id: str = "r1") -> dict:
    return {"run_id": run_id, "started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:01:00Z",
            "counts": {"total": 1, "passed": 1, "failed": 0, "incomplete": 0, "not ready": 0}, "exit_code": 0,
            "devices": [GOOD_LINE | {"model": "m"}]}


def _damaged_dbs(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.sqlite"
    record_run(good, _summary("r1"), tmp_path)
    record_run(good, _summary("r2"), tmp_path)
    data = good.read_bytes()
    dbs = {"text": b"this is not a database\n" * 50, "truncated": data[: len(data) // 2 + 100],
           "zeroed-pages": data[:100] + b"\0" * (len(data) - 100), "empty-header": data[:16]}
    out = {}
    for name, blob in dbs.items():
        p = tmp_path / f"{name}.sqlite"
        p.write_bytes(blob)
        out[name] = p
    foreign = tmp_path / "foreign.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE runs (x INTEGER)")
    con.execute("INSERT INTO runs VALUES (1)")
    con.commit()
    con.close()
    out["foreign"] = foreign
    bad_json = tmp_path / "bad-json.sqlite"
    bad_json.write_bytes(data)
    con = sqlite3.connect(bad_json)
    con.execute("UPDATE device_results SET likely_causes = '{oops'")
    con.commit()
    con.close()
    out["bad-json"] = bad_json
    directory = tmp_path / "a-directory.sqlite"
    directory.mkdir()
    out["directory"] = directory
    return out


def test_history_and_diff_on_a_damaged_database_are_clear_errors(tmp_path: Path) -> None:
    for name, db in _damaged_dbs(tmp_path).items():
        for args in (("history", "--db", str(db)), ("diff", "--db", str(db)), ("diff", "r1", "r2", "--db", str(db))):
            proc = run_cli(*args)
            if name == "bad-json" and args[0] == "history":
                assert proc.returncode == 0, proc.stderr  # the runs table is fine; only diff reads the causes
                continue
            assert proc.returncode == 2, (name, args, proc.stdout, proc.stderr)
            assert str(db.name) in proc.stderr and "history" in proc.stderr, proc.stderr
        if name != "bad-json":
            with pytest.raises(InputError):
                list_runs(db)
        with pytest.raises(InputError):
            diff_runs(db, "r1", "r2")


@pytest.mark.e2e
def test_a_fleet_run_finishes_its_summary_when_only_the_history_fails(adb_server, tmp_path: Path) -> None:
    db = _damaged_dbs(tmp_path)["truncated"]
    before = db.read_bytes()
    run = tmp_path / "run"
    _new_store(run, [Target(key=device_key(adb_server.address, "GONE"), server=adb_server.address, serial="GONE")])
    # the planned phone is no longer attached: the run reads nothing, but records it, summarises and reports
    proc = run_cli("fleet", "--resume", str(run), "--db", str(db), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["counts"]["total"] == 1 and summary["counts"]["not ready"] == 1
    assert (run / "summary.json").is_file() and (run / "junit.xml").is_file()
    assert "history was not recorded" in proc.stderr and db.name in proc.stderr, proc.stderr
    proc = run_cli("fleet", "--resume", str(run), "--db", str(db))
    assert proc.returncode == 2 and "device(s):" in proc.stdout and "history was not recorded" in proc.stderr
    assert db.read_bytes() == before  # a damaged database is left as it was
