"""Benchmark `droidcheck fleet`: 200 simulated phones on 4 real adb servers, 20 ms per round trip.

Prints: fleet wall time; one phone alone (the same fleet code, one device); a sequential loop of
``droidcheck check`` runs, *estimated* by timing N subprocesses and extrapolating to 200; and peak memory
(``ru_maxrss`` of this process and of its reaped children: the check subprocesses and adb servers).

Where the fleet's time goes, measured in the same run: the CPU each part used during the fleet run
(droidcheck's main process, its evaluation processes, the simulator process, the adb servers; the last two
from /proc, Linux only), per phone, against what the machine's cores could give in that time; a phone's
read time in the fleet against alone; and the same phones *read only* (droidcheck's reader, the same
slots, nothing evaluated or written): what the lab and the reader allow before droidcheck's own work.
On a lab host the phones do their own work; here the simulator interprets every phone's script on the
same cores as droidcheck, so its CPU is reported apart, never left out of the wall times.

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
import threading
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

from droidcheck.adb.connection import parse_address
from droidcheck.adb.server import AdbServer
from droidcheck.fleet.api import FleetRequest, run_fleet
from droidcheck.fleet.runner import FleetOptions
from droidcheck.fleet.schedule import Scheduler
from droidcheck.fleet.store import read_lines
from droidcheck.inspection import PhoneHandle, read
from droidcheck.sim.host import SimHost, tune_gc_for_serving
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
        ports = [port for _p, port in host.start(profiles)]
        tune_gc_for_serving()  # as `droidcheck sim` does: this process only serves the phones
        conn.send(ports)
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


def _children_cpu_s() -> float:
    """CPU of reaped children: during a fleet run, its evaluation processes (shut down at its end)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _proc_cpu_s(pid: int) -> float | None:
    """User + system CPU of a running process, from /proc (None where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _LabCpu:
    """CPU used by the simulator process and the adb servers between ``start()`` and ``stop()``."""

    def __init__(self, sim_pid: int, servers: list[AdbServer]) -> None:
        self.pids = {"sim": [sim_pid], "adb": [s.process.pid for s in servers if s.process is not None]}

    def _now(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for part, pids in self.pids.items():
            values = [_proc_cpu_s(p) for p in pids]
            out[part] = None if not values or None in values else sum(v for v in values if v is not None)
        return out

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> dict[str, float | None]:
        used: dict[str, float | None] = {}
        for part, end in self._now().items():
            start = self._start[part]
            used[part] = None if end is None or start is None else end - start
        return used


def _fleet(servers: list[str], out: Path, jobs: int, per_server: int, workers: int | None = None,
           lab: _LabCpu | None = None) -> tuple[float, dict]:
    if lab is not None:
        lab.start()
    t0, cpu0, children0 = time.perf_counter(), _cpu_s(), _children_cpu_s()
    outcome = run_fleet(FleetRequest(servers=servers, out=out, record_history=False,
                                     options=FleetOptions(jobs=jobs, per_server=per_server, deadline_s=60,
                                                          workers=workers)))
    wall = time.perf_counter() - t0
    outcome.summary["_cpu_s"] = _cpu_s() - cpu0  # droidcheck's own CPU, to tell it from the lab's
    outcome.summary["_workers_cpu_s"] = _children_cpu_s() - children0
    outcome.summary["_lab_cpu_s"] = lab.stop() if lab is not None else {}
    outcome.summary["_read_s"] = sorted(line["read_s"] for line in read_lines(out))
    return wall, outcome.summary


def _reads_only(devices: list[tuple[str, str]], jobs: int, per_server: int) -> tuple[float, list[float]]:
    """Read every phone with the fleet's slots and scheduler, keep nothing: the lab's and the reader's
    limit, with none of droidcheck's work after the read (evaluation, redaction, files)."""
    scheduler: Scheduler[tuple[str, str]] = Scheduler(((server, (server, serial)) for server, serial in devices),
                                                     per_server)
    times: list[float] = []

    def work() -> None:
        while (taken := scheduler.take()) is not None:
            (server, serial), slot = taken
            with slot:
                t0 = time.perf_counter()
                read(PhoneHandle.attach(parse_address(server), serial, socket_timeout=10), deadline_s=60)
                times.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(min(jobs, len(devices)))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t0, sorted(times)


def _median(xs: list[float]) -> float:
    return xs[len(xs) // 2] if xs else float("nan")


def _cpu_lines(summary: dict, phones: int, wall: float) -> list[str]:
    """Each part's CPU during the run, in seconds and per phone, and what the cores could give."""
    parts = [("droidcheck, main process", summary["_cpu_s"]),
             ("droidcheck, evaluation processes", summary["_workers_cpu_s"]),
             ("simulated phones (one process)", summary["_lab_cpu_s"].get("sim")),
             ("adb servers", summary["_lab_cpu_s"].get("adb"))]
    lines = []
    for name, cpu in parts:
        lines.append(f"    {name + ':':34s} " + ("n/a (no /proc)" if cpu is None else
                                                  f"{cpu:6.2f} s  {cpu / phones * 1000:5.1f} ms a phone"))
    known = [c for _n, c in parts if c is not None]
    total, cores = sum(known), os.cpu_count() or 1
    mine = summary["_cpu_s"] + summary["_workers_cpu_s"]
    lines.append(f"    {'all of it:':34s} {total:6.2f} s of the {cores * wall:.2f} core-seconds the run took "
                 f"({total / (cores * wall):.0%}); droidcheck's part {mine / total:.0%}")
    lines.append(f"    CPU floor on {cores} core(s): {total / cores:.2f} s for everything, "
                 f"{mine / cores:.2f} s for droidcheck alone")
    return lines
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
    lab = _LabCpu(host[0].pid, servers)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            addresses = [s.address for s in servers]
            # one phone alone: its own server, the same code path (includes planning and rule loading)
            one_server = AdbServer.start()
            try:
                one_server.client().connect(devices[0][1], timeout=15)
                time.sleep(0.5)
                one_s, one_summary = _fleet([one_server.address], Path(tmp) / "one", 1, 1)
            finally:
                one_server.stop()
            # threads only first, so neither run gets the other's warm caches for free more than once
            threads_s, threads_summary = _fleet(addresses, Path(tmp) / "threads", args.jobs, args.per_server, 0,
                                                lab)
            fleet_s, summary = _fleet(addresses, Path(tmp) / "fleet", args.jobs, args.per_server, lab=lab)
            assert summary["counts"]["total"] == args.phones, summary["counts"]
            reads_s, read_times = _reads_only(devices, args.jobs, args.per_server)
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
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"phones {args.phones} on {args.servers} adb servers, {args.latency_ms} ms latency per round trip, "
          f"phone costs {'on' if args.phone_costs else 'off'}, --jobs {args.jobs} --per-server {args.per_server}, "
          f"{args.reader} reader (the sequential `droidcheck check` estimate uses the default reader)"
          + (f"; load average at the end {load[0]:.2f} / {load[1]:.2f} (1 / 5 min)" if load else ""))
    print(f"statuses: {summary['counts']}")
    print(f"one phone alone (fleet of 1):     {one_s:7.2f} s  (its read {one_summary['_read_s'][0]:.2f} s)")
    print(f"fleet of {args.phones}:                  {fleet_s:7.2f} s  = {fleet_s / one_s:5.1f}x one phone "
          f"(goal < 10x)")
    print(f"  a phone's read in the fleet: median {_median(summary['_read_s']):.2f} s, "
          f"slowest {summary['_read_s'][-1]:.2f} s")
    print("  CPU during the fleet run:")
    print("\n".join(_cpu_lines(summary, args.phones, fleet_s)))
    print(f"same phones read only (no evaluation, no files, same slots): {reads_s:7.2f} s = "
          f"{reads_s / one_s:.1f}x one phone; a read's median {_median(read_times):.2f} s")
    print(f"same fleet, threads only (--workers 0): {threads_s:7.2f} s, main process CPU "
          f"{threads_summary['_cpu_s']:.2f} s (evaluation processes: {fleet_s / threads_s:.2f}x the time)")
    print("  CPU during the threads-only run:")
    print("\n".join(_cpu_lines(threads_summary, args.phones, threads_s)))
    print(f"sequential `droidcheck check`:    {seq_total:7.1f} s  ESTIMATED: mean of {len(seq)} subprocess runs "
          f"({seq_each:.2f} s each) x {args.phones}")
    print(f"fleet speed-up vs sequential:     {seq_total / fleet_s:7.1f}x (goal >= 20x)")
    print(f"peak RSS: this process {self_mb:.0f} MB, largest child {child_mb:.0f} MB "
          f"(goal < 300 MB; ru_maxrss of children is the largest one, not a sum)")


if __name__ == "__main__":
    main()
