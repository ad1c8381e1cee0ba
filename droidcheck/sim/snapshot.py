"""A profile's snapshot without adb: what ``read_device`` would record, rendered in-process.

For tests and benchmarks that need realistic command output but not the wire: the same probes, the same
phase-2 choice of apps (``packages_to_inspect``), and the phone shell's ``| grep`` applied as on a phone.
Timing and clock-offset metadata are not measured here (there is no round trip).
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

from droidcheck.collect.collector import items_for
from droidcheck.collect.packages import packages_to_inspect
from droidcheck.collect.plan import phase_probes
from droidcheck.sim.commands import run_command
from droidcheck.sim.profile import Profile
from droidcheck.sim.shell import _grep
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta


def run_probe(profile: Profile, command: str) -> tuple[str, int]:
    """One probe command line and its exit status; the only pipes in the plan are into grep, and as in a
    shell, a pipeline's status is its last command's."""
    first, *filters = command.split(" | ")
    out = run_command(profile, shlex.split(first))
    text, rc = out.stdout, out.rc
    for f in filters:
        filtered = _grep(shlex.split(f), text)  # argv, "grep" included
        text, rc = filtered.stdout, filtered.rc
    return text, rc


def snapshot_of(profile: Profile, captured_at: str | None = None) -> Snapshot:
    """Every phase-1 probe, then the per-app probes for the apps phase 1 points at."""
    stamp = captured_at or datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    snap = Snapshot(SnapshotMeta(serial=profile.serial, model=profile.model, maker=profile.maker,
                                 source="simulator", captured_at=stamp))
    for phase in (1, 2):
        packages = packages_to_inspect(snap) if phase == 2 else []
        for item in items_for(phase_probes(phase), packages):
            text, rc = run_probe(profile, item.command)
            snap.add(CommandOutput(item.probe, item.command, text, rc))
    return snap
