"""The one-round-trip reader (issue 16): everything in one ``adb shell``, side by side on the phone.

Through the real adb server against the simulator, whose phone records every device command's start and
end (``SimPhone.command_events``), the most that ran at once, and its scratch files (``SimPhone.fs``).
No assertion here is on wall time: overlap is read from the phone's record of events.
"""

from __future__ import annotations

import time

import pytest

from droidcheck.collect import plan
from droidcheck.collect.batch import Framing
from droidcheck.collect.collector import items_for, read_device, read_device_sequential
from droidcheck.collect.parallel import MAX_JOBS, build_parallel_script
from droidcheck.facts.derive.apps import packages_to_inspect
from droidcheck.sim.profile import find_profile

pytestmark = pytest.mark.e2e

AMAZON = "com.amazon.mShop.android.shopping"
MESSAGES = "com.google.android.apps.messaging"


def _read(adb_server, serial: str, reader=read_device):
    return reader(adb_server.client.device(serial), serial=serial, adb_server=adb_server.address)


def _leftovers(phone, wait_s: float = 10.0) -> list[str]:
    """The phone's scratch files once its shells have finished (a hung-up shell cleans up as it dies)."""
    end = time.monotonic() + wait_s
    while (phone.fs.leftovers() or phone.active_streams) and time.monotonic() < end:
        time.sleep(0.05)
    return phone.fs.leftovers()


def _overlaps(events: list[tuple[str, str]]) -> int:
    """How many commands started while another one was still running."""
    running, overlapped = 0, 0
    for kind, _line in events:
        if kind == "start":
            overlapped += running > 0
            running += 1
        else:
            running -= 1
    return overlapped


def test_one_round_trip_reads_what_the_sequential_reader_reads(adb_server, sim_phone) -> None:
    serial = sim_phone("pixel8-a14-healthy")
    phone = sim_phone.phone(serial)
    snap = _read(adb_server, serial)
    assert snap.meta.complete, snap.meta.problems
    assert snap.meta.round_trips == 1 and len(phone.shell_log) == 1
    assert packages_to_inspect(snap) == [MESSAGES, AMAZON]
    old = _read(adb_server, serial, read_device_sequential)
    assert old.meta.round_trips == 2
    # same probes, in the plan's order, but `dumpsys role`: only read where `cmd role` cannot answer
    assert list(snap.outputs) == [p for p in old.outputs if p != "dumpsys_role"]
    for probe, out in snap.outputs.items():
        if probe not in ("date", "uptime"):
            assert (out.stdout, out.exit_code, out.status) == (old.outputs[probe].stdout,
                                                              old.outputs[probe].exit_code, "ok"), probe
    assert _leftovers(phone) == []


def test_commands_overlap_on_a_costed_phone_bounded_and_date_runs_alone(adb_server, sim_phone) -> None:
    serial = sim_phone("pixel8-a14-healthy", phone_costs=True)
    phone = sim_phone.phone(serial)
    snap = _read(adb_server, serial)
    assert snap.meta.complete and snap.meta.round_trips == 1
    events = phone.command_events
    assert events[:2] == [("start", "date +%s"), ("end", "date +%s")]  # nothing else runs beside the clock
    assert _overlaps(events) >= 10  # commands started while others ran …
    # … never more than the bound at once: 1.5 a core (the Pixel 8 has 9), at most MAX_JOBS
    assert MAX_JOBS - 2 <= phone.max_running <= MAX_JOBS
    # the per-app probes start only after the outputs they depend on were complete, but Amazon's `dumpsys
    # package` (which tells whether it is installed) and `dumpsys notification`, which start at once
    order = [line for kind, line in events if kind == "start"]
    ends = [line for kind, line in events if kind == "end"]
    assert ends.index("cmd role get-role-holders android.app.role.SMS") < order.index(f"dumpsys package {MESSAGES}")
    assert order.index(f"dumpsys package {AMAZON}") < ends.index("pm list packages -3")
    assert ends.index(f"dumpsys package {AMAZON}") < order.index(f"cmd appops get {AMAZON}")


@pytest.mark.parametrize(("cpus", "bound"), [(4, 6), (2, 4), (6, 9)])
def test_a_phone_with_fewer_cores_runs_fewer_commands_at_once(adb_server, sim_phone, cpus: int, bound: int) -> None:
    serial = sim_phone("pixel8-a14-healthy", phone_costs=True, cpus=cpus)
    phone = sim_phone.phone(serial)
    snap = _read(adb_server, serial)
    assert snap.meta.complete and snap.meta.round_trips == 1
    assert bound - 2 <= phone.max_running <= bound


def test_a_phone_lost_mid_read_keeps_every_finished_probe(adb_server, sim_phone) -> None:
    full = _read(adb_server, sim_phone("pixel8-a14-healthy"))
    serial = sim_phone("pixel8-a14-healthy", faults={"disconnect_after": 20})
    phone = sim_phone.phone(serial)
    snap = _read(adb_server, serial)
    assert not snap.meta.complete
    kept = [p for p, o in snap.outputs.items() if o.status == "ok"]
    lost = [p for p, o in snap.outputs.items() if o.status == "lost"]
    assert "date" in kept and len(kept) >= 5 and lost
    assert set(kept) | set(lost) == set(snap.outputs)
    for probe in kept:
        if probe not in ("date", "uptime"):
            assert snap.outputs[probe].stdout == full.outputs[probe].stdout, probe
    assert _leftovers(phone) == []  # the hung-up shell's trap removed its directory


def test_a_hanging_command_is_cut_by_its_limit_while_the_others_finish(adb_server, sim_phone, monkeypatch) -> None:
    short = tuple(plan.Probe(p.id, p.command, p.purpose, 1.0, p.phase, p.per_package)
                  if p.id in ("diskstats", "package") else p for p in plan.PROBES)
    monkeypatch.setattr(plan, "PROBES", short)
    serial = sim_phone("pixel8-a14-healthy", faults={"hang_on": ["dumpsys diskstats", f"dumpsys package {AMAZON}"]})
    phone = sim_phone.phone(serial)
    snap = _read(adb_server, serial)
    assert snap.meta.round_trips == 1
    assert snap.outputs["diskstats"].status == "timeout" and snap.outputs["diskstats"].exit_code == 124
    assert snap.outputs[f"package:{AMAZON}"].status == "timeout"
    others = [o for p, o in snap.outputs.items() if p not in ("diskstats", f"package:{AMAZON}")]
    assert others and all(o.status == "ok" for o in others)
    assert _leftovers(phone) == []


def test_the_host_judges_the_apps_and_reads_one_the_phone_did_not_choose(adb_server, sim_phone) -> None:
    """A role answer with two holders: the host takes the first; the phone's stricter check falls back to
    the legacy setting (Google Messages). The host drops the phone's choice and reads its own app in a
    second round trip."""
    profile = find_profile("pixel8-a14-healthy")
    profile.raw["cmd role get-role-holders android.app.role.SMS"] = f"com.other.sms;{MESSAGES}\n"
    serial = sim_phone(profile)
    snap = _read(adb_server, serial)
    assert snap.meta.round_trips == 2
    assert packages_to_inspect(snap) == ["com.other.sms", AMAZON]
    assert "package:com.other.sms" in snap.outputs and f"package:{AMAZON}" in snap.outputs
    assert not any(MESSAGES in p for p in snap.outputs)  # read on the phone, not kept


@pytest.mark.parametrize("holder", ["com.evil;reboot", "$(reboot)", "com.evil\nreboot", "com.x `reboot`",
                                    "-rf", "com.evil' ; reboot ; '"])
def test_a_hostile_role_holder_never_reaches_a_command_line(adb_server, sim_phone, holder: str) -> None:
    profile = find_profile("pixel8-a14-healthy")
    profile.raw["cmd role get-role-holders android.app.role.SMS"] = holder + "\n"
    serial = sim_phone(profile)
    phone = sim_phone.phone(serial)
    snap = _read(adb_server, serial)
    started = [line for kind, line in phone.command_events if kind == "start"]
    assert not any("reboot" in line or "evil" in line or line.endswith("-rf") for line in started), started
    assert not any("evil" in p or "reboot" in p for p in snap.outputs)
    assert _leftovers(phone) == []


def test_a_script_that_cannot_make_its_directory_falls_back_to_the_sequential_read(adb_server, sim_phone) -> None:
    serial = sim_phone("pixel8-a14-healthy", faults={"missing_commands": ["mktemp"]})
    snap = _read(adb_server, serial)
    assert snap.meta.complete, snap.meta.problems
    assert snap.meta.round_trips == 3  # the try, then the two of the sequential reader
    assert packages_to_inspect(snap) == [MESSAGES, AMAZON] and f"package:{AMAZON}" in snap.outputs


def test_the_script_bounds_its_jobs_and_refuses_odd_settings() -> None:
    items = items_for(plan.phase_probes(1), [])
    with pytest.raises(ValueError):
        build_parallel_script(items, plan.phase_probes(2), Framing(), jobs=0)
    with pytest.raises(ValueError):
        build_parallel_script(items, plan.phase_probes(2), Framing(), tmp_base="/tmp/x y")
    script = build_parallel_script(items, plan.phase_probes(2), Framing(), jobs=2)
    assert script.count(" & p") == len(items) - 1 + 3 * len(plan.phase_probes(2))  # every job once


def _limit(monkeypatch, probe_id: str, seconds: float) -> None:
    short = tuple(plan.Probe(p.id, p.command, p.purpose, seconds, p.phase, p.per_package) if p.id == probe_id
                  else p for p in plan.PROBES)
    monkeypatch.setattr(plan, "PROBES", short)


def test_a_filtered_command_printed_late_is_not_taken_for_a_timeout(adb_server, sim_phone, monkeypatch) -> None:
    """`dumpsys connectivity | grep` finishes at once but its frame waits behind two slow `pm` jobs for
    longer than its 2 s limit: it ran well within it, and its status says so."""
    _limit(monkeypatch, "connectivity", 2.0)
    serial = sim_phone("pixel8-a14-healthy", phone_costs=True, costs={"pm": 2.5})
    snap = _read(adb_server, serial)
    assert snap.outputs["connectivity"].status == "ok" and snap.outputs["connectivity"].exit_code == 0
    assert snap.meta.complete, snap.meta.problems
    # streamed: its frame arrived as soon as it was done, not with the `pm` ones 2.5 s later
    assert snap.outputs["connectivity"].duration_s < 1.5 and snap.outputs["packages_system"].duration_s >= 2.4


def test_a_filtered_command_stopped_by_its_limit_reports_it(adb_server, sim_phone, monkeypatch) -> None:
    _limit(monkeypatch, "connectivity", 1.0)
    serial = sim_phone("pixel8-a14-healthy", faults={"hang_on": ["dumpsys connectivity"]})
    phone = sim_phone.phone(serial)
    snap = _read(adb_server, serial)
    assert snap.outputs["connectivity"].status == "timeout" and snap.outputs["connectivity"].exit_code == 124
    assert all(o.status == "ok" for p, o in snap.outputs.items() if p != "connectivity")
    assert _leftovers(phone) == []


def test_dumpsys_role_is_dropped_when_the_role_answered_and_read_again_when_the_host_disagrees() -> None:
    """The phone runs `dumpsys role` only when `cmd role` did not answer. Unread, it leaves the snapshot
    when the host agrees the role answered; when the host does not, it is read in the second round trip."""
    from droidcheck.collect.collector import _role_fallback, _StreamResult
    from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta

    items = items_for(plan.phase_probes(1), [])
    for stdout, rc, reread in ((f"{MESSAGES}\n", 0, False), ("", 0, False), ("Unknown command\n", 255, True)):
        snap = Snapshot(SnapshotMeta(source="test"))
        snap.add(CommandOutput("role_sms", "cmd role …", stdout, rc))
        snap.add(CommandOutput("dumpsys_role", "dumpsys role", "", None, status="lost", error="not run"))
        res = _StreamResult(sections={}, started=0.0)
        again = _role_fallback(snap, res, items)
        assert [i.probe for i in again] == (["dumpsys_role"] if reread else [])
        assert ("dumpsys_role" in snap.outputs) == reread
