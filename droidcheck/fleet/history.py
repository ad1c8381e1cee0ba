"""Fleet history in SQLite (stdlib): one row per run, one per device result; and diffs between runs.

A resumed or retried run keeps its id; its rows are replaced with the run directory's final state.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from droidcheck.errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, started TEXT, finished TEXT, run_dir TEXT,
    total INTEGER, passed INTEGER, failed INTEGER, incomplete INTEGER, not_ready INTEGER, exit_code INTEGER
);
CREATE TABLE IF NOT EXISTS device_results (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, device_key TEXT NOT NULL,
    server TEXT, serial TEXT, model TEXT, status TEXT, verdict TEXT, likely_causes TEXT, exit_code INTEGER,
    PRIMARY KEY (run_id, device_key)
);
"""


def default_db() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("droidcheck")) / "history.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA foreign_keys = ON")
    con.executescript(SCHEMA)
    return con


def record_run(db: Path, summary: dict[str, Any], run_dir: Path) -> None:
    c = summary["counts"]
    with closing(connect(db)) as con, con:
        con.execute("DELETE FROM device_results WHERE run_id = ?", (summary["run_id"],))
        con.execute("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (summary["run_id"], summary["started"], summary["finished"], str(run_dir.resolve()),
                     c["total"], c["passed"], c["failed"], c["incomplete"], c["not ready"], summary["exit_code"]))
        con.executemany("INSERT INTO device_results VALUES (?,?,?,?,?,?,?,?,?)", [
            (summary["run_id"], d["key"], d["server"], d["serial"], d.get("model"), d["status"], d["verdict"],
             json.dumps(d.get("likely_causes") or []), _exit(d["status"])) for d in summary["devices"]])


def _exit(status: str) -> int:
    from droidcheck.fleet.runner import STATUS_EXIT

    return STATUS_EXIT[status]


def list_runs(db: Path, limit: int = 50) -> list[dict[str, Any]]:
    if not db.exists():
        return []
    with closing(connect(db)) as con:
        rows = con.execute("SELECT * FROM runs ORDER BY started DESC, id DESC LIMIT ?", (limit,)).fetchall()
    return [dict(r) for r in rows]


def _resolve(con: sqlite3.Connection, run: str) -> str:
    rows = con.execute("SELECT id FROM runs WHERE id = ? OR id LIKE ? ORDER BY started", (run, run + "%")).fetchall()
    ids = sorted({r["id"] for r in rows})
    if run in ids:
        return run
    if len(ids) != 1:
        raise InputError(f"no run {run!r} in the history" if not ids else f"{run!r} matches {len(ids)} runs",
                         "See 'droidcheck history'.")
    return ids[0]


def _devices(con: sqlite3.Connection, run_id: str) -> dict[str, dict[str, Any]]:
    rows = con.execute("SELECT * FROM device_results WHERE run_id = ?", (run_id,)).fetchall()
    return {r["device_key"]: dict(r) | {"likely_causes": json.loads(r["likely_causes"] or "[]")} for r in rows}


def diff_runs(db: Path, run_a: str | None = None, run_b: str | None = None) -> dict[str, Any]:
    """Devices that newly fail, got fixed, appeared and vanished between two runs (default: the last two)."""
    if not db.exists():
        raise InputError(f"no fleet history at {db}", "Run 'droidcheck fleet' first.")
    with closing(connect(db)) as con:
        if run_a is None or run_b is None:
            ids = [r["id"] for r in con.execute("SELECT id FROM runs ORDER BY started DESC, id DESC LIMIT 2")]
            if run_a is None and run_b is None:
                if len(ids) < 2:
                    raise InputError("the history holds fewer than two runs", "Run 'droidcheck fleet' again.")
                run_b, run_a = ids[0], ids[1]
            else:
                raise InputError("give two runs, or none for the last two")
        a_id, b_id = _resolve(con, run_a), _resolve(con, run_b)
        a, b = _devices(con, a_id), _devices(con, b_id)
    newly_failing, fixed, changed = [], [], []
    for key in sorted(set(a) & set(b)):
        sa, sb = a[key]["status"], b[key]["status"]
        if sb == "failed" and sa != "failed":
            newly_failing.append({"key": key, "before": sa, "after": sb, "causes": b[key]["likely_causes"]})
        elif sa != "passed" and sb == "passed":
            fixed.append({"key": key, "before": sa, "after": sb, "causes_before": a[key]["likely_causes"]})
        elif sa != sb or a[key]["likely_causes"] != b[key]["likely_causes"]:
            changed.append({"key": key, "before": sa, "after": sb, "causes_before": a[key]["likely_causes"],
                            "causes_after": b[key]["likely_causes"]})
    return {
        "run_a": a_id, "run_b": b_id, "newly_failing": newly_failing, "fixed": fixed, "changed": changed,
        "appeared": [{"key": k, "status": b[k]["status"]} for k in sorted(set(b) - set(a))],
        "vanished": [{"key": k, "status": a[k]["status"]} for k in sorted(set(a) - set(b))],
    }
