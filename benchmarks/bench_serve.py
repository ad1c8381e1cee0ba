"""Benchmark `droidcheck serve` in a real browser (headless Chromium driven by Playwright).

1. Plug-in to verdict: a simulated phone (20 ms a round trip) is connected to the adb server while the
   counter page is open; the time until its verdict is on the screen, against `droidcheck check` on the
   same phone as a whole process, and the library read + check alone.
2. The lab page with a big fleet: 200 phones over 4 real adb servers; while the run streams into the page,
   the browser's long tasks (main thread busy > 50 ms: what a person feels as jank) are recorded, and the
   time from the run's end to the page showing every phone.

    python benchmarks/bench_serve.py [--phones 200] [--servers 4] [--latency-ms 20] [--repeat 5]

Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_fleet import _start_lab  # the same simulated lab as the fleet benchmark

from droidcheck.adb.connection import parse_address
from droidcheck.adb.server import AdbServer
from droidcheck.inspection import PhoneHandle, check, load_rules, read
from droidcheck.serve.commands import _bind, run_server
from droidcheck.serve.security import Access
from droidcheck.sim.host import SimHost
from droidcheck.sim.profile import Faults, find_profile

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

LONGTASKS = """() => {
  window.__long = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
    .observe({type: "longtask", buffered: true});
}"""


def _serve(counter: str, lab_servers: list[str], tmp: Path):
    sock = _bind("127.0.0.1", 0)
    access = Access.for_bind("127.0.0.1", sock.getsockname()[1])
    holder = type("Holder", (), {"server": None})()
    thread = threading.Thread(target=run_server, args=(sock, access), kwargs=dict(
        counter=parse_address(counter, explicit=True), lab_servers=lab_servers, inventory=None, rules=load_rules(),
        db=tmp / "history.sqlite", runs_dir=tmp / "runs", redact=True, ready=holder), daemon=True)
    thread.start()
    while holder.server is None or not holder.server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{sock.getsockname()[1]}/", holder, thread


def _counter_settled(url: str, want: int, timeout: float = 300) -> int:
    """Wait until the counter has checked every phone of its server once; returns how many it shows."""
    import json
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(url + "phones", timeout=10) as reply:
            cards = json.loads(reply.read())
        if len(cards) >= want and all(c["activity"] == "idle" and c["verdict"] for c in cards):
            return len(cards)
        if time.monotonic() > deadline:
            raise SystemExit(f"the counter did not settle: {cards}")
        time.sleep(0.2)


def plug_in_to_verdict(browser, repeat: int, latency_ms: int) -> None:
    print(f"## Plug-in to verdict on screen (simulated Pixel 8, {latency_ms} ms a round trip)")
    with AdbServer.start() as server, SimHost() as host, tempfile.TemporaryDirectory() as tmp:
        url, holder, thread = _serve(server.address, [server.address], Path(tmp))
        page = browser.new_page()
        page.goto(url)
        client = server.client()
        screen, cli, library = [], [], []
        for i in range(repeat):
            profile = find_profile("pixel8-a14-healthy").copy(name=f"bench-{i}")
            profile.faults = Faults(latency_ms=latency_ms)
            phone = host.add(profile)
            t0 = time.perf_counter()
            client.connect(phone.serial, timeout=15)
            page.locator("section.phone", has=page.locator(".serial", has_text=phone.serial)) \
                .locator(".verdict").wait_for(timeout=60_000)
            screen.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "droidcheck", "check", "--adb", server.address, "-s", phone.serial],
                           capture_output=True, check=False)
            cli.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            handle = PhoneHandle.attach(parse_address(server.address, explicit=True), phone.serial)
            check(read(handle), load_rules())
            library.append(time.perf_counter() - t0)
            client.disconnect(phone.serial)
        holder.server.should_exit = True
        thread.join(10)
    print("| | median | range |\n| --- | ---: | ---: |")
    for name, xs in (("plug-in → verdict on the counter page", screen),
                     ("`droidcheck check` (whole process)", cli), ("library read + check alone", library)):
        print(f"| {name} | {statistics.median(xs) * 1000:.0f} ms | {min(xs) * 1000:.0f}–{max(xs) * 1000:.0f} ms |")
    print()


def lab_run(browser, phones: int, servers: int, latency_ms: int, costs: bool) -> None:
    print(f"## Lab page during a fleet run ({phones} phones over {servers} adb servers, {latency_ms} ms, "
          f"phone costs {'on' if costs else 'off'})")
    started, (sim, pipe), _devices = _start_lab(phones, servers, latency_ms, costs)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            addresses = [s.address for s in started]
            from droidcheck.fleet.api import FleetRequest, run_fleet
            from droidcheck.fleet.runner import FleetOptions

            t0 = time.perf_counter()
            run_fleet(FleetRequest(servers=addresses, out=Path(tmp) / "baseline", record_history=False,
                                   options=FleetOptions(jobs=16)))
            baseline = time.perf_counter() - t0
            t0 = time.perf_counter()
            url, holder, thread = _serve(addresses[0], addresses, Path(tmp))
            # the counter follows the first server (as `droidcheck serve --adb A --adb B…` does) and checks
            # each of its phones once when it starts: let it finish, as a shop would before starting a lab
            # run, so the run below is timed against the page alone
            counter_phones = _counter_settled(url, phones // servers)
            settled = time.perf_counter() - t0
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + "lab")
            page.evaluate(LONGTASKS)
            t0 = time.perf_counter()
            page.get_by_role("button", name="Start a run").click()
            page.locator("body[data-run-finished='1']").wait_for(state="attached", timeout=300_000)
            finished = time.perf_counter() - t0
            page.locator("#rows tr").nth(phones - 1).wait_for(timeout=30_000)
            done = page.locator("#rows tr td.st-done, #rows tr td.st-failed").count()
            shown = time.perf_counter() - t0
            long_tasks = page.evaluate("() => window.__long")
            rows = page.locator("#rows tr").count()
            holder.server.should_exit = True
            thread.join(10)
    finally:
        pipe.send("stop")
        sim.join(30)
        for s in started:
            s.stop()
    print("| | value |\n| --- | ---: |")
    print(f"| the counter, before the run: its {counter_phones} phones (the first server's) checked once | "
          f"{settled:.2f} s |")
    print(f"| the same run without the page (`run_fleet`, same options) | {baseline:.2f} s |")
    print(f"| run, click to 'finished' on the page | {finished:.2f} s |")
    print(f"| every phone's row on the page | {shown:.2f} s ({rows} rows, {done} landed) |")
    print(f"| browser long tasks (> 50 ms) during the run | {len(long_tasks)}"
          f"{f', longest {max(long_tasks):.0f} ms' if long_tasks else ''} |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phones", type=int, default=200)
    ap.add_argument("--servers", type=int, default=4)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--phone-costs", action="store_true", help="each command takes as long as on a real phone")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=FLAGS)
        try:
            plug_in_to_verdict(browser, args.repeat, args.latency_ms)
            lab_run(browser, args.phones, args.servers, args.latency_ms, args.phone_costs)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
