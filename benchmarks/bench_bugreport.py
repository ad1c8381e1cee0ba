"""Import time and peak memory for a ~100 MB bug report (zip and bare text).

The report is the simulator's real sections (``droidcheck.sim.bugreport``) plus filler the size of a real
one: a big ``SYSTEM LOG`` (logcat) section and big ``activity``/``batterystats``/``meminfo`` service dumps.
Peak memory is measured with tracemalloc around the import only (Python allocations), and the process's
ru_maxrss is printed too.

    python benchmarks/bench_bugreport.py [--mb 100]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from droidcheck.offline import load_input
from droidcheck.sim.bugreport import render_bugreport, write_bugreport_zip
from droidcheck.sim.profile import find_profile

_LOG = ("10-12 09:41:{s:02d}.{ms:03d}  1000  1534  1602 I ActivityManager: Start proc 12{n:03d}:com.example.app"
        "{n}/u0a{n} for service {{com.example.app{n}/com.example.Sync}}\n")


def _filler(total_bytes: int) -> tuple[str, dict[str, str]]:
    line_log = [_LOG.format(s=i % 60, ms=i % 1000, n=i % 997) for i in range(2000)]
    block_log = "".join(line_log)
    logcat = block_log * max(1, int(total_bytes * 0.6) // len(block_log))
    svc_line = "    ProcessRecord{4f2a1b9 12345:com.example.app/u0a321} oom_adj=900 lastPss=12.3MB\n"
    svc = svc_line * max(1, int(total_bytes * 0.13) // len(svc_line))
    return logcat, {"activity": svc, "batterystats": svc, "meminfo": svc}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    profile = find_profile("pixel8-a14-healthy")
    logcat, filler = _filler(args.mb * 1024 * 1024)
    with tempfile.TemporaryDirectory() as d:
        bare = Path(d) / "bugreport.txt"
        bare.write_text(render_bugreport(profile, logcat=logcat, filler=filler), encoding="utf-8")
        zipped = write_bugreport_zip(profile, Path(d) / "bugreport.zip", logcat=logcat, filler=filler)
        del logcat, filler
        print(f"report: {bare.stat().st_size / 1e6:.1f} MB text, {zipped.stat().st_size / 1e6:.1f} MB zip")
        for label, path in (("bare text", bare), ("zip", zipped)):
            tracemalloc.start()
            t0 = time.perf_counter()
            snap = load_input(path)
            elapsed = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            kept = sum(len(o.stdout) for o in snap.outputs.values())
            print(f"{label:9s}: import {elapsed:5.2f} s (under tracemalloc), peak Python memory "
                  f"{peak / 1e6:5.1f} MB, snapshot text {kept / 1e3:.0f} kB, {len(snap.outputs)} outputs")
        t0 = time.perf_counter()
        load_input(zipped)
        print(f"zip import without tracemalloc: {time.perf_counter() - t0:.2f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"process ru_maxrss (includes building the report): {rss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
