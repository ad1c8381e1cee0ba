"""Fleet history in SQLite (stdlib): one row per run, one per device result; and diffs between runs.

A resumed or retried run keeps its id; its rows are replaced with the run directory's final state.

The database is a file a user points ``--db`` at: a damaged, truncated or foreign one (not SQLite, or
SQLite without droidcheck's tables) is a :class:`HistoryError` naming it, never a traceback, and reading
it (``history``, ``diff``) never writes to it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
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


COLUMNS = {"runs": ("id", "started", "finished", "run_dir", "total", "passed", "failed", "incomplete",
                    "not_ready", "exit_code"),
           "device_results": ("run_id", "device_key", "server", "serial", "model", "status", "verdict",
                              "likely_causes", "exit_code")}
_HINT = "Point --db at a droidcheck history database, or at a new file to start one."


class HistoryError(InputError):
    """The history database cannot be read or written."""


@contextmanager
def _guarded(db: Path) -> Iterator[None]:
    """sqlite3 errors (not a database, malformed pages, missing tables or columns, a locked or read-only
    file) and unreadable stored values become one clear error naming the database."""
    try:
        yield
    except sqlite3.Error as exc:
        raise HistoryError(f"the fleet history database {db} cannot be used: {exc}", _HINT) from None
    except (ValueError, TypeError) as exc:  # a stored value droidcheck did not write (causes not JSON…)
        raise HistoryError(f"the fleet history database {db} holds a value droidcheck did not write: {exc}",
                           _HINT) from None
    except OSError as exc:
        raise HistoryError(f"the fleet history database {db} cannot be used: {exc.strerror or exc}",
                           _HINT) from None


def connect(path: Path, *, write: bool = True) -> sqlite3.Connection:
    """An open history database with droidcheck's tables checked. ``write=False`` opens it read-only and
    never creates anything (``history`` and ``diff`` must not change a file they are only shown)."""
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=10)
    else:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys = ON")
        _check_schema(con, path, create=write)
        return con
    except BaseException:
        con.close()
        raise


def _check_schema(con: sqlite3.Connection, path: Path, *, create: bool) -> None:
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if create and not tables & set(COLUMNS):
        con.executescript(SCHEMA)
        tables |= set(COLUMNS)
    for table, columns in COLUMNS.items():
        have = [r[1] for r in con.execute(f"PRAGMA table_info({table})")] if table in tables else []
        if tuple(have) != columns:
            raise HistoryError(f"{path} is not a droidcheck fleet history database (table {table!r} "
                               f"{'has other columns' if have else 'is missing'})", _HINT)
    pages, page_size = (con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
    if path.is_file() and pages * page_size > path.stat().st_size:  # cut short: SQLite notices only the
        raise HistoryError(f"{path} is damaged: it is shorter than its own header says "  # pages it reads
                           f"({path.stat().st_size} of {pages * page_size} bytes)", _HINT)


def record_run(db: Path, summary: dict[str, Any], run_dir: Path) -> None:
    with _guarded(db):
        _record_run(db, summary, run_dir)


def _record_run(db: Path, summary: dict[str, Any], run_dir: Path) -> None:
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
    with _guarded(db), closing(connect(db, write=False)) as con:
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
    return {str(r["device_key"]): dict(r) | {"likely_causes": _causes(r["likely_causes"])} for r in rows}


def _causes(raw: Any) -> list[str]:
    causes = json.loads(raw or "[]")
    if not isinstance(causes, list) or not all(isinstance(c, str) for c in causes):
        raise ValueError(f"likely causes {raw!r} are not a list of rule ids")
    return causes


def diff_runs(db: Path, run_a: str | None = None, run_b: str | None = None) -> dict[str, Any]:
    """Devices that newly fail, got fixed, appeared and vanished between two runs (default: the last two)."""
    if not db.exists():
        raise InputError(f"no fleet history at {db}", "Run 'droidcheck fleet' first.")
    with _guarded(db):
        return _diff_runs(db, run_a, run_b)


def _diff_runs(db: Path, run_a: str | None, run_b: str | None) -> dict[str, Any]:
    with closing(connect(db, write=False)) as con:
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
