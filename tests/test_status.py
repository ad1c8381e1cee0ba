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


def test_named_states_write_the_same_json_as_the_words():
    from dataclasses import asdict

    from droidcheck.facts.model import known, unknown
    from droidcheck.rules.engine import evaluate
    from droidcheck.rules.loader import load_rules
    from droidcheck.snapshot import CommandOutput
    from droidcheck.status import FactStatus, FindingStatus, OutputStatus

    fact = unknown("sim.state", "not read")
    assert fact.status is FactStatus.UNKNOWN and known("x", 1).known
    assert json.dumps(fact.to_dict()) == '{"value": null, "status": "unknown", "reason": "not read"}'
    lost = CommandOutput("date", "date", status=OutputStatus.LOST, error="gone")
    assert json.dumps(asdict(lost)) == json.dumps({**asdict(lost), "status": "lost"})
    assert not lost.ok and CommandOutput("date", "date").ok
    findings = evaluate(load_rules(), {}).findings
    assert findings and all(isinstance(f.status, FindingStatus) for f in findings)
    assert {json.dumps(f.status) for f in findings} <= {f'"{s.value}"' for s in FindingStatus}
