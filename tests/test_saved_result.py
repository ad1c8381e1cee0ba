"""``droidcheck report`` reads results (and watch results) saved earlier: user-supplied files. A key that
holds the wrong kind of JSON value (a list where droidcheck writes an object, a number where it writes
text) must give a clear message and exit 2, never an internal error half way through rendering."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from droidcheck.check import check_snapshot
from droidcheck.cli import app
from droidcheck.errors import InputError
from droidcheck.report.html import to_html
from droidcheck.report.pdf import to_pdf
from droidcheck.result import saved_result, saved_watch
from droidcheck.rules.loader import load_rules
from droidcheck.sim.profile import find_profile
from droidcheck.sim.snapshot import snapshot_of

RESULT = json.loads(json.dumps(check_snapshot(snapshot_of(find_profile("pixel3-a9-amazon-restricted"),
                                                          captured_at="2026-11-25T10:00:00Z"), load_rules())))
WATCH = {"format": "droidcheck.watch", "verdict": {"summary": "The code reached the SMS app", "notes": ["DND on"]},
         "stages": [{"id": "sms_app", "label": "SMS app", "status": "reached", "after_s": 4.0}],
         "sender": "AMAZON"}

BAD_RESULTS = [
    {"verdict": [], "findings": {"a": 1}},
    {"findings": ["x"]},
    {"facts": [1]},
    {"facts": {"sim.slots": 1}},
    {"device": "x"},
    {"verdict": {"missing": [1]}},
    {"changes": [1]},
    {"findings": [{"rule": "r", "evidence": [1]}]},
    {"problems": 7},
    {"findings": [{"rule": "r", "title": 5, "status": "fail"}]},
]
BAD_WATCHES = [{"verdict": [1]}, {"stages": ["x"]}, {"verdict": {"notes": 5, "summary": "a"}}]


def _report(tmp_path: Path, result: dict[str, Any], watch: dict[str, Any] | None = None) -> Any:
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(result), encoding="utf-8")
    args = ["report", str(saved), "-o", str(tmp_path / "r.html")]
    if watch is not None:
        (tmp_path / "w.json").write_text(json.dumps(watch), encoding="utf-8")
        args += ["--watch", str(tmp_path / "w.json")]
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize("bad", BAD_RESULTS, ids=lambda d: json.dumps(d)[:40])
def test_report_refuses_a_result_with_a_key_of_the_wrong_kind(tmp_path: Path, bad: dict[str, Any]) -> None:
    run = _report(tmp_path, {"format": "droidcheck.result", **bad})
    assert run.exit_code == 2, run.output
    assert "not a droidcheck result as droidcheck writes it" in run.output
    assert "internal error" not in run.output


@pytest.mark.parametrize("bad", BAD_WATCHES, ids=lambda d: json.dumps(d)[:40])
def test_report_refuses_a_watch_result_with_a_key_of_the_wrong_kind(tmp_path: Path, bad: dict[str, Any]) -> None:
    run = _report(tmp_path, {"format": "droidcheck.result"}, {"format": "droidcheck.watch", **bad})
    assert run.exit_code == 2, run.output
    assert "not a watch result as droidcheck writes it" in run.output


def test_report_still_renders_what_droidcheck_writes(tmp_path: Path) -> None:
    run = _report(tmp_path, RESULT, WATCH)
    assert run.exit_code == 0, run.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "The code reached the SMS app" in page and "Sender: AMAZON" in page


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as a path of keys and indexes."""
    out = [at]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*at, i))
    return out


_PATHS = [p for p in _paths({**RESULT, "watch": WATCH}) if p]
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                 max_size=3), max_leaves=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(_PATHS), value=_JSON)
def test_any_value_anywhere_is_refused_or_rendered(where: tuple[Any, ...], value: Any) -> None:
    """Replace one value anywhere in a real result (with a watch result attached) by any JSON value: the
    report is refused with InputError or rendered, in HTML and PDF."""
    doc = copy.deepcopy({**RESULT, "watch": WATCH})
    node = doc
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    watch = doc.pop("watch")
    try:
        result = saved_result(doc, Path("r.json"), "")
        if isinstance(watch, dict):
            result["watch"] = saved_watch(watch, Path("w.json"), "")
    except InputError:
        return
    to_html(result)
    to_pdf(result)
