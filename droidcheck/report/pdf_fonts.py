"""A Unicode TrueType font for the PDF report, taken from the computer's own fonts.

fpdf2's built-in Helvetica covers Latin-1 only, so a shop name in Cyrillic or an operator name in Greek
would print as "?". No pip package we would want to depend on ships a font, but every desktop system has
one that covers most scripts: Arial / Segoe UI on Windows, Arial Unicode or Arial on macOS, DejaVu Sans or
Liberation Sans on Linux. The first one found is embedded (fpdf2 subsets it). Glyphs the font lacks
(emoji; Devanagari in Arial) are replaced before drawing, so nothing is ever drawn as an empty box.

Scripts the main font lacks (Chinese, Japanese, Korean; Devanagari, Bengali, Thai…) are drawn with fallback
fonts the computer also has (Noto, Droid Sans Fallback, WenQuanYi on Linux; Microsoft YaHei, MS Gothic,
Malgun Gothic, Nirmala UI on Windows; PingFang, Hiragino, Apple SD Gothic, Kohinoor on macOS), chosen only
for the characters the report holds, so a Latin-only report loads none of them. A character no font can
draw is reported once per report (:func:`describe_missing`), by script.

``DROIDCHECK_PDF_FONT`` overrides the search: ``REGULAR.ttf`` or ``REGULAR.ttf<pathsep>BOLD.ttf``, or
``none`` for the Latin-1 fallback (Helvetica) everywhere.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ENV = "DROIDCHECK_PDF_FONT"


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path
    covered: frozenset[int] = field(default=frozenset(), compare=False, repr=False)  # code points it draws
    collection: int = 0  # the face in a .ttc collection

    def draws(self, ch: str) -> bool:
        return ord(ch) in self.covered


def _candidates() -> list[tuple[str, str]]:
    """(regular, bold) paths to try on this platform, most complete first."""
    if sys.platform == "win32":
        fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        return [(str(fonts / "arial.ttf"), str(fonts / "arialbd.ttf")),
                (str(fonts / "segoeui.ttf"), str(fonts / "segoeuib.ttf"))]
    if sys.platform == "darwin":
        sup = "/System/Library/Fonts/Supplemental"
        return [(f"{sup}/Arial Unicode.ttf", f"{sup}/Arial Bold.ttf"),
                ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Bold.ttf"),
                (f"{sup}/Arial.ttf", f"{sup}/Arial Bold.ttf")]
    pairs = []
    for base in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
                 "/usr/share/fonts/dejavu-sans-fonts", "/usr/local/share/fonts"):
        pairs.append((f"{base}/DejaVuSans.ttf", f"{base}/DejaVuSans-Bold.ttf"))
    for base in ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/liberation-sans",
                 "/usr/share/fonts/TTF"):
        pairs.append((f"{base}/LiberationSans-Regular.ttf", f"{base}/LiberationSans-Bold.ttf"))
    return pairs


def _coverage(path: Path, collection: int = 0) -> frozenset[int] | None:
    """The code points the font has glyphs for; None when it is not a font fontTools can read."""
    try:
        from fontTools.ttLib import TTFont

        with TTFont(str(path), lazy=True, fontNumber=collection) as font:
            cmap = font.getBestCmap()
    except Exception:  # a damaged or foreign file: fontTools raises many types
        return None
    return frozenset(cmap) if cmap else None


def _load(regular: str, bold: str | None, collection: int = 0) -> FontFiles | None:
    reg = Path(regular)
    if not reg.is_file():
        return None
    covered = _coverage(reg, collection)
    if covered is None:
        return None
    bold_path = Path(bold) if bold and Path(bold).is_file() else reg
    return FontFiles(reg, bold_path, covered, collection)


@lru_cache(maxsize=4)
def _find(setting: str | None) -> FontFiles | None:
    if setting is not None and setting.strip():
        if setting.strip().lower() == "none":
            return None
        regular, _, bold = setting.partition(os.pathsep)
        return _load(regular.strip(), bold.strip() or None)
    for regular, bold in _candidates():
        found = _load(regular, bold)
        if found is not None:
            return found
    return None


def find_font() -> FontFiles | None:
    """The font to embed, or None for the Latin-1 fallback."""
    return _find(os.environ.get(ENV))


# -- fallback fonts for the scripts the main font lacks ----------------------------------------------

def _fallback_candidates() -> list[tuple[str, str, int]]:
    """(regular, bold, face in a .ttc) of fonts that cover other scripts, on this platform, CJK first."""
    if sys.platform == "win32":
        f = str(Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts")
        return [(f"{f}/msyh.ttc", f"{f}/msyhbd.ttc", 0), (f"{f}/msgothic.ttc", "", 0),
                (f"{f}/malgun.ttf", f"{f}/malgunbd.ttf", 0), (f"{f}/Nirmala.ttf", f"{f}/NirmalaB.ttf", 0),
                (f"{f}/mangal.ttf", f"{f}/mangalb.ttf", 0), (f"{f}/segoeui.ttf", f"{f}/segoeuib.ttf", 0),
                (f"{f}/tahoma.ttf", f"{f}/tahomabd.ttf", 0), (f"{f}/seguisym.ttf", "", 0)]
    if sys.platform == "darwin":
        lib, sup = "/System/Library/Fonts", "/System/Library/Fonts/Supplemental"
        return [(f"{lib}/PingFang.ttc", "", 0), (f"{lib}/Hiragino Sans GB.ttc", "", 0),
                (f"{lib}/ヒラギノ角ゴシック W3.ttc", f"{lib}/ヒラギノ角ゴシック W6.ttc", 0),
                (f"{lib}/AppleSDGothicNeo.ttc", "", 0), (f"{lib}/Kohinoor.ttc", "", 0),
                (f"{sup}/Devanagari Sangam MN.ttc", "", 0), (f"{lib}/GeezaPro.ttc", "", 0),
                (f"{sup}/Arial Unicode.ttf", "", 0), (f"{lib}/Thonburi.ttc", "", 0)]
    out: list[tuple[str, str, int]] = []
    for base in ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk",
                 "/usr/share/fonts/OTF", "/usr/share/fonts/noto"):
        out.append((f"{base}/NotoSansCJK-Regular.ttc", f"{base}/NotoSansCJK-Bold.ttc", 0))
    out += [("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "", 0),
            ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "", 0),
            ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "", 0),
            ("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc", "", 0)]
    for base in ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/noto", "/usr/share/fonts/google-noto"):
        for script in ("Devanagari", "Bengali", "Arabic", "Hebrew", "Thai", "Tamil", "Gurmukhi", "Gujarati",
                       "Telugu", "Kannada", "Malayalam", "Sinhala", "Khmer", "Myanmar", "Ethiopic", "Georgian",
                       "Armenian"):
            out.append((f"{base}/NotoSans{script}-Regular.ttf", f"{base}/NotoSans{script}-Bold.ttf", 0))
        out.append((f"{base}/NotoSans-Regular.ttf", f"{base}/NotoSans-Bold.ttf", 0))
    for script in ("devanagari", "bengali", "tamil", "gujarati", "gurmukhi", "telugu", "kannada", "malayalam"):
        name = script.capitalize()
        out.append((f"/usr/share/fonts/truetype/lohit-{script}/Lohit-{name}.ttf", "", 0))
    return out


@lru_cache(maxsize=64)
def _fallback(regular: str, bold: str, collection: int) -> FontFiles | None:
    return _load(regular, bold or None, collection)


def find_fallbacks(needed: Iterable[str], main: FontFiles | None) -> list[FontFiles]:
    """Fonts of this computer that draw the characters of ``needed`` that ``main`` cannot, fewest first
    found: a candidate is opened only while some character is still without a font."""
    if main is None:  # DROIDCHECK_PDF_FONT=none, or no Unicode font at all: Latin-1 only
        return []
    left = {ch for ch in needed if not ch.isspace() and ch.isprintable() and not main.draws(ch)}
    chosen: list[FontFiles] = []
    for regular, bold, collection in _fallback_candidates():
        if not left:
            break
        font = _fallback(regular, bold, collection)
        if font is None:
            continue
        drawn = {ch for ch in left if font.draws(ch)}
        if drawn:
            chosen.append(font)
            left -= drawn
    return chosen


#: Scripts whose letters change shape or order with their neighbours: printable only with a shaping engine.
SHAPED_SCRIPTS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana", "Nko", "Devanagari", "Bengali", "Gurmukhi",
                            "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai",
                            "Lao", "Tibetan", "Myanmar", "Khmer"})
_SCRIPT_NAMES = {"CJK": "Chinese/Japanese/Korean (CJK)", "HIRAGANA": "Japanese (kana)",
                 "KATAKANA": "Japanese (kana)", "HANGUL": "Korean (Hangul)", "IDEOGRAPHIC": "CJK",
                 "HALFWIDTH": "CJK", "FULLWIDTH": "CJK", "BOPOMOFO": "Chinese (Bopomofo)"}
_SCRIPT_WORDS = frozenset({"ARABIC", "HEBREW", "SYRIAC", "THAANA", "NKO", "DEVANAGARI", "BENGALI", "GURMUKHI",
                           "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "THAI",
                           "LAO", "TIBETAN", "MYANMAR", "KHMER", "ETHIOPIC", "GEORGIAN", "ARMENIAN", "CYRILLIC",
                           "GREEK", "MONGOLIAN", "CHEROKEE", "YI"})


def script_of(ch: str) -> str:
    """A reader's name for the script of ``ch`` (from its Unicode name: no extra data needed)."""
    first = unicodedata.name(ch, "").split(" ", 1)[0]
    if first in _SCRIPT_NAMES:
        return _SCRIPT_NAMES[first]
    if first in _SCRIPT_WORDS:
        return first.capitalize()
    if unicodedata.category(ch) == "So" or ord(ch) >= 0x1F000:
        return "emoji and symbols"
    return "other characters"


def describe_missing(chars: Iterable[str]) -> str | None:
    """One warning line for characters no font could print (None when there are none)."""
    by_script: dict[str, list[str]] = {}
    for ch in sorted(set(chars)):
        by_script.setdefault(script_of(ch), []).append(ch)
    if not by_script:
        return None
    parts = [f"{script} ({''.join(chs[:6])}{'…' if len(chs) > 6 else ''})" for script, chs in by_script.items()]
    return (f"the PDF prints {', '.join(parts)} as '?': no font on this computer draws them "
            f"(install e.g. Noto fonts, or set {ENV}=FONT.ttf)")


def warn(message: str) -> None:
    """A warning on stderr (the report is still written)."""
    print(f"warning: {message}", file=sys.stderr)


def _add_font(pdf: Any, family: str, style: str, path: Path, collection: int) -> None:
    if collection:  # the keyword exists only in fpdf2 versions that read collections
        pdf.add_font(family, style, str(path), collection_font_number=collection)
    else:
        pdf.add_font(family, style, str(path))


def shaping_available() -> bool:
    """Whether fpdf2's shaping engine (the uharfbuzz wheel, an optional extra) is installed."""
    import importlib.util

    return importlib.util.find_spec("uharfbuzz") is not None


def setup_fonts(pdf: Any, main: FontFiles | None, texts: Iterable[str]) -> list[FontFiles]:
    """Register ``main`` as family "body" and the fallbacks the report's ``texts`` need; turn on text
    shaping when a script needs it and uharfbuzz is installed (else warn: letters print unjoined).
    Returns the fallbacks, for the text filter to know what can be drawn."""
    if main is None:
        return []
    _add_font(pdf, "body", "", main.regular, main.collection)
    _add_font(pdf, "body", "B", main.bold, main.collection)
    _add_font(pdf, "body", "I", main.regular, main.collection)  # no oblique face is looked for
    chars = set().union(*(set(t) for t in texts))
    fallbacks: list[FontFiles] = []
    for fb in find_fallbacks(chars, main):
        name = f"fallback{len(fallbacks)}"
        # Regular only: fpdf2 parses a whole font when it is added (a CJK collection: ~0.4 s), and with
        # exact_match=False bold text in these scripts is drawn in the regular weight.
        try:
            _add_font(pdf, name, "", fb.regular, fb.collection)
        except Exception:  # a font fontTools could list but fpdf2 cannot embed: the next one may do
            continue
        fallbacks.append(fb)
    if fallbacks:
        pdf.set_fallback_fonts([f"fallback{i}" for i in range(len(fallbacks))], exact_match=False)
    fonts = (main, *fallbacks)
    shaped = sorted({script_of(ch) for ch in chars if any(f.draws(ch) for f in fonts)} & SHAPED_SCRIPTS)
    if shaped:
        if shaping_available():
            pdf.set_text_shaping(True)
        else:
            warn(f"{', '.join(shaped)} text is printed without shaping (letters unjoined or out of order); "
                 "install the shaping engine: pip install uharfbuzz")
    return fallbacks
