"""A user's mistake is never a droidcheck bug: every command, given a destination it cannot write or a
reader that has gone away, says so plainly (exit 2) or stops quietly (closed pipe) — never "internal
error" (exit 70) and never a traceback. Destinations are checked before the phone is read."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from droidcheck.cli import EXIT_PIPE_CLOSED


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "120"}


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=_env(), cwd=cwd, stdin=subprocess.DEVNULL)
    _no_bug(proc.stdout + proc.stderr)
    return proc


def _no_bug(text: str) -> None:
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    assert "droidcheck bug" not in text, text


def run_closed_pipe(*args: str, cwd: Path | None = None, timeout: float = 90) -> tuple[int, str]:
    """Run with stdout a pipe whose reader is already gone (``… | head`` after head exited): every write
    fails at once, deterministically."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=timeout, env=_env(), cwd=cwd,
                              stdin=subprocess.DEVNULL)
    finally:
        os.close(write_end)
    return proc.returncode, proc.stderr


def _immutable(path: Path, on: bool) -> bool:
    """chattr ±i: the only way to make a file read-only for root (the tests may run as root)."""
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    return subprocess.run([chattr, "+i" if on else "-i", str(path)], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    mode = path.stat().st_mode
    path.chmod(stat.S_IMODE(mode) & ~0o222)
    frozen = False
    try:
        if os.name != "nt" and os.geteuid() == 0:
            frozen = _immutable(path, True)
            if not frozen:
                pytest.skip("running as root without chattr: nothing is read-only")
        yield
    finally:
        if frozen:
            _immutable(path, False)
        path.chmod(stat.S_IMODE(mode))


FILE_KINDS = ("missing-folder", "a-folder", "read-only-file", "read-only-folder", "under-a-file")


@contextlib.contextmanager
def bad_file(tmp_path: Path, kind: str, name: str = "out.json") -> Iterator[Path]:
    """A file destination droidcheck cannot write, of the given kind."""
    if kind == "missing-folder":
        yield tmp_path / "no-such-folder" / name
    elif kind == "a-folder":
        folder = tmp_path / "a-folder"
        folder.mkdir()
        yield folder
    elif kind == "read-only-file":
        target = tmp_path / name
        target.write_text("keep me", encoding="utf-8")
        with read_only(target):
            yield target
        assert target.read_text(encoding="utf-8") == "keep me"
    elif kind == "read-only-folder":
        folder = tmp_path / "locked"
        folder.mkdir()
        with read_only(folder):
            yield folder / name
    else:
        plain = tmp_path / "plain.txt"
        plain.write_text("x", encoding="utf-8")
        yield plain / name


FOLDER_KINDS = ("a-file", "read-only-folder", "under-a-file")


@contextlib.contextmanager
def bad_folder(tmp_path: Path, kind: str) -> Iterator[Path]:
    """A folder destination droidcheck cannot write into."""
    if kind == "a-file":
        plain = tmp_path / "existing.json"
        plain.write_text("{}", encoding="utf-8")
        yield plain
    elif kind == "read-only-folder":
        folder = tmp_path / "locked"
        folder.mkdir()
        with read_only(folder):
            yield folder / "run"
    else:
        plain = tmp_path / "plain.txt"
        plain.write_text("x", encoding="utf-8")
        yield plain / "run"


def _assert_refused(proc: subprocess.CompletedProcess[str], dest: Path) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "error: cannot write" in proc.stderr, proc.stderr
    assert str(dest.name) in proc.stderr


@pytest.fixture
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A saved snapshot and a saved JSON result to feed the offline commands."""
    from droidcheck.sim.profile import find_profile
    from droidcheck.sim.snapshot import snapshot_of

    base = tmp_path_factory.mktemp("saved")
    snap_copy = base / "snap.json"
    snap_copy.write_text(snapshot_of(find_profile("galaxy-a52-a13-airplane")).to_json(), encoding="utf-8")
    result = base / "result.json"
    proc = run_cli("check", "--from", str(snap_copy), "-f", "json", "-o", str(result))
    assert result.exists(), proc.stderr
    return {"snapshot": snap_copy, "result": result, "dir": base}


# -- offline commands: every kind of bad destination ---------------------------------------------------

@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize("fmt", ["terminal", "json", "junit"])
def test_check_from_file_to_a_bad_output(tmp_path, saved, kind, fmt):
    with bad_file(tmp_path, kind) as dest:
        _assert_refused(run_cli("check", "--from", str(saved["snapshot"]), "-f", fmt, "-o", str(dest)), dest)


@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize("command", ["check", "report"])
def test_a_report_to_a_bad_destination(tmp_path, saved, kind, command):
    with bad_file(tmp_path, kind, "out.html") as dest:
        if dest.suffix != ".html":  # a folder given as the report: name it as one
            dest = dest.rename(dest.with_name("report.html")) if dest.is_dir() else dest
        args = (["check", "--from", str(saved["snapshot"]), "--report", str(dest)] if command == "check"
                else ["report", str(saved["result"]), "-o", str(dest)])
        _assert_refused(run_cli(*args), dest)


@pytest.mark.parametrize("kind", FOLDER_KINDS)
def test_recheck_into_a_bad_folder(tmp_path, saved, kind):
    with bad_folder(tmp_path, kind) as dest:
        proc = run_cli("recheck", str(saved["snapshot"]), "-o", str(dest))
        assert proc.returncode == 2, proc.stderr
        assert "cannot write the results into" in proc.stderr


def test_check_terminal_output_goes_to_the_file_as_plain_text(tmp_path, saved):
    dest = tmp_path / "check.txt"
    proc = run_cli("check", "--from", str(saved["snapshot"]), "-o", str(dest))
    assert proc.returncode in (0, 1, 3), proc.stderr
    text = dest.read_text(encoding="utf-8")
    assert "Most likely causes" in text and "All checks by area" in text
    assert "\x1b" not in text, "colour codes in a text file"
    assert proc.stdout == "", "-o writes the file instead of printing"
    assert f"wrote {dest}" in proc.stderr


def test_an_existing_output_is_replaced_whole_and_keeps_its_mode(tmp_path, saved):
    dest = tmp_path / "result.json"
    dest.write_text("old " * 100000, encoding="utf-8")
    dest.chmod(0o640)
    run_cli("check", "--from", str(saved["snapshot"]), "-f", "json", "-o", str(dest))
    assert json.loads(dest.read_text(encoding="utf-8"))["format"] == "droidcheck.result"
    if os.name != "nt":
        assert stat.S_IMODE(dest.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"], "a temporary file was left behind"


def test_version_prints_the_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("droidcheck ") and "Missing command" not in proc.stderr


def test_demo_with_an_unknown_profile_is_a_clear_error():
    proc = run_cli("demo", "no-such-phone")
    assert proc.returncode == 2
    assert "no profile named 'no-such-phone'" in proc.stderr


# -- closed pipes ------------------------------------------------------------------------------------------

OFFLINE_PRINTERS = [
    ["facts"], ["facts", "--json"], ["plan"], ["plan", "--markdown"], ["rules", "list"], ["rules", "causes"],
    ["rules", "validate"], ["rules", "test"], ["rules", "explain", "clock-drift"], ["--help"], ["--version"],
    ["check", "--from", "{snapshot}"], ["check", "--from", "{snapshot}", "-f", "json"],
    ["check", "--from", "{snapshot}", "-f", "junit"], ["recheck", "{dir}"], ["recheck", "{dir}", "-f", "json"],
    ["history", "--db", "{db}"], ["history", "--db", "{db}", "--json"],
]


@pytest.mark.parametrize("args", OFFLINE_PRINTERS, ids=lambda a: " ".join(a))
def test_output_into_a_closed_pipe_stops_quietly(saved, tmp_path, args):
    values = {"snapshot": str(saved["snapshot"]), "dir": str(saved["dir"]), "db": str(tmp_path / "h.sqlite")}
    code, stderr = run_closed_pipe(*(a.format(**values) for a in args))
    _no_bug(stderr)
    assert code in (EXIT_PIPE_CLOSED, 0), (code, stderr)  # 0: --help/--version may fit in click's buffer
    assert stderr == "", "a closed pipe is no error: nothing to say"


# -- commands that read a phone: the destination is refused before the phone is touched ----------------

@pytest.mark.e2e
@pytest.mark.parametrize("kind", FILE_KINDS)
def test_phone_commands_refuse_a_bad_destination_before_reading(adb_server, sim_phone, tmp_path, kind):
    serial = sim_phone("pixel8-a14-healthy")
    phone = sim_phone.phone(serial)
    base = ["--adb", adb_server.address, "-s", serial]
    cases = [
        ("check", ["check", *base, "-f", "json", "-o"]),
        ("check-terminal", ["check", *base, "-o"]),
        ("check-report", ["check", *base, "--report"]),
        ("snapshot", ["snapshot", *base, "-o"]),
        ("watch", ["watch", *base, "--timeout", "1", "--no-check", "-o"]),
        ("fix", ["fix", *base, "--yes", "-o"]),
    ]
    for i, (name, args) in enumerate(cases):
        sub = tmp_path / f"{i}-{name}"
        sub.mkdir()
        with bad_file(sub, kind, "out.html" if name == "check-report" else "out.json") as dest:
            if name == "check-report" and dest.is_dir():
                dest = dest.rename(dest.with_name("report.html"))
            before = phone.commands_run
            proc = run_cli(*args, str(dest))
            assert proc.returncode == 2, (name, proc.returncode, proc.stderr)
            assert "cannot write" in proc.stderr, (name, proc.stderr)
            assert phone.commands_run == before, f"{name} read the phone before checking its destination"


@pytest.mark.e2e
@pytest.mark.parametrize("kind", FOLDER_KINDS)
def test_fleet_refuses_a_bad_run_folder(adb_server, sim_phone, tmp_path, kind):
    serial = sim_phone("pixel8-a14-healthy")
    phone = sim_phone.phone(serial)
    with bad_folder(tmp_path, kind) as dest:
        before = phone.commands_run
        proc = run_cli("fleet", "--adb", adb_server.address, "--out", str(dest), "--no-history")
        assert proc.returncode == 2, proc.stderr
        assert "cannot write the run into" in proc.stderr
        assert phone.commands_run == before


@pytest.mark.e2e
def test_fleet_default_run_folder_in_a_read_only_folder(adb_server, sim_phone, tmp_path):
    sim_phone("pixel8-a14-healthy")
    with read_only(tmp_path):
        proc = run_cli("fleet", "--adb", adb_server.address, "--no-history", cwd=tmp_path)
    assert proc.returncode == 2 and "cannot write the run into droidcheck-runs" in proc.stderr


@pytest.mark.e2e
def test_phone_commands_into_a_closed_pipe(adb_server, sim_phone, tmp_path):
    serial = sim_phone("pixel8-a14-healthy")
    base = ["--adb", adb_server.address, "-s", serial]
    db = str(tmp_path / "h.sqlite")
    for args in (["devices", "--adb", adb_server.address], ["devices", "--adb", adb_server.address, "--json"],
                 ["check", *base], ["check", *base, "-f", "json"], ["snapshot", *base, "-o", str(tmp_path / "s.json")],
                 ["watch", *base, "--timeout", "1", "--no-check"], ["watch", *base, "--timeout", "1", "-f", "json"],
                 ["fix", *base, "--dry-run"],
                 ["fleet", "--adb", adb_server.address, "--db", db, "--out", str(tmp_path / "r1")],
                 ["fleet", "--adb", adb_server.address, "--db", db, "--out", str(tmp_path / "r2"), "-f", "json"],
                 ["history", "--db", db], ["history", "--db", db, "--json"], ["diff", "--db", db],
                 ["diff", "--db", db, "--json"]):
        code, stderr = run_closed_pipe(*args)
        _no_bug(stderr)
        assert code == EXIT_PIPE_CLOSED, (args, code, stderr)
        assert "BrokenPipe" not in stderr and "Exception ignored" not in stderr, (args, stderr)
    assert (tmp_path / "r2" / "summary.json").exists(), "a closed pipe must not cost the fleet run its files"


@pytest.mark.e2e
@pytest.mark.parametrize("fmt", ["terminal", "json"])
def test_fleet_ends_by_naming_its_summary_files(adb_server, sim_phone, tmp_path, fmt):
    sim_phone("pixel8-a14-healthy")
    run = tmp_path / "run"
    proc = run_cli("fleet", "--adb", adb_server.address, "--out", str(run), "--no-history", "-f", fmt)
    assert proc.returncode in (0, 1, 3), proc.stderr
    where = proc.stdout if fmt == "terminal" else proc.stderr
    for name in ("report.html", "summary.json", "junit.xml", "results.jsonl"):
        assert str(run / name) in where, where
        assert (run / name).exists()
    if fmt == "json":
        assert json.loads(proc.stdout)["counts"]["total"] >= 1, "stdout stays one JSON document"
