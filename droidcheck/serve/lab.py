"""The lab: fleet runs started from the page, their progress as events, history and diff.

A run is :func:`droidcheck.fleet.api.run_fleet` — the same as ``droidcheck fleet`` — in a thread, with a
progress object that publishes each device's stage and, when it lands, its verdict and its status per
area (the devices × areas grid). One run at a time. Servers come from ``serve``'s own ``--adb`` /
``--inventory``: the page never names files or servers of its own.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from droidcheck.fleet.progress import Progress
from droidcheck.serve.events import EventBus
from droidcheck.serve.station import StationError

#: Worst first: the colour of a grid cell is its area's worst finding.
AREA_RANK = {"fail": 0, "warn": 1, "unknown": 2, "pass": 3, "skip": 4, "manual": 5}


def area_cells(result: dict[str, Any] | None) -> dict[str, str]:
    """Area → worst status among its checks (manual checklist items left out)."""
    cells: dict[str, str] = {}
    for f in (result or {}).get("findings") or []:
        status, area = str(f.get("status", "")), str(f.get("area", ""))
        if not area or status == "manual":
            continue
        if area not in cells or AREA_RANK.get(status, 9) < AREA_RANK.get(cells[area], 9):
            cells[area] = status
    return cells


@dataclass
class LabRow:
    key: str
    label: str
    stage: str = "queued"
    note: str = ""
    status: str = ""
    verdict: str = ""
    cause: str = ""
    areas: dict[str, str] = field(default_factory=dict)
    report: str = ""  # the device's folder in the run, for its report link

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "stage": self.stage, "note": self.note,
                "status": self.status, "verdict": self.verdict, "cause": self.cause, "areas": self.areas,
                "report": self.report}


class _WebProgress(Progress):
    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    def add(self, key: str, label: str) -> None:
        self.lab._row_added(key, label)

    def update(self, key: str, stage: str, note: str = "") -> None:
        self.lab._row_updated(key, stage, note)


class Lab:
    def __init__(self, bus: EventBus, *, servers: list[str], inventory: Path | None, runs_dir: Path,
                 db: Path | None, redact: bool = True) -> None:
        self.bus = bus
        self.servers = servers
        self.inventory = inventory
        self.runs_dir = runs_dir
        self.db = db
        self.redact = redact
        self.rows: dict[str, LabRow] = {}
        self.run_dir: Path | None = None
        self.running = False
        self.summary: dict[str, Any] | None = None
        self.error: str | None = None
        self.started_at: float | None = None
        self._lock = threading.Lock()
        self._store: Any = None

    # -- runs --------------------------------------------------------------------------------------
    def start(self, jobs: int = 16) -> Path:
        from droidcheck.fleet.api import FleetRequest
        from droidcheck.fleet.runner import FleetOptions

        with self._lock:
            if self.running:
                raise StationError("a fleet run is already going: wait for it to finish")
            self.running, self.rows, self.summary, self.error, self._store = True, {}, None, None, None
            self.started_at = time.time()
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            self.run_dir = self.runs_dir / f"serve-{stamp}-{int(time.time() * 1000) % 1000:03d}"
        inventory = None
        if self.inventory is not None:
            from droidcheck.fleet.inventory import load_inventory

            inventory = load_inventory(self.inventory)
        req = FleetRequest(servers=list(self.servers), inventory=inventory, out=self.run_dir, db=self.db,
                           options=FleetOptions(jobs=jobs, redact=self.redact))
        self.bus.publish("lab", {"kind": "started", "run_dir": self.run_dir.name})
        threading.Thread(target=self._run, args=(req,), name="droidcheck-lab", daemon=True).start()
        return self.run_dir

    def _run(self, req: Any) -> None:
        from droidcheck.fleet.api import run_fleet

        try:
            outcome = run_fleet(req, progress=_WebProgress(self))
            self.summary = outcome.summary
        except Exception as exc:  # a user's mistake (bad inventory, no server) or a bug: say it on the page
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            self.error = str(message)
        finally:
            self.running = False
            self.bus.publish("lab", {"kind": "finished", "error": self.error,
                                     "counts": (self.summary or {}).get("counts")})

    # -- progress (runner threads) -----------------------------------------------------------------
    def _row_added(self, key: str, label: str) -> None:
        row = LabRow(key, label)
        with self._lock:
            self.rows[key] = row
        self.bus.publish("lab-row", row.to_dict())

    def _row_updated(self, key: str, stage: str, note: str) -> None:
        with self._lock:
            row = self.rows.setdefault(key, LabRow(key, key))
            row.stage, row.note = stage, note
        if stage in ("done", "failed"):
            self._landed(row, note)
        self.bus.publish("lab-row", row.to_dict())

    def _landed(self, row: LabRow, status: str) -> None:
        from droidcheck.fleet.store import RunStore

        row.status = status
        if self.run_dir is None:
            return
        try:
            if self._store is None:  # not RunStore.open: it trims results.jsonl, which the run is writing
                manifest = json.loads((self.run_dir / "manifest.json").read_text(encoding="utf-8"))
                self._store = RunStore(self.run_dir, manifest)
            store = self._store
            result = store.result_of(row.key)
            folder = store.device_dir(row.key)
        except Exception:  # the row still shows its status; the grid cell stays empty
            return
        if result:
            row.verdict = str((result.get("verdict") or {}).get("status") or "")
            causes = (result.get("verdict") or {}).get("likely_causes") or []
            titles = {f.get("rule"): f.get("title") for f in result.get("findings") or []}
            row.cause = str(titles.get(causes[0], causes[0])) if causes else ""
            row.areas = area_cells(result)
        row.report = folder.name

    def result_path(self, folder: str) -> Path:
        """The saved result of one device of the current run; ``folder`` must be one the run made."""
        if self.run_dir is None:
            raise StationError("no fleet run yet", 404)
        known = {r.report for r in self.rows.values() if r.report}
        if folder not in known:
            raise StationError("no such device in this run", 404)
        return self.run_dir / "devices" / folder / "result.json"

    # -- history -----------------------------------------------------------------------------------
    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        from droidcheck.fleet.history import default_db, list_runs

        return list_runs(self.db or default_db(), limit)

    def diff(self, run_a: str | None, run_b: str | None) -> dict[str, Any]:
        from droidcheck.fleet.history import default_db, diff_runs

        return diff_runs(self.db or default_db(), run_a, run_b)

    def state(self) -> dict[str, Any]:
        with self._lock:
            rows = [r.to_dict() for r in self.rows.values()]
        return {"running": self.running, "run_dir": self.run_dir.name if self.run_dir else None,
                "rows": rows, "error": self.error, "counts": (self.summary or {}).get("counts")}
