"""Benchmark: reading one phone, against its physical limit and its baselines, in the same run.

    python benchmarks/bench_read.py [--latency-ms 20] [--repeat 5]

Through the real adb server (from the adbutils wheel) and two simulated Pixel 8 phones: a *costed* one,
whose commands take as long as on a real phone (``phone_costs``: dumpsys 0.15 s, pm 0.2 s…) with
``--latency-ms`` added to every round trip, and an *instant* one (no costs, no latency) for start-up
figures. It measures:

* droidcheck's read of the costed phone (``read_device``, whatever reader the tree has): wall time and
  round trips;
* the physical limit: every command of that read alone, one ``adb shell`` each; the slowest of them is
  the fastest any read can be (one round trip, everything else in parallel);
* the reader before issue 16 (``read_device_sequential``, kept as the fallback): phase 1 in one script,
  one command after the other, then phase 2 for the packages phase 1 named in a second script;
* the one-round-trip read with 4, 6, 8, 12 and 16 commands at once on the phone (the default lets the
  phone decide: 1.5 commands a core);
* the naive baseline: one ``adb shell`` per command;
* whole processes: ``droidcheck check`` against ``adb shell getprop``, on the instant and on the costed
  phone, plus ``droidcheck --help`` and ``droidcheck check --from SNAPSHOT``;
* facts and rules on a snapshot (pure CPU) and loading the rules from the files (against the pure-Python
  YAML parser) and from the compiled rule cache.

It prints figures and never fails; the numbers go into benchmarks/RESULTS.md by hand, with the machine.

    python benchmarks/bench_read.py --startup [--against OTHER_CHECKOUT ...] [--repeat 9]

measures only start-up, as whole processes against the instant phone: ``droidcheck check``, ``check --from
SNAPSHOT`` and ``--help``, for this checkout and for each ``--against`` checkout (e.g. ``git worktree add
../before COMMIT``) in interleaved rounds, so a busy machine weighs on every tree alike, with ``adb shell
getprop`` as the floor. Each tree's bytecode is compiled first, as a pip install ships it (with
``PYTHONDONTWRITEBYTECODE`` set, an uncompiled checkout would recompile on every start).

    python benchmarks/bench_read.py --long-output

measures instead a phone that prints far too much: one probe printing 30 MB or 90 MB without a newline,
and a 90 MB reply of ordinary lines over three probes. Each case runs in a fresh process (the simulated
phone in another one), which reports the wall time of the read, the growth of its peak memory (RSS), and
how the read ended.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import yaml

from droidcheck.adb.server import AdbServer, adb_binary
from droidcheck.adb.service import run_shell
from droidcheck.check import check_snapshot
from droidcheck.collect import parallel
from droidcheck.collect.collector import read_device, read_device_sequential
from droidcheck.collect.packages import packages_to_inspect
from droidcheck.collect.plan import phase_probes
from droidcheck.facts.extract import extract_facts
from droidcheck.rules import loader as rules_loader
from droidcheck.rules.loader import load_rules
from droidcheck.sim.host import SimHost
from droidcheck.sim.profile import find_profile

PROFILE = "pixel8-a14-healthy"
SHELL_TIMEOUT_S = 60


def plan_commands(packages: list[str]) -> list[tuple[str, str]]:
    """(probe, command) for phase 1 and for phase 2 on ``packages``: what a full read runs."""
    out = [(p.id, p.command) for p in phase_probes(1)]
    for pkg in packages:
        out += [(p.probe_id(pkg), p.render(pkg)) for p in phase_probes(2)]
    return out


def single_commands(device, packages: list[str]) -> list[tuple[str, float]]:
    """Each command of a full read alone, one ``adb shell`` (one round trip) each → (probe, seconds)."""
    timed = []
    for probe, command in plan_commands(packages):
        t0 = time.perf_counter()
        run_shell(device, command, SHELL_TIMEOUT_S)
        timed.append((probe, time.perf_counter() - t0))
    return timed


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_process(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """One whole process: its wall time and CPU time (user + system), in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False, cwd=cwd, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def process_time(argv: list[str], repeat: int) -> tuple[float, float]:
    """Medians of a whole process's wall time and CPU time (user + system), after one warm-up run. On a
    busy machine the CPU time is the steadier figure: the wall time also counts waiting for a core."""
    subprocess.run(argv, capture_output=True, check=False)
    runs = [run_process(argv) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def _connect(server: AdbServer, port: int) -> tuple[str, object]:
    serial = f"127.0.0.1:{port}"
    client = server.client()
    client.connect(serial, timeout=10)
    client.wait_for(serial, state="device", timeout=10)
    return serial, client.device(serial)


MIB = 1024 * 1024
#: case -> {command line: what it prints}
LONG_CASES: dict[str, dict[str, tuple[str, int]]] = {
    "30 MB, one line": {"cat /proc/uptime": ("7", 30 * MIB)},
    "90 MB, one line": {"cat /proc/uptime": ("7", 90 * MIB)},
    "90 MB reply, 100-byte lines": {c: ("7" * 99 + "\n", 30 * MIB // 100)
                                    for c in ("cat /proc/uptime", "pm list packages -s", "pm list packages -3")},
}


def serve_phone(case: str) -> None:
    """Child process: a simulated phone printing the case's output; prints its port, lives until stdin
    closes."""
    profile = find_profile("pixel8-a14-healthy")
    for command, (unit, count) in LONG_CASES[case].items():
        profile.raw[command] = unit * count
    with SimHost() as host:
        [(_, port)] = host.start([profile])
        print(port, flush=True)
        sys.stdin.read()


def read_long(case: str) -> None:
    """Child process: read the phone of ``case`` once, print a JSON line of figures."""
    phone = subprocess.Popen([sys.executable, __file__, "--serve", case], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        port = int(phone.stdout.readline())
        with AdbServer.start() as server:
            serial, device = _connect(server, port)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            t0 = time.perf_counter()
            snap = read_device(device, serial=serial, deadline_s=120)
            elapsed = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            server.client().disconnect(serial)
    finally:
        phone.stdin.close()
        phone.wait(30)
    statuses = sorted({f"{o.status}" for o in snap.outputs.values()})
    print(json.dumps({"case": case, "seconds": round(elapsed, 2), "peak_growth_mb": round((peak - before) / 1024),
                      "complete": snap.meta.complete, "statuses": statuses,
                      "not_ok": sorted(k for k, o in snap.outputs.items() if not o.ok),
                      "problems": [p[:100] for p in snap.meta.problems][:4]}))


def long_output() -> None:
    print("a phone printing too much (fresh process per case; RSS growth of the reading process)")
    for case in LONG_CASES:
        proc = subprocess.run([sys.executable, __file__, "--read-long", case], capture_output=True, text=True,
                              timeout=600)
        line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-300:]
        print(line)


def startup(others: list[Path], repeat: int) -> None:
    """Whole-process start-up of this checkout and ``others``, interleaved (see the module docstring)."""
    import compileall

    here = Path(__file__).resolve().parents[1]
    trees = [here, *(p.resolve() for p in others)]
    for tree in trees:
        if not (tree / "droidcheck" / "cli.py").is_file():
            raise SystemExit(f"not a droidcheck checkout: {tree}")
        compileall.compile_dir(tree / "droidcheck", quiet=1)
    instant = find_profile(PROFILE).copy(name="instant")
    load = [os.getloadavg()[0]]
    with AdbServer.start() as server, SimHost() as host, tempfile.TemporaryDirectory() as tmp:
        [(_, port)] = host.start([instant])
        serial, device = _connect(server, port)
        saved = Path(tmp) / "snapshot.json"
        saved.write_text(read_device(device, serial=serial).to_json(), encoding="utf-8")
        cases = {"check a phone": ["check", "--format", "json", "--adb", server.address, "-s", serial],
                 "check --from SNAPSHOT": ["check", "--format", "json", "--from", str(saved)],
                 "--help": ["--help"]}
        getprop = [str(adb_binary()), "-P", str(server.port), "-s", serial, "shell", "getprop"]

        def one(tree: Path | None, case: str) -> tuple[float, float]:
            if tree is None:
                return run_process(getprop)
            env = {**os.environ, "PYTHONPATH": str(tree)}
            return run_process([sys.executable, "-m", "droidcheck.cli", *cases[case]], cwd=tree, env=env)

        jobs = [(tree, case) for case in cases for tree in trees] + [(None, "getprop")]
        for tree, case in jobs:  # warm-up: fills each tree's rule cache and the file cache
            one(tree, case)
        times: dict[tuple[Path | None, str], list[tuple[float, float]]] = {job: [] for job in jobs}
        try:
            for _ in range(repeat):
                for job in jobs:
                    times[job].append(one(*job))
                load.append(os.getloadavg()[0])
        finally:
            server.client().disconnect(serial)

    def cell(job: tuple[Path | None, str]) -> str:
        wall = statistics.median(w for w, _ in times[job]) * 1000
        cpu = statistics.median(c for _, c in times[job]) * 1000
        return f"{wall:6.0f} ms ({cpu:4.0f})"

    print(f"whole processes on the instant phone, wall (CPU = user + system), medians of {repeat} interleaved "
          f"rounds; load average {min(load):.1f}-{max(load):.1f} on {os.cpu_count()} CPU(s)")
    print(f"{'tree':28}" + "".join(f"{case:>24}" for case in cases))
    for tree in trees:
        label = "this checkout" if tree == here else tree.name
        print(f"{label:28}" + "".join(f"{cell((tree, case)):>24}" for case in cases))
    print(f"{'adb shell getprop':28}{cell((None, 'getprop')):>24}")
    print("goal: check a phone <= 300 ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--long-output", action="store_true", help="the over-long output cases instead")
    parser.add_argument("--startup", action="store_true", help="only the whole-process start-up figures")
    parser.add_argument("--against", type=Path, action="append", default=[],
                        help="with --startup: another checkout to measure in the same rounds (repeatable)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--read-long", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve_phone(args.serve)
    if args.read_long:
        return read_long(args.read_long)
    if args.long_output:
        return long_output()
    if args.startup:
        return startup(args.against, args.repeat)
    ms = 1000

    costed = find_profile(PROFILE).copy(name="costed", phone_costs=True)
    costed.faults.latency_ms = args.latency_ms
    instant = find_profile(PROFILE).copy(name="instant")
    rules = load_rules()
    check = [sys.executable, "-m", "droidcheck.cli", "check", "--format", "json"]
    with AdbServer.start() as server, SimHost() as host:
        [(_, costed_port), (_, instant_port)] = host.start([costed, instant])
        costed_serial, device = _connect(server, costed_port)
        instant_serial, _ = _connect(server, instant_port)
        adb = [str(adb_binary()), "-P", str(server.port)]
        try:
            read_device(device, serial=costed_serial)  # warm up (first-use imports, the phone's first shell)
            snaps = []
            read_s = median_time(lambda: snaps.append(read_device(device, serial=costed_serial)), args.repeat)
            snap = snaps[-1]
            trips = snap.meta.round_trips
            packages = packages_to_inspect(snap)
            singles = single_commands(device, packages)
            seq = []
            seq_s = median_time(lambda: seq.append(read_device_sequential(device, serial=costed_serial)),
                                args.repeat)
            seq_trips = seq[-1].meta.round_trips
            sweep = {}
            for jobs in (4, 6, 8, 12, 16):
                with mock.patch.object(parallel, "HOST_JOBS", jobs):
                    sweep[jobs] = median_time(lambda: read_device(device, serial=costed_serial), args.repeat)
            naive_runs = [(len(singles), sum(t for _, t in single_commands(device, packages)))
                          for _ in range(max(1, args.repeat // 2))]
            naive_trips, naive_s = naive_runs[0][0], statistics.median(t for _, t in naive_runs)
            whole = {}
            for name, serial in (("instant", instant_serial), ("costed", costed_serial)):
                whole[name] = (process_time([*check, "--adb", server.address, "-s", serial], args.repeat),
                               process_time([*adb, "-s", serial, "shell", "getprop"], args.repeat))
        finally:
            for serial in (costed_serial, instant_serial):
                server.client().disconnect(serial)

    slowest_probe, slowest_s = max(singles, key=lambda pt: pt[1])
    facts_s = median_time(lambda: extract_facts(snap), 50)
    check_s = median_time(lambda: check_snapshot(snap, rules), 50)
    help_s = process_time([sys.executable, "-m", "droidcheck.cli", "--help"], args.repeat)
    with mock.patch.dict(os.environ, {"DROIDCHECK_NO_RULE_CACHE": "1"}):  # the files themselves
        rules_s = median_time(load_rules, 20)
        rules_py_s = None
        if hasattr(rules_loader, "_COMPOSER"):
            with mock.patch.object(rules_loader, "_COMPOSER", yaml.SafeLoader):
                rules_py_s = median_time(load_rules, 20)
    load_rules()  # writes the compiled cache if it is not there yet
    rules_cached_s = median_time(load_rules, 20)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "snapshot.json"
        saved.write_text(snap.to_json(), encoding="utf-8")
        offline_s = process_time([*check, "--from", str(saved)], args.repeat)

    print(f"costed phone ({PROFILE}, phone_costs on) + {args.latency_ms} ms per round trip; "
          f"repeats: {args.repeat} (medians); PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')}")
    print(f"{'':44}{'round trips':>12}{'wall time':>12}{'x limit':>9}")
    rows = [("physical limit: slowest command alone", 1, slowest_s),
            ("droidcheck read (read_device)", trips, read_s),
            ("sequential reader (before issue 16)", seq_trips, seq_s),
            ("naive: one adb shell per command", naive_trips, naive_s)]
    for label, n, secs in rows:
        print(f"{label:44}{n:>12}{secs * ms:>10.0f} ms{secs / slowest_s:>8.1f}x")
    print(f"  slowest command: {slowest_probe}; {len(singles)} commands, "
          f"{sum(t for _, t in singles) * ms:.0f} ms one after another (each with its own round trip)")
    print(f"  read vs sequential reader: {seq_s / read_s:.2f}x faster; goal: read <= 1.5x the limit "
          f"(now {read_s / slowest_s:.1f}x)")
    cpus = find_profile(PROFILE).cpus
    print(f"  commands at once on the phone (the default: 1.5 a core, {parallel.MIN_JOBS}-{parallel.MAX_JOBS}; "
          f"{cpus} cores here): " + ", ".join(
              f"{jobs}: {secs * ms:.0f} ms ({secs / slowest_s:.1f}x)" for jobs, secs in sweep.items()))
    print(f"whole process, wall (CPU){'':17}{'droidcheck check':>22}{'adb shell getprop':>22}")
    for name, ((dc_s, dc_cpu), (adb_s, adb_cpu)) in whole.items():
        print(f"  {name + ' phone':40}{dc_s * ms:>10.0f} ms ({dc_cpu * ms:4.0f})"
              f"{adb_s * ms:>10.0f} ms ({adb_cpu * ms:4.0f})")
    for label, (wall, cpu) in (("droidcheck --help", help_s), ("droidcheck check --from SNAPSHOT", offline_s)):
        print(f"  {label:40}{wall * ms:>10.0f} ms ({cpu * ms:4.0f})")
    print(f"  goal: check on the instant phone <= 300 ms; load average now {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPU(s)")
    print(f"facts from snapshot: {facts_s * ms:.2f} ms; facts + {len(rules)} rules: {check_s * ms:.2f} ms")
    py = f" (pure-Python YAML parser: {rules_py_s * ms:.1f} ms)" if rules_py_s else ""
    print(f"loading {len(rules)} rules in-process: {rules_s * ms:.1f} ms{py}; "
          f"from the compiled cache: {rules_cached_s * ms:.1f} ms")


if __name__ == "__main__":
    main()
