"""The lab page's server side (``droidcheck.serve.lab``): a fleet run over the real adb server, its rows
as the pages receive them."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from droidcheck.fleet.store import RunStore
from droidcheck.serve import lab as lab_module
from droidcheck.serve.lab import Lab

pytestmark = pytest.mark.e2e


class _Pages:
    """Stands in for the event bus: every event published, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def publish(self, name: str, data: dict[str, Any]) -> None:
        with self._lock:
            self.events.append((name, json.loads(json.dumps(data))))  # as the page would get it


def _run(lab: Lab, pages: _Pages) -> None:
    lab.start()
    deadline = time.monotonic() + 60
    while not any(name == "lab" and data["kind"] == "finished" for name, data in pages.events):
        assert time.monotonic() < deadline, "the run never finished"
        time.sleep(0.05)


def test_rows_are_sent_together_and_the_grid_comes_from_the_run_not_its_files(
        adb_server, sim_phone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One event per row change (and a result.json read back for each landed phone) slowed a 200-phone
    run by 63 % once its page was open. Changed rows now go out together once per tick (here one tick
    longer than the run: everything arrives in the last batch, before 'finished'), and the grid cells
    come from the runner's own result: with the run folder's results unreadable, the rows are complete."""
    serials = {sim_phone("pixel8-a14-healthy"): "pass", sim_phone("galaxy-a52-a13-airplane"): "fail",
               sim_phone("pixel3-a9-amazon-restricted"): None}
    monkeypatch.setattr(lab_module, "ROW_TICK_S", 3600, raising=False)

    def unreadable(self: RunStore, key: str) -> None:
        raise OSError("result.json must not be read back during a run")

    monkeypatch.setattr(RunStore, "result_of", unreadable)
    pages = _Pages()
    lab = Lab(pages, servers=[adb_server.address], inventory=None, runs_dir=tmp_path / "runs",
              db=tmp_path / "history.sqlite")
    _run(lab, pages)
    names = [name for name, _data in pages.events]
    assert names == ["lab", "lab-rows", "lab"], names  # started, every row at once, finished
    rows = {r["key"].rsplit("/", 1)[-1]: r for r in pages.events[1][1]["rows"]}
    assert set(serials) <= set(rows)
    manifest = json.loads((lab.run_dir / "manifest.json").read_text())
    for serial, verdict in serials.items():
        row = rows[serial]
        assert row["stage"] == "done" and row["status"] in ("passed", "failed"), row
        if verdict:
            assert row["verdict"] == verdict, row
        assert row["areas"] and set(row["areas"].values()) <= set(lab_module.AREA_RANK), row
        assert row["report"] == manifest["folders"][row["key"]]
        saved = json.loads((lab.run_dir / "devices" / row["report"] / "result.json").read_text())
        assert row["areas"] == lab_module.area_cells(saved)  # the same cells as from the file
    airplane = next(r for s, r in rows.items() if serials[s] == "fail")
    assert airplane["cause"] and "fail" in airplane["areas"].values()
    assert {r["key"]: r for r in lab.state()["rows"]} == {r["key"]: r for r in pages.events[1][1]["rows"]}


def test_rows_keep_coming_while_a_run_goes(adb_server, sim_phone, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """With a short tick, rows arrive during the run (not only at its end), in batches, and the last state
    of every row sent is its final one."""
    for name in ("pixel8-a14-healthy", "galaxy-a52-a13-airplane"):
        sim_phone(name, faults={"latency_ms": 150})
    monkeypatch.setattr(lab_module, "ROW_TICK_S", 0.05, raising=False)
    pages = _Pages()
    lab = Lab(pages, servers=[adb_server.address], inventory=None, runs_dir=tmp_path / "runs",
              db=tmp_path / "history.sqlite")
    _run(lab, pages)
    batches = [data["rows"] for name, data in pages.events if name == "lab-rows"]
    assert len(batches) >= 2, batches
    last: dict[str, dict[str, Any]] = {}
    for batch in batches:
        assert len({r["key"] for r in batch}) == len(batch)  # a row once per batch, at its latest
        for r in batch:
            last[r["key"]] = r
    assert last == {r["key"]: r for r in lab.state()["rows"]}
    assert all(r["stage"] == "done" for r in last.values())
