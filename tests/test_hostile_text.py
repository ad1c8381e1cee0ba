"""Phone text that tries to drive the terminal or rich: ESC/OSC sequences, bidi tricks, rich markup.

A hostile simulated phone (model, operator, accessibility service and SMS sender names full of escape
sequences and markup) is read through the real adb server by every command that shows phone text; the
output must hold no ESC or BEL byte, show the markup literally, and JUnit must stay well-formed.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from droidcheck.report.safe_text import clean, clean_tree, safe, xml_text
from droidcheck.sim.profile import SmsScript, find_profile

OSC8 = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
TITLE = "\x1b]0;owned\x07"
CSI = "\x1b[31mred\x1b[0m"
MARKUP = ("[link=https://x]", "[/link]", "[/]", "[bold red]")
HOSTILE_MODEL = f"Pixel [/] {OSC8} {TITLE}[link=https://x]L[/link] [bold red]B{CSI}\u202eevil"
HOSTILE_OPERATOR = f"EE{TITLE}[bold red]op[/] {CSI}\x00"
HOSTILE_SERVICE = "com.spy.app/.Svc\x1b]0;svc\x07[/]"


def hostile_profile():
    profile = find_profile("pixel8-a14-healthy").copy(name="hostile", model=HOSTILE_MODEL, maker="Goo\x1b[5mgle")
    profile.sims[0].operator = HOSTILE_OPERATOR
    profile.accessibility_services = [HOSTILE_SERVICE]
    return profile


def run_cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "400"}, encoding="utf-8")
    assert "Traceback" not in proc.stderr and "MarkupError" not in proc.stderr, proc.stderr
    return proc


def assert_inert(*texts: str) -> None:
    for text in texts:
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\x9d" not in text, repr(text)
        assert "\u202e" not in text and "\x00" not in text


def assert_literal_markup(text: str) -> None:
    for tag in MARKUP:
        assert tag in text, f"{tag!r} was taken as markup:\n{text}"


# -- the module ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    (OSC8, "\ufffdclick\ufffd"),
    (TITLE + "Pixel", "\ufffdPixel"),
    (CSI, "\ufffdred\ufffd"),
    ("\x9b31mX\x9d0;t\x9c", "\ufffdX\ufffd"),  # 8-bit CSI and OSC
    ("a\u202eb\u2066c\u200bd\ufeff", "a\ufffdb\ufffdc\ufffdd\ufffd"),
    ("line\r\nnext\tcol", "line next col"),
    ("x\x00\x07\x08y", "x\ufffdy"),
    ("\x1b", "\ufffd"),
    ("\x1b]0;never terminated", "\ufffd"),
    ("\x1b]0;cut\nnext line", "\ufffdnext line"),
    ("[link=https://x]L[/] [bold red]", "[link=https://x]L[/] [bold red]"),
    ("Ünïcödé 验证 👨\u200d👩", "Ünïcödé 验证 👨\u200d👩"),
])
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


_NASTY = st.sampled_from(["\x1b", "\x1b[", "\x1b]", "\x07", "\x9b", "\x9d", "\x9c", "\\", "[", "]", "/", ";",
                          "\u202e", "\u2066", "\u200b", "\x00", "\r", "\n", "\t", "link=", "bold", "m", "8"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_NASTY, st.text(max_size=4)), max_size=30).map("".join))
def test_any_text_comes_out_inert_and_literal(raw: str) -> None:
    once = clean(raw)
    assert clean(once) == once  # nothing left to remove
    assert clean(raw, multiline=True).count("\n") == raw.replace("\r\n", "\n").count("\n")
    assert_inert(once, xml_text(raw))
    assert not any(0xD800 <= ord(c) <= 0xDFFF or ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in once)
    console = Console(width=80, record=True, color_system=None, file=io.StringIO())
    console.print(safe(raw, multiline=True))  # never raises MarkupError, never emits a control sequence
    assert_inert(console.export_text())
    ET.fromstring(f"<t a='{xml_text(raw).replace('&', '&amp;').replace('<', '&lt;').replace(chr(39), '&apos;')}'/>")


def test_multiline_keeps_newlines_and_tabs_only() -> None:
    assert clean("a\nb\tc\rd\x1b[2J", multiline=True) == "a\nb\tc\ufffdd\ufffd"
    assert clean_tree({"k\x1b[1m": ["v\x07", 3, None, {"x": "\x1b]0;t\x07"}]}) == \
        {"k\ufffd": ["v\ufffd", 3, None, {"x": "\ufffd"}]}


def test_safe_renders_markup_literally() -> None:
    console = Console(force_terminal=True, width=200, record=True, color_system=None)
    console.print(safe(HOSTILE_MODEL))
    out = console.export_text()
    assert_inert(out)
    assert_literal_markup(out)


def test_xml_text_is_always_parseable() -> None:
    for raw in (HOSTILE_MODEL, HOSTILE_OPERATOR, "\x00\x01\ud800\ufffe\uffff", "".join(map(chr, range(0x200)))):
        el = ET.Element("t", name=xml_text(raw))
        el.text = xml_text(raw)
        ET.fromstring(ET.tostring(el, encoding="unicode"))


def test_junit_stays_well_formed_with_esc_bel_nul_everywhere() -> None:
    from droidcheck.report.junit import to_junit

    bad = "x\x1b]0;t\x07\x00\x01\ufffe[/]"
    finding = {"rule": "r" + bad, "title": bad, "area": "network", "severity": "high", "explanation": bad,
               "fix": [bad], "evidence": {"signal.operator": bad}, "status": "fail"}
    result = {"device": {"serial": bad, "maker": bad, "model": bad}, "captured_at": bad, "complete": False,
              "problems": [bad], "findings": [finding, finding | {"status": "warn"},
                                              finding | {"status": "unknown", "unknown_facts": {bad: bad}}],
              "timing": {"read_s": 0.1}}
    xml = to_junit([result])
    root = ET.fromstring(xml)
    assert_inert(xml)
    assert "[/]" in root.find("testsuite").get("name")


def test_live_progress_shows_labels_literally() -> None:
    from droidcheck.fleet.progress import LiveProgress

    progress = LiveProgress()
    progress.add("k", f"{HOSTILE_MODEL} @ 127.0.0.1:5037")
    progress.update("k", "failed", "[/] incomplete")
    console = Console(width=300, record=True, color_system=None, file=io.StringIO())
    console.print(progress._render())
    out = console.export_text()
    assert_inert(out)
    assert_literal_markup(out)


def test_rules_list_shows_a_rule_files_title_literally(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        'area: test\nrules:\n  - id: t-one\n    title: "A [/] [link=https://x]rule[/link] \\e]0;t\\a"\n'
        "    cause: cause.network\n    severity: low\n    fail_when: {fact: radio.airplane_mode, eq: true}\n"
        "    explanation: Something.\n    fix: [Do a thing.]\n", encoding="utf-8")
    proc = run_cli("rules", "list", "--only-rules", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert_inert(proc.stdout)
    assert "A [/] [link=https://x]rule[/link]" in proc.stdout


# -- every command, end to end ----------------------------------------------------------------------


@pytest.mark.e2e
def test_devices_shows_the_hostile_model_inertly(adb_server, sim_phone) -> None:
    sim_phone(hostile_profile())
    proc = run_cli("devices", "--adb", adb_server.address)
    assert proc.returncode == 0, proc.stderr
    assert_inert(proc.stdout, proc.stderr)
    assert_literal_markup(proc.stdout)


@pytest.mark.e2e
def test_check_terminal_and_junit(adb_server, sim_phone, tmp_path: Path) -> None:
    serial = sim_phone(hostile_profile())
    term = run_cli("check", "--adb", adb_server.address, "-s", serial)
    assert term.returncode in (0, 1), term.stderr
    assert_inert(term.stdout, term.stderr)
    assert "[link=https://x]L[/link] [bold red]B" in term.stdout.replace("\n", "")
    junit = run_cli("check", "--adb", adb_server.address, "-s", serial, "--format", "junit")
    assert junit.returncode in (0, 1), junit.stderr
    root = ET.fromstring(junit.stdout)
    suite = root.find("testsuite")
    assert suite is not None and "[link=https://x]" in suite.get("name", "")
    assert_inert(junit.stdout)


@pytest.mark.e2e
def test_fleet_finishes_with_summary_history_and_parseable_junit(adb_server, sim_phone, tmp_path: Path) -> None:
    sim_phone(hostile_profile())
    run, db = tmp_path / "run", tmp_path / "history.sqlite"
    proc = run_cli("fleet", "--adb", adb_server.address, "--out", str(run), "--db", str(db), "--deadline", "20")
    assert proc.returncode in (0, 1), proc.stderr
    assert_inert(proc.stdout, proc.stderr)
    assert "device(s):" in proc.stdout
    assert "[link=https://x]" in proc.stdout and "[bold red]" in proc.stdout
    ET.fromstring((run / "junit.xml").read_text(encoding="utf-8"))
    listed = run_cli("history", "--db", str(db), "--json")
    assert len(json.loads(listed.stdout)) == 1
    junit = run_cli("fleet", "--adb", adb_server.address, "--out", str(tmp_path / "run2"), "--no-history",
                    "--format", "junit", "--deadline", "20")
    ET.fromstring(junit.stdout)
    assert_inert(junit.stdout)
    recheck = run_cli("recheck", str(run))
    assert recheck.returncode in (0, 1), recheck.stderr
    assert_inert(recheck.stdout, recheck.stderr)
    assert "[link=https://x]" in recheck.stdout.replace("\n", "")


@pytest.mark.e2e
def test_watch_shows_a_hostile_sender_inertly(adb_server, sim_phone) -> None:
    profile = hostile_profile()
    hostile_app = f"com.evil[/][bold red]{TITLE}.sms"  # the SMS app's package name, as the phone reports it
    profile.apps[0].package = profile.default_sms_app = hostile_app
    profile.sms_script = SmsScript(sender="AMAZON", delay_s=0.2)
    serial = sim_phone(profile)
    proc = run_cli("watch", "--adb", adb_server.address, "-s", serial, "--timeout", "10", "--interval", "0.3",
                   "--grace", "1")
    assert proc.returncode in (0, 1), proc.stderr
    assert_inert(proc.stdout, proc.stderr)
    assert "[/][bold red]" in proc.stdout
