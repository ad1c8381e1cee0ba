"""Benchmark: reading one phone, against a naive baseline, in the same run.

    python benchmarks/bench_read.py [--latency-ms 20] [--repeat 5]

Through the real adb server (from the adbutils wheel) and a simulated phone that adds ``--latency-ms`` to
every round trip (each adb service opened), it measures:

* droidcheck's batched read: round trips and wall time of one full snapshot;
* the naive baseline: the same commands, one ``adb shell`` each;
* evaluating facts and rules on the snapshot (pure CPU);
* loading the rules, against the pure-Python YAML parser (what it was before libyaml was used);
* ``droidcheck --help`` start-up time, and a whole ``droidcheck check --from SNAPSHOT`` process.

It prints figures and never fails; the numbers go into benchmarks/RESULTS.md by hand, with the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import yaml

from droidcheck.adb.server import AdbServer
from droidcheck.check import check_snapshot
from droidcheck.collect.collector import read_device
from droidcheck.collect.plan import phase_probes
from droidcheck.facts.derive.apps import packages_to_inspect
from droidcheck.facts.extract import extract_facts
from droidcheck.rules import loader as rules_loader
from droidcheck.rules.loader import load_rules
from droidcheck.sim.host import SimHost
from droidcheck.sim.profile import find_profile


def naive_read(device) -> tuple[int, float]:
    """One `adb shell` per command, as a simple script would do it."""
    from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

    t0 = time.perf_counter()
    trips = 0
    snap = Snapshot(SnapshotMeta())
    for probe in phase_probes(1):
        out = device.shell(probe.command, timeout=probe.timeout_s + 5)
        snap.add(CommandOutput(probe.id, probe.command, out, 0))
        trips += 1
    # The per-app commands depend on the answers above (default SMS app, Amazon installed).
    for pkg in packages_to_inspect(snap):
        for probe in phase_probes(2):
            device.shell(probe.render(pkg), timeout=probe.timeout_s + 5)
            trips += 1
    return trips, time.perf_counter() - t0


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    profile = find_profile("pixel8-a14-healthy")
    profile.faults.latency_ms = args.latency_ms
    rules = load_rules()
    with AdbServer.start() as server, SimHost() as host:
        [(_, port)] = host.start([profile])
        serial = f"127.0.0.1:{port}"
        client = server.client()
        client.connect(serial, timeout=10)
        client.wait_for(serial, state="device", timeout=10)
        device = client.device(serial)
        try:
            snaps = []
            batched = median_time(lambda: snaps.append(read_device(device, serial=serial)), args.repeat)
            trips = snaps[-1].meta.round_trips
            naive_runs = [naive_read(device) for _ in range(args.repeat)]
            naive_trips = naive_runs[0][0]
            naive = statistics.median(t for _, t in naive_runs)
        finally:
            client.disconnect(serial)
    snap = snaps[-1]
    facts_s = median_time(lambda: extract_facts(snap), 50)
    check_s = median_time(lambda: check_snapshot(snap, rules), 50)
    help_s = median_time(lambda: subprocess.run([sys.executable, "-m", "droidcheck.cli", "--help"],
                                                capture_output=True, check=True), args.repeat)
    rules_s = median_time(load_rules, 20)
    with mock.patch.object(rules_loader, "_COMPOSER", yaml.SafeLoader):
        rules_py_s = median_time(load_rules, 20)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "snapshot.json"
        saved.write_text(snap.to_json(), encoding="utf-8")
        offline_s = median_time(lambda: subprocess.run([sys.executable, "-m", "droidcheck.cli", "check", "--from",
                                                        str(saved), "--format", "json"], capture_output=True),
                                args.repeat)

    print(f"latency per round trip: {args.latency_ms} ms, repeats: {args.repeat} (medians)")
    print(f"{'':34}{'round trips':>12}{'wall time':>12}")
    print(f"{'droidcheck batched snapshot':34}{trips:>12}{batched * 1000:>10.0f} ms")
    print(f"{'naive: one adb shell per command':34}{naive_trips:>12}{naive * 1000:>10.0f} ms")
    print(f"speed-up: {naive / batched:.1f}x fewer seconds, {naive_trips / trips:.1f}x fewer round trips")
    print(f"facts from snapshot: {facts_s * 1000:.2f} ms; facts + {len(rules)} rules: {check_s * 1000:.2f} ms "
          f"({check_s / batched * 100:.1f} % of the read)")
    print(f"loading {len(rules)} rules: {rules_s * 1000:.1f} ms (pure-Python YAML parser: {rules_py_s * 1000:.1f} ms, "
          f"{rules_py_s / rules_s:.1f}x)")
    print(f"droidcheck --help: {help_s * 1000:.0f} ms; droidcheck check --from SNAPSHOT (whole process): "
          f"{offline_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
