"""Crafted files that exhausted memory or time (issue 12 §7, §9): each is refused or read within bounds.

Commands run in a subprocess under an address-space limit and a timeout, so a regression fails fast with
a MemoryError or a timeout instead of eating the (shared) machine; no test allocates more than a few MB.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from droidcheck.errors import InputError
from droidcheck.fleet.inventory import load_inventory
from droidcheck.offline import load_input
from droidcheck.offline.loader import MAX_LINE, _lines
from droidcheck.rules.loader import RuleLoadError, load_rules
from droidcheck.snapshot import Snapshot, SnapshotError
from droidcheck.untrusted import MAX_DEPTH, check_depth

posix_only = pytest.mark.skipif(os.name != "posix", reason="resource limits and FIFOs are POSIX")

MEMORY_CAP = 1 << 30  # 1 GiB of address space: droidcheck needs ~400 MB of it, the attacks wanted GBs


def bounded(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``droidcheck ARGS`` under ``MEMORY_CAP`` and ``timeout`` (the whole process group is killed)."""

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    proc = subprocess.Popen([sys.executable, "-m", "droidcheck.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=limit, start_new_session=True,
                            env={**os.environ, **(env or {})})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"droidcheck {' '.join(args)} did not finish in {timeout} s")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def refused(proc: subprocess.CompletedProcess, *words: str) -> None:
    """Exit 2 with a clear message holding ``words``; never an internal error or a traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


RULE = """\
area: test
rules:
  - id: t-one
    title: A test rule
    cause: cause.network
    severity: low
    fail_when: {fact: device.model, matches: "PATTERN"}
    explanation: Something explained at length.
    fix: [Do a thing.]
    tests:
      - facts: {device.model: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"}
        expect: pass
"""


def _rule_dir(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "r.yaml").write_text(text, encoding="utf-8")
    return folder


# -- rule files --------------------------------------------------------------------------------------

def alias_bomb() -> str:
    """The YAML "billion laughs": 9 levels of 9 aliases, ~400 bytes, 387 million strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\narea: x\nrules: []\n"


@posix_only
def test_yaml_alias_bomb_in_a_rule_file_is_refused_with_its_line(tmp_path):
    proc = bounded("rules", "validate", str(_rule_dir(tmp_path, alias_bomb())))
    refused(proc, "r.yaml:1: anchors (&a) are not allowed")


@pytest.mark.parametrize(("text", "expected"), [
    ("area: x\nrules: &r [*r]\n", "r.yaml:2: anchors (&r) are not allowed"),
    ("area: x\nrules: [1]\nmore: *r\n", "r.yaml:3: aliases (*r) are not allowed"),
    ("area: x\n? [a, b]\n: 1\nrules: []\n", "r.yaml:2: a key must be plain text, not a list"),
    ("area: x\n? {a: b}\n: 1\nrules: []\n", "r.yaml:2: a key must be plain text, not a mapping"),
    ("area: x\nrules: " + "[" * 500 + "]" * 500 + "\n", f"more than {MAX_DEPTH} levels"),
])
def test_rule_file_structures_that_crashed_the_loader_are_load_errors(tmp_path, text, expected):
    with pytest.raises(RuleLoadError) as info:
        load_rules(only_dirs=[_rule_dir(tmp_path, text)])
    assert any(expected in str(p) for p in info.value.problems), info.value.problems


def test_an_ampersand_in_text_is_not_an_anchor(tmp_path):
    text = RULE.replace("PATTERN", "^Pixel").replace("Do a thing.", "Open Network & internet, then *#06#.")
    assert [r.id for r in load_rules(only_dirs=[_rule_dir(tmp_path, text)])] == ["t-one"]


@posix_only
def test_catastrophic_backtracking_pattern_does_not_hang_rules_test(tmp_path):
    """``^(a+)+$`` against 48 a's and a '!' takes Python's re hours; RE2 answers at once."""
    start = time.monotonic()
    proc = bounded("rules", "test", str(_rule_dir(tmp_path, RULE.replace("PATTERN", "^(a+)+$"))), timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert time.monotonic() - start < 60


@pytest.mark.parametrize("pattern", [r"(a)\\1", "(?=Pixel)", "(?<!Galaxy )A52"])
def test_patterns_re2_cannot_run_are_load_errors_with_line_and_rule(tmp_path, pattern):
    with pytest.raises(RuleLoadError) as info:
        load_rules(only_dirs=[_rule_dir(tmp_path, RULE.replace("PATTERN", pattern))])
    problems = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"{tmp_path / 'rules' / 'r.yaml'}:7: rule t-one: fail_when: bad regular expression")
               or ("r.yaml:7: rule t-one: fail_when: bad regular expression" in p and "RE2" in p)
               for p in problems), problems


@posix_only
def test_rule_path_that_is_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    proc = bounded("rules", "validate", str(fifo), timeout=60)
    refused(proc, "not a regular file")


# -- check --from ------------------------------------------------------------------------------------

@posix_only
def test_fifo_is_refused_before_it_is_opened(tmp_path):
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    refused(bounded("check", "--from", str(fifo), timeout=60), "pipe (FIFO)", "not a regular file")


@posix_only
def test_fifo_in_recheck_folder_is_skipped_and_a_fifo_root_refused(tmp_path):
    os.mkfifo(tmp_path / "x.json")
    proc = bounded("recheck", str(tmp_path), timeout=60)
    assert "internal error" not in proc.stderr, proc.stderr
    refused(bounded("recheck", str(tmp_path / "x.json"), timeout=60), "not a regular file")


@posix_only
def test_gzip_bomb_snapshot_is_refused(tmp_path):
    """1 MB of gzip holding a 1 GB snapshot: refused after a bounded read, not parsed (3.2 GB before)."""
    bomb = tmp_path / "snapshot.json.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        fh.write(b'{"format": "droidcheck.snapshot", "version": 1, "meta": {}, "outputs": [], "pad": "')
        block = b" " * (1 << 20)
        for _ in range(1024):
            fh.write(block)
        fh.write(b'"}')
    proc = bounded("check", "--from", str(bomb))
    refused(proc)
    assert "refused" in proc.stderr and ("larger than" in proc.stderr or "expands more than" in proc.stderr)


def test_gzip_expanding_more_than_the_ratio_is_refused_early(tmp_path, monkeypatch):
    monkeypatch.setenv("DROIDCHECK_MAX_JSON_MB", "4096")  # only the ratio can stop it now
    bomb = tmp_path / "snapshot.json.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        fh.write(b'{"format": "droidcheck.snapshot", "version": 1, "pad": "' + b" " * (64 << 20) + b'"}')
    with pytest.raises(InputError, match="expands more than 100 times"):
        load_input(bomb)


@posix_only
def test_zip_bomb_bug_report_is_refused_from_its_declared_size(tmp_path):
    """A 2 MB zip whose main entry is one 2 GB line (4.3 GB before): refused before reading it."""
    path = tmp_path / "bugreport.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("bugreport-x.txt", "w", force_zip64=True) as member:
        member.write(b"=" * 56 + b"\n== dumpstate: 2024-01-01 00:00:00\n")
        block = b"a" * (1 << 20)
        for _ in range(200):
            member.write(block)
        member.write(b"\n== dumpstate: done\n")
    proc = bounded("check", "--from", str(path))
    refused(proc, "expands more than 100 times")


class _Endless(io.RawIOBase):
    """A stream of ``size`` bytes of one line (no newline), made on the fly: nothing is stored."""

    def __init__(self, size: int, head: bytes = b"", tail: bytes = b"") -> None:
        self.left, self.head, self.tail = size, head, tail

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head[:n], self.head[n:]
            return out
        if self.left > 0:
            take = min(n, self.left)
            self.left -= take
            return b"a" * take
        out, self.tail = self.tail[:n], self.tail[n:]
        return out


def test_one_huge_line_is_read_in_bounded_memory_and_cut():
    stream = _Endless(200 << 20, head=b"first\r\nsecond\rthird\n", tail=b"\nlast")
    tracemalloc.start()
    try:
        lines = [(type(ln).__name__, len(ln)) for ln in _lines(stream, "test")]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == [("str", 5), ("str", 6), ("str", 5), ("Overlong", MAX_LINE), ("str", 4)]
    assert peak < 16 << 20, f"{peak / 2**20:.0f} MB"


BUGREPORT_HEAD = (
    "=" * 56 + "\n== dumpstate: 2024-05-01 10:00:00\n"
    "------ SYSTEM PROPERTIES (getprop) ------\n[ro.product.model]: [Pixel 7]\n"
    "------ 0.01s was the duration of 'SYSTEM PROPERTIES' ------\n"
)


@posix_only
def test_long_header_like_line_costs_linear_time(tmp_path):
    """A 1 MB line that looks like a section header made the header pattern backtrack quadratically."""
    text = tmp_path / "bugreport.txt"
    text.write_text(BUGREPORT_HEAD + "------ " + "x (" * 350_000 + "\n== dumpstate: done\n", encoding="utf-8")
    proc = bounded("check", "--from", str(text), "--format", "json", timeout=90)
    assert proc.returncode in (0, 1, 3), proc.stderr[-2000:]
    assert "internal error" not in proc.stderr


def test_a_cut_line_inside_a_kept_section_marks_it_read_in_part(tmp_path):
    text = tmp_path / "bugreport.txt"
    text.write_text(BUGREPORT_HEAD.replace("[ro.product.model]: [Pixel 7]\n",
                                           "[ro.product.model]: [Pixel 7]\n[x]: [" + "y" * (MAX_LINE + 10) + "]\n")
                    + "== dumpstate: done\n", encoding="utf-8")
    snap = load_input(text)
    assert "1 line(s) too long to read whole were cut" in snap.meta.problems
    assert any("'SYSTEM PROPERTIES'" in p for p in snap.meta.problems), snap.meta.problems


def test_bare_text_over_the_limit_is_refused_from_its_size(tmp_path, monkeypatch):
    monkeypatch.setenv("DROIDCHECK_MAX_BUGREPORT_MB", "1")
    text = tmp_path / "bugreport.txt"
    text.write_text(BUGREPORT_HEAD + "z\n" * (1 << 20), encoding="utf-8")
    with pytest.raises(InputError, match="larger than 1 MB") as info:
        load_input(text)
    assert "DROIDCHECK_MAX_BUGREPORT_MB" in (info.value.hint or "")


# -- JSON documents ----------------------------------------------------------------------------------

DEEP = '{"format": "droidcheck.snapshot", "version": 1, "meta": {"problems": ' + "[" * 100_000 + \
    "]" * 100_000 + "}}"


@posix_only
def test_deeply_nested_snapshot_is_a_clear_error(tmp_path):
    path = tmp_path / "snap.json"
    path.write_text(DEEP, encoding="utf-8")
    refused(bounded("check", "--from", str(path)), "nested too deeply")


def test_nesting_just_under_the_recursion_limit_is_refused_too(tmp_path):
    """900 levels parse, then crash whatever walks them recursively (redaction, reports): refused."""
    path = tmp_path / "snap.json"
    path.write_text(DEEP.replace("[" * 100_000, "[" * 900).replace("]" * 100_000, "]" * 900), encoding="utf-8")
    with pytest.raises(SnapshotError, match="nested too deeply"):
        Snapshot.load(path)
    assert check_depth(json.loads(path.read_text())) is not None


@posix_only
def test_report_of_a_nested_or_fifo_result_is_a_clear_error(tmp_path):
    deep = tmp_path / "result.json"
    deep.write_text('{"format": "droidcheck.result", "x": ' + "[" * 50_000 + "]" * 50_000 + "}")
    refused(bounded("report", str(deep), "-o", str(tmp_path / "r.html")), "nested too deeply")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    refused(bounded("report", str(fifo), "-o", str(tmp_path / "r.html"), timeout=60), "not a regular file")


def test_json_size_limit_applies_and_can_be_raised(tmp_path, monkeypatch):
    from droidcheck.sim.profile import builtin_profiles
    from droidcheck.sim.snapshot import snapshot_of

    snap = snapshot_of(builtin_profiles()[0])
    snap.meta.problems.append("x" * (2 << 20))
    path = tmp_path / "snap.json"
    snap.save(path)
    monkeypatch.setenv("DROIDCHECK_MAX_JSON_MB", "1")
    with pytest.raises(SnapshotError, match=r"larger than 1 MB.*DROIDCHECK_MAX_JSON_MB"):
        Snapshot.load(path)
    monkeypatch.setenv("DROIDCHECK_MAX_JSON_MB", "3")
    assert Snapshot.load(path).outputs.keys() == snap.outputs.keys()


# -- fleet inventory ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    (alias_bomb().replace("area: x\nrules: []\n", ""), "inv.yaml:1: anchors (&a) are not allowed"),
    ("include: &i [a]\nexclude: *i\n", "inv.yaml:1: anchors (&i) are not allowed"),
    ("devices:\n  ? [a, b]\n  : {label: x}\n", "inv.yaml:2: a key in devices must be plain text"),
    ("include: " + "[" * 200 + "]" * 200 + "\n", "nested too deeply"),
])
def test_inventory_refuses_what_rule_files_refuse(tmp_path, text, expected):
    path = tmp_path / "inv.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_inventory(path)
    assert expected in info.value.message, info.value.message


@posix_only
def test_inventory_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "inv.yaml")

    def stuck(*_: object) -> None:
        raise TimeoutError("blocked opening the FIFO")

    old = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(10)  # a regression blocks in open(); the alarm turns that into a failure
    try:
        with pytest.raises(InputError, match="not a regular file"):
            load_inventory(tmp_path / "inv.yaml")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
