"""A fleet run end to end, as a library call: plan → check → persist → summarise → history.

New runs plan from the servers and inventory; ``resume`` and ``retry_failed`` reopen a run directory and
check only what it still lacks (resume: planned devices with no line in results.jsonl; retry: devices whose
latest status is incomplete or not ready). Both plan against the servers recorded in the manifest and
keep the run id, so history sees one run, completed.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from droidcheck.adb.connection import ServerAddress, parse_address, resolve_address
from droidcheck.errors import InputError
from droidcheck.fleet.inventory import Inventory, inventory_to_dict
from droidcheck.fleet.plan import Plan, Target, make_plan
from droidcheck.fleet.progress import Progress
from droidcheck.fleet.runner import RETRYABLE, FleetOptions, run_targets
from droidcheck.fleet.store import RunStore, utc_now
from droidcheck.fleet.summary import build_summary, write_reports
from droidcheck.rules.model import Rule

DEFAULT_RUNS_DIR = Path("droidcheck-runs")


@dataclass
class FleetRequest:
    servers: list[str] = field(default_factory=list)
    inventory: Inventory | None = None
    out: Path | None = None
    resume: Path | None = None
    retry_failed: Path | None = None
    db: Path | None = None
    record_history: bool = True
    options: FleetOptions = field(default_factory=FleetOptions)


@dataclass
class FleetOutcome:
    run_dir: Path
    summary: dict[str, Any]
    checked: int
    wall_s: float
    #: Why the run could not be added to the history (a damaged --db); the run itself is complete.
    history_error: InputError | None = None

    @property
    def exit_code(self) -> int:
        return int(self.summary["exit_code"])


def _servers(req: FleetRequest) -> list[ServerAddress]:
    names = list(req.servers) + [s.address for s in (req.inventory.servers if req.inventory else [])]
    if not names:
        return [resolve_address(None)]
    seen: dict[str, ServerAddress] = {}
    for n in names:
        a = parse_address(n, explicit=True)
        seen.setdefault(str(a), a)
    return list(seen.values())


def _new_run_dir(out: Path | None) -> tuple[Path, str]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{stamp}-{secrets.token_hex(2)}"
    if out is None:
        out = DEFAULT_RUNS_DIR / stamp
        if out.exists():  # two runs in one second
            out = DEFAULT_RUNS_DIR / run_id
    return out, run_id


class _RuleCache:
    """Rules per distinct set of extra rule dirs, loaded once up front (bad rules stop the run before any
    phone is read)."""

    def __init__(self, targets: list[Target]) -> None:
        from droidcheck.rules.loader import load_rules

        self._by: dict[tuple[str, ...], list[Rule]] = {}
        for t in targets:
            k = tuple(t.rules)
            if k not in self._by:
                self._by[k] = load_rules(extra_dirs=[Path(r) for r in k] or None)

    def __call__(self, t: Target) -> list[Rule]:
        return self._by[tuple(t.rules)]


def _reopen(run_dir: Path, wanted: set[str] | None) -> tuple[RunStore, list[Target], Plan]:
    """Targets of an existing run that still need checking; ``wanted`` None means 'not yet recorded'."""
    store = RunStore.open(run_dir)
    planned = [Target.from_dict(d) for d in store.manifest.get("devices", [])]
    done = store.records()
    todo = [t for t in planned if (t.key not in done if wanted is None else t.key in wanted)]
    servers = sorted({t.server for t in todo})
    plan = make_plan([parse_address(s) for s in servers], None) if todo else Plan([], {})
    now = {t.key: t for t in plan.targets}
    targets = []
    for t in todo:
        cur = now.get(t.key)
        if cur is None:  # unplugged since, or its server is gone: say so rather than skip it
            reason = plan.server_errors.get(t.server)
            t.state = "disconnected"
            t.hint = f"the ADB server did not answer: {reason}" if reason else \
                f"no longer attached to {t.server}: reconnect it"
        else:
            t.state, t.hint, t.transport = cur.state, cur.hint, cur.transport
        targets.append(t)
    return store, targets, plan


def run_fleet(req: FleetRequest, progress: Progress | None = None) -> FleetOutcome:
    t0 = time.monotonic()
    progress = progress or Progress()
    if req.resume and req.retry_failed:
        raise InputError("--resume and --retry-failed cannot be combined")
    if req.resume or req.retry_failed:
        run_dir = req.resume or req.retry_failed
        assert run_dir is not None
        wanted = None
        attempt = "resume"
        if req.retry_failed:
            attempt = "retry"
            wanted = {k for k, r in RunStore.open(run_dir).records().items() if r["status"] in RETRYABLE}
        store, targets, plan = _reopen(run_dir, wanted)
    else:
        servers = _servers(req)
        plan = make_plan(servers, req.inventory)
        run_dir, run_id = _new_run_dir(req.out)
        targets = plan.targets
        attempt = "first"
        store = RunStore.create(run_dir, {
            "format": "droidcheck.fleet-run", "version": 1, "run_id": run_id, "started": utc_now(),
            "finished": None, "servers": [str(s) for s in servers], "server_errors": plan.server_errors,
            "inventory": inventory_to_dict(req.inventory) if req.inventory else None,
            "options": {"jobs": req.options.jobs, "per_server": req.options.per_server,
                        "deadline_s": req.options.deadline_s, "redact": req.options.redact},
            "devices": [t.to_dict() for t in targets],
        })
    rules_for = _RuleCache(targets)
    with progress:
        run_targets(targets, rules_for, store, req.options, progress, attempt)
    store.manifest["finished"] = utc_now()
    store.manifest.setdefault("attempts", []).append({"kind": attempt, "finished": store.manifest["finished"],
                                                       "checked": len(targets)})
    store.save_manifest()
    summary = build_summary(store)
    write_reports(store, summary)
    history_error = None
    if req.record_history:  # last: a history that cannot be written must not cost the run its reports
        from droidcheck.fleet.history import HistoryError, default_db, record_run

        try:
            record_run(req.db or default_db(), summary, run_dir)
        except HistoryError as exc:
            history_error = exc
    return FleetOutcome(run_dir, summary, len(targets), round(time.monotonic() - t0, 3), history_error)
