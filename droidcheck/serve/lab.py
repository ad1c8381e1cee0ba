"""The lab: fleet runs started from the page, their progress as events, history and diff.

A run is :func:`droidcheck.fleet.api.run_fleet` — the same as ``droidcheck fleet`` — in a thread, with a
progress object that keeps each device's stage and, when it lands, its verdict and its status per area
(the devices × areas grid), taken from the result the runner holds in memory (never read back from the
run folder). Rows that changed are sent to the pages together, at most once per :data:`ROW_TICK_S`: a
200-phone run makes ~800 row changes, and one event each kept the server and the browser busy on the
cores the run needs. One run at a time. Servers come from ``serve``'s own ``--adb`` / ``--inventory``: the
page never names files or servers of its own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from droidcheck.fleet.progress import Progress
from droidcheck.serve.events import EventBus
from droidcheck.serve.station import StationError

#: How often changed rows are sent to the pages while a run goes (seconds).
ROW_TICK_S = 0.25
#: Worst first: the colour of a grid cell is its area's worst finding.
AREA_RANK = {"fail": 0, "warn": 1, "unknown": 2, "pass": 3, "skip": 4, "manual": 5}


def area_cells(result: Mapping[str, Any] | None) -> dict[str, str]:
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

    def landed(self, key: str, line: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        self.lab._row_landed(key, line, result)


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
        self._folders: dict[str, str] = {}  # device key -> its folder in the current run
        self._dirty: dict[str, None] = {}  # rows changed since they were last sent, in order
        self._run_ended = threading.Event()
        self._send_lock = threading.Lock()  # batches reach the pages in the order they were taken

    # -- runs --------------------------------------------------------------------------------------
    def start(self, jobs: int = 16) -> Path:
        from droidcheck.fleet.api import FleetRequest
        from droidcheck.fleet.runner import FleetOptions

        with self._lock:
            if self.running:
                raise StationError("a fleet run is already going: wait for it to finish")
            self.running, self.rows, self.summary, self.error = True, {}, None, None
            self._folders, self._dirty = {}, {}
            self._run_ended = threading.Event()
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
        threading.Thread(target=self._send_rows_while_running, args=(self._run_ended,),
                         name="droidcheck-lab-rows", daemon=True).start()
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
            self._run_ended.set()
            self._send_rows()  # every row as it ended, before the page hears the run is over
            self.running = False
            self.bus.publish("lab", {"kind": "finished", "error": self.error,
                                     "counts": (self.summary or {}).get("counts")})

    # -- progress (runner threads) -----------------------------------------------------------------
    def _row_added(self, key: str, label: str) -> None:
        with self._lock:
            self.rows[key] = LabRow(key, label)
            self._dirty[key] = None

    def _row_updated(self, key: str, stage: str, note: str) -> None:
        with self._lock:
            row = self.rows.setdefault(key, LabRow(key, key))
            row.stage, row.note = stage, note
            self._dirty[key] = None

    def _row_landed(self, key: str, line: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        """A device's outcome, from the runner's own result (``result`` is its digest: verdict, causes'
        titles, each finding's area and status)."""
        verdict = result.get("verdict") or {}
        causes = verdict.get("likely_causes") or []
        titles = {f.get("rule"): f.get("title") for f in result.get("findings") or []}
        with self._lock:
            row = self.rows.setdefault(key, LabRow(key, key))
            row.status = str(line.get("status") or "")
            row.verdict = str(verdict.get("status") or "")
            row.cause = str(titles.get(causes[0], causes[0])) if causes else ""
            row.areas = area_cells(result)
            row.report = self._folder(key)
            self._dirty[key] = None

    def _folder(self, key: str) -> str:
        """The device's folder in the run (the run's manifest, read once; called under the lock)."""
        if key not in self._folders and self.run_dir is not None:
            try:  # not RunStore.open: it trims results.jsonl, which the run is writing
                manifest = json.loads((self.run_dir / "manifest.json").read_text(encoding="utf-8"))
                folders = manifest.get("folders")
                self._folders = {str(k): str(v) for k, v in folders.items()} if isinstance(folders, dict) else {}
            except (OSError, ValueError):
                pass  # the row shows its outcome, without a report link
        return self._folders.get(key, "")

    # -- rows to the pages -------------------------------------------------------------------------
    def _send_rows(self) -> None:
        """Publish every row changed since the last call, as one event (an older batch never follows a
        newer one: the page would show a row going back a stage)."""
        with self._send_lock:
            with self._lock:
                keys, self._dirty = list(self._dirty), {}
                rows = [self.rows[k].to_dict() for k in keys if k in self.rows]
            if rows:
                self.bus.publish("lab-rows", {"rows": rows})

    def _send_rows_while_running(self, ended: threading.Event) -> None:
        while not ended.wait(ROW_TICK_S):
            self._send_rows()

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
