"""The shop's whole story on one printout: check, fix with consent, watch a code arrive, print."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pypdf import PdfReader

from droidcheck.sim.profile import SmsScript, find_profile

pytestmark = pytest.mark.e2e

BODY = "Your Amazon OTP is 731904. Do not share it."


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", *args], capture_output=True, text=True,
                          timeout=90, env={**os.environ, "COLUMNS": "200"})
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def test_report_lists_changes_and_the_delivery_test(adb_server, sim_phone, tmp_path):
    profile = find_profile("pixel4a-a10-storage-full-dnd")
    profile.sms_script = SmsScript(sender="AMAZON", body=BODY, code="731904", delay_s=0.2)
    serial = sim_phone(profile)
    fixed = tmp_path / "fixed.json"
    proc = cli("fix", "--adb", adb_server.address, "-s", serial, "--yes", "--settle", "0", "--only", "dnd_off",
               "--log", str(tmp_path / "audit.jsonl"), "-o", str(fixed))
    assert fixed.exists(), proc.stdout + proc.stderr
    assert json.loads(fixed.read_text())["changes"], "fix -o should record its changes"
    watch = tmp_path / "watch.json"
    cli("watch", "--adb", adb_server.address, "-s", serial, "--timeout", "15", "--interval", "0.3",
        "--format", "json", "--no-check", "-o", str(watch))
    assert json.loads(watch.read_text())["verdict"]["stopped_at"] == "shown"

    for name in ("story.html", "story.pdf"):
        out = tmp_path / name
        proc = cli("report", str(fixed), "--watch", str(watch), "-o", str(out), "--ticket", "T-7")
        assert proc.returncode == 0, proc.stderr
        text = out.read_text(encoding="utf-8") if name.endswith("html") else \
            "\n".join(page.extract_text() for page in PdfReader(out).pages)
        flat = " ".join(text.split())
        assert "Do Not Disturb" in flat and "AMAZON" in flat
        # The story first, in the same order on screen and on paper: fixed, delivered, then the rest.
        order = [flat.index(h) for h in ("What was found and fixed", "Code delivery test", "Most likely causes",
                                          "All checks by area")]
        assert order == sorted(order), (name, order)
        assert "zen_mode 2 → zen_mode 0" not in flat and ".:" not in flat
        assert "731904" not in flat and "Do not share" not in flat


def test_report_refuses_a_watch_file_that_is_not_one(tmp_path):
    result = tmp_path / "r.json"
    result.write_text(json.dumps({"format": "droidcheck.result"}))
    proc = cli("report", str(result), "--watch", str(result), "-o", str(tmp_path / "x.html"))
    assert proc.returncode == 2 and "not a droidcheck.watch document" in proc.stderr


def test_delivery_test_on_paper_keeps_the_watch_notes():
    """The reason a code came in silently (Do Not Disturb at arrival) must reach the customer's printout."""
    from droidcheck.report.shop import delivery_summary, timeline_of

    note = "Do Not Disturb was on (priority only) when the notification was posted: it made no sound."
    watch = {"verdict": {"summary": "The message arrived … but silently.", "notes": [note]},
             "stages": [{"id": "notification", "label": "notification shown", "status": "reached", "after_s": 1.3}],
             "sender": "AMAZON"}
    lines = delivery_summary({"watch": watch})
    assert lines[:2] == ["The message arrived … but silently.", note] and "Sender: AMAZON" in lines
    [stage] = timeline_of({"watch": watch})
    assert (stage.label, stage.words, stage.after) == ("notification shown", "reached", "+1.3 s")
