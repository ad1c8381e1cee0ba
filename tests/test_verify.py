"""A printout can be checked: the result a report was made from is kept beside it, in the canonical form
whose SHA-256 the report prints, and ``droidcheck verify`` checks any saved copy against a digest."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from droidcheck.cli import app
from droidcheck.sim.profile import find_profile
from droidcheck.sim.snapshot import snapshot_of


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("droidcheck.report.shop.config_dir", lambda: tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    snapshot_of(find_profile("motog6-a8-clock-off"), captured_at="2026-11-25T10:00:00Z").save(tmp_path / "snap.json")
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def printed_digest(report: Path) -> str:
    m = re.search(r"Result SHA-256: <code>([0-9a-f]{64})", report.read_text(encoding="utf-8"))
    assert m, "the report prints no digest"
    return m.group(1)


def test_check_report_keeps_the_result_its_digest_is_of(work: Path):
    proc = run("check", "--from", "snap.json", "--report", "report.html", "-f", "json", "-o", "pretty.json")
    assert proc.exit_code == 1, proc.output  # the clock is off: a failure, not an error
    digest = printed_digest(work / "report.html")
    kept = work / "report.json"
    assert "report.json" in proc.stderr and "droidcheck verify" in proc.stderr
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == digest  # sha256sum agrees, no droidcheck needed
    assert json.loads(kept.read_bytes()) == json.loads((work / "pretty.json").read_text(encoding="utf-8"))
    for saved in ("report.json", "pretty.json"):  # the indented -o copy has other bytes, the same content
        ok = run("verify", saved, digest.upper())
        assert ok.exit_code == 0, ok.output
        assert digest in ok.stdout and "matches" in ok.stdout


def test_a_tampered_result_fails(work: Path):
    run("check", "--from", "snap.json", "--report", "report.html")
    digest = printed_digest(work / "report.html")
    doc = json.loads((work / "report.json").read_text(encoding="utf-8"))
    doc["verdict"]["status"] = "pass"
    (work / "report.json").write_text(json.dumps(doc), encoding="utf-8")
    proc = run("verify", "report.json", digest)
    assert proc.exit_code == 1
    assert "does NOT match" in proc.stdout


@pytest.mark.parametrize(("content", "digest"), [
    (b"not json", "0" * 64),
    (b'{"format": "droidcheck.snapshot"}', "0" * 64),
    (b"\xff\xfe", "0" * 64),
    (None, "0" * 64),  # no such file
    (b'{"format": "droidcheck.result"}', "1234"),  # not a digest
])
def test_bad_input_is_exit_2(work: Path, content: bytes | None, digest: str):
    if content is not None:
        (work / "r.json").write_bytes(content)
    proc = run("verify", "r.json", digest)
    assert proc.exit_code == 2, proc.output
    assert "droidcheck bug" not in proc.output


def test_verify_without_a_digest_prints_it(work: Path):
    run("check", "--from", "snap.json", "--report", "report.html")
    proc = run("verify", "report.json")
    assert proc.exit_code == 0 and printed_digest(work / "report.html") in proc.stdout


def test_the_input_file_is_never_overwritten(work: Path):
    """``--from snap.json --report snap.html``: report.json would be the snapshot itself."""
    before = (work / "snap.json").read_bytes()
    proc = run("check", "--from", "snap.json", "--report", "snap.html")
    assert proc.exit_code == 1, proc.output
    assert (work / "snap.json").read_bytes() == before
    assert hashlib.sha256((work / "snap.result.json").read_bytes()).hexdigest() == printed_digest(work / "snap.html")


def test_report_command_names_or_keeps_the_result(work: Path):
    run("check", "--from", "snap.json", "-f", "json", "-o", "r.json")
    same = run("report", "r.json", "-o", "again.html")
    assert same.exit_code == 0 and "droidcheck verify r.json" in same.stderr
    assert not (work / "again.json").exists()
    assert run("verify", "r.json", printed_digest(work / "again.html")).exit_code == 0
    watch = {"format": "droidcheck.watch", "version": 1, "verdict": {"stopped_at": "shown"}, "stages": []}
    (work / "w.json").write_text(json.dumps(watch), encoding="utf-8")
    combined = run("report", "r.json", "--watch", "w.json", "-o", "both.html")
    assert combined.exit_code == 0, combined.output
    assert run("verify", "both.json", printed_digest(work / "both.html")).exit_code == 0
    assert run("verify", "r.json", printed_digest(work / "both.html")).exit_code == 1


def test_no_keep_result(work: Path):
    run("check", "--from", "snap.json", "--report", "report.html", "--no-keep-result")
    assert (work / "report.html").exists() and not (work / "report.json").exists()
