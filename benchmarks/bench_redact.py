"""Benchmark redaction: what scrubbing one phone's result and snapshot costs (the fleet pays it per phone).

Every built-in simulator profile is read in-process (``sim.snapshot.snapshot_of``), checked, then its result
(``redact_result``) and snapshot (``redact_snapshot``) are redacted; the time is the median over repeats,
per phone, in CPU time (the machine may be shared). Also prints the one-off costs a fleet worker process
pays once: the first redaction in a fresh interpreter (imports included), and importing ``phonenumbers``.

    python benchmarks/bench_redact.py [--repeat 30]

Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

FIRST = """
import time
from droidcheck.sim.profile import builtin_profiles
from droidcheck.sim.snapshot import snapshot_of
snap = snapshot_of(builtin_profiles()[0])
t0 = time.process_time()
from droidcheck.report.redact import redact_snapshot
redact_snapshot(snap)
print(f"{(time.process_time() - t0) * 1000:.1f}")
"""


IMPORT = """
import time
t0 = time.process_time()
import phonenumbers
phonenumbers.parse("07700 900123", "GB")
print(f"{(time.process_time() - t0) * 1000:.1f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    from droidcheck.check import check_snapshot
    from droidcheck.report.redact import redact_result, redact_snapshot
    from droidcheck.rules.loader import load_rules
    from droidcheck.sim.profile import builtin_profiles
    from droidcheck.sim.snapshot import snapshot_of

    rules = load_rules()
    phones = [(snap, check_snapshot(snap, rules)) for snap in (snapshot_of(p) for p in builtin_profiles())]
    chars = sum(len(o.stdout) for snap, _ in phones for o in snap.outputs.values()) / len(phones)
    for snap, result in phones:  # warm caches (compiled patterns, lazily imported modules)
        redact_snapshot(snap), redact_result(result)
    per_result, per_snapshot = [], []
    for _ in range(args.repeat):
        t0 = time.process_time()
        for _snap, result in phones:
            redact_result(result)
        t1 = time.process_time()
        for snap, _result in phones:
            redact_snapshot(snap)
        t2 = time.process_time()
        per_result.append((t1 - t0) / len(phones))
        per_snapshot.append((t2 - t1) / len(phones))
    first = [float(subprocess.run([sys.executable, "-c", FIRST], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(3)]
    numbers = [float(subprocess.run([sys.executable, "-c", IMPORT], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(3)]
    r, s = statistics.median(per_result) * 1000, statistics.median(per_snapshot) * 1000
    print(f"{len(phones)} profiles, {chars / 1000:.0f} kB of command output a phone")
    print(f"redact_result   {r:.2f} ms a phone")
    print(f"redact_snapshot {s:.2f} ms a phone")
    print(f"together        {r + s:.2f} ms a phone")
    print(f"first redaction in a fresh process (imports included): {statistics.median(first):.1f} ms")
    print(f"importing phonenumbers and its first parse (once a process, only when a candidate number is "
          f"found): {statistics.median(numbers):.1f} ms")


if __name__ == "__main__":
    main()
