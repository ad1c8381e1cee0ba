"""The printable report as a PDF, drawn with fpdf2 (pure Python: nothing to install on a shop's Windows PC).

Fonts: a Unicode TrueType font of the computer's own is embedded when one is found
(:mod:`droidcheck.report.pdf_fonts`), so a shop name in Cyrillic or an operator name in Greek prints as
written; a character that font cannot draw (an emoji) is replaced rather than drawn as an empty box. With no
such font, fpdf2's Helvetica (Latin-1) is used and text is transliterated (:func:`latin1`): known symbols
get ASCII stand-ins (→ "->", ☐ "[ ]", • "*"), accented letters keep their base letter, and anything else
becomes "?". Either way the PDF never fails or prints garbage because of what a phone reported.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, tzinfo
from typing import Any

from droidcheck.report.format import area_title
from droidcheck.report.pdf_fonts import FontFiles, describe_missing, find_font, setup_fonts, warn
from droidcheck.report.shop import (
    NOW_WORDS,
    STATUS_LABEL,
    Report,
    ShopInfo,
    build_report,
    check_name,
    evidence_text,
)
from droidcheck.result import CheckResult, FindingEntry

_SUBSTITUTES = {
    "→": "->", "←": "<-", "↳": "->", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
    "…": "...", "•": "*", "·": "\u00b7", "☐": "[ ]", "✓": "ok", "✗": "x", "≥": ">=", "≤": "<=", "×": "x",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}

COLORS = {"fail": (179, 38, 30), "incomplete": (196, 98, 0),
          "warn": (168, 107, 0), "unknown": (123, 31, 162), "pass": (46, 125, 50),
          "skip": (102, 102, 102), "manual": (21, 101, 192)}
STAGE_COLORS = {"reached": (46, 125, 50), "not_reached": (179, 38, 30), "not_observable": (102, 102, 102),
                "unreadable": (168, 107, 0)}
VERDICT_FILL = {"fail": (253, 232, 232), "warn": (255, 244, 214), "pass": (227, 244, 230),
                "incomplete": (255, 233, 194)}


def latin1(text: Any) -> str:
    """``text`` as something Helvetica can print: Latin-1 only, never an exception."""
    out: list[str] = []
    for ch in str(text):
        if ch in _SUBSTITUTES:
            out.append(_SUBSTITUTES[ch])
        elif ord(ch) < 256:
            out.append(ch if ch.isprintable() or ch in "\n" else " ")
        else:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base if base and base.isprintable() else "?")
    return "".join(out)


def printable(font: FontFiles | None, fallbacks: Sequence[FontFiles] = (),
              missing: set[str] | None = None) -> Callable[[Any], str]:
    """The text filter for ``font`` (and its ``fallbacks``): :func:`latin1` for Helvetica, else keep what
    a font can draw. Characters that end up as "?" are added to ``missing``, for one warning per report."""
    if font is None:
        return latin1
    fonts = (font, *fallbacks)

    def keep_drawable(text: Any) -> str:
        out: list[str] = []
        for ch in str(text):
            if ch == "\n" or (ch.isprintable() and any(f.draws(ch) for f in fonts)):
                out.append(ch)
            elif ch in _SUBSTITUTES:
                out.append(_SUBSTITUTES[ch])
            else:
                stand_in = latin1(ch)
                if missing is not None and stand_in == "?" and ch.isprintable() and not ch.isspace():
                    missing.add(ch)
                out.append(stand_in)
        return "".join(out)

    return keep_drawable


def _pdf_class() -> type:
    from fpdf import FPDF

    class ReportPDF(FPDF):
        digest = ""
        footer_note = ""
        family = "Helvetica"
        text_filter: Callable[[Any], str] = staticmethod(latin1)

        def footer(self) -> None:
            self.set_y(-11)
            self.set_font(self.family, "", 7)
            self.set_text_color(90, 90, 90)
            self.cell(0, 3.5, self.text_filter(self.footer_note), new_x="LMARGIN", new_y="NEXT")
            self.cell(0, 3.5, self.text_filter(f"Result SHA-256: {self.digest}    page {self.page_no()}/{{nb}}"))

    return ReportPDF


def render_pdf(r: Report, paper: str = "A4") -> bytes:
    """The PDF for an already built report. ``paper`` is "A4" or "Letter"; margins suit both."""
    from fpdf.enums import XPos, YPos

    pdf = _pdf_class()(format="Letter" if paper.lower() == "letter" else "A4", unit="mm")
    font = find_font()
    missing: set[str] = set()
    fallbacks = setup_fonts(pdf, font, _strings(r))
    if font is not None:
        pdf.family = "body"
    pdf.text_filter = printable(font, fallbacks, missing)
    t, family = pdf.text_filter, pdf.family
    pdf.digest = r.digest
    privacy = ("Phone numbers, IMEI/ICCID and codes are hidden." if r.redacted
               else "NOT REDACTED: may contain phone numbers, IMEI/ICCID or codes.")
    pdf.footer_note = f"droidcheck {r.version} · {privacy}"
    pdf.set_margins(13, 10, 13)
    pdf.set_auto_page_break(True, margin=13)
    pdf.set_title(t(r.title))
    pdf.set_creator(t(f"droidcheck {r.version}"))
    pdf.add_page()
    width = pdf.epw
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}

    def text(s: str, size: float = 9, style: str = "", h: float = 4.2, color: tuple[int, int, int] = (26, 26, 26),
             indent: float = 0) -> None:
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, h, t(s), align="L", **nl)  # justified text stretches the spaces

    def label(indent: float, name: str, s: str, bold: bool = False,
              color: tuple[int, int, int] = (26, 26, 26)) -> None:
        """``name`` in bold in a fixed column, then ``s`` wrapping beside it (Found / Done / Now)."""
        pdf.set_x(pdf.l_margin + indent)
        pdf.set_font(family, "B", 9)
        pdf.set_text_color(70, 70, 70)
        pdf.cell(18, 4.3, t(name))
        pdf.set_font(family, "B" if bold else "", 9)
        pdf.set_text_color(*color)
        pdf.multi_cell(width - indent - 18, 4.3, t(s), align="L", **nl)

    def heading(s: str) -> None:
        if pdf.will_page_break(18):
            pdf.add_page()
        pdf.ln(1.0)
        text(s, 11, "B", 5.5)
        pdf.set_draw_color(180, 180, 180)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(1.2)

    # Header: shop left, times and ticket right.
    top = pdf.get_y()
    s = r.shop
    if s.shop:
        text(s.shop, 14, "B", 6)
    if s.shop_details:
        text(s.shop_details, 8, "", 3.8, (85, 85, 85))
    text(r.title, 11, "B", 5.5)
    left_bottom = pdf.get_y()
    right = [f"Printed {r.printed_at}", f"Phone read {r.captured_at}"]
    if s.ticket:
        right.append(f"Ticket {s.ticket}")
    if s.technician:
        right.append(f"Technician {s.technician}")
    pdf.set_y(top)
    pdf.set_font(family, "", 8)
    pdf.set_text_color(26, 26, 26)
    for line in right:
        pdf.set_x(pdf.l_margin + width * 0.5)
        pdf.multi_cell(width * 0.5, 3.8, t(line), align="R", **nl)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 1)
    pdf.set_draw_color(26, 26, 26)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.ln(2)

    # Identity, two pairs per row.
    pairs = r.identity
    for i in range(0, len(pairs), 2):
        y = pdf.get_y()
        bottoms = []
        for j, (k, v) in enumerate(pairs[i:i + 2]):
            x = pdf.l_margin + j * width / 2
            pdf.set_xy(x, y)
            pdf.set_font(family, "", 9)
            pdf.set_text_color(85, 85, 85)
            pdf.cell(26, 4.1, t(k))
            pdf.set_font(family, "B", 9)
            pdf.set_text_color(26, 26, 26)
            pdf.multi_cell(width / 2 - 27, 4.1, t(v), **nl)
            bottoms.append(pdf.get_y())
        pdf.set_y(max(bottoms))
    if r.connection:
        text(f"Connected as {r.connection}", 7, "", 3.2, (85, 85, 85))
    pdf.ln(1.5)

    # Verdict.
    color = COLORS.get(r.verdict, (90, 90, 90))
    pdf.set_fill_color(*VERDICT_FILL.get(r.verdict, (238, 238, 238)))
    pdf.set_draw_color(*color)
    pdf.set_line_width(0.6)
    pdf.set_text_color(*color)
    pdf.set_font(family, "B", 10.5)
    verdict = r.verdict_text + (f"  ({r.counts})" if r.counts else "")
    pdf.multi_cell(width, 6.2, t(verdict), border=1, fill=True, padding=(0.6, 2.5), **nl)
    pdf.set_line_width(0.2)
    pdf.ln(1)
    if r.missing:
        text("These checks could not be made: the phone did not give droidcheck what they need:", 9, "B", 4.4,
             COLORS["incomplete"])
        for line in r.missing[:12]:
            text(f"* {line}", 8.5, "", 4, COLORS["incomplete"], indent=3)
    if not r.complete:
        text("The read was incomplete, so causes may be missing:", 9, "B", 4.4, COLORS["unknown"])
        for p in r.problems[:8]:
            text(f"* {p}", 8.5, "", 4, COLORS["unknown"], indent=3)

    # The story first, in the same order as the HTML: what was fixed, whether a code now arrives, then
    # what is still wrong.
    if r.changes:
        heading("What was found and fixed")
        for c in r.changes:
            fixed = c.applied and c.now_status in ("pass", "skip")
            if pdf.will_page_break(14):
                pdf.add_page()
            y0 = pdf.get_y()
            found = f"  [{STATUS_LABEL.get(c.found_status, c.found_status)}]" if c.found_status else ""
            label(3, "Found", c.found + found, bold=True)
            outcome = "" if c.applied and c.outcome == "done" else f" – {c.outcome}"
            label(3, "Done" if c.applied else "Not done", f"{c.action}{outcome}   ({c.when})")
            if c.setting:
                text(f"setting {c.setting}", 7, "", 3.2, (110, 110, 110), indent=21)
            if c.now_status:
                now = NOW_WORDS.get(c.now_status, c.now_status) + (f": {c.now}" if c.now else "")
                label(3, "Now", now, color=COLORS.get(c.now_status, (26, 26, 26)))
            pdf.set_fill_color(*COLORS["pass" if fixed else "fail"])
            pdf.rect(pdf.l_margin, y0 + 0.5, 1.2, pdf.get_y() - y0 - 0.5, style="F")
            pdf.ln(1.2)
    if r.delivery or r.timeline:
        heading("Code delivery test")
        for line in r.delivery:
            text(line, 8.5, "", 4.0, indent=2)
        if r.timeline:
            pdf.ln(0.8)
            pdf.set_font(family, "", 8)
            pdf.set_draw_color(220, 220, 220)
            pdf.set_fill_color(255, 255, 255)
            with pdf.table(col_widths=(78, 50, 28), width=min(width, 156), line_height=3.4, padding=(0.4, 1),
                           borders_layout="HORIZONTAL_LINES", text_align=("LEFT", "LEFT", "RIGHT"),
                           first_row_as_headings=True, align="LEFT",
                           headings_style=_style(bold=True, color=(85, 85, 85))) as table:
                table.row([t("Stage"), t("Result"), t("After the request")])
                for st in r.timeline:
                    row = table.row()
                    row.cell(t(st.label))
                    row.cell(t(st.words), style=_style(bold=st.status in ("reached", "not_reached"),
                                                        color=STAGE_COLORS.get(st.status)))
                    row.cell(t(st.after))

    causes_title = "Most likely causes" if not r.changes else "Most likely causes (now)"
    if not r.causes:  # one line, not a heading over one line
        pdf.ln(1.0)
        none = "None found in what was read." if r.verdict == "incomplete" else "None found on the phone."
        text(f"{causes_title}: {none}", 10, "B", 5.5)
    else:
        heading(causes_title)
    for cause in r.causes:
        f: FindingEntry = cause.finding
        status = str(f.get("status", ""))
        if pdf.will_page_break(24):
            pdf.add_page()
        y0 = pdf.get_y()
        text(f"{cause.rank}. {f.get('title', '')}   [{STATUS_LABEL.get(status, status)}]", 10, "B", 5, indent=3)
        ev = evidence_text(f)
        if ev:
            text(f"The phone showed: {ev}", 7.5, "", 3.6, (70, 70, 70), indent=3)
        if f.get("explanation"):
            text(str(f["explanation"]), 9, "", 4.1, indent=3)
        steps = f.get("fix") or []
        if steps:
            text("What to do:", 9, "B", 4.3, indent=3)
        for i, step in enumerate(steps, 1):
            text(f"{i}. {step}", 9, "", 4.1, (21, 70, 140), indent=7)
        for x in cause.explained:
            text(f"Also explained by this: {x.get('title', '')} ({evidence_text(x)})", 8, "I", 3.8,
                 (85, 85, 85), indent=5)
        y1 = pdf.get_y()
        if y1 > y0:  # the bar marks the cause's severity; skipped if the cause broke across pages
            pdf.set_fill_color(*COLORS.get(status, (90, 90, 90)))
            pdf.rect(pdf.l_margin, y0 + 0.5, 1.2, y1 - y0 - 0.5, style="F")
        pdf.ln(1.8)

    heading("All checks by area")
    titles = {f.get("rule"): f.get("title") for _, findings in r.areas for f in findings}
    pdf.set_font(family, "", 7.5)
    pdf.set_draw_color(220, 220, 220)
    pdf.set_fill_color(255, 255, 255)  # the table fills rows with the current colour unless told otherwise
    columns = (19, 54, width - 73)  # "UNKNOWN" in bold fits on one line in Helvetica and DejaVu Sans
    table_args: dict[str, Any] = dict(col_widths=columns, width=width, line_height=2.65, padding=(0.3, 1),
                                      borders_layout="HORIZONTAL_LINES", text_align="LEFT")
    with pdf.table(**table_args, first_row_as_headings=True,
                   headings_style=_style(bold=True, color=(85, 85, 85))) as table:
        table.row(["Result", "Check", "What the phone showed"])
    # One table per area, headed by its name: fpdf2 repeats a table's heading row after a page break, so an
    # area's name never ends a page alone and its continuation on the next page is labelled.
    for area, findings in r.areas:
        if pdf.will_page_break(11):
            pdf.add_page()
        with pdf.table(**table_args, first_row_as_headings=True,
                       headings_style=_style(bold=True, fill=(238, 238, 238))) as table:
            table.row().cell(t(area_title(area)), colspan=3)
            for f in findings:
                status = str(f.get("status", ""))
                ev = evidence_text(f)
                if f.get("explained_by"):
                    ev += f" (explained by: {titles.get(f['explained_by']) or f['explained_by']})"
                row = table.row()
                row.cell(t(STATUS_LABEL.get(status, status)),
                         style=_style(bold=status in ("fail", "warn", "unknown"), color=COLORS.get(status)))
                row.cell(t(check_name(f)))
                row.cell(t(ev), style=_style(color=(70, 70, 70), size=6.6))

    if r.checklist:
        heading("Checklist (no phone can answer these)")
        # Two columns, row by row: nine short items would otherwise fill half a page on their own.
        gap = 5.0
        col = (width - gap) / 2
        def item_height(f: FindingEntry) -> float:
            pdf.set_font(family, "B", 8)
            title = pdf.multi_cell(col - 5.5, 3.7, t(str(f.get("title", ""))), dry_run=True, output="LINES")
            pdf.set_font(family, "", 6.8)
            first = (f.get("fix") or [""])[0]
            lines = pdf.multi_cell(col - 5.5, 3.0, t(first), dry_run=True, output="LINES") if first else []
            return len(title) * 3.7 + len(lines) * 3.0

        for i in range(0, len(r.checklist), 2):
            if pdf.will_page_break(max(item_height(f) for f in r.checklist[i:i + 2]) + 1.2):
                pdf.add_page()
            y = pdf.get_y()
            bottoms = []
            for j, f in enumerate(r.checklist[i:i + 2]):
                x = pdf.l_margin + j * (col + gap)
                pdf.set_draw_color(40, 40, 40)
                pdf.rect(x + 0.5, y + 0.4, 3.0, 3.0)
                pdf.set_xy(x + 5.5, y)
                pdf.set_font(family, "B", 8)
                pdf.set_text_color(26, 26, 26)
                pdf.multi_cell(col - 5.5, 3.7, t(str(f.get("title", ""))), align="L", **nl)
                first = (f.get("fix") or [""])[0]
                if first:
                    pdf.set_x(x + 5.5)
                    pdf.set_font(family, "", 6.8)
                    pdf.set_text_color(85, 85, 85)
                    pdf.multi_cell(col - 5.5, 3.0, t(first), align="L", **nl)
                bottoms.append(pdf.get_y())
            pdf.set_y(max(bottoms) + 0.6)

    if pdf.will_page_break(10.5):  # room for a signature: the lines and their labels stay together
        pdf.add_page()
    pdf.ln(5.5)
    y = pdf.get_y()
    pdf.set_draw_color(40, 40, 40)
    half = (width - 10) / 2
    for i, signature in enumerate(("Technician signature" + (f" ({s.technician})" if s.technician else ""),
                                   "Customer signature")):
        x = pdf.l_margin + i * (half + 10)
        pdf.line(x, y, x + half, y)
        pdf.set_xy(x, y + 0.8)
        pdf.set_font(family, "", 8)
        pdf.set_text_color(70, 70, 70)
        pdf.cell(half, 4, t(signature))
    data = bytes(pdf.output())
    message = describe_missing(missing)
    if message:
        warn(message)
    return data


def _strings(value: Any) -> Iterator[str]:
    """Every piece of text in a report (to choose fallback fonts before drawing starts)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _strings(v)


def _style(bold: bool = False, color: tuple[int, int, int] | None = None,
           fill: tuple[int, int, int] | None = None, size: float | None = None) -> Any:
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD" if bold else None, color=color, fill_color=fill, size_pt=size)


def to_pdf(result: CheckResult, shop: ShopInfo | None = None, *, mask: bool = True, paper: str = "A4",
           printed_at: datetime | None = None, zone: tzinfo | None = None) -> bytes:
    """The report for ``result`` (already redacted, unless the user asked otherwise) as PDF bytes."""
    return render_pdf(build_report(result, shop, mask=mask, printed_at=printed_at, zone=zone), paper)
