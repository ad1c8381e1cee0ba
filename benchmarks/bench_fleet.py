"""Benchmark `droidcheck fleet`: 200 simulated phones on 4 real adb servers, 20 ms per round trip.

Prints: fleet wall time; one phone alone (the same fleet code, one device); a sequential loop of
``droidcheck check`` runs, *estimated* by timing N subprocesses and extrapolating to 200; and peak memory
(``ru_maxrss`` of this process and of its reaped children: the check subprocesses and adb servers).

    python benchmarks/bench_fleet.py [--phones 200] [--servers 4] [--latency-ms 20] [--sequential 10]
                                     [--phone-costs | --no-phone-costs] [--reader parallel|sequential]

``--phone-costs`` (the default) makes every simulated command take as long as on a real phone
(``Profile.phone_costs``: dumpsys 0.15 s, pm 0.2 s…), so a phone's read is bound by the phone, as in a lab.

Not a test: figures depend on the machine. Goals: fleet < 10x one phone, >= 20x faster than the
sequential loop, < 300 MB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

from droidcheck.adb.server import AdbServer
from droidcheck.fleet.api import FleetRequest, run_fleet
from droidcheck.fleet.runner import FleetOptions
from droidcheck.sim.host import SimHost
from droidcheck.sim.profile import Faults, builtin_profiles


def _serve_phones(phones: int, latency_ms: int, costs: bool, conn: Connection) -> None:
    """Child process: the simulated phones. Real phones do their own work; keeping the simulator's CPU
    out of the measured process keeps the figures about droidcheck."""
    base = builtin_profiles()
    profiles = []
    for i in range(phones):
        p = base[i % len(base)].copy(name=f"bench-{i}", phone_costs=costs)
        p.faults = Faults(latency_ms=latency_ms)
        profiles.append(p)
    host = SimHost()
    try:
        conn.send([port for _p, port in host.start(profiles)])
        conn.recv()  # until told to stop
    finally:
        host.stop()


def _start_lab(phones: int, servers: int, latency_ms: int, costs: bool):
    parent, child = multiprocessing.Pipe()
    sim = multiprocessing.get_context("spawn").Process(target=_serve_phones,
                                                       args=(phones, latency_ms, costs, child))
    sim.start()
    ports = parent.recv()
    started = [AdbServer.start() for _ in range(servers)]
    devices: list[tuple[str, str]] = []
    for i, port in enumerate(ports):
        server = started[i % servers]
        server.client().connect(f"127.0.0.1:{port}", timeout=15)
        devices.append((server.address, f"127.0.0.1:{port}"))
    for server in started:  # wait until every phone is online
        client = server.client()
        want = {s for a, s in devices if a == server.address}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if want <= {i.serial for i in client.list(extended=True) if i.state == "device"}:
                break
            time.sleep(0.2)
    return started, (sim, parent), devices


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fleet(servers: list[str], out: Path, jobs: int, per_server: int,
           workers: int | None = None) -> tuple[float, dict]:
    t0, cpu0 = time.perf_counter(), _cpu_s()
    outcome = run_fleet(FleetRequest(servers=servers, out=out, record_history=False,
                                     options=FleetOptions(jobs=jobs, per_server=per_server, deadline_s=60,
                                                          workers=workers)))
    wall = time.perf_counter() - t0
    outcome.summary["_cpu_s"] = _cpu_s() - cpu0  # droidcheck's own CPU, to tell it from the lab's
    return wall, outcome.summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--phones", type=int, default=200)
    ap.add_argument("--servers", type=int, default=4)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--sequential", type=int, default=10, help="check subprocesses timed for the estimate")
    ap.add_argument("--jobs", type=int, default=32)
    ap.add_argument("--per-server", type=int, default=8)
    ap.add_argument("--reader", choices=("parallel", "sequential"), default="parallel",
                    help="the one-round-trip reader (default) or the one before issue 16, for comparison")
    ap.add_argument("--phone-costs", action=argparse.BooleanOptionalAction, default=True,
                    help="simulated commands take as long as on a real phone (default: on)")
    args = ap.parse_args()
    if args.reader == "sequential":  # the fleet reads through collector.read_device, looked up at each read
        from droidcheck.collect import collector

        collector.read_device = collector.read_device_sequential
    print(f"droidcheck fleet benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)")
    servers, host, devices = _start_lab(args.phones, args.servers, args.latency_ms, args.phone_costs)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            addresses = [s.address for s in servers]
            # one phone alone: its own server, the same code path (includes planning and rule loading)
            one_server = AdbServer.start()
            try:
                one_server.client().connect(devices[0][1], timeout=15)
                time.sleep(0.5)
                one_s, _ = _fleet([one_server.address], Path(tmp) / "one", 1, 1)
            finally:
                one_server.stop()
            # threads only first, so neither run gets the other's warm caches for free more than once
            threads_s, threads_summary = _fleet(addresses, Path(tmp) / "threads", args.jobs, args.per_server, 0)
            fleet_s, summary = _fleet(addresses, Path(tmp) / "fleet", args.jobs, args.per_server)
            assert summary["counts"]["total"] == args.phones, summary["counts"]
            seq = []
            for address, serial in devices[: args.sequential]:
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "droidcheck.cli", "check", "--adb", address, "-s", serial,
                                "--format", "json"], capture_output=True, check=False)
                seq.append(time.perf_counter() - t0)
    finally:
        sim, pipe = host
        pipe.send("stop")
        sim.join(30)
        for s in servers:
            s.stop()
    seq_each = sum(seq) / len(seq)
    seq_total = seq_each * args.phones
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"phones {args.phones} on {args.servers} adb servers, {args.latency_ms} ms latency per round trip, "
          f"phone costs {'on' if args.phone_costs else 'off'}, --jobs {args.jobs} --per-server {args.per_server}, "
          f"{args.reader} reader (the sequential `droidcheck check` estimate uses the default reader)")
    print(f"statuses: {summary['counts']}")
    print(f"one phone alone (fleet of 1):     {one_s:7.2f} s")
    print(f"fleet of {args.phones}:                  {fleet_s:7.2f} s  = {fleet_s / one_s:5.1f}x one phone "
          f"(goal < 10x)")
    print(f"  droidcheck's main process used {summary['_cpu_s']:.2f} s of CPU on {os.cpu_count()} core(s) (evaluation "
          "runs in worker processes); the simulated lab (adb servers, simulator) shares the same cores")
    print(f"same fleet, threads only (--workers 0): {threads_s:7.2f} s, main process CPU "
          f"{threads_summary['_cpu_s']:.2f} s (evaluation processes: {fleet_s / threads_s:.2f}x the time)")
    print(f"sequential `droidcheck check`:    {seq_total:7.1f} s  ESTIMATED: mean of {len(seq)} subprocess runs "
          f"({seq_each:.2f} s each) x {args.phones}")
    print(f"fleet speed-up vs sequential:     {seq_total / fleet_s:7.1f}x (goal >= 20x)")
    print(f"peak RSS: this process {self_mb:.0f} MB, largest child {child_mb:.0f} MB "
          f"(goal < 300 MB; ru_maxrss of children is the largest one, not a sum)")


if __name__ == "__main__":
    main()
