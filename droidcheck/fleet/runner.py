"""Check many devices at once: ``jobs`` threads overall, at most ``per_server`` reads at once per server.

Reading a phone is almost all waiting on sockets, so threads suffice; the per-server bound keeps one lab
host from being flooded, and a thread takes the next device only from a server with a slot free
(``droidcheck.fleet.schedule``), so no server sits idle while another has devices waiting. What follows
the read (facts, rules, redaction, JSON) is CPU work, handed to worker processes in a large fleet
(``droidcheck.fleet.evaluate``).
Each device runs in isolation: ``droidcheck.inspection.read`` never raises for device trouble and honours
the per-device deadline, and anything unexpected is caught here and recorded as that device's problem, so one bad phone
only ever affects its own row.

Every device is persisted (``RunStore.record``) the moment it finishes, from its worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, cast

from droidcheck.check import exit_code
from droidcheck.fleet.evaluate import Evaluator, pool_size, snapshot_json
from droidcheck.fleet.plan import Target
from droidcheck.fleet.progress import Progress
from droidcheck.fleet.schedule import Scheduler
from droidcheck.fleet.store import RunStore, utc_now
from droidcheck.result import CheckResult
from droidcheck.rules.model import Rule
from droidcheck.status import ExitCode

PASSED, FAILED, INCOMPLETE, NOT_READY = "passed", "failed", "incomplete", "not ready"
STATUS_EXIT = {PASSED: ExitCode.OK, FAILED: ExitCode.FAILED, INCOMPLETE: ExitCode.INCOMPLETE,
               NOT_READY: ExitCode.INCOMPLETE}
#: Statuses ``--retry-failed`` checks again: the phone could not be read (fully).
RETRYABLE = (INCOMPLETE, NOT_READY)


@dataclass
class FleetOptions:
    jobs: int = 16
    per_server: int = 8
    deadline_s: float = 60.0
    redact: bool = True
    workers: int | None = None  # evaluation processes; None: chosen from the fleet size and cores


def _stub_result(t: Target, problem: str, status: str) -> dict[str, Any]:
    """A result-shaped document for a device that could not be read, so reports treat it uniformly."""
    return {"device": {"serial": t.serial, "model": t.model, "adb_server": t.server, "transport": t.transport},
            "captured_at": utc_now(), "complete": False, "problems": [problem], "findings": [],
            "verdict": {"status": status, "likely_causes": []}, "timing": {"read_s": 0.0}}


def _line(t: Target, status: str, result: Mapping[str, Any], attempt: str) -> dict[str, Any]:
    titles = {f["rule"]: f["title"] for f in result.get("findings", [])}
    causes = result["verdict"].get("likely_causes", [])
    return {
        "key": t.key, "server": t.server, "serial": t.serial, "label": t.label, "group": t.group,
        "model": result["device"].get("model") or t.model, "status": status, "exit_code": STATUS_EXIT[status],
        "verdict": result["verdict"]["status"], "likely_causes": causes,
        "cause_titles": [titles.get(c, c) for c in causes], "hint": t.hint,
        "problems": result.get("problems", [])[:5],
        "missing": [m.get("title") or m.get("rule") for m in result["verdict"].get("missing") or []],
        "read_s": result.get("timing", {}).get("read_s", 0.0),
        "finished_at": utc_now(), "attempt": attempt,
    }


def record_not_ready(store: RunStore, t: Target, attempt: str, redact: bool = True,
                     progress: Progress | None = None) -> dict[str, Any]:
    problem = f"{t.state}: {t.hint}" if t.hint else t.state
    result = _stub_result(t, problem, NOT_READY)
    line = _line(t, NOT_READY, result, attempt)
    store.record(line, result, None)
    if progress is not None:
        progress.landed(t.key, line, result)
    return line


def check_one(t: Target, rules: list[Rule], store: RunStore, opts: FleetOptions, progress: Progress,
              server_slot: AbstractContextManager[object], attempt: str,
              evaluator: Evaluator | None = None) -> dict[str, Any]:
    """Read, evaluate and record one device; ``server_slot`` is held for the read alone."""
    from droidcheck.adb.connection import parse_address
    from droidcheck.inspection import PhoneHandle, read

    evaluator = evaluator or Evaluator(opts.redact, 0)
    snap = None
    snapshot_json: str | None = None
    result_text: str | None = None  # result.json as made by the evaluation
    result: CheckResult | dict[str, Any]  # the result's digest or, for a phone not checked, a stand-in
    try:
        with server_slot:
            progress.update(t.key, "reading")
            # a fresh client per device (never shared across threads); its socket timeout must not
            # outlast the device's deadline, or a stalled phone could hold its worker past it
            phone = PhoneHandle.attach(parse_address(t.server), t.serial, transport=t.transport, model=t.model,
                                       socket_timeout=max(1.0, min(10.0, opts.deadline_s)))
            snap = read(phone, deadline_s=opts.deadline_s)
        progress.update(t.key, "evaluating")
        evaluated = evaluator(snap, tuple(t.rules), rules)
        result, result_text, snapshot_json = evaluated.digest, evaluated.result_json, evaluated.snapshot_json
        # the digest keeps what exit_code reads ("complete", the verdict's status)
        status = {ExitCode.OK: PASSED, ExitCode.FAILED: FAILED}.get(exit_code(cast(CheckResult, result)), INCOMPLETE)
    except Exception as exc:  # a bug or an unforeseen adb reply must not take the fleet down
        result = _stub_result(t, f"could not check this device: {type(exc).__name__}: {exc}", INCOMPLETE)
        result_text = None
        status = INCOMPLETE
        if opts.redact:
            from droidcheck.report.redact import redact_result

            result = redact_result(result)
        if snap is not None and snapshot_json is None:  # keep what was read, for a later recheck
            snapshot_json = _snapshot_json(snap, opts.redact)
    line = _line(t, status, result, attempt)
    store.record(line, result if result_text is None else result_text, snapshot_json)
    progress.landed(t.key, line, result)
    stage = "done" if status in (PASSED, FAILED) else ("incomplete" if status == INCOMPLETE else "failed")
    progress.update(t.key, stage, status)
    return line


def _snapshot_json(snap: Any, redact: bool) -> str | None:
    try:
        return snapshot_json(snap, redact)
    except Exception:  # the snapshot is what failed: the line and result still get recorded
        return None


def run_targets(targets: list[Target], rules_for: Callable[[Target], list[Rule]], store: RunStore,
                opts: FleetOptions, progress: Progress, attempt: str) -> list[dict[str, Any]]:
    """Check ``targets``; returns the lines recorded (also persisted as they finish)."""
    lines: list[dict[str, Any]] = []
    for t in targets:
        progress.add(t.key, f"{t.label or t.serial} @ {t.server}")
    ready = [t for t in targets if t.state == "device"]
    for t in targets:
        if t.state != "device":
            lines.append(record_not_ready(store, t, attempt, opts.redact, progress))
            progress.update(t.key, "failed", NOT_READY)
    if not ready:
        return lines
    scheduler: Scheduler[tuple[int, Target]] = Scheduler(((t.server, (i, t)) for i, t in enumerate(ready)),
                                                         opts.per_server)
    evaluator = Evaluator(opts.redact, pool_size(len(ready), opts.workers))
    done: list[dict[str, Any] | None] = [None] * len(ready)
    errors: list[BaseException] = []

    def work() -> None:
        while (taken := scheduler.take()) is not None:
            (i, t), slot = taken
            try:
                done[i] = check_one(t, rules_for(t), store, opts, progress, slot, attempt, evaluator)
            except BaseException as exc:  # the run still ends; the first such error is raised below
                errors.append(exc)
            finally:
                slot.release()

    # threads, not daemons: on Ctrl-C the devices being read finish within their deadline and are
    # recorded before the process exits (their evaluation falls back to their own thread once the
    # worker processes are gone)
    threads = [threading.Thread(target=work, name=f"droidcheck-fleet-{n}")
               for n in range(max(1, min(opts.jobs, len(ready))))]
    finished = False
    try:
        for th in threads:
            th.start()
        for th in threads:
            while th.is_alive():  # short waits keep the main thread responsive to Ctrl-C
                th.join(0.2)
        finished = True
    finally:
        scheduler.cancel()  # on Ctrl-C: hand out nothing more
        evaluator.close(wait=finished)
    if errors:
        raise errors[0]
    return lines + [line for line in done if line is not None]


def fleet_exit_code(statuses: list[str]) -> ExitCode:
    """Like ``check``: 3 if any device is incomplete or not ready, else 1 if any failed, else 0."""
    codes = {STATUS_EXIT[s] for s in statuses}
    if ExitCode.INCOMPLETE in codes:
        return ExitCode.INCOMPLETE
    return ExitCode.FAILED if ExitCode.FAILED in codes else ExitCode.OK


def elapsed(t0: float) -> float:
    return round(time.monotonic() - t0, 3)
