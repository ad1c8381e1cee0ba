"""Read a phone: run the whole command plan in one ``adb shell`` round trip and return a snapshot.

The script (:mod:`droidcheck.collect.parallel`) runs ``date`` alone, then every other probe side by side
on the phone (a bounded number at once), chooses the apps to inspect (default SMS app, Amazon Shopping)
on the phone from the outputs as they finish, and prints each output framed as it is done. The host
derives the apps itself from the same outputs and keeps only the per-app outputs it chose; an app the
phone did not choose is read in a second round trip. The reader before this one (phase 1 in one
sequential script, then the per-app probes in a second) stays as :func:`read_device_sequential`: the
fallback for a phone whose shell cannot run the parallel script, and the benchmark's baseline.

Output is read as a stream so that:

* a probe that runs past its time limit is stopped by the phone (toybox ``timeout``); a phone that prints
  nothing for longer than any probe may take is given up by the host, and what did not arrive is lost;
* a phone that disappears mid-read leaves every probe that finished intact, and the snapshot says what
  was lost (``meta.complete = False``), rather than a hang or a traceback;
* the device clock can be compared with the host's at the moment ``date`` printed (midpoint of the
  request and the arrival of its END marker), which corrects for the round trip.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from droidcheck import __version__
from droidcheck.collect import parallel
from droidcheck.collect.batch import (
    MAX_OUTPUT_BYTES,
    TIMEOUT_EXIT,
    BatchItem,
    Event,
    FrameParser,
    Framing,
    Section,
    build_script,
)
from droidcheck.collect.parallel import SETUP, parallel_script, per_app_prefixes
from droidcheck.collect.plan import Probe, phase_probes
from droidcheck.snapshot import CommandOutput, Snapshot, SnapshotMeta
from droidcheck.status import OutputStatus

#: Host grace on top of a probe's own limit before the host gives up on a silent phone.
HOST_GRACE_S = 5.0

Progress = Callable[[str], None]


@dataclass
class _StreamResult:
    sections: dict[str, Section]
    started: float
    begin_at: dict[str, float] = field(default_factory=dict)
    end_at: dict[str, float] = field(default_factory=dict)
    cut_probe: str | None = None  # the probe the host gave up waiting for
    problem: str | None = None  # why the stream ended early, if it did
    framing_problems: list[str] = field(default_factory=list)  # ill-formed frames, over-long output
    #: The reply of the parallel script (a frame arrives whole when its command is done): for each job, how
    #: many job frames at least were printed before it started (``ParallelScript.frames_before``); None for
    #: a sequential batch.
    frames_before: dict[str, int] | None = None

    def begin_of(self, probe: str) -> float:
        """When ``probe``'s command started, or a moment before (its BEGIN marker's arrival in a sequential
        batch; in the parallel reply, the arrival of the last of the frames printed before it started, and
        never before ``date``'s, which is printed before any job starts)."""
        if self.frames_before is None:
            return self.begin_at.get(probe, self.started)
        count = self.frames_before.get(probe)
        if count is None:
            count = self.frames_before.get(probe.split(":", 1)[0] + ":", 0)
        floor = self.end_at.get("date", self.started)
        arrivals = sorted(t for p, t in self.end_at.items() if p != "date")
        return max(floor, arrivals[count - 1]) if 0 < count <= len(arrivals) else floor


def items_for(probes: list[Probe], packages: list[str]) -> list[BatchItem]:
    items: list[BatchItem] = []
    for p in probes:
        if p.per_package:
            items += [BatchItem(p.probe_id(pkg), p.render(pkg), p.timeout_s) for pkg in packages]
        else:
            items.append(BatchItem(p.id, p.command, p.timeout_s))
    return items


def _open_shell(device, script: str, deadline: float):
    """``shell:`` service with a bounded wait: adbutils' own ``open_shell`` waits up to 600 s for a phone
    that has stopped answering, whatever the client's timeout."""
    from droidcheck.adb.service import open_service

    return open_service(device, "shell:" + script, timeout=max(0.5, deadline - time.monotonic()))


def _stream(device, items: list[BatchItem], deadline: float, *, device_timeout: bool = True) -> _StreamResult:
    """Send one sequential batch (with a fresh framing nonce) and read its reply as it arrives, watching
    per-probe and overall limits."""
    framing = Framing()
    script = build_script(items, framing, device_timeout=device_timeout)
    return _read_reply(device, script, framing.parser(i.probe for i in items),
                       {i.probe: i.timeout_s + HOST_GRACE_S for i in items}, deadline)


def _stream_parallel(device, items: list[BatchItem], app_probes: list[Probe], deadline: float, *,
                     device_timeout: bool = True, jobs: int | None = None) -> _StreamResult:
    """Send the one-round-trip script and read its reply. No frame stays open while the phone works
    (each is printed whole), so the host gives up only when the phone has printed nothing for longer
    than the longest probe may run."""
    framing = Framing()
    jobs = jobs if jobs is not None else parallel.HOST_JOBS  # read at call time: the benchmark varies it
    script = parallel_script(items, app_probes, framing, jobs=jobs, device_timeout=device_timeout)
    parser = framing.parser([*(i.probe for i in items), SETUP], families=per_app_prefixes(app_probes))
    longest = max([i.timeout_s for i in items] + [p.timeout_s for p in app_probes])
    limits = {"date": items[0].timeout_s + HOST_GRACE_S if items[0].probe == "date" else longest}
    res = _read_reply(device, script.text, parser, limits, deadline, idle_limit=longest + HOST_GRACE_S)
    res.frames_before = script.frames_before
    return res


def _read_reply(device, script: str, parser: FrameParser, limits: dict[str, float], deadline: float,
                idle_limit: float | None = None) -> _StreamResult:
    """Run ``script`` in one ``shell:`` and feed its reply to ``parser`` as it arrives. Gives up when the
    overall deadline passes, when an open frame has printed nothing for its probe's limit, or (with
    ``idle_limit``) when the phone has printed nothing at all for that long."""
    from droidcheck.adb.service import close_now
    from droidcheck.adb.wire import adb_errors

    started = time.monotonic()
    result = _StreamResult(sections=parser.sections, started=started)
    try:
        conn = _open_shell(device, script, deadline)
    except adb_errors() as exc:
        result.problem = f"could not start the read: {exc}"
        return result
    sock = conn.conn
    sock.settimeout(0.25)
    last_activity = started
    try:
        while True:
            now = time.monotonic()
            current = parser.current
            if now > deadline:
                result.problem = "the overall time limit for reading the phone passed"
                result.cut_probe = current
                break
            if current and now - last_activity > limits.get(current, 10.0):
                result.problem = f"'{current}' printed nothing for {now - last_activity:.0f} s"
                result.cut_probe = current
                break
            if idle_limit is not None and current is None and now - last_activity > idle_limit:
                result.problem = f"the phone printed nothing for {now - last_activity:.0f} s"
                break
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as exc:
                result.problem = f"the connection to the phone broke: {exc}"
                break
            if not chunk:
                break
            now = time.monotonic()
            last_activity = now
            _note(result, parser.feed(chunk), now)
    finally:
        close_now(conn)
    _note(result, parser.close(), time.monotonic())
    result.framing_problems = list(parser.problems)
    return result


def _note(result: _StreamResult, events: list[Event], now: float) -> None:
    for ev in events:
        (result.begin_at if ev.kind == "begin" else result.end_at).setdefault(ev.probe, now)


#: How much of an over-long output is kept in the snapshot (it is not used, only shown).
_TRUNCATED_KEEP = 64 * 1024


def _record(snapshot: Snapshot, items: list[BatchItem], res: _StreamResult) -> None:
    sections = res.sections
    for item in items:
        sec = sections.get(item.probe)
        begin = res.begin_of(item.probe)
        end = res.end_at.get(item.probe, time.monotonic())
        out = CommandOutput(probe=item.probe, command=item.command, duration_s=round(max(0.0, end - begin), 4))
        if sec is None:
            out.status, out.error = OutputStatus.LOST, res.problem or "the phone stopped before this command ran"
            out.duration_s = 0.0
        elif sec.problem is not None:
            out.status, out.error = OutputStatus.MALFORMED, f"its output was not framed as sent: {sec.problem}"
        elif sec.truncated:
            out.stdout, out.exit_code = sec.stdout[:_TRUNCATED_KEEP], sec.exit_code
            out.status = OutputStatus.TRUNCATED
            out.error = (f"it printed more than {MAX_OUTPUT_BYTES // (1024 * 1024)} MiB; the output was cut "
                         f"(the first {_TRUNCATED_KEEP // 1024} KiB are kept) and not used")
        elif sec.finished:
            out.stdout, out.exit_code = sec.stdout, sec.exit_code
            # A filtered command (``cmd | grep …``) reports grep's status, not toybox timeout's 124: that it
            # ran up to its limit is all that tells it was cut short.
            filtered = " | " in item.command and res.frames_before is None  # the parallel script reports 124
            if (sec.exit_code == TIMEOUT_EXIT or filtered) and out.duration_s >= item.timeout_s * 0.9:
                out.status, out.error = OutputStatus.TIMEOUT, f"stopped by its {item.timeout_s:g} s time limit"
        else:
            out.stdout = sec.stdout
            if item.probe == res.cut_probe:
                out.status, out.error = OutputStatus.TIMEOUT, res.problem
            else:
                out.status, out.error = OutputStatus.LOST, res.problem or "the phone went away during this command"
        snapshot.add(out)


def _clock_offset(snapshot: Snapshot, res: _StreamResult, sent_wall: float, sent_mono: float) -> None:
    """Device clock minus host clock, from the moment ``date +%s`` answered."""
    out = snapshot.get("date")
    end = res.end_at.get("date")
    if out is None or end is None:
        return
    text = out.stdout.strip()
    if not text.isdigit():
        return
    begin = res.begin_at.get("date", sent_mono)
    # The phone printed its clock between the BEGIN marker's arrival (minus one way) and END's arrival.
    host_mid = sent_wall + ((begin - sent_mono) + (end - sent_mono)) / 2
    # `date +%s` truncates to whole seconds: the device clock was somewhere in [N, N+1).
    device_now = int(text) + 0.5
    snapshot.meta.clock_offset_s = round(device_now - host_mid, 3)
    snapshot.meta.clock_offset_uncertainty_s = round(0.5 + (end - sent_mono) / 2, 3)


def _problems(snapshot: Snapshot, res: _StreamResult) -> None:
    snapshot.meta.problems += res.framing_problems
    if res.problem:
        snapshot.meta.problems.append(res.problem)


def _lacks_timeout(snapshot: Snapshot) -> bool:
    """The phone's shell could not find `timeout` (exit 127, "timeout: … not found")."""
    out = snapshot.get("date")
    return out is not None and out.exit_code == 127 and "timeout" in out.stdout and "not found" in out.stdout


def _fill_meta(snapshot: Snapshot) -> None:
    from droidcheck.parsers.getprop import parse_getprop

    text = snapshot.text("getprop")
    if text:
        props = parse_getprop(text)
        snapshot.meta.model = snapshot.meta.model or props.get("ro.product.model", "")
        snapshot.meta.maker = props.get("ro.product.manufacturer", "")


def read_device(device, *, serial: str = "", adb_server: str = "", transport: str = "",
                deadline_s: float = 90.0, progress: Progress | None = None) -> Snapshot:
    """Read a phone through an adbutils device handle in one round trip (see the module docstring).
    Never raises for device trouble: a phone lost mid-read gives a snapshot with ``meta.complete = False``
    and the reasons in ``meta.problems``; every probe that finished before is kept."""
    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    deadline = t0 + deadline_s
    snapshot = _new_snapshot(serial, adb_server, transport)
    say("reading settings, radio and apps")
    items = items_for(phase_probes(1), [])
    app_probes = phase_probes(2)
    res, device_timeout, sent_wall, sent_mono = _round_trip(
        snapshot, items, lambda limit: _stream_parallel(device, items, app_probes, deadline, device_timeout=limit))
    refused = _script_refused(res)
    if refused is not None:
        # The shell ran `date` and stopped (no `mktemp`, no writable /data/local/tmp…): read the old way.
        say(f"this phone's shell cannot run commands side by side ({refused}); reading one after another")
        snapshot.outputs.clear()
        _read_sequential(device, snapshot, deadline, say)  # counts its round trips on top of this one
        _finish(snapshot, t0)
        return snapshot
    _clock_offset(snapshot, res, sent_wall, sent_mono)
    _fill_meta(snapshot)
    _problems(snapshot, res)
    also = _role_fallback(snapshot, res, items)
    _record_apps(device, snapshot, res, app_probes, deadline, device_timeout, say, also)
    _finish(snapshot, t0)
    return snapshot


def _role_fallback(snapshot: Snapshot, res: _StreamResult, items: list[BatchItem]) -> list[BatchItem]:
    """``dumpsys role`` runs on the phone only when ``cmd role`` did not answer. When the host agrees that
    the role answered, the unread probe is not needed and leaves the snapshot; when the host does not, it
    is read with the apps the phone did not choose (returned)."""
    from droidcheck.parsers.role import parse_role_holders

    if parallel.ROLE_FALLBACK in res.sections or res.problem is not None:
        return []
    role = snapshot.get("role_sms")
    if role is not None and parse_role_holders(role.stdout, role.exit_code) is not None:
        snapshot.outputs.pop(parallel.ROLE_FALLBACK, None)
        return []
    return [i for i in items if i.probe == parallel.ROLE_FALLBACK]


def _script_refused(res: _StreamResult) -> str | None:
    """Why the phone's shell stopped the parallel script after ``date`` (it could not make its private
    directory: no ``mktemp``, a full or read-only /data/local/tmp), or None if it did not."""
    sec = res.sections.get(SETUP)
    if sec is None:
        return None
    return sec.stdout.strip()[:200] or "the script could not make its directory"


def _record_apps(device, snapshot: Snapshot, res: _StreamResult, app_probes: list[Probe], deadline: float,
                 device_timeout: bool, say: Progress, also: list[BatchItem]) -> None:
    """Keep the per-app outputs of the apps the host chooses (``packages_to_inspect`` on the outputs just
    read: the host is the judge, the phone's choice only saved a round trip), read those the phone did
    not run in a second round trip, and drop outputs of apps the host did not choose."""
    from droidcheck.collect.packages import packages_to_inspect

    lost_phone = any(o.status == OutputStatus.LOST for o in snapshot.outputs.values())
    inputs_lost = any(snapshot.get(p) is None  # not read whole (lost, cut, timed out…)
                      for p in ("role_sms", "settings_secure", "packages_system", "packages_third_party"))
    if lost_phone and inputs_lost:
        snapshot.meta.problems.append("the per-app checks did not run: the phone was lost")
        return
    packages = packages_to_inspect(snapshot)
    wanted = items_for(app_probes, packages)
    on_phone = [i for i in wanted if i.probe in res.sections]
    _record(snapshot, on_phone, res)
    missing = [i for i in wanted if i.probe not in res.sections] + also
    if not missing:
        return
    if lost_phone:
        _record(snapshot, missing, res)  # recorded as lost, with the reason
        return
    apps = len({i.probe.split(':', 1)[1] for i in missing if ":" in i.probe})
    say(f"reading {apps} more app(s)" if apps else "reading the default SMS app's role")
    res2 = _stream(device, missing, deadline, device_timeout=device_timeout)
    snapshot.meta.round_trips += 1
    _record(snapshot, missing, res2)
    _problems(snapshot, res2)


def read_device_sequential(device, *, serial: str = "", adb_server: str = "", transport: str = "",
                           deadline_s: float = 90.0, progress: Progress | None = None) -> Snapshot:
    """The reader before the one-round-trip one: phase 1 in one sequential script, then the per-app
    probes in a second round trip. Kept for phones whose shell cannot run the parallel script, and as the
    benchmark's baseline. Never raises for device trouble, like :func:`read_device`."""
    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    deadline = t0 + deadline_s
    snapshot = _new_snapshot(serial, adb_server, transport)
    _read_sequential(device, snapshot, deadline, say)
    _finish(snapshot, t0)
    return snapshot


def _round_trip(snapshot: Snapshot, items: list[BatchItem], send: Callable[[bool], _StreamResult]
                ) -> tuple[_StreamResult, bool, float, float]:
    """Send the first script (``send(device_timeout)``) and record it; on a build without toybox ``timeout``
    send it again without it (the host still limits the read). Returns the reply, whether the phone
    enforces limits itself, and the host's wall and monotonic clocks when the reply was asked for."""
    device_timeout = True
    while True:
        sent_wall, sent_mono = time.time(), time.monotonic()
        res = send(device_timeout)
        snapshot.meta.round_trips += 1
        _record(snapshot, items, res)
        if not device_timeout or not _lacks_timeout(snapshot):
            return res, device_timeout, sent_wall, sent_mono
        device_timeout = False
        snapshot.outputs.clear()


def _new_snapshot(serial: str, adb_server: str, transport: str) -> Snapshot:
    return Snapshot(SnapshotMeta(
        serial=serial, adb_server=adb_server, transport=transport, droidcheck_version=__version__,
        captured_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    ))


def _read_sequential(device, snapshot: Snapshot, deadline: float, say: Progress) -> None:
    say("reading settings, radio and apps")
    items = items_for(phase_probes(1), [])
    res, device_timeout, sent_wall, sent_mono = _round_trip(
        snapshot, items, lambda limit: _stream(device, items, deadline, device_timeout=limit))
    _clock_offset(snapshot, res, sent_wall, sent_mono)
    _fill_meta(snapshot)
    _problems(snapshot, res)

    lost_phone = any(o.status == OutputStatus.LOST for o in snapshot.outputs.values())
    from droidcheck.collect.packages import packages_to_inspect

    packages = [] if lost_phone else packages_to_inspect(snapshot)
    items2 = items_for(phase_probes(2), packages)
    if items2 and not lost_phone:
        say(f"reading {len(packages)} app(s): {', '.join(packages)}")
        res2 = _stream(device, items2, deadline, device_timeout=device_timeout)
        snapshot.meta.round_trips += 1
        _record(snapshot, items2, res2)
        _problems(snapshot, res2)
    elif lost_phone:
        snapshot.meta.problems.append("the per-app checks did not run: the phone was lost")


def _finish(snapshot: Snapshot, t0: float) -> None:
    bad = [o for o in snapshot.outputs.values() if o.status != OutputStatus.OK]
    snapshot.meta.complete = not bad and not snapshot.meta.problems
    for o in bad:
        snapshot.meta.problems.append(f"{o.probe}: {o.status} ({o.error})")
    snapshot.meta.duration_s = round(time.monotonic() - t0, 3)
