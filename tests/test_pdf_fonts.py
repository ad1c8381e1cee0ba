"""PDF fonts beyond the main one: per-script fallbacks from the computer's own fonts, one warning per report
for what no font draws, and text shaping for scripts whose letters join or reorder.

Tests that need a font skip cleanly where this computer has none (the fallbacks are system fonts)."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest

from droidcheck.check import check_snapshot
from droidcheck.report import pdf_fonts
from droidcheck.report.pdf import to_pdf
from droidcheck.report.redact import redact_result
from droidcheck.report.shop import ShopInfo
from droidcheck.rules.loader import load_rules
from droidcheck.sim.profile import find_profile
from droidcheck.sim.snapshot import snapshot_of

CJK = "東京モバイル修理 서울"


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    snap = snapshot_of(find_profile("pixel8-a14-healthy"), captured_at="2026-11-25T10:00:00Z")
    return redact_result(check_snapshot(snap, load_rules()))


@pytest.fixture(autouse=True)
def system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pdf_fonts.ENV, raising=False)


def _text(pdf: bytes) -> str:
    # pypdf gives a CFF (CID) font's two-byte codes with a NUL byte first: not part of the text
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "")


def _need(chars: str) -> pdf_fonts.FontFiles:
    main = pdf_fonts.find_font()
    if main is None:
        pytest.skip("no Unicode TrueType font on this computer")
    fallbacks = pdf_fonts.find_fallbacks(chars, main)
    if any(not ch.isspace() and not any(f.draws(ch) for f in (main, *fallbacks)) for ch in chars):
        pytest.skip(f"no font on this computer draws {chars!r} (e.g. install fonts-noto-cjk)")
    return main


def test_cjk_names_print_with_a_fallback_font(result, capsys):
    _need(CJK)
    text = _text(to_pdf(result, ShopInfo(shop=CJK, technician="王小明")))
    assert "東京モバイル修理" in text and "서울" in text and "王小明" in text
    assert "warning" not in capsys.readouterr().err


def test_a_character_no_font_draws_warns_once_by_script(result, capsys, monkeypatch):
    if pdf_fonts.find_font() is None:
        pytest.skip("no Unicode TrueType font on this computer")
    monkeypatch.setattr(pdf_fonts, "_fallback_candidates", lambda: [])  # a computer with no CJK font
    text = _text(to_pdf(result, ShopInfo(shop="東京 Repairs", technician="東京")))
    assert "東京" not in text and "?? Repairs" in text
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning")]
    assert len(warnings) == 1, warnings
    assert "CJK" in warnings[0] and "東" in warnings[0]


def test_a_latin_report_opens_no_fallback_font(result, monkeypatch, capsys):
    def fail(*_a: object) -> None:
        raise AssertionError("a fallback font was opened for a Latin-only report")

    monkeypatch.setattr(pdf_fonts, "_fallback", fail)
    assert _text(to_pdf(result, ShopInfo(shop="Fix-It Phones", technician="Sam"))).count("Fix-It Phones")
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("name", ["محمد علي", "राहुल शर्मा"])
def test_joining_scripts_are_shaped(name, monkeypatch):
    """Arabic and Devanagari letters change shape and order with their neighbours: shaping is switched
    on for them (and only for them)."""
    from fpdf import FPDF

    main = _need(name)
    if not pdf_fonts.shaping_available():
        pytest.skip("uharfbuzz is not installed")
    pdf = FPDF()
    pdf_fonts.setup_fonts(pdf, main, [name])
    assert pdf.text_shaping and pdf.text_shaping["use_shaping_engine"]
    latin = FPDF()
    pdf_fonts.setup_fonts(latin, main, ["Sam"])
    assert not latin.text_shaping


def test_without_the_shaping_engine_it_says_so(monkeypatch, capsys):
    from fpdf import FPDF

    main = _need("محمد")
    monkeypatch.setattr(pdf_fonts, "shaping_available", lambda: False)
    pdf_fonts.setup_fonts(FPDF(), main, ["محمد"])
    err = capsys.readouterr().err
    assert "Arabic" in err and "uharfbuzz" in err


@pytest.mark.parametrize(("ch", "script"), [("東", "CJK"), ("ア", "Japanese"), ("한", "Korean"),
                                            ("म", "Devanagari"), ("م", "Arabic"), ("😀", "emoji")])
def test_script_names(ch, script):
    assert script in pdf_fonts.script_of(ch)
