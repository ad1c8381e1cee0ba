"""Named exit codes and states serialize exactly as the bare numbers and words did (JSON, SQLite, text)."""

from __future__ import annotations

import json
import sqlite3

from droidcheck.fleet.runner import fleet_exit_code
from droidcheck.status import ExitCode


def test_exit_codes_keep_their_numbers():
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 70, 130]
    summary = {"exit_code": fleet_exit_code(["passed", "incomplete"]), "codes": [ExitCode.FAILED]}
    assert json.dumps(summary) == '{"exit_code": 3, "codes": [1]}'
    assert f"{ExitCode.INTERRUPTED}" == "130"
    with sqlite3.connect(":memory:") as db:
        db.execute("create table t (code integer)")
        db.execute("insert into t values (?)", (ExitCode.INCOMPLETE,))
        assert db.execute("select code, typeof(code) from t").fetchone() == (3, "integer")
