"""Fonts for the PDF report that draw every name a clinic meets: Latin, Greek, Cyrillic, Arabic, CJK, emoji.

Contract: ``pdf_fonts()`` registers, once, Debian's font files with ReportLab and returns ``PdfFonts``: the
body and bold font names to style the report with, and ``markup(text)``, which turns a user's plain text
(a name, a note) into safe Paragraph markup: escaped, Arabic and Hebrew shaped and put in visual order
(arabic-reshaper, python-bidi; ReportLab draws glyphs left to right and does no shaping), and every run of
characters the body font lacks wrapped in the fallback font that has them.

Fonts (the Makefile installs the Debian packages): DejaVu Sans (``fonts-dejavu-core`` and ``-extra``:
Latin, Greek, Cyrillic, Arabic), WenQuanYi Zen Hei (``fonts-wqy-zenhei``: Chinese, Japanese, Korean) and
Symbola (``fonts-symbola``: emoji, in outline; colour emoji fonts are bitmaps ReportLab cannot embed). A
missing file degrades to ReportLab's built-in Helvetica (or no fallback) rather than failing the report.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import arabic_reshaper
from bidi.algorithm import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype")
BODY_FILES = {  # ReportLab name -> file; the family's four faces so <b> and <i> in markup work
    "Body": FONT_DIR / "dejavu/DejaVuSans.ttf",
    "Body-Bold": FONT_DIR / "dejavu/DejaVuSans-Bold.ttf",
    "Body-Italic": FONT_DIR / "dejavu/DejaVuSans-Oblique.ttf",
    "Body-BoldItalic": FONT_DIR / "dejavu/DejaVuSans-BoldOblique.ttf",
}
NARROW_FILES = {  # the condensed face, for table cells (DejaVu Sans is wider than Helvetica)
    "Narrow": FONT_DIR / "dejavu/DejaVuSansCondensed.ttf",
    "Narrow-Bold": FONT_DIR / "dejavu/DejaVuSansCondensed-Bold.ttf",
}
FALLBACK_FILES = {  # tried in order for a character the body font lacks
    "CJK": (FONT_DIR / "wqy/wqy-zenhei.ttc", 0),
    "Emoji": (FONT_DIR / "ancient-scripts/Symbola_hint.ttf", 0),
}
# Joiners and presentation selectors carry no glyph of their own in an outline font: dropped, not boxed.
INVISIBLE = {"\u200c", "\u200d", "\ufe0e", "\ufe0f"}
RTL_CLASSES = {"R", "AL"}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def visual_order(text: str) -> str:
    """Arabic joined into its contextual letter forms and right-to-left runs reversed for drawing (left to
    right); text without right-to-left letters is returned unchanged."""
    if not any(unicodedata.bidirectional(ch) in RTL_CLASSES for ch in text):
        return text
    return get_display(arabic_reshaper.reshape(text))


@dataclass(frozen=True)
class PdfFonts:
    body: str
    bold: str
    covered: frozenset[int]  # code points the body font draws
    fallbacks: tuple[tuple[str, frozenset[int]], ...] = field(default=())  # (font name, code points)
    narrow: str = ""  # the condensed body and bold faces for tables (the body's own when absent)
    narrow_bold: str = ""

    def _font_for(self, ch: str) -> str | None:
        if ord(ch) in self.covered or ch.isspace():
            return None
        return next((name for name, cps in self.fallbacks if ord(ch) in cps), None)

    def markup(self, text: object) -> str:
        """``text`` as Paragraph markup: escaped, in visual order, fallback runs in the font that has them."""
        out: list[str] = []
        run_font, run = None, []

        def flush() -> None:
            chunk = _escape("".join(run))
            out.append(f'<font name="{run_font}">{chunk}</font>' if run_font and chunk else chunk)

        for ch in visual_order(str(text)):
            if ch in INVISIBLE:
                continue
            font = self._font_for(ch)
            if font != run_font and run:
                flush()
                run = []
            run_font = font
            run.append(ch)
        if run:
            flush()
        return "".join(out)


def _register(name: str, path: Path, subfont: int = 0) -> frozenset[int] | None:
    if name not in pdfmetrics.getRegisteredFontNames():
        if not path.is_file():
            return None
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=subfont))
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


@cache
def pdf_fonts() -> PdfFonts:
    """The report's fonts, registered with ReportLab once per process (module contract)."""
    covered = {name: _register(name, path) for name, path in BODY_FILES.items()}
    if covered["Body"] is None:  # no DejaVu: ReportLab's built-in Helvetica (Latin-1 only)
        return PdfFonts("Helvetica", "Helvetica-Bold", frozenset(range(256)), narrow="Helvetica",
                        narrow_bold="Helvetica-Bold")  # fmt: skip
    faces = {(0, 0): "Body", (1, 0): "Body-Bold", (0, 1): "Body-Italic", (1, 1): "Body-BoldItalic"}
    faces = {style: name if covered[name] is not None else "Body" for style, name in faces.items()}
    for (bold, italic), name in faces.items():
        addMapping("Body", bold, italic, name)
    fallbacks = []
    for name, (path, subfont) in FALLBACK_FILES.items():
        cps = _register(name, path, subfont)
        if cps is not None:
            for bold in (0, 1):  # one face: <b> around a fallback run keeps the same font
                for italic in (0, 1):
                    addMapping(name, bold, italic, name)
            fallbacks.append((name, cps))
    narrow = {name: name if _register(name, path) is not None else None for name, path in NARROW_FILES.items()}
    for bold in (0, 1):  # no condensed italic: a table's <i> stays upright
        for italic in (0, 1):
            addMapping("Narrow", bold, italic, (narrow["Narrow-Bold"] or faces[(1, 0)]) if bold else
                       (narrow["Narrow"] or "Body"))  # fmt: skip
    return PdfFonts(
        "Body", faces[(1, 0)], covered["Body"], tuple(fallbacks),
        narrow=narrow["Narrow"] or "Body", narrow_bold=narrow["Narrow-Bold"] or faces[(1, 0)],
    )  # fmt: skip
