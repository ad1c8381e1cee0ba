"""`droidcheck fleet` end to end: three real adb servers, 31 simulated phones, faults, kill and resume,
history and diff. Everything started here is stopped at the end (checked: no adb process left)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from droidcheck.adb.server import AdbServer, adb_processes_on
from droidcheck.errors import InputError
from droidcheck.fleet.api import FleetRequest, run_fleet
from droidcheck.fleet.history import diff_runs, list_runs
from droidcheck.fleet.inventory import parse_inventory
from droidcheck.fleet.progress import Progress
from droidcheck.fleet.runner import FleetOptions
from droidcheck.fleet.store import device_key, read_lines
from droidcheck.sim.host import SimHost
from droidcheck.sim.profile import Faults, Profile, builtin_profiles, find_profile

pytestmark = pytest.mark.e2e

DEADLINE = 4.0


@dataclass
class Lab:
    servers: list[AdbServer]
    hosts: list[SimHost]
    #: device key → profile (served live: changing it changes the phone)
    phones: dict[str, Profile] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # kind → device key

    def keys_on(self, server: AdbServer) -> list[str]:
        return [k for k in self.phones if k.startswith(server.address + "/")]


def _with_faults(profile: Profile, name: str, **faults: object) -> Profile:
    clone = profile.copy(name=name)
    clone.faults = dataclasses.replace(Faults(), **faults)
    return clone


def _wait_states(server: AdbServer, want: dict[str, str], timeout: float = 20.0) -> None:
    client = server.client()
    deadline = time.monotonic() + timeout
    while True:
        states = {i.serial: i.state for i in client.list(extended=True)}
        if all(states.get(s) == st for s, st in want.items()):
            return
        assert time.monotonic() < deadline, f"states never settled: {states}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    base = builtin_profiles()
    lab = Lab([], [])
    try:
        for s in range(3):
            server, host = AdbServer.start(), SimHost()
            lab.servers.append(server)
            lab.hosts.append(host)
            profiles = [p.copy(name=f"{p.name}-s{s}") for p in base]
            if s == 0:
                profiles.append(base[0].copy(name="extra-s0"))
                profiles += [_with_faults(base[0], "drops", disconnect_after=5),
                             _with_faults(base[0], "hangs", stall_after=3),
                             _with_faults(base[0], "untrusted", unauthorized=True)]
            client = server.client()
            want = {}
            for profile, port in host.start(profiles):
                serial = f"127.0.0.1:{port}"
                reply = client.connect(serial, timeout=15)
                assert "connected" in reply or "authenticate" in reply, reply
                key = device_key(server.address, serial)
                lab.phones[key] = profile
                if profile.name in ("drops", "hangs", "untrusted"):
                    lab.broken[profile.name] = key
                want[serial] = "unauthorized" if profile.faults.unauthorized else "device"
            _wait_states(server, want)
        yield lab
    finally:
        for host in lab.hosts:
            host.stop()
        for server in lab.servers:
            server.stop()
            assert not adb_processes_on(server.port)


@pytest.mark.parametrize("workers", [2, 0], ids=["worker-processes", "threads-only"])
def test_fleet_checks_every_phone_on_three_servers(lab: Lab, tmp_path: Path, workers: int) -> None:
    assert len(lab.phones) >= 30
    for host in lab.hosts:  # the lab is shared: let the phone that drops out do it again for this run
        for phone in host.phones:
            phone.commands_run, phone.disconnect_fired = 0, False
    t0 = time.monotonic()
    outcome = run_fleet(FleetRequest(
        servers=[s.address for s in lab.servers], out=tmp_path / "run", db=tmp_path / "h.sqlite",
        options=FleetOptions(jobs=12, per_server=4, deadline_s=DEADLINE, workers=workers)))
    wall = time.monotonic() - t0
    assert wall < DEADLINE + 10, wall  # the hung phone costs its deadline, not the fleet's time
    rows = {d["key"]: d for d in outcome.summary["devices"]}
    assert set(rows) == set(lab.phones)
    for key, profile in lab.phones.items():
        row = rows[key]
        if profile.name in lab.broken:
            continue
        assert row["verdict"] == profile.expect["verdict"], (profile.name, row)
        causes = row["likely_causes"]
        if "first_cause" in profile.expect:
            assert causes and causes[0] == profile.expect["first_cause"], (profile.name, causes)
        if "likely_causes" in profile.expect:
            assert causes == profile.expect["likely_causes"]
    assert rows[lab.broken["drops"]]["status"] == "incomplete"
    assert rows[lab.broken["hangs"]]["status"] == "incomplete"
    untrusted = rows[lab.broken["untrusted"]]
    assert untrusted["status"] == "not ready" and "Allow" in untrusted["hint"]
    assert outcome.exit_code == 3
    # the run directory holds it all
    run = outcome.run_dir
    manifest = json.loads((run / "manifest.json").read_text())
    assert len(manifest["devices"]) == len(lab.phones) and len(manifest["servers"]) == 3
    lines = read_lines(run)
    assert Counter(line["key"] for line in lines) == Counter(set(lab.phones))
    healthy = next(k for k, p in lab.phones.items() if p.name not in lab.broken)
    folder = run / "devices" / manifest["folders"][healthy]
    result = json.loads((folder / "result.json").read_text())
    assert result["redacted"] is True
    saved = json.loads((folder / "snapshot.json").read_text())
    assert saved["meta"]["redacted"] is True
    settings = next(o["stdout"] for o in saved["outputs"] if o["probe"] == "settings_secure")
    # the Bluetooth name (the owner's) is not kept at all; what the checks read is
    assert "bluetooth_name=" not in settings and "sms_default_application=" in settings
    assert json.loads((run / "summary.json").read_text())["counts"]["total"] == len(lab.phones)
    assert (run / "junit.xml").read_text().count("<testsuite ") == len(lab.phones)
    assert outcome.summary["common_causes"]
    report = (run / "report.html").read_text()
    assert report.count('<section class="dev"') == len(lab.phones)
    assert report.index(">failed<") < report.index(">passed<")  # worst devices first


class _Stages(Progress):
    """Every (device key, stage) in the order the runner reported them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def update(self, key: str, stage: str, note: str = "") -> None:
        with self._lock:
            self.events.append((key, stage))


def test_every_server_is_read_from_the_start_not_one_after_another(lab: Lab, tmp_path: Path) -> None:
    """Devices come listed server by server; a thread that took the next one in that order and then
    waited for its server's slot left the other servers idle (two servers, 2 jobs, 1 per server: both
    jobs queued behind server 1 and the run read one phone at a time)."""
    servers = lab.servers[1:]  # healthy phones only: nothing here waits for a deadline
    stages = _Stages()
    run_fleet(FleetRequest(servers=[s.address for s in servers], out=tmp_path / "run", record_history=False,
                           options=FleetOptions(jobs=2, per_server=1, deadline_s=DEADLINE, workers=0)), stages)
    server_of = {k: s.address for s in servers for k in lab.keys_on(s)}
    reading: dict[str, int] = Counter()
    for key, stage in stages.events:
        if stage == "reading":
            reading[server_of[key]] += 1
            assert reading[server_of[key]] <= 1, "a server's bound was exceeded"
        elif stage == "evaluating":
            reading[server_of[key]] -= 1
    order = [server_of[k] for k, stage in stages.events if stage == "reading"]
    assert sorted(order[:2]) == sorted(s.address for s in servers), order
    assert len(order) == len(server_of)


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200"})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _children_of(pid: int) -> list[int]:
    """Live child processes of ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _still_alive(pids: list[int], within: float = 10.0) -> list[int]:
    """Those of ``pids`` still running after ``within`` seconds: children leave on their own once their
    parent is gone (a worker watches for it; multiprocessing's resource tracker sees its pipe close)."""
    deadline = time.monotonic() + within
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def _set_latency(lab: Lab, keys: list[str], ms: int) -> None:
    for k in keys:
        lab.phones[k].faults.latency_ms = ms


def _healthy_keys(lab: Lab) -> list[str]:
    return [k for s in lab.servers[1:] for k in lab.keys_on(s)]  # servers 1 and 2 hold no broken phone


def _slow_run_with_three_results(lab: Lab, run: Path) -> subprocess.Popen[str]:
    """``droidcheck fleet`` (2 evaluation processes) on the healthy servers, slowed to 250 ms a round trip,
    once it has recorded three phones. The caller restores the latency (``_set_latency(lab, keys, 0)``)."""
    servers = lab.servers[1:]
    _set_latency(lab, _healthy_keys(lab), 250)
    args = [sys.executable, "-m", "droidcheck.cli", "fleet", "--out", str(run), "--jobs", "2",
            "--per-server", "1", "--workers", "2", "--no-history", "--format", "json"]
    for s in servers:
        args += ["--adb", s.address]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(read_lines(run)) < 3:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the fleet run wrote nothing"
        time.sleep(0.05)
    return proc


def test_killed_run_resumes_without_losing_or_repeating(lab: Lab, tmp_path: Path) -> None:
    run, keys = tmp_path / "run", _healthy_keys(lab)
    try:
        proc = _slow_run_with_three_results(lab, run)
        workers = _children_of(proc.pid)
        assert workers, "the run should have started its evaluation processes"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if proc.stderr:
            proc.stderr.close()
        assert not _still_alive(workers), "evaluation processes outlived a killed run"
    finally:
        _set_latency(lab, keys, 0)
    before = read_lines(run)
    assert 3 <= len(before) < len(keys), "the kill came too late to test anything"
    before_text = (run / "results.jsonl").read_bytes()
    outcome = run_fleet(FleetRequest(resume=run, record_history=False,
                                     options=FleetOptions(deadline_s=DEADLINE)))
    after = read_lines(run)
    assert Counter(line["key"] for line in after) == Counter(keys)  # each device exactly once
    assert (run / "results.jsonl").read_bytes().startswith(before_text.rsplit(b"\n", 1)[0])
    assert {line["key"] for line in after if line["attempt"] == "resume"}.isdisjoint(
        {line["key"] for line in before})
    assert outcome.summary["counts"]["total"] == len(keys) and not outcome.summary["not_checked"]


def test_ctrl_c_keeps_every_finished_phone_and_leaves_nothing_running(lab: Lab, tmp_path: Path) -> None:
    run, keys = tmp_path / "run", _healthy_keys(lab)
    try:
        proc = _slow_run_with_three_results(lab, run)
        children = _children_of(proc.pid)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        _set_latency(lab, keys, 0)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    lines = read_lines(run)
    assert 3 <= len(lines) < len(keys) and len({line["key"] for line in lines}) == len(lines)
    for line in lines:  # a phone being read when Ctrl-C came was finished and recorded whole
        assert line["status"] in ("passed", "failed"), line
    assert not _still_alive(children), "processes outlived the interrupted run"


def test_history_and_diff_follow_a_phone_that_breaks(lab: Lab, tmp_path: Path) -> None:
    server = lab.servers[2]
    db = tmp_path / "history.sqlite"
    healthy = next(k for k in lab.keys_on(server) if lab.phones[k].expect.get("verdict") == "pass")
    fixable = next(k for k in lab.keys_on(server) if lab.phones[k].name.startswith("galaxy-a52-a13-airplane"))
    assert lab.phones[fixable].airplane_mode
    first = run_cli("fleet", "--adb", server.address, "--out", str(tmp_path / "a"), "--db", str(db),
                    "--deadline", str(DEADLINE), "--format", "json")
    assert first.returncode == 1, first.stderr
    lab.phones[healthy].airplane_mode = True
    lab.phones[fixable].airplane_mode = False
    try:
        second = run_cli("fleet", "--adb", server.address, "--out", str(tmp_path / "b"), "--db", str(db),
                         "--deadline", str(DEADLINE))
    finally:
        lab.phones[healthy].airplane_mode = False
        lab.phones[fixable].airplane_mode = True
    assert second.returncode == 1, second.stderr
    assert len(list_runs(db)) == 2
    listed = run_cli("history", "--db", str(db))
    assert listed.returncode == 0 and listed.stdout.count("\n") > 3
    d = diff_runs(db)
    assert [x["key"] for x in d["newly_failing"]] == [healthy]
    assert d["newly_failing"][0]["causes"][0] == "airplane-mode-on"
    assert fixable not in {x["key"] for x in d["newly_failing"]} | {x["key"] for x in d["vanished"]}
    cli = run_cli("diff", "--db", str(db), "--json")
    assert json.loads(cli.stdout)["newly_failing"][0]["key"] == healthy


def test_retry_failed_rechecks_only_the_unreadable(lab: Lab, tmp_path: Path) -> None:
    server = lab.servers[0]
    run = tmp_path / "run"
    first = run_fleet(FleetRequest(servers=[server.address], out=run, record_history=False,
                                   options=FleetOptions(deadline_s=DEADLINE)))
    retry_keys = {d["key"] for d in first.summary["devices"] if d["status"] in ("incomplete", "not ready")}
    assert lab.broken["untrusted"] in retry_keys
    run_fleet(FleetRequest(retry_failed=run, record_history=False, options=FleetOptions(deadline_s=DEADLINE)))
    retried = {line["key"] for line in read_lines(run) if line["attempt"] == "retry"}
    assert retried == retry_keys


def test_inventory_is_strict_and_filters() -> None:
    inv = parse_inventory("servers:\n  - address: 10.0.0.5:5037\n    name: a\ninclude: ['R5*']\n"
                          "exclude: ['R5X*']\ngroups:\n  - name: pixels\n    match: ['R5P*']\n"
                          "devices:\n  R5P1: {label: shelf 1}\n", "lab.yaml")
    assert inv.wanted("R5P1") and not inv.wanted("R5X1") and not inv.wanted("ZZ")
    assert inv.group_of("R5P1").name == "pixels" and inv.label_of("R5P1") == "shelf 1"
    with pytest.raises(InputError, match=r"lab.yaml:3: unknown key 'exlude'"):
        parse_inventory("servers: []\ninclude: ['*']\nexlude: ['x']\n", "lab.yaml")
    with pytest.raises(InputError, match=r"lab.yaml:2: device A: no group named 'nope'"):
        parse_inventory("devices:\n  A: {group: nope}\n", "lab.yaml")


def test_no_server_reachable_is_exit_2(tmp_path: Path) -> None:
    from droidcheck.adb.server import free_port

    proc = run_cli("fleet", "--adb", f"127.0.0.1:{free_port()}", "--out", str(tmp_path / "r"), "--no-history")
    assert proc.returncode == 2 and "no ADB server" in proc.stderr


def test_evaluator_in_a_worker_process_matches_the_thread_and_survives_a_dead_worker() -> None:
    from droidcheck.fleet.evaluate import Evaluator, evaluate
    from droidcheck.rules.loader import load_rules
    from droidcheck.sim.snapshot import snapshot_of

    snap = snapshot_of(builtin_profiles()[0], captured_at="2026-11-25T10:00:00Z")
    rules = load_rules()
    here = evaluate(snap, rules, True)
    evaluator = Evaluator(redact=True, workers=1)
    try:
        there = evaluator(snap, (), rules)
        assert evaluator.fallbacks == 0
        drop = ("timing", "captured_at")  # measured per evaluation

        def same(result: dict) -> dict:
            return {k: v for k, v in result.items() if k not in drop}

        assert same(json.loads(there.result_json)) == same(json.loads(here.result_json))
        assert same(there.digest) == same(here.digest)
        assert there.snapshot_json == here.snapshot_json and json.loads(there.result_json)["redacted"] is True
        worker = evaluator.pool.submit(os.getpid).result()
        os.kill(worker, signal.SIGKILL)  # a worker dies: the phone's evaluation must still happen
        time.sleep(0.5)
        again = evaluator(snap, (), rules)
        assert again.digest["verdict"] == here.digest["verdict"] and evaluator.fallbacks == 1
    finally:
        evaluator.close()


def test_the_digest_is_the_result_without_its_bulk() -> None:
    """What the main process gets back from an evaluation: the result's fields the line and the lab page
    read, the same as in result.json, and far smaller."""
    from droidcheck.fleet.evaluate import evaluate
    from droidcheck.rules.loader import load_rules
    from droidcheck.sim.snapshot import snapshot_of

    profile = find_profile("galaxy-a52-a13-airplane")
    evaluated = evaluate(snapshot_of(profile, captured_at="2026-11-25T10:00:00Z"), load_rules(), True)
    result, digest = json.loads(evaluated.result_json), evaluated.digest
    assert digest["verdict"] == result["verdict"] and digest["device"] == result["device"]
    assert digest["verdict"]["likely_causes"][0] == profile.expect["first_cause"]
    assert digest["findings"] == [{k: f[k] for k in ("rule", "title", "status", "area")} for f in result["findings"]]
    assert "facts" not in digest and len(json.dumps(digest)) < len(evaluated.result_json) / 4
