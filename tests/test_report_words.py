"""What the customer reads (issue 13): the phone's own serial number, evidence in words, local times with
their zone, the story of a fix told first, and a PDF that labels its steps and shows a delivery timeline.

Results are built without a phone (every probe rendered from a simulated profile), as in test_reports.
"""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import pytest
from rich.console import Console

from droidcheck.check import check_snapshot
from droidcheck.facts.registry import FACTS
from droidcheck.report.html import to_html
from droidcheck.report.pdf import to_pdf
from droidcheck.report.redact import redact_result, redact_snapshot
from droidcheck.rules.loader import load_rules
from droidcheck.sim.profile import find_profile
from droidcheck.sim.snapshot import snapshot_of

RULES = load_rules()
CAPTURED = "2026-11-25T10:00:00Z"
NEW_YORK = ZoneInfo("America/New_York")
PRINTED = datetime(2026, 11, 25, 10, 7, tzinfo=UTC)


def result_of(name: str, **changes: Any) -> dict[str, Any]:
    profile = find_profile(name)
    for key, value in changes.items():
        setattr(profile, key, value)
    result = check_snapshot(snapshot_of(profile), RULES)  # read now: the simulated clock is right
    result["captured_at"] = CAPTURED
    return result


class _Text(HTMLParser):
    """The text a reader sees (no tags, no CSS)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def both(result: dict[str, Any], **kw: Any) -> tuple[str, str]:
    """The HTML report's text and the PDF report's text for ``result``, printed in New York."""
    kw.setdefault("zone", NEW_YORK)
    kw.setdefault("printed_at", PRINTED)
    return html_text(to_html(result, **kw)), " ".join(pdf_pages(to_pdf(result, **kw)))


# -- 1. the phone's own serial number, and the connection apart ----------------------------------------

def test_serial_number_is_the_phones_own_masked_and_the_connection_is_apart():
    profile = find_profile("galaxy-a52-a13-airplane")  # ro.serialno R58R12ABCDE
    result = result_of("galaxy-a52-a13-airplane")
    assert result["facts"]["device.serial_number"]["value"] == profile.serial == "R58R12ABCDE"
    result["device"].update(serial="127.0.0.1:36579", transport="wifi/tcp")  # reached over Wi-Fi adb
    redacted = redact_result(result)
    assert redacted["facts"]["device.serial_number"]["value"] == "R5•••••••DE"
    assert redact_result(redacted) == redacted  # masking twice changes nothing: the digest still matches
    for text in both(redacted):
        assert "Serial number R5•••••••DE" in text
        assert "R58R12ABCDE" not in text
        assert "Connected as 127.0.0.1:36579 over the network (Wi-Fi adb)" in text
        assert "Serial number 127.0.0.1" not in text
    shown_html, shown_pdf = both(result, mask=False)  # --no-redact prints it whole
    assert "Serial number R58R12ABCDE" in shown_html and "Serial number R58R12ABCDE" in shown_pdf


def test_usb_adb_serial_is_masked_in_the_connection_line():
    result = redact_result(result_of("pixel8-a14-healthy"))
    result["device"].update(serial="0A1B2C3D4E5F", transport="usb")
    html, pdf = both(result)
    for text in (html, pdf):
        assert "Connected as 0A••••••••5F over USB" in text and "0A1B2C3D4E5F" not in text


def test_saved_snapshots_never_hold_the_serial_number_whole():
    snap = snapshot_of(find_profile("galaxy-a52-a13-airplane"))
    assert "R58R12ABCDE" in snap.text("getprop")
    clean = redact_snapshot(snap)
    getprop = clean.text("getprop")
    assert "R58R12ABCDE" not in getprop and "[ro.serialno]: [R5•••••••DE]" in getprop
    assert check_snapshot(clean, RULES)["facts"]["device.serial_number"]["value"] == "R5•••••••DE"


# -- 2. evidence in words ------------------------------------------------------------------------------

def test_every_fact_has_a_label_and_bools_have_two_words():
    labels = [f.label for f in FACTS]
    assert all(labels) and len(set(labels)) == len(labels), "one short, distinct label per fact"
    for f in FACTS:
        assert len(f.words) == 2 and f.words[0] != f.words[1], f.name


def test_evidence_is_in_words_and_fact_names_stay_in_the_detail_and_json():
    result = redact_result(result_of("galaxy-a52-a13-airplane"))
    cause = next(f for f in result["findings"] if f["rule"] == "airplane-mode-on")
    assert cause["evidence"] == {"radio.airplane_mode": True}  # the JSON keeps names and typed values
    page = to_html(result, zone=NEW_YORK)
    html, pdf = html_text(page), " ".join(pdf_pages(to_pdf(result, zone=NEW_YORK)))
    causes_html = html.split("Most likely causes", 1)[1].split("All checks by area", 1)[0]
    for text in (causes_html, pdf):
        assert "The phone showed: Airplane mode: on" in text
        assert "Mobile network service: power off" in text
        assert "radio.airplane_mode = yes" not in text and "= yes" not in text
    assert '<div class="fn">radio.airplane_mode</div>' in page  # the technician's detail, in small print


def test_terminal_evidence_line_uses_the_same_words():
    from droidcheck.report.terminal import render

    console = Console(record=True, width=160)
    render(redact_result(result_of("galaxy-a52-a13-airplane")), console)
    screen = console.export_text()
    assert "Evidence: Airplane mode: on  (radio.airplane_mode)" in screen
    assert "Evidence: radio.airplane_mode = yes" not in screen


# -- 3. one time format: the shop's local time and its zone --------------------------------------------

def _fixed_result() -> dict[str, Any]:
    """A phone just fixed by 'fix': airplane mode was on, droidcheck turned it off, the re-check passed."""
    sims = [dataclasses.replace(s, service_state="IN_SERVICE", network_type="LTE", signal_level=3, dbm=-95)
            for s in find_profile("galaxy-a52-a13-airplane").sims]
    result = result_of("galaxy-a52-a13-airplane", airplane_mode=False, sims=sims)
    result["changes"] = [{
        "time": "2026-11-25T10:03:30.329Z", "n": 1, "mode": "fix", "fix": "airplane_mode_off", "kind": "auto",
        "summary": "Turn airplane mode off so the phone's radio can receive texts.",
        "findings": [{"rule": "airplane-mode-on", "status": "fail"}],
        "before": {"airplane_mode_on": "1"}, "after": {"airplane_mode_on": "0"}, "applied": True, "why": "done"}]
    return result


def _watch() -> dict[str, Any]:
    stage = {"status": "reached", "detail": "", "source": ""}
    return {"format": "droidcheck.watch", "started_at": "2026-11-25T10:05:00+00:00", "sender": "AMAZON",
            "verdict": {"summary": "The message arrived and its notification was shown.", "notes": []},
            "stages": [{**stage, "id": "request", "label": "code requested (watch started)", "after_s": 0.0},
                       {**stage, "id": "radio", "label": "reached the phone (radio)", "after_s": 0.7},
                       {**stage, "id": "notification", "label": "notification shown", "after_s": 1.3},
                       {**stage, "id": "blocked", "label": "notification suppressed (blocked)",
                        "status": "not_observable", "after_s": None}]}


def test_times_are_local_with_their_zone_in_one_format():
    result = redact_result({**_fixed_result(), "watch": _watch()})
    for text in both(result):
        assert "Phone read 2026-11-25 05:00 EST" in text
        assert "Printed 2026-11-25 05:07 EST" in text
        assert "2026-11-25 05:03 EST" in text  # when the change was made
        assert "Code requested at 2026-11-25 05:05 EST" in text
        assert "(UTC)" not in text and "T10:0" not in text and "10:03" not in text


def test_a_time_that_is_not_one_is_shown_as_it_is():
    result = redact_result(result_of("pixel8-a14-healthy"))
    result["captured_at"] = "<not a time>"
    html, pdf = both(result)
    assert "Phone read <not a time>" in html and "Phone read <not a time>" in pdf


# -- 4. the story of a fix, told first ------------------------------------------------------------------

def test_a_fixed_phone_tells_found_fixed_now_passing_first():
    result = redact_result(_fixed_result())
    assert result["verdict"]["status"] == "pass"
    for text in both(result):
        assert "No problem found" not in text
        assert "Problem found and fixed" in text
        story = text.index("What was found and fixed")
        assert story < text.index("Most likely causes") < text.index("All checks by area")
        told = text[story:text.index("Most likely causes")]
        assert "Found Airplane mode is on" in told
        assert "Done Turn airplane mode off so the phone's radio can receive texts" in told
        assert "Now passing: Airplane mode: off" in told and "Airplane mode: off" in told
        assert "airplane_mode_on 1 → airplane_mode_on 0" not in text  # the old wording
        assert ".:" not in text and ". ." not in text


def test_a_declined_fix_says_so():
    result = _fixed_result()
    result["changes"][0].update(applied=False, why="declined")
    result["verdict"]["status"] = "fail"
    for text in both(redact_result(result)):
        assert "Not done Turn airplane mode off so the phone's radio can receive texts – declined" in text
        assert "Problem found and fixed" not in text


# -- 5. PDF: what to do, a full first page, the delivery timeline ----------------------------------------

def test_pdf_labels_the_fix_steps():
    text = " ".join(pdf_pages(to_pdf(redact_result(result_of("galaxy-a52-a13-airplane")))))
    steps = text.split("What to do:", 1)
    assert len(steps) == 2 and steps[1].lstrip().startswith("1. ")


@pytest.mark.parametrize("font", ["none", None])
def test_a_healthy_phones_pdf_is_one_page(monkeypatch, font):
    """Before, nine checklist lines and the signatures spilled onto a second, nearly empty page."""
    from droidcheck.report.pdf_fonts import ENV, find_font

    if font is None:
        monkeypatch.delenv(ENV, raising=False)
        if find_font() is None:
            pytest.skip("no Unicode TrueType font on this computer")
    else:
        monkeypatch.setenv(ENV, font)
    pages = pdf_pages(to_pdf(redact_result(result_of("pixel8-a14-healthy"))))
    assert len(pages) == 1 and "Customer signature" in pages[0]


def test_delivery_test_is_a_timeline_in_both_reports():
    result = redact_result({**_fixed_result(), "watch": _watch()})
    for text in both(result):
        part = text[text.index("Code delivery test"):text.index("Most likely causes")]
        assert "Stage Result After the request" in part
        assert "reached the phone (radio) reached +0.7 s" in part
        assert "notification shown reached +1.3 s" in part
        assert "notification suppressed (blocked) cannot be seen on this phone" in part
        assert text.index("What was found and fixed") < text.index("Code delivery test")


def test_report_command_keeps_the_json_it_was_given(tmp_path, monkeypatch):
    """Words on paper only: the saved result (and so its digest) is what the JSON contract says."""
    from typer.testing import CliRunner

    from droidcheck.cli import app

    monkeypatch.setattr("droidcheck.report.shop.config_dir", lambda: tmp_path)
    result = redact_result(result_of("galaxy-a52-a13-airplane"))
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(result), encoding="utf-8")
    run = CliRunner().invoke(app, ["report", str(saved), "-o", str(tmp_path / "r.html")])
    assert run.exit_code == 0, run.output
    assert json.loads(saved.read_text(encoding="utf-8")) == result


def test_an_edited_change_or_watch_file_is_reported_not_a_crash():
    """'report --watch FILE' and a saved 'fix -o' result are user files: odd shapes print what they can."""
    result = redact_result(result_of("pixel8-a14-healthy"))
    result["changes"] = [{"findings": 5, "before": "x", "after": None, "time": {}, "summary": ["a"]}, "junk",
                         {"findings": [{"rule": ["x"]}], "applied": True, "why": "done"}]
    result["watch"] = {"stages": 3, "verdict": "x", "started_at": 12.5, "sender": "AMAZON"}
    for text in both(result):
        assert "What was found and fixed" in text and "Sender: AMAZON" in text
    result["watch"] = {"stages": [{"status": "reached", "after_s": float("nan"), "label": "odd"}, 7]}
    for text in both(result):
        assert "odd" in text and "nan" not in text
