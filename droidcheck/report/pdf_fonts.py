"""A Unicode TrueType font for the PDF report, taken from the computer's own fonts.

fpdf2's built-in Helvetica covers Latin-1 only, so a shop name in Cyrillic or an operator name in Greek
would print as "?". No pip package we would want to depend on ships a font, but every desktop system has
one that covers most scripts: Arial / Segoe UI on Windows, Arial Unicode or Arial on macOS, DejaVu Sans or
Liberation Sans on Linux. The first one found is embedded (fpdf2 subsets it). Glyphs the font lacks
(emoji; Devanagari in Arial) are replaced before drawing, so nothing is ever drawn as an empty box.

``DROIDCHECK_PDF_FONT`` overrides the search: ``REGULAR.ttf`` or ``REGULAR.ttf<pathsep>BOLD.ttf``, or
``none`` for the Latin-1 fallback (Helvetica) everywhere.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ENV = "DROIDCHECK_PDF_FONT"


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path
    covered: frozenset[int] = field(default=frozenset(), compare=False, repr=False)  # code points it draws

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


def _coverage(path: Path) -> frozenset[int] | None:
    """The code points the font has glyphs for; None when it is not a font fontTools can read."""
    try:
        from fontTools.ttLib import TTFont

        with TTFont(str(path), lazy=True) as font:
            cmap = font.getBestCmap()
    except Exception:  # a damaged or foreign file: fontTools raises many types
        return None
    return frozenset(cmap) if cmap else None


def _load(regular: str, bold: str | None) -> FontFiles | None:
    reg = Path(regular)
    if not reg.is_file():
        return None
    covered = _coverage(reg)
    if covered is None:
        return None
    bold_path = Path(bold) if bold and Path(bold).is_file() else reg
    return FontFiles(reg, bold_path, covered)


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
