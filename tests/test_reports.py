"""Printable reports (HTML and PDF): escaping, redaction, content and the result digest.

Results are built without a phone or adb server: each probe of the plan is rendered straight from a
simulated profile, as the simulated phone would print it.
"""

from __future__ import annotations

import copy
import hashlib
import html
import io
import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pypdf
import pytest

from droidcheck.check import check_snapshot
from droidcheck.report.html import to_html
from droidcheck.report.pdf import latin1, to_pdf
from droidcheck.report.redact import redact_result
from droidcheck.report.shop import ShopInfo, load_shop, result_digest
from droidcheck.rules.loader import load_rules
from droidcheck.sim.profile import App, Profile, find_profile
from droidcheck.sim.snapshot import snapshot_of as sim_snapshot_of
from droidcheck.snapshot import Snapshot

EVIL = "<script>alert(1)</script></table>"
PRIVATE = ["+447700900123", "356938035643809", "8944110068512345678", "482913"]


def snapshot_of(profile: Profile) -> Snapshot:
    return sim_snapshot_of(profile, captured_at="2026-11-25T10:00:00Z")


_RULES = load_rules()


def result_of(profile: Profile) -> dict[str, Any]:
    return check_snapshot(snapshot_of(profile), _RULES)


@pytest.fixture(scope="module")
def evil_result() -> dict[str, Any]:
    """A failing phone whose operator name and app label carry markup, plus private data in evidence."""
    profile = find_profile("pixel3-a9-amazon-restricted")
    profile.sims[0].operator = EVIL
    profile.apps.append(App(package="com.evil.sms", label=EVIL))
    result = result_of(profile)
    assert result["verdict"]["likely_causes"], "the profile should produce likely causes"
    # The simulator does not print app labels into any fact; put phone-provided strings where reports show them.
    first = next(f for f in result["findings"] if f["rule"] == result["verdict"]["likely_causes"][0])
    first["evidence"]["app.label"] = EVIL
    first["evidence"]["sim.phone_number"] = "+447700900123"
    first["evidence"]["note"] = "IMEI 356938035643809, ICCID 8944110068512345678, Your Amazon code is 482913"
    result["problems"].append("sms said: Your Amazon code is 482913 " + EVIL)
    result["complete"] = False
    return result


class _Balance(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def test_html_escapes_phone_strings_and_stays_well_formed(evil_result: dict[str, Any]) -> None:
    page = to_html(evil_result, ShopInfo(shop="Shop <b>", ticket="T&1"))
    assert "<script" not in page and "</table>" not in page.replace("</tbody></table>", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/table&gt;" in page
    assert "Shop &lt;b&gt;" in page and "T&amp;1" in page
    parser = _Balance()
    parser.feed(page)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert parser.tags.count("table") == 1 and "script" not in parser.tags
    assert "http://" not in page and "https://" not in page and "<link" not in page  # self-contained


def test_reports_hide_private_data_unless_asked(evil_result: dict[str, Any]) -> None:
    redacted = redact_result(evil_result)
    html_page = to_html(redacted)
    pdf_text = _pdf_text(to_pdf(redacted))
    serial = evil_result["device"]["serial"]
    for secret in PRIVATE:
        assert secret not in html_page
        assert secret not in pdf_text
    assert serial not in html_page and serial[:2] + "•" in html_page
    shown = to_html(evil_result, mask=False)
    shown_pdf = _pdf_text(to_pdf(evil_result, mask=False))
    for secret in PRIVATE:
        assert secret in shown
        assert secret in shown_pdf
    assert serial in shown


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_has_verdict_causes_and_digest(evil_result: dict[str, Any]) -> None:
    result = redact_result(evil_result)
    data = to_pdf(result, ShopInfo(shop="Corner Phone Repair", technician="Sam"), paper="Letter")
    text = _flat(_pdf_text(data))
    assert "Problems found that stop codes arriving" in text
    titles = {f["rule"]: f["title"] for f in result["findings"]}
    for rule in result["verdict"]["likely_causes"]:
        assert _flat(latin1(titles[rule])) in text
    assert "Corner Phone Repair" in text and "Customer signature" in text
    digest = hashlib.sha256(json.dumps(result, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False).encode()).hexdigest()
    assert digest in text.replace(" ", "")
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) <= 3


def test_html_digest_and_content() -> None:
    result = redact_result(result_of(find_profile("pixel3-a9-amazon-restricted")))
    page = to_html(result)
    digest = hashlib.sha256(json.dumps(result, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False).encode()).hexdigest()
    assert digest == result_digest(result) and digest in page
    titles = {f["rule"]: f["title"] for f in result["findings"]}
    positions = [page.index(html.escape(titles[r])) for r in result["verdict"]["likely_causes"]]
    assert positions == sorted(positions)  # rank order
    assert page.count('class="box"') == sum(f["status"] == "manual" for f in result["findings"])
    # A saved result re-rendered by 'droidcheck report' keeps the same digest: redaction is idempotent.
    assert result_digest(redact_result(copy.deepcopy(result))) == digest


def test_pdf_survives_non_latin1_text(monkeypatch) -> None:
    monkeypatch.setenv("DROIDCHECK_PDF_FONT", "none")  # Helvetica: the transliterating fallback
    result = redact_result(result_of(find_profile("pixel8-a14-healthy")))
    result["device"]["model"] = "फ़ोन 📱 → ☐ Pixel"
    text = _pdf_text(to_pdf(result))
    assert "-> [ ] Pixel" in text
    assert latin1("Jio ✓ “x” é") == 'Jio ok "x" é'


def test_shop_config_and_overrides(tmp_path: Path) -> None:
    assert load_shop(tmp_path) == ShopInfo()
    (tmp_path / "droidcheck.toml").write_text('shop = "Corner"\ntechnician = "Sam"\n', encoding="utf-8")
    info = load_shop(tmp_path).merged(technician="Alex", ticket=None)
    assert info == ShopInfo(shop="Corner", technician="Alex")
    (tmp_path / "droidcheck.toml").unlink()
    (tmp_path / "droidcheck.yaml").write_text("shop: Y\nbogus: 1\n", encoding="utf-8")
    from droidcheck.errors import InputError

    with pytest.raises(InputError, match="bogus"):
        load_shop(tmp_path)


def test_report_command_renders_saved_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from droidcheck.cli import app

    monkeypatch.setattr("droidcheck.report.shop.config_dir", lambda: tmp_path)
    result = redact_result(result_of(find_profile("pixel3-a9-amazon-restricted")))
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "r.html"
    run = CliRunner().invoke(app, ["report", str(saved), "-o", str(out), "--shop", "Corner", "--ticket", "42"])
    assert run.exit_code == 0, run.output
    page = out.read_text(encoding="utf-8")
    assert result_digest(result) in page and "Corner" in page
    bad = CliRunner().invoke(app, ["report", str(saved), "-o", str(tmp_path / "r.txt")])
    assert bad.exit_code == 2


@pytest.mark.parametrize("name", ["pixel3-a9-amazon-restricted", "galaxy-s10-a11-dualsim-no-service"])
def test_pdf_names_the_area_on_every_page_that_shows_its_checks(name):
    """The all-checks table breaks across pages: a page must not show an area's rows without its name."""
    from droidcheck.report.format import area_title
    from droidcheck.report.shop import build_report, check_name

    result = redact_result(result_of(find_profile(name)))
    report = build_report(result, None)
    pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(to_pdf(result))).pages]
    # only the all-checks table: the causes above it and the checklist below it name checks too
    first = next(i for i, page in enumerate(pages) if "All checks by area" in page)
    pages = pages[first:]
    pages[0] = pages[0].split("All checks by area", 1)[1]
    pages = [page.split("Checklist (no phone", 1)[0] for page in pages]
    assert len(pages) >= 2, "the case needs a table that breaks across pages"
    for area, findings in report.areas:
        for page in pages:
            # the evidence column is shared by several checks; the check's own name is not
            if any(" ".join(latin1(check_name(f)).split()) in page for f in findings):
                assert latin1(area_title(area)) in page, (area, page[:200])


# -- PDF fonts: the computer's Unicode font when there is one, Latin-1 otherwise ----------------------------

UNICODE_SHOP = ShopInfo(shop="Ремонт телефонів «Сервіс»", technician="Ζωή 😀 मोबाइल ☎")


def _unicode_pdf_text(result: dict[str, Any]) -> str:
    pdf = to_pdf(result, UNICODE_SHOP)
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_prints_other_scripts_with_a_system_font(monkeypatch):
    from droidcheck.report.pdf_fonts import ENV, find_fallbacks, find_font

    monkeypatch.delenv(ENV, raising=False)
    font = find_font()
    if font is None:
        pytest.skip("no Unicode TrueType font on this computer (DejaVu, Liberation, Arial)")
    monkeypatch.setenv(ENV, f"{font.regular}{os.pathsep}{font.bold}")
    text = _unicode_pdf_text(redact_result(result_of(find_profile("pixel3-a9-amazon-restricted"))))
    assert "Ремонт телефонів «Сервіс»" in text and "Ζωή" in text
    sample = "Ζωή 😀 मोबाइल ☎"
    fonts = (font, *find_fallbacks(sample, font))  # other scripts come from the computer's fallback fonts
    missing = [ch for ch in sample if not ch.isspace() and not any(f.draws(ch) for f in fonts)]
    assert not any(ch in text for ch in missing), missing  # replaced, never drawn as empty boxes


@pytest.mark.parametrize("setting", ["none", "{tmp}/not-a-font.ttf"])
def test_pdf_falls_back_to_latin1_without_a_usable_font(monkeypatch, tmp_path, setting):
    from droidcheck.report.pdf_fonts import ENV

    (tmp_path / "not-a-font.ttf").write_text("this is not a font")
    monkeypatch.setenv(ENV, setting.format(tmp=tmp_path))
    text = _unicode_pdf_text(redact_result(result_of(find_profile("pixel3-a9-amazon-restricted"))))
    assert "Ремонт" not in text and "??????" in text  # transliterated, never an error


def test_terminal_lists_areas_in_the_printed_reports_order():
    """Staff compare the screen with the printout: the same areas, in the same order."""
    from rich.console import Console

    from droidcheck.report.format import area_title, findings_by_area
    from droidcheck.report.terminal import render

    result = redact_result(result_of(find_profile("galaxy-a52-a13-airplane")))
    console = Console(record=True, width=160)
    render(result, console)
    screen = console.export_text()
    titles = [area_title(a) for a, _ in findings_by_area(result["findings"])]
    positions = [screen.index(f"\n{t}") for t in titles]
    assert positions == sorted(positions) and titles[0] == "Network", titles
