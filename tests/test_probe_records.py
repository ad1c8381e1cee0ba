"""One record per probe drives every reader; one spec per fact names its deriver.

A probe whose text a bug report holds as one service dump says so on its record (``Probe.bugreport``): the
live collector, the bug-report importer and the simulator's bug report all follow from it. The proof is
``battery`` (``dumpsys battery`` → ``power.battery_level``), added by the recipe in the README's
development section: plan, parser, registry, deriver and simulator renderer, and no importer table.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from droidcheck.collect.plan import BUGREPORT_ONLY, PROBES, PROBES_BY_ID, bugreport_probes, bugreport_services
from droidcheck.facts.context import DeriveContext
from droidcheck.facts.derive import DERIVER_MODULES
from droidcheck.facts.extract import extract_facts
from droidcheck.facts.registry import BY_CHECK, FACTS
from droidcheck.offline.bugreport import snapshot_from_lines
from droidcheck.offline.sections import service_collector
from droidcheck.parsers.battery import parse_battery
from droidcheck.sim.bugreport import render_bugreport
from droidcheck.sim.profile import Profile
from droidcheck.sim.snapshot import run_probe, snapshot_of
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta
from droidcheck.status import OutputStatus

FIX = Path(__file__).parent / "fixtures" / "battery"
SDKS = (26, 28, 29, 30, 33, 34, 35, 36)
WHEN = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)


def _bugreport(profile: Profile) -> Snapshot:
    snap = snapshot_from_lines(render_bugreport(profile, WHEN).splitlines(keepends=True))
    assert snap is not None
    return snap


# -- the records ------------------------------------------------------------------------------------

def test_every_fact_names_a_deriver_that_makes_exactly_its_facts() -> None:
    """The deriver on each spec is the one that produces the fact (extract's fallback for a failing
    deriver relies on it): each deriver, on an empty snapshot, yields exactly the facts naming it."""
    assert {s.deriver for s in FACTS} <= {*DERIVER_MODULES, BY_CHECK}
    ctx = DeriveContext(Snapshot(SnapshotMeta()))
    for module in DERIVER_MODULES:
        made = {f.name for f in importlib.import_module(f"droidcheck.facts.derive.{module}").derive(ctx)}
        assert made == {s.name for s in FACTS if s.deriver == module}, module


def test_every_fact_probe_is_a_probe() -> None:
    known = set(PROBES_BY_ID) | {p.id for p in BUGREPORT_ONLY}
    assert {p for s in FACTS for p in s.probes} <= known


def test_a_failing_deriver_leaves_its_own_facts_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    from droidcheck.facts.derive import system

    def broken(_ctx: DeriveContext) -> list:
        raise RuntimeError("boom")

    monkeypatch.setattr(system, "derive", broken)
    facts = extract_facts(snapshot_of(Profile(name="p", sdk=34), "2026-10-10T09:00:00Z"))
    assert "internal error reading system facts" in (facts["power.battery_level"].reason or "")
    assert "internal error" in (facts["notifications.dnd"].reason or "")
    assert facts["notifications.sms_app_allowed"].known  # owned by apps, not system, though in that area


def test_bugreport_filters_follow_the_records() -> None:
    """Every service a record names gets a collector with the record's cap, and filters as recorded."""
    for probe in bugreport_services():
        source = probe.bugreport
        assert source is not None
        col = service_collector(source.service)
        assert col is not None and col.cap == source.cap, probe.id
        assert (col.keep is None) == (source.keep is None), probe.id


@pytest.mark.parametrize("sdk", SDKS)
def test_bugreport_holds_what_the_phone_prints(sdk: int) -> None:
    """For each probe whose record names a service dump that its live command prints (``dumpsys
    <service>``, grep included), the bug-report import holds the same text as the live read."""
    profile = Profile(name=f"records-{sdk}", sdk=sdk)
    snap = _bugreport(profile)
    compared = 0
    for probe in bugreport_probes():
        source = probe.bugreport
        assert source is not None
        out = snap.outputs.get(probe.id)
        assert out is not None, probe.id
        if not source.service:
            assert out.status == OutputStatus.UNAVAILABLE and out.error == source.absent
        elif sdk < source.since_sdk:
            assert out.status == OutputStatus.UNAVAILABLE and source.service in (out.error or "")
        elif probe in PROBES and probe.command.split(" | ")[0] == f"dumpsys {source.service}":
            assert out.stdout == run_probe(profile, probe.command)[0], probe.id
            compared += 1
    assert compared >= 5  # role (10+), telephony.registry, isub, connectivity, diskstats, battery


# -- the proof: battery -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "percent", "stopped"), [("o26.txt", 63, False), ("u34.txt", 88, False),
                                                          ("v35_low.txt", 4, False), ("set_by_hand.txt", 100, True)])
def test_battery_parser_across_versions(name: str, percent: int, stopped: bool) -> None:
    dump = parse_battery((FIX / name).read_text(encoding="utf-8"))
    assert dump is not None and dump.percent == percent and dump.updates_stopped is stopped


@pytest.mark.parametrize("text", ["", "Can't find service: battery\n", "level: 50\n",
                                  "Current Battery Service state:\n  level: 50\n  level: 5\n  scale: 100\n",
                                  "Current Battery Service state:\n  level: 150\n  scale: 100\n",
                                  "Current Battery Service state:\n  level: 50\n  scale: 0\n",
                                  "Current Battery Service state:\n  AC powered: true\n"])
def test_battery_parser_never_guesses(text: str) -> None:
    dump = parse_battery(text)
    assert dump is None or dump.percent is None


def _facts(text: str | None, status: OutputStatus = OutputStatus.OK):
    snap = Snapshot(SnapshotMeta(captured_at="2026-10-10T09:00:00Z"))
    if text is not None:
        snap.add(CommandOutput("battery", "dumpsys battery", text, 0, status=status))
    return extract_facts(snap)


def test_battery_fact() -> None:
    assert _facts((FIX / "v35_low.txt").read_text(encoding="utf-8"))["power.battery_level"].value == 4
    fake = _facts((FIX / "set_by_hand.txt").read_text(encoding="utf-8"))["power.battery_level"]
    assert not fake.known and "set by hand" in (fake.reason or "")
    assert not _facts("Can't find service: battery\n")["power.battery_level"].known
    missing = _facts(None)["power.battery_level"]
    assert not missing.known and missing.unread


@pytest.mark.parametrize("sdk", SDKS)
def test_battery_from_phone_and_bugreport(sdk: int) -> None:
    """The same value read live (the simulator's renderer) and from the simulator's bug report, on every
    version, with no importer code for it; a profile's raw text shows another state."""
    low = (FIX / "v35_low.txt").read_text(encoding="utf-8")
    for profile, expected in ((Profile(name=f"b-{sdk}", sdk=sdk), 76),
                              (Profile(name=f"b-low-{sdk}", sdk=sdk, raw={"dumpsys battery": low}), 4)):
        live = extract_facts(snapshot_of(profile, "2026-10-10T09:00:00Z"))["power.battery_level"]
        offline = extract_facts(_bugreport(profile))["power.battery_level"]
        assert live.value == offline.value == expected


def test_a_bugreport_without_the_service_says_so() -> None:
    text = render_bugreport(Profile(name="nobattery", sdk=34), WHEN)
    start = text.index("DUMP OF SERVICE battery:")
    end = text.index("was the duration of dumpsys battery", start)
    text = text[:start] + "DUMP OF SERVICE batteryx:\n" + text[end:].replace("dumpsys battery", "dumpsys batteryx", 1)
    snap = snapshot_from_lines(text.splitlines(keepends=True))
    assert snap is not None
    out = snap.outputs.get("battery")
    assert out is not None and out.status == OutputStatus.UNAVAILABLE
    assert out.error == "the bug report has no 'DUMP OF SERVICE battery' section"
